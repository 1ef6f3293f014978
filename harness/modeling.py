"""The shared encoder with one head per task, and where encoders come from and go to.

Only the encoder moves between stages and into the target: heads are created fresh for
each phase and dropped after it (jiant's "partial" load).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from harness import shipped_models
from harness.errors import XHarnessError

EMBEDDED_PREFIX = shipped_models.PREFIX


def resolve_model(ref: str) -> str:
    """`embedded:<name>` -> the folder a plugin registered for it (`xharness_models`); a
    path or hub id passes through."""
    if ref.startswith(EMBEDDED_PREFIX):
        return shipped_models.resolve(ref)
    return ref


def head_key(task: str) -> str:
    """ModuleDict keys cannot contain dots."""
    return re.sub(r"[^A-Za-z0-9_]", "_", task)


class MultiTaskModel(nn.Module):
    def __init__(self, encoder: nn.Module, heads: dict[str, nn.Module]) -> None:
        super().__init__()
        self.encoder = encoder
        self.heads = nn.ModuleDict({head_key(k): v for k, v in heads.items()})
        for head in self.heads.values():
            if hasattr(head, "tie_to_input_embeddings"):  # LM heads share the embeddings
                head.tie_to_input_embeddings(encoder.get_input_embeddings())

    def hidden(self, batch: dict[str, torch.Tensor], layer: int | None = None) -> torch.Tensor:
        """The last hidden state, or hidden-state `layer` (0 = embeddings) when given."""
        out = self.encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                           output_hidden_states=layer is not None)
        if layer is None:
            return out.last_hidden_state
        n = len(out.hidden_states)
        if not -n <= layer < n:
            raise XHarnessError(
                f"pool_layer {layer} does not exist: the model has hidden states 0..{n - 1} "
                "(0 = embeddings)",
                fix=f"set pool_layer between 0 and {n - 1} for the retrieval format in the "
                "profile (or --set pool_layer=N)",
            )
        return out.hidden_states[layer]

    def forward(self, task: str, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        head = self.heads[head_key(task)]
        return head(self.hidden(batch, getattr(head, "hidden_layer", None)), batch)


def load_encoder(ref: str, trust_remote_code: bool = False) -> tuple[nn.Module, Any]:
    """Encoder (no pooler, SDPA attention) and its fast tokenizer, from a hub id or path."""
    from transformers import AutoModel, AutoTokenizer

    from harness.lock import model_revision

    path = resolve_model(ref)
    revision = model_revision(path)  # the commit in xharness.lock, for a hub id
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code,
                                                  revision=revision)
        kwargs: dict[str, Any] = {"trust_remote_code": trust_remote_code,
                                  "attn_implementation": "sdpa", "revision": revision}
        try:
            encoder = AutoModel.from_pretrained(path, add_pooling_layer=False, **kwargs)
        except TypeError:  # architectures without a pooler flag
            encoder = AutoModel.from_pretrained(path, **kwargs)
    except OSError as exc:
        raise XHarnessError(
            f"could not load model {ref!r}: {exc}",
            fix="check the hub id or path and network access; offline, use "
            "`--profile embedded`",
        ) from exc
    if not getattr(tokenizer, "is_fast", False):
        raise XHarnessError(
            f"model {ref!r} has no fast tokenizer; xharness needs offsets and word ids",
            fix="use a model with a tokenizer.json (all XLM-R checkpoints have one)",
        )
    return encoder, tokenizer


def save_encoder(encoder: nn.Module, tokenizer: Any, out_dir: Path) -> None:
    """Write encoder (safetensors) and tokenizer into `out_dir` atomically: a reader sees
    either nothing or the complete folder."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        encoder.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
