"""Sentence and sentence-pair classification (XNLI, PAWS-X, MNLI, QQP, SST-2, ...)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

import datasets
import numpy as np
import torch
from torch import nn

from harness.config import TrainArgs
from harness.formats.base import DataReport, Format, label_index, require_columns
from harness.formats.mapping import label_names, resolve_label, to_canonical
from harness.formats.padding import pad_sequences
from harness.metrics.registry import label_from_stats, label_rows, label_scores
from harness.problems import closest
from harness.specs import TaskSpec


class ClassificationHead(nn.Module):
    """RoBERTa's head: dense + tanh over the `<s>` state, then a linear layer."""

    def __init__(self, hidden_size: int, n_labels: int, dropout: float) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Linear(hidden_size, hidden_size)
        self.out_proj = nn.Linear(hidden_size, n_labels)

    def forward(self, hidden: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        x = self.dropout(hidden[:, 0])
        x = torch.tanh(self.dense(x))
        return self.out_proj(self.dropout(x))


class Classification(Format):
    name = "classification"
    columns: ClassVar[dict[str, str]] = {
        "text": "the sentence (premise, first sentence)",
        "text_pair": "optional second sentence (hypothesis, paraphrase candidate)",
        "label": "label name or index into the task's `labels`",
    }
    primary_metric = "accuracy"

    def canonicalize(
        self, raw: datasets.Dataset, task: TaskSpec, columns: dict[str, str], strict: bool,
        where: str,
    ) -> tuple[datasets.Dataset, DataReport]:
        source_names = label_names(raw.features.get(columns.get("label", "label")))
        ds = to_canonical(raw, task, columns, list(self.columns), where)
        require_columns(ds, ["text", "label"], self, task, where)
        index = label_index(task.labels or [])
        pair = "text_pair" in ds.column_names
        report = DataReport(rows_in=len(ds))
        texts, pairs, labels = [], [], []
        for i, row in enumerate(ds):
            label = resolve_label(row["label"], source_names, index, task)
            reason = detail = None
            if label is None:
                reason, detail = "label outside the label set", f"label {row['label']!r}"
                near = (closest(row["label"], task.labels or [], n=1)
                        if isinstance(row["label"], str) else [])
                if near:  # labels match exactly: `Positive` is not `positive`
                    detail += f" (did you mean {near[0]!r}?)"
            elif not isinstance(row["text"], str) or not row["text"].strip():
                reason, detail = "empty text", "`text` is empty"
            elif pair and (not isinstance(row["text_pair"], str) or not row["text_pair"].strip()):
                reason, detail = "empty text", "`text_pair` is empty"
            if reason:
                report.reject(reason, f"{detail} ({reason} {task.labels})", strict, where,
                              row=i)
                continue
            texts.append(row["text"])
            labels.append(label)
            if pair:
                pairs.append(row["text_pair"])
        data: dict[str, list[Any]] = {"text": texts, "label": labels}
        if pair:
            data["text_pair"] = pairs
        report.finish(where)
        report.rows_out = len(texts)
        return datasets.Dataset.from_dict(data), report

    quality_field = "text"

    def translate(
        self, ds: datasets.Dataset, translate: Callable[[list[str]], list[str]], lang: str,
        task: TaskSpec,
    ) -> tuple[datasets.Dataset, list[int], Counter[str]]:
        fields = [c for c in ("text", "text_pair") if c in ds.column_names]
        out = {c: translate(ds[c]) for c in fields}
        keep = [i for i in range(len(ds)) if all(out[c][i].strip() for c in fields)]
        dropped: Counter[str] = Counter()
        if len(keep) < len(ds):
            dropped["untranslatable text"] = len(ds) - len(keep)
        rows = {c: [out[c][i] for i in keep] for c in fields}
        rows["label"] = [ds["label"][i] for i in keep]
        return datasets.Dataset.from_dict(rows), keep, dropped

    def featurize(
        self, ds: datasets.Dataset, tokenizer: Any, task: TaskSpec, args: TrainArgs
    ) -> datasets.Dataset:
        pair = "text_pair" in ds.column_names

        def encode(batch: dict[str, list[Any]], idx: list[int]) -> dict[str, list[Any]]:
            enc = tokenizer(
                batch["text"], batch["text_pair"] if pair else None,
                truncation=True, max_length=args.max_length,
            )
            return {
                "input_ids": enc["input_ids"],
                "labels": batch["label"],
                "length": [len(x) for x in enc["input_ids"]],
                "example_id": idx,
            }

        return ds.map(encode, batched=True, with_indices=True, remove_columns=ds.column_names)

    def collate(self, rows: dict[str, list[Any]], pad_id: int) -> dict[str, torch.Tensor]:
        input_ids, attention_mask = pad_sequences(rows["input_ids"], pad_id)
        return {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "labels": torch.tensor(rows["labels"], dtype=torch.long),
        }

    def build_head(
        self, hidden_size: int, task: TaskSpec, dropout: float, args: TrainArgs
    ) -> nn.Module:
        return ClassificationHead(hidden_size, len(task.labels or []), dropout)

    def loss(self, logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return nn.functional.cross_entropy(logits.float(), batch["labels"])

    def decode(
        self, logits: list[np.ndarray], features: datasets.Dataset, examples: datasets.Dataset,
        task: TaskSpec, args: TrainArgs,
    ) -> list[str]:
        names = task.labels or []
        return [names[int(np.argmax(x))] for x in logits]

    def example_stats(
        self, predictions: list[Any], examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> np.ndarray:
        index = label_index(task.labels or [])
        return label_rows(task, examples["label"], [index[p] for p in predictions])

    def metric_from_stats(self, rows: np.ndarray, task: TaskSpec) -> float:
        names = task.labels or []
        return label_from_stats(task, rows, lambda i: names[i])

    def score(
        self, predictions: list[Any], examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> dict[str, float]:
        names = task.labels or []
        return label_scores(task, [names[i] for i in examples["label"]], predictions)
