"""Masked language modelling on raw text, mixed into an intermediate stage (the
MLM-continuation strategy) so the encoder keeps its multilingual knowledge.

Masking is dynamic (15% of tokens per batch: 80% `<mask>`, 10% random, 10% kept, as in
BERT/XLM-R). Its randomness is a pure function of the batch's example ids, so a run
repeats exactly and a resumed run masks as the uninterrupted one did, while the same
sentence is masked differently when the reshuffled epochs put it in other batches. The
head is RoBERTa's LM head with its decoder tied to the encoder's input embeddings, so it
adds few parameters and is dropped with the other heads after the stage.
"""

from __future__ import annotations

from typing import Any, ClassVar

import datasets
import numpy as np
import torch
from torch import nn

from harness.config import TrainArgs
from harness.formats.base import DataReport, Format, require_columns
from harness.formats.mapping import to_canonical
from harness.formats.padding import pad_sequences
from harness.specs import TaskSpec

IGNORE = -100
MASK_PROB = 0.15


class LMHead(nn.Module):
    """dense + GELU + LayerNorm, then the (tied) vocabulary projection."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden_size, hidden_size)
        self.norm = nn.LayerNorm(hidden_size, eps=1e-5)
        self.decoder: nn.Linear | None = None

    def tie_to_input_embeddings(self, embeddings: nn.Embedding) -> None:
        """Called by `MultiTaskModel`: the vocabulary projection shares the embeddings."""
        vocab, hidden = embeddings.weight.shape
        self.decoder = nn.Linear(hidden, vocab)
        self.decoder.weight = embeddings.weight
        nn.init.zeros_(self.decoder.bias)

    def forward(self, hidden: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        # only masked positions are projected onto the vocabulary: the rest carry no loss
        assert self.decoder is not None, "the LM head was not tied to the encoder"
        picked = hidden[batch["labels"] != IGNORE]
        return self.decoder(self.norm(nn.functional.gelu(self.dense(picked))))


class MaskedLM(Format):
    name = "mlm"
    columns: ClassVar[dict[str, str]] = {"text": "raw text in any language"}
    primary_metric = "accuracy"

    def canonicalize(
        self, raw: datasets.Dataset, task: TaskSpec, columns: dict[str, str], strict: bool,
        where: str,
    ) -> tuple[datasets.Dataset, DataReport]:
        ds = to_canonical(raw, task, columns, list(self.columns), where)
        require_columns(ds, ["text"], self, task, where)
        report = DataReport(rows_in=len(ds))
        keep = [i for i, t in enumerate(ds["text"]) if isinstance(t, str) and t.strip()]
        if len(keep) != len(ds):
            report.dropped["empty text"] += len(ds) - len(keep)
            ds = ds.select(keep)
        report.rows_out = len(ds)
        return ds, report

    def featurize(
        self, ds: datasets.Dataset, tokenizer: Any, task: TaskSpec, args: TrainArgs
    ) -> datasets.Dataset:
        special = set(tokenizer.all_special_ids)
        first_normal = max(special) + 1  # random replacements avoid special tokens

        def encode(batch: dict[str, list[Any]], idx: list[int]) -> dict[str, list[Any]]:
            enc = tokenizer(batch["text"], truncation=True, max_length=args.max_length)
            ids = enc["input_ids"]
            n = len(ids)
            return {"input_ids": ids, "length": [len(x) for x in ids], "example_id": idx,
                    "maskable": [[int(t not in special) for t in x] for x in ids],
                    "mask_id": [tokenizer.mask_token_id] * n,
                    "vocab": [[first_normal, len(tokenizer)]] * n}

        return ds.map(encode, batched=True, with_indices=True, remove_columns=ds.column_names)

    def collate(self, rows: dict[str, list[Any]], pad_id: int) -> dict[str, torch.Tensor]:
        input_ids, attention_mask = pad_sequences(rows["input_ids"], pad_id)
        maskable_t, _ = pad_sequences(rows["maskable"], 0)
        ids = input_ids.numpy().copy()
        maskable = maskable_t.numpy().astype(bool)
        rng = np.random.default_rng([int(i) for i in rows["example_id"]])
        chosen = maskable & (rng.random(ids.shape) < MASK_PROB)
        if not chosen.any():  # one masked token per batch at least, so the loss exists
            r, c = np.nonzero(maskable)
            k = rng.integers(len(r))
            chosen[r[k], c[k]] = True
        labels = np.where(chosen, ids, IGNORE)
        roll = rng.random(ids.shape)
        ids[chosen & (roll < 0.8)] = rows["mask_id"][0]
        swap = chosen & (roll >= 0.8) & (roll < 0.9)
        low, high = rows["vocab"][0]
        ids[swap] = rng.integers(low, high, int(swap.sum()))
        return {"input_ids": torch.from_numpy(ids), "attention_mask": attention_mask,
                "labels": torch.from_numpy(labels)}

    def build_head(
        self, hidden_size: int, task: TaskSpec, dropout: float, args: TrainArgs
    ) -> nn.Module:
        return LMHead(hidden_size)

    def loss(self, logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        target = batch["labels"][batch["labels"] != IGNORE]
        return nn.functional.cross_entropy(logits.float(), target)

    def decode(
        self, logits: list[np.ndarray], features: datasets.Dataset, examples: datasets.Dataset,
        task: TaskSpec, args: TrainArgs,
    ) -> list[Any]:
        raise NotImplementedError("MLM is a training signal here, not an evaluated task")

    def score(
        self, predictions: list[Any], examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> dict[str, float]:
        raise NotImplementedError("MLM is a training signal here, not an evaluated task")
