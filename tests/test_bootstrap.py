"""The paired bootstrap and the per-example statistics it resamples."""

from __future__ import annotations

import numpy as np
import pytest

from harness.bootstrap import paired_bootstrap
from harness.metrics import tagging_scores
from harness.metrics.example_stats import (
    accuracy_from_stats,
    correct_rows,
    f1_from_stats,
    qa_from_stats,
    qa_rows,
    span_rows,
)
from harness.metrics.qa import normalizer


def test_hand_computed_two_example_case() -> None:
    """A is right on example 0 only, B on neither. Resampling 2 examples gives A-B = 100
    (both picks example 0, p = 1/4), 50 (p = 1/2) or 0 (p = 1/4): the observed
    difference is 50, the 95% interval [0, 100], which includes 0: not significant."""
    a = {"de": [np.array([[1.0], [0.0]])]}
    b = {"de": [np.array([[0.0], [0.0]])]}
    cmp = paired_bootstrap(a, b, accuracy_from_stats, replicates=4000, seed=1)
    assert cmp.difference == pytest.approx(50.0)
    assert (cmp.low, cmp.high) == (0.0, 100.0)
    assert not cmp.significant


def test_always_better_is_significant_and_seeds_are_pooled() -> None:
    # A: two seeds, 3/4 and 4/4 right; B: 0/4 -> difference (75 + 100) / 2 - 0 = 87.5
    a = {"de": [np.array([[1.0], [1.0], [1.0], [0.0]]), np.ones((4, 1))]}
    b = {"de": [np.zeros((4, 1))]}
    cmp = paired_bootstrap(a, b, accuracy_from_stats, replicates=500)
    assert cmp.difference == pytest.approx(87.5)
    assert cmp.significant and cmp.low > 0


def test_languages_are_averaged_like_xtreme() -> None:
    a = {"de": [np.ones((3, 1))], "es": [np.zeros((5, 1))]}
    b = {"de": [np.zeros((3, 1))], "es": [np.zeros((5, 1))]}
    assert paired_bootstrap(a, b, accuracy_from_stats, 100).difference == pytest.approx(50.0)


def test_mismatched_example_sets_are_refused() -> None:
    with pytest.raises(ValueError, match="different example sets"):
        paired_bootstrap({"de": [np.ones((3, 1))]}, {"de": [np.ones((4, 1))]},
                         accuracy_from_stats)


def test_span_counts_reproduce_seqeval_f1_exactly() -> None:
    rng = np.random.default_rng(0)
    tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    gold = [list(rng.choice(tags, size=rng.integers(1, 9))) for _ in range(200)]
    pred = [[t if rng.random() < 0.7 else str(rng.choice(tags)) for t in s] for s in gold]
    rows = span_rows(gold, pred)
    assert f1_from_stats(rows) == pytest.approx(tagging_scores(gold, pred).f1, abs=1e-9)


def test_qa_and_accuracy_rows_reproduce_the_metrics() -> None:
    from harness.metrics import squad_scores

    preds = ["the cat", "a dog", "", "Paris"]
    golds = [["cat"], ["the dog", "dog"], ["x"], ["in Paris"]]
    rows = qa_rows(preds, golds, normalizer(None))
    em, f1 = squad_scores(dict(enumerate(preds)), dict(enumerate(golds)))  # type: ignore
    assert qa_from_stats(rows) == pytest.approx((em + f1) / 2)
    assert accuracy_from_stats(correct_rows([1, 2, 3], [1, 0, 3])) == pytest.approx(200 / 3)
