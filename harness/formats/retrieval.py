"""Sentence retrieval and bitext mining (Tatoeba, BUCC): no training, the encoder's
mean-pooled hidden states of one layer, compared by cosine.

Canonical rows are sentences: `id`, `text`, `side` ("source" for the non-English side,
"target" for English) and `pair` (the id of the gold partner, "" if none). The task's
`metric` picks the method: `tatoeba` (nearest neighbour of each English sentence among
the source sentences, accuracy) or `bucc` (margin-based mining, F1 at the threshold tuned
on the dev split).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import datasets
import numpy as np
import torch
from torch import nn

from harness.config import TrainArgs
from harness.formats.base import DataReport, Format, require_columns
from harness.formats.mapping import to_canonical
from harness.formats.padding import pad_sequences
from harness.metrics import bucc_scores, tatoeba_accuracy
from harness.metrics.example_stats import (
    accuracy_from_stats,
    correct_rows,
    f1_from_stats,
    pair_rows,
)
from harness.metrics.registry import metric_for
from harness.mining import best_threshold, mine, nearest
from harness.specs import TaskSpec

SIDES = ("source", "target")


class MeanPool(nn.Module):
    """Masked mean of one hidden-state layer: the sentence vector XTREME's retrieval uses."""

    def __init__(self, layer: int) -> None:
        super().__init__()
        self.hidden_layer = layer

    def forward(self, hidden: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)


class Retrieval(Format):
    name = "retrieval"
    columns: ClassVar[dict[str, str]] = {
        "id": "sentence id (unique within its side)",
        "text": "the sentence",
        "side": "'source' (the non-English side) or 'target' (English)",
        "pair": "id of the gold partner on the other side, '' if none",
    }
    primary_metric = "score"
    trains = False
    calibrates = True

    def canonicalize(
        self, raw: datasets.Dataset, task: TaskSpec, columns: dict[str, str], strict: bool,
        where: str,
    ) -> tuple[datasets.Dataset, DataReport]:
        ds = to_canonical(raw, task, columns, list(self.columns), where)
        require_columns(ds, list(self.columns), self, task, where)
        report = DataReport(rows_in=len(ds))
        keep, seen = [], set()
        for i, row in enumerate(ds):
            reason = None
            if row["side"] not in SIDES:
                reason = "side is not source/target"
            elif not isinstance(row["text"], str) or not row["text"].strip():
                reason = "empty text"
            elif (row["side"], row["id"]) in seen:
                reason = "duplicate id"
            if reason:
                report.reject(reason, f"{reason} ({row['side']!r}, {row['id']!r})",
                              strict, where, row=i)
                continue
            seen.add((row["side"], row["id"]))
            keep.append(i)
        report.finish(where)
        ds = ds.select(keep) if len(keep) != len(ds) else ds
        report.rows_out = len(ds)
        return ds, report

    def featurize(
        self, ds: datasets.Dataset, tokenizer: Any, task: TaskSpec, args: TrainArgs
    ) -> datasets.Dataset:
        def encode(batch: dict[str, list[Any]], idx: list[int]) -> dict[str, list[Any]]:
            texts = [t.strip() for t in batch["text"]]
            enc = tokenizer(texts, truncation=True, max_length=args.max_length)
            return {"input_ids": enc["input_ids"],
                    "length": [len(x) for x in enc["input_ids"]], "example_id": idx}

        return ds.map(encode, batched=True, with_indices=True, remove_columns=ds.column_names)

    def collate(self, rows: dict[str, list[Any]], pad_id: int) -> dict[str, torch.Tensor]:
        input_ids, attention_mask = pad_sequences(rows["input_ids"], pad_id)
        return {"input_ids": input_ids, "attention_mask": attention_mask}

    def build_head(
        self, hidden_size: int, task: TaskSpec, dropout: float, args: TrainArgs
    ) -> nn.Module:
        return MeanPool(args.pool_layer)

    def loss(self, logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError("retrieval tasks are not trained")

    # -- predictions --------------------------------------------------------------------
    def decode(
        self, logits: list[np.ndarray], features: datasets.Dataset, examples: datasets.Dataset,
        task: TaskSpec, args: TrainArgs,
    ) -> Any:
        """Tatoeba: the predicted source index for each target sentence. BUCC: every
        mined candidate pair with its margin score (thresholded later)."""
        vectors = np.stack(logits)
        sides = np.asarray(examples["side"])
        src, tgt = np.flatnonzero(sides == "source"), np.flatnonzero(sides == "target")
        if _mode(task) == "tatoeba":
            return nearest(vectors[tgt], vectors[src]).tolist()
        texts, ids = examples["text"], examples["id"]
        src_u, src_ok = _unique(src, texts)
        tgt_u, tgt_ok = _unique(tgt, texts)
        candidates: dict[tuple[str, str], float] = {}
        for i, j, score in mine(vectors[src_u], vectors[tgt_u]):
            a, b = src_u[i], tgt_u[j]
            if src_ok[a] and tgt_ok[b]:
                candidates[(ids[a], ids[b])] = score
        return candidates

    def calibrate(self, predictions: Any, examples: datasets.Dataset,
                  task: TaskSpec) -> dict[str, float] | None:
        if _mode(task) != "bucc":
            return None
        return {"threshold": best_threshold(predictions, _gold_pairs(examples))}

    def finalize(self, predictions: Any, calibration: dict[str, float] | None) -> Any:
        if not isinstance(predictions, dict):
            return predictions
        threshold = (calibration or {}).get("threshold", 0.0)
        return sorted(pair for pair, score in predictions.items() if score >= threshold)

    def example_stats(
        self, predictions: Any, examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> np.ndarray:
        return _example_stats(self, predictions, examples, task)

    def metric_from_stats(self, rows: np.ndarray, task: TaskSpec) -> float:
        return accuracy_from_stats(rows) if _mode(task) == "tatoeba" else f1_from_stats(rows)

    def score(
        self, predictions: Any, examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> dict[str, float]:
        if _mode(task) == "tatoeba":
            acc = tatoeba_accuracy(_gold_indices(examples), [str(p) for p in predictions])
            return {"accuracy": acc, "score": acc}
        prf = bucc_scores(_gold_pairs(examples), [tuple(p) for p in predictions])
        return {"f1": prf.f1, "precision": prf.precision, "recall": prf.recall,
                "score": prf.f1}


def _example_stats(fmt: Retrieval, predictions: Any, examples: datasets.Dataset,
                   task: TaskSpec) -> np.ndarray:
    if _mode(task) == "tatoeba":
        return correct_rows(_gold_indices(examples), [str(p) for p in predictions])
    sources = [i for i, s in zip(examples["id"], examples["side"], strict=True) if s == "source"]
    return pair_rows(set(_gold_pairs(examples)), {tuple(p) for p in predictions}, sources)


def _unique(rows: np.ndarray, texts: list[str]) -> tuple[np.ndarray, dict[int, bool]]:
    """First row of each distinct text, and whether a row's text is unique: XTREME mines
    distinct sentences and drops candidates whose text occurs more than once."""
    counts = Counter(texts[i].strip() for i in rows)
    first: dict[str, int] = {}
    for i in rows:
        first.setdefault(texts[i].strip(), int(i))
    return (np.array(sorted(first.values()), dtype=int),
            {int(i): counts[texts[i].strip()] == 1 for i in rows})


def _gold_pairs(examples: datasets.Dataset) -> list[tuple[str, str]]:
    return [(i, p) for i, s, p in zip(examples["id"], examples["side"], examples["pair"],
                                      strict=True) if s == "source" and p]


def _gold_indices(examples: datasets.Dataset) -> list[str]:
    """For each target sentence, the position (among sources) of its gold partner."""
    position = {i: n for n, i in enumerate(
        i for i, s in zip(examples["id"], examples["side"], strict=True) if s == "source")}
    return [str(position.get(p, -1)) for i, s, p in zip(
        examples["id"], examples["side"], examples["pair"], strict=True) if s == "target"]


def _mode(task: TaskSpec) -> str:
    """`tatoeba` (nearest neighbour, accuracy) or `bucc` (mining, F1): the task's metric,
    checked against the registry so that no other name is silently mined as BUCC."""
    return metric_for(task).name
