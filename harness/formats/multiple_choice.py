"""Multiple choice (CommonsenseQA, Cosmos QA, HellaSwag): one score per choice, softmax
over the choices.

Each choice is encoded together with the example's context and question, as
`<s> context question </s></s> choice </s>`; the head scores every encoding with one
number, and the choices of an example compete in one cross-entropy. Examples may have
different numbers of choices: missing choices are masked out of the softmax.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

import datasets
import numpy as np
import torch
from torch import nn

from harness.config import TrainArgs
from harness.formats.base import DataReport, Format, require_columns
from harness.formats.mapping import to_canonical
from harness.formats.padding import pad_sequences
from harness.metrics.registry import label_from_stats, label_rows, label_scores
from harness.specs import TaskSpec

MASKED = -1e4  # logit of a missing choice: never chosen, no gradient to speak of


class ChoiceHead(nn.Module):
    """Dense + tanh over each encoding's `<s>` state, then one score per choice."""

    def __init__(self, hidden_size: int, dropout: float) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Linear(hidden_size, hidden_size)
        self.score = nn.Linear(hidden_size, 1)

    def forward(self, hidden: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        x = torch.tanh(self.dense(self.dropout(hidden[:, 0])))
        scores = self.score(self.dropout(x)).squeeze(-1)  # (B * C,)
        mask = batch["choice_mask"]  # (B, C)
        scores = scores.view(mask.shape)
        return scores.masked_fill(mask == 0, MASKED)


class MultipleChoice(Format):
    name = "multiple_choice"
    columns: ClassVar[dict[str, str]] = {
        "context": "passage or sentence start ('' if none)",
        "question": "the question ('' if the choices continue the context)",
        "choices": "list of candidate answers or endings",
        "label": "index of the correct choice",
    }
    primary_metric = "accuracy"

    def canonicalize(
        self, raw: datasets.Dataset, task: TaskSpec, columns: dict[str, str], strict: bool,
        where: str,
    ) -> tuple[datasets.Dataset, DataReport]:
        ds = to_canonical(raw, task, columns, list(self.columns), where)
        require_columns(ds, ["choices", "label"], self, task, where)
        report = DataReport(rows_in=len(ds))
        rows: dict[str, list[Any]] = {k: [] for k in self.columns}
        for i, row in enumerate(ds):
            choices = row["choices"]
            label = _as_index(row["label"])
            reason = None
            if not isinstance(choices, list) or len(choices) < 2:
                reason = "fewer than two choices"
            elif not all(isinstance(c, str) and c.strip() for c in choices):
                reason = "empty choice"
            elif label is None or not 0 <= label < len(choices):
                reason = "label is not a choice index"
            if reason:
                report.reject(reason, f"{reason} (label {row['label']!r})", strict, where,
                              row=i)
                continue
            rows["context"].append(row.get("context") or "")
            rows["question"].append(row.get("question") or "")
            rows["choices"].append(list(choices))
            rows["label"].append(label)
        report.finish(where)
        report.rows_out = len(rows["label"])
        return datasets.Dataset.from_dict(rows), report

    quality_field = "context"

    def quality_texts(self, ds: datasets.Dataset) -> list[str]:
        # CommonsenseQA has no context and HellaSwag no question: both, where present
        return [" ".join(x for x in (c, q) if x) for c, q in zip(ds["context"], ds["question"],
                                                               strict=True)]

    def translate(
        self, ds: datasets.Dataset, translate: Callable[[list[str]], list[str]], lang: str,
        task: TaskSpec,
    ) -> tuple[datasets.Dataset, list[int], Counter[str]]:
        counts = [len(c) for c in ds["choices"]]
        flat = [c for choices in ds["choices"] for c in choices]
        context, question = translate(ds["context"]), translate(ds["question"])
        choices_t = translate(flat)
        rows: dict[str, list[Any]] = {k: [] for k in self.columns}
        keep, pos = [], 0
        for i, n in enumerate(counts):
            choices = choices_t[pos : pos + n]
            pos += n
            lost = any(not c.strip() for c in choices) or (
                ds["context"][i].strip() and not context[i].strip()) or (
                ds["question"][i].strip() and not question[i].strip())
            if lost:
                continue
            keep.append(i)
            rows["context"].append(context[i])
            rows["question"].append(question[i])
            rows["choices"].append(choices)
            rows["label"].append(ds["label"][i])
        dropped: Counter[str] = Counter()
        if len(keep) < len(ds):
            dropped["untranslatable text"] = len(ds) - len(keep)
        return datasets.Dataset.from_dict(rows), keep, dropped

    def featurize(
        self, ds: datasets.Dataset, tokenizer: Any, task: TaskSpec, args: TrainArgs
    ) -> datasets.Dataset:
        def encode(batch: dict[str, list[Any]], idx: list[int]) -> dict[str, list[Any]]:
            firsts, seconds, owner = [], [], []
            for k, (ctx, q, choices) in enumerate(zip(batch["context"], batch["question"],
                                                      batch["choices"], strict=True)):
                first = " ".join(x for x in (ctx.strip(), q.strip()) if x)
                for choice in choices:
                    firsts.append(first or choice)
                    seconds.append(choice if first else None)
                    owner.append(k)
            # pairs where there is a context; the choice alone where there is none
            paired = [i for i, s in enumerate(seconds) if s is not None]
            single = [i for i, s in enumerate(seconds) if s is None]
            ids: list[list[int]] = [[] for _ in firsts]
            if paired:
                enc = tokenizer([firsts[i] for i in paired], [seconds[i] for i in paired],
                                truncation="only_first", max_length=args.max_length)
                for i, x in zip(paired, enc["input_ids"], strict=True):
                    ids[i] = x
            if single:
                enc = tokenizer([firsts[i] for i in single], truncation=True,
                                max_length=args.max_length)
                for i, x in zip(single, enc["input_ids"], strict=True):
                    ids[i] = x
            per_example: list[list[list[int]]] = [[] for _ in batch["label"]]
            for i, k in enumerate(owner):
                per_example[k].append(ids[i])
            return {"choice_ids": per_example, "labels": batch["label"],
                    "length": [max(len(x) for x in c) for c in per_example],
                    "example_id": idx}

        return ds.map(encode, batched=True, with_indices=True, remove_columns=ds.column_names)

    def collate(self, rows: dict[str, list[Any]], pad_id: int) -> dict[str, torch.Tensor]:
        n_choices = max(len(c) for c in rows["choice_ids"])
        flat, mask = [], torch.zeros((len(rows["labels"]), n_choices), dtype=torch.long)
        for b, choices in enumerate(rows["choice_ids"]):
            flat.extend(choices)
            flat.extend([[pad_id]] * (n_choices - len(choices)))  # masked filler choices
            mask[b, : len(choices)] = 1
        input_ids, attention_mask = pad_sequences(flat, pad_id)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "choice_mask": mask,
                "labels": torch.tensor(rows["labels"], dtype=torch.long)}

    def build_head(
        self, hidden_size: int, task: TaskSpec, dropout: float, args: TrainArgs
    ) -> nn.Module:
        return ChoiceHead(hidden_size, dropout)

    def loss(self, logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return nn.functional.cross_entropy(logits.float(), batch["labels"])

    def decode(
        self, logits: list[np.ndarray], features: datasets.Dataset, examples: datasets.Dataset,
        task: TaskSpec, args: TrainArgs,
    ) -> list[int]:
        n = [len(c) for c in examples["choices"]]
        return [int(np.argmax(x[: n[i]])) for i, x in enumerate(logits)]

    def example_stats(
        self, predictions: list[Any], examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> np.ndarray:
        return label_rows(task, examples["label"], predictions)

    def metric_from_stats(self, rows: np.ndarray, task: TaskSpec) -> float:
        return label_from_stats(task, rows, int)

    def score(
        self, predictions: list[Any], examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> dict[str, float]:
        return label_scores(task, examples["label"], predictions)


def _as_index(value: Any) -> int | None:
    """Choice index from an int, a digit string ("2", HellaSwag) or a letter ("C", CSQA)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        v = value.strip()
        if v.isdigit():
            return int(v)
        if len(v) == 1 and v.isalpha():
            return ord(v.upper()) - ord("A")
    return None
