"""Encoder forward passes the selection methods share: per-example mean-pooled vectors
(dataset embeddings) and the frozen features and labels LogME scores.

What LogME sees, per target format (documented in docs/guide.md):
- classification: the `<s>` state the classification head reads; labels = the classes.
- tagging: the state of each word's first sub-token (the positions the tagging loss
  uses); labels = the tags.
- span_qa: the state of every attended token of every window; two binary targets, "is
  the answer's start" and "is the answer's end" (a window without the answer points at
  `<s>`, as the span head's loss does); the score is their mean.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import datasets
import numpy as np
import torch

from harness.batching import sorted_batches
from harness.device import autocast, to_device
from harness.errors import XHarnessError
from harness.formats import get_format
from harness.formats.tagging import IGNORE
from harness.modeling import load_encoder
from harness.specs import TaskSpec

#: token-level LogME inputs are subsampled (seeded) to this many rows
MAX_TOKENS = 50_000
LOGME_FORMATS = ("classification", "tagging", "span_qa")


def load(session: Any, ref: str) -> tuple[torch.nn.Module, int]:
    encoder, tokenizer = load_encoder(ref, session.trusts(session.model_ref))
    return encoder.to(session.device).eval(), tokenizer.pad_token_id


@torch.inference_mode()
def _batches(session: Any, encoder: torch.nn.Module, pad_id: int, task: TaskSpec,
             feats: datasets.Dataset, batch_size: int
             ) -> Iterator[tuple[list[int], dict[str, torch.Tensor], torch.Tensor]]:
    fmt = get_format(task.format)
    for idx in sorted_batches(feats["length"], batch_size):
        batch = to_device(fmt.collate(feats[idx], pad_id), session.device)
        with autocast(session.device, session.bf16):
            hidden = encoder(input_ids=batch["input_ids"],
                             attention_mask=batch["attention_mask"]).last_hidden_state
        yield idx, batch, hidden.float()


def sample_language(session: Any, task: TaskSpec) -> str:
    """English if the task has English training data, else its first training language."""
    langs = session.train_languages(task)
    return "en" if "en" in langs or not langs else langs[0]


def task_mean(session: Any, encoder: torch.nn.Module, pad_id: int, task: TaskSpec,
              n: int) -> np.ndarray:
    """The mean over `n` examples of their mean-pooled last hidden states: training
    examples, or, for a task that does not train (retrieval), `english_sentences`."""
    args = session.args("intermediate", task)
    if get_format(task.format).trains:
        _, feats = session.store.features(task, "train", sample_language(session, task),
                                          args, n)
    else:
        feats = english_sentences(session, task, n)
    total, count = None, 0
    for _, batch, hidden in _batches(session, encoder, pad_id, task, feats,
                                     args.eval_batch_size):
        mask = (batch["attention_mask"] * (batch["input_ids"] != pad_id)).unsqueeze(-1)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        s = pooled.sum(0).double().cpu()
        total = s if total is None else total + s
        count += pooled.shape[0]
    if total is None:
        raise XHarnessError(f"task {task.name!r} has no training examples to embed")
    return (total / count).numpy()


def english_sentences(session: Any, task: TaskSpec, n: int) -> datasets.Dataset:
    """Up to `n` English sentences of a retrieval task, unlabelled: the English side of its
    dev pool where it has one, else of its test pool (transductive, but no gold pair is
    read), for the first language pair the source serves."""
    from harness.data.sources import source_languages

    args = session.args("target", task)
    langs = [lang for lang in source_languages(task, session.source(task).kind) if lang != "en"]
    if not langs:
        raise XHarnessError(f"task {task.name!r} has no language pair to read English from")
    last: XHarnessError | None = None
    for split in ("dev", "test"):
        try:
            ex, feats = session.store.features(task, split, langs[0], args)
        except XHarnessError as exc:  # the split does not exist in this source
            last = exc
            continue
        english = [i for i, side in enumerate(ex.examples["side"]) if side == "target"]
        if english:
            pick = np.random.default_rng(0).permutation(len(english))[:n]
            return feats.select(sorted(english[i] for i in pick))
    raise XHarnessError(f"task {task.name!r} has no English sentences in a dev or test "
                        f"pool ({langs[0]}-en)" + (f": {last}" if last else ""))


def check_logme_format(target: TaskSpec) -> None:
    if target.format not in LOGME_FORMATS:
        raise XHarnessError(
            f"LogME has no feature definition for the {target.format} format of "
            f"{target.name!r} (it has no training labels to explain)",
            where="--method", fix="use a method that needs no labels (embeddings) for "
            f"this target; LogME scores targets of the formats {', '.join(LOGME_FORMATS)}")


def logme_inputs(session: Any, encoder: torch.nn.Module, pad_id: int, target: TaskSpec,
                 train_task: TaskSpec, limit: int | None, seed: int
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(features, labels) pairs for LogME over the target's English training data; the
    target's score is the mean LogME over the pairs."""
    check_logme_format(target)
    args = session.args("target", target)
    _, feats = session.store.features(train_task, "train", "en", args, limit)
    rows: list[np.ndarray] = []
    labels: list[list[np.ndarray]] = [[], []]
    for _, batch, hidden in _batches(session, encoder, pad_id, train_task, feats,
                                     args.eval_batch_size):
        if target.format == "classification":
            rows.append(hidden[:, 0].cpu().numpy())
            labels[0].append(batch["labels"].cpu().numpy())
        elif target.format == "tagging":
            keep = batch["labels"] != IGNORE
            rows.append(hidden[keep].cpu().numpy())
            labels[0].append(batch["labels"][keep].cpu().numpy())
        else:
            keep = batch["attention_mask"].bool()
            pos = torch.arange(hidden.shape[1], device=hidden.device).expand_as(keep)
            start = pos == batch["start_positions"][:, None]
            end = pos == batch["end_positions"][:, None]
            rows.append(hidden[keep].cpu().numpy())
            labels[0].append(start[keep].long().cpu().numpy())
            labels[1].append(end[keep].long().cpu().numpy())
    f = np.concatenate(rows)
    ys = [np.concatenate(y) for y in labels if y]
    if len(f) > MAX_TOKENS:
        pick = np.sort(np.random.default_rng(seed).choice(len(f), MAX_TOKENS, replace=False))
        f, ys = f[pick], [y[pick] for y in ys]
    return [(f, y) for y in ys]
