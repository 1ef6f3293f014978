"""Per-example sufficient statistics, so a metric can be recomputed on any resample of the
test examples (the paired bootstrap) and gives exactly the official number on all of them.

Each function returns an array with one row per example; `*_from_stats` turns the rows (or
a resample of them) back into the metric, in percent.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
from seqeval.metrics.sequence_labeling import get_entities


def correct_rows(gold: Sequence[object], predictions: Sequence[object]) -> np.ndarray:
    """One row per example: [1 if right else 0]."""
    return np.array([[float(g == p)] for g, p in zip(gold, predictions, strict=True)])


def accuracy_from_stats(rows: np.ndarray) -> float:
    return 100.0 * float(rows[:, 0].mean())


def qa_rows(predictions: Sequence[str], golds: Sequence[Sequence[str]],
            normalize: Callable[[str], str]) -> np.ndarray:
    """One row per question: [exact match, F1] in [0, 1]."""
    from harness.metrics.qa import question_scores

    return np.array([question_scores(p, g, normalize)
                     for p, g in zip(predictions, golds, strict=True)])


def qa_from_stats(rows: np.ndarray) -> float:
    """(EM + F1) / 2, XTREME's QA score."""
    return 50.0 * float(rows[:, 0].mean() + rows[:, 1].mean())


def span_rows(gold: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]) -> np.ndarray:
    """One row per sentence: [correct spans, predicted spans, gold spans], with seqeval's
    default span extraction (sentences are independent there too, so the sums are the
    corpus counts seqeval's micro F1 uses)."""
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for g, p in zip(gold, predictions, strict=True):
            gs, ps = set(get_entities(list(g))), set(get_entities(list(p)))
            rows.append((len(gs & ps), len(ps), len(gs)))
    return np.array(rows, dtype=float).reshape(-1, 3)


def pair_rows(gold: set[tuple[str, str]], predicted: set[tuple[str, str]],
              sources: Sequence[str]) -> np.ndarray:
    """BUCC, one row per source sentence: [correct pairs, predicted pairs, gold pairs]."""
    pred_by: dict[str, set[tuple[str, str]]] = {}
    gold_by: dict[str, set[tuple[str, str]]] = {}
    for pair in predicted:
        pred_by.setdefault(pair[0], set()).add(pair)
    for pair in gold:
        gold_by.setdefault(pair[0], set()).add(pair)
    rows = []
    for s in sources:
        p, g = pred_by.get(s, set()), gold_by.get(s, set())
        rows.append((len(p & g), len(p), len(g)))
    return np.array(rows, dtype=float).reshape(-1, 3)


def f1_from_stats(rows: np.ndarray) -> float:
    """Micro F1 from summed [correct, predicted, gold] counts; 0 when nothing is correct."""
    tp, pred, gold = rows.sum(axis=0)
    if tp == 0:
        return 0.0
    precision, recall = tp / pred, tp / gold
    return 100.0 * float(2 * precision * recall / (precision + recall))
