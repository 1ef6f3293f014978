"""The leaderboard's significance test (seed and test-example variance, Holm) and the
per-example statistics it resamples."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

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
from harness.significance import Evidence, evidence, holm, paired_test, seeds_needed

ROOT = Path(__file__).resolve().parent.parent


def _runs(*per_seed: np.ndarray) -> dict[int, dict[str, np.ndarray]]:
    return {s: {"de": rows} for s, rows in enumerate(per_seed)}


def test_hand_computed_seed_only_case() -> None:
    """Every example right or every example wrong, so resampling examples changes nothing
    (v_examples = 0): A scores 100, 100, 0 over three seeds, B 0. Paired differences
    100, 100, 0: mean 66.67, sd 57.74, SE 33.33, t = 2.0 with 2 df, whose two-sided p
    is 1 - t / sqrt(t^2 + 2) = 1 - 2 / sqrt(6) = 0.1835; the interval is
    66.67 ± 4.3027 * 33.33."""
    ones, zeros = np.ones((4, 1)), np.zeros((4, 1))
    ev = evidence(_runs(ones, ones, zeros), _runs(zeros, zeros, zeros), accuracy_from_stats,
                  replicates=200)
    cmp = paired_test(ev)
    assert cmp.difference == pytest.approx(200 / 3)
    assert cmp.paired and cmp.df == pytest.approx(2.0)
    assert cmp.p_value == pytest.approx(1 - 2 / np.sqrt(6), abs=1e-9)
    assert cmp.low == pytest.approx(200 / 3 - 4.302653 * 100 / 3, abs=1e-3)
    assert cmp.high == pytest.approx(200 / 3 + 4.302653 * 100 / 3, abs=1e-3)
    assert not cmp.significant(cmp.p_value)


def test_hand_computed_example_only_case() -> None:
    """The same 10 of 100 right in every seed of A, B always wrong: no seed variance, so
    the variance is the bootstrap's, p(1 - p) / N = 0.0009 (SE 3 points); d = 10,
    z = 3.33, p = 2 * Phi(-10/3) = 0.00086, interval 10 ± 1.96 * 3."""
    a = np.array([[1.0]] * 10 + [[0.0]] * 90)
    ev = evidence(_runs(a, a, a), _runs(*[np.zeros((100, 1))] * 3), accuracy_from_stats,
                  replicates=40000, seed=3)
    cmp = paired_test(ev)
    assert cmp.difference == pytest.approx(10.0)
    assert cmp.se == pytest.approx(3.0, rel=0.02)
    assert cmp.p_value == pytest.approx(0.000858, rel=0.15)
    assert cmp.low == pytest.approx(10 - 1.96 * 3, abs=0.15)
    assert cmp.significant(cmp.p_value)


def test_languages_are_averaged_like_xtreme() -> None:
    a = {0: {"de": np.ones((3, 1)), "es": np.zeros((5, 1))}}
    b = {0: {"de": np.zeros((3, 1)), "es": np.zeros((5, 1))}}
    assert evidence(a, b, accuracy_from_stats, 100).difference == pytest.approx(50.0)


def test_mismatched_example_sets_are_refused() -> None:
    with pytest.raises(ValueError, match="different example sets"):
        evidence({0: {"de": np.ones((3, 1))}}, {0: {"de": np.ones((4, 1))}},
                 accuracy_from_stats)


def test_fewer_than_three_seeds_is_never_significant() -> None:
    """Two seeds: a p-value (t with 1 df) but the seed variance is not estimable well
    enough; one seed: no seed variance at all, so no p-value either."""
    ev = Evidence({0: 90.0, 1: 91.0}, {0: 10.0, 1: 10.5}, np.zeros(10))
    cmp = paired_test(ev)
    assert cmp.p_value is not None and cmp.p_value < 0.05
    assert not cmp.estimable and not cmp.significant(cmp.p_value)
    assert cmp.seeds_needed is None
    one = paired_test(Evidence({0: 90.0}, {0: 10.0}, np.full(10, 80.0)))
    assert one.p_value is None and not one.significant(None)


def test_unpaired_seed_sets_use_welch() -> None:
    ev = Evidence({0: 1.0, 1: 2.0, 2: 3.0}, {3: 0.0, 4: 2.0, 5: 4.0, 6: 6.0}, np.zeros(50))
    cmp = paired_test(ev)
    va, vb = 1.0 / 3, (20 / 3) / 4
    assert not cmp.paired
    assert cmp.se == pytest.approx(np.sqrt(va + vb))
    assert cmp.df == pytest.approx((va + vb) ** 2 / (va**2 / 2 + vb**2 / 3))


def test_holm_by_hand() -> None:
    # sorted 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 = 0.04 -> monotone 0.06
    assert holm([0.01, 0.04, 0.03, None]) == pytest.approx([0.03, 0.06, 0.06, None])
    assert holm([0.5, 0.9]) == [1.0, 1.0]


def test_seeds_needed_by_hand() -> None:
    """Seed sd 10, difference 10: t_{n-1} * 10 / sqrt(n) first falls below 10 at n = 7
    (2.447 * 3.78 = 9.25; at n = 6, 2.571 * 4.08 = 10.5)."""
    assert seeds_needed(10.0, 100.0, 0.0) == 7
    assert seeds_needed(0.1, 100.0, 0.0) is None  # > 20
    assert seeds_needed(1.0, 0.0, 1.0) is None  # the example variance alone is too large


def _calibration():
    spec = importlib.util.spec_from_file_location(
        "significance_calibration", ROOT / "benchmarks" / "significance_calibration.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_calibrated_at_three_seeds_where_the_old_bootstrap_is_not() -> None:
    """200 simulated null grids (no true difference, seed sd of several points, 3 seeds):
    the new test calls at most 5% + two binomial standard errors significant, the old
    example-only bootstrap far more."""
    sim = _calibration()
    rng = np.random.default_rng(0)
    new = old = 0
    grids = 200
    sds = []
    for g in range(grids):
        a, b = sim.null_grid(rng, seeds=3)
        ev = evidence(a, b, accuracy_from_stats, replicates=300, seed=g)
        cmp = paired_test(ev)
        new += cmp.significant(cmp.p_value)
        old += sim.old_significant(ev)
        sds.append(np.std(list(ev.a.values()), ddof=1))
    assert 2.0 < np.mean(sds) < 10.0  # seed variance like the embedded XNLI's
    assert new / grids <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / grids)
    assert old / grids >= 0.15


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
