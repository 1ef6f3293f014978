"""Dynamic padding: batches pad to their own longest row, never to `max_length`."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def pad_sequences(
    seqs: Sequence[Sequence[int]], pad_value: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(padded ids, attention mask) for a list of id lists."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_value, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.as_tensor(s, dtype=torch.long)
        mask[i, : len(s)] = 1
    return ids, mask
