"""The metrics a task's `metric` may name, and the formats each applies to.

Built-in metrics are implemented by their format (accuracy by classification and multiple
choice, seqeval by tagging, squad/mlqa by span QA, bucc/tatoeba by retrieval's two modes);
plugins add metrics for label-valued formats through the `xharness_metrics` hook. The
catalog validates every task's metric against this table, and formats look their task's
metric up here, so an unknown or misplaced name (a retrieval task with `metric: accuracy`)
is an error instead of being scored as something else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from harness.errors import XHarnessError
from harness.metrics.classification import accuracy
from harness.metrics.example_stats import accuracy_from_stats, correct_rows
from harness.problems import did_you_mean
from harness.specs import MetricSpec, TaskSpec

BUILTIN = "harness.metrics"

BUILTIN_METRICS: dict[str, MetricSpec] = {m.name: m for m in (
    MetricSpec(name="accuracy", formats=["classification", "multiple_choice"], plugin=BUILTIN,
               description="percent of examples whose predicted label is the gold one "
               "(XNLI, PAWS-X, MNLI, HellaSwag, ...)"),
    MetricSpec(name="seqeval", formats=["tagging"], plugin=BUILTIN,
               description="seqeval micro F1 over spans (POS, NER), with precision/recall"),
    MetricSpec(name="squad", formats=["span_qa"], plugin=BUILTIN,
               description="SQuAD v1.1 exact match and F1; score (EM + F1) / 2 (XQuAD, "
               "TyDiQA-GoldP, SQuAD)"),
    MetricSpec(name="mlqa", formats=["span_qa"], plugin=BUILTIN,
               description="MLQA exact match and F1 with its per-language answer "
               "normalisation; score (EM + F1) / 2"),
    MetricSpec(name="bucc", formats=["retrieval"], plugin=BUILTIN,
               description="margin-based bitext mining, F1 at the threshold tuned on dev "
               "(BUCC 2018)"),
    MetricSpec(name="tatoeba", formats=["retrieval"], plugin=BUILTIN,
               description="nearest-neighbour retrieval accuracy of each English sentence's "
               "partner (Tatoeba)"),
    MetricSpec(name="none", formats=["mlm"], plugin=BUILTIN,
               description="not evaluated: a training signal only (multilingual MLM)"),
)}

_metrics: dict[str, MetricSpec] = dict(BUILTIN_METRICS)


def install(metrics: Iterable[MetricSpec]) -> None:
    """Make the catalog's metrics (built-in and plugin ones) the table formats look up."""
    _metrics.clear()
    _metrics.update(BUILTIN_METRICS)
    _metrics.update({m.name: m for m in metrics})


def metrics_for_format(fmt: str, table: dict[str, MetricSpec] | None = None) -> list[str]:
    return sorted(n for n, m in (table or _metrics).items() if fmt in m.formats)


def check(task: TaskSpec, table: dict[str, MetricSpec] | None = None) -> MetricSpec:
    """The task's metric, or an error saying which names its format accepts."""
    table = table if table is not None else _metrics
    valid = metrics_for_format(task.format, table)
    metric = table.get(task.metric)
    if metric is None:
        raise XHarnessError(
            f"task {task.name!r} names unknown metric {task.metric!r}",
            where=f"tasks.{task.name}.metric",
            fix=(did_you_mean(task.metric, valid) if valid else "see `xharness list metrics`")
            + f" (for format {task.format}; `xharness list metrics` shows all)",
        )
    if task.format not in metric.formats:
        raise XHarnessError(
            f"metric {task.metric!r} does not apply to task {task.name!r}'s format "
            f"{task.format} (it scores {', '.join(metric.formats)})",
            where=f"tasks.{task.name}.metric",
            fix=f"use one of {', '.join(valid)} for a {task.format} task",
        )
    return metric


def metric_for(task: TaskSpec) -> MetricSpec:
    return check(task)


def primary_key(primary_metric: str, task: TaskSpec) -> str:
    """The key of the task's metric in a format's scores: a plugin metric reports under
    its own name; a built-in under the format's primary metric."""
    metric = metric_for(task)
    return metric.name if metric.compute else primary_metric


def _compute(metric: MetricSpec) -> Callable[..., float]:
    from harness.plugin_calls import guarded
    from harness.refs import resolve_ref

    assert metric.compute is not None
    fn = resolve_ref(metric.compute, f"metrics.{metric.name}.compute")
    return guarded(fn, what=f"metric {metric.name!r}", plugin=metric.plugin)


def label_scores(task: TaskSpec, gold: Sequence[Any], predictions: Sequence[Any]
                 ) -> dict[str, float]:
    """Scores of label predictions (classification, multiple choice) by the task's metric."""
    metric = metric_for(task)
    if metric.compute is None:
        return {"accuracy": accuracy(gold, predictions)}
    value = _compute(metric)(list(gold), list(predictions))
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise XHarnessError(
            f"metric {metric.name!r} ({metric.compute}) returned {type(value).__name__}, "
            "not a number", where=f"plugin {metric.plugin}",
            fix="return the score as a float in percent")
    return {metric.name: float(value)}


def label_rows(task: TaskSpec, gold: Sequence[int], predictions: Sequence[int]) -> np.ndarray:
    """Per-example rows for the bootstrap: [correct] for accuracy (what the records have
    always held), [gold, predicted] label indices for a plugin metric, which needs them all."""
    if metric_for(task).compute is None:
        return correct_rows(gold, predictions)
    return np.array([[g, p] for g, p in zip(gold, predictions, strict=True)],
                    dtype=float).reshape(-1, 2)


def label_from_stats(task: TaskSpec, rows: np.ndarray, label: Callable[[int], Any]) -> float:
    metric = metric_for(task)
    if metric.compute is None:
        return accuracy_from_stats(rows)
    return float(_compute(metric)([label(int(g)) for g in rows[:, 0]],
                                  [label(int(p)) for p in rows[:, 1]]))
