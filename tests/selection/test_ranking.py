"""Ranking metrics against values computed by hand (Poth et al.'s definitions)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.selection import ranking

MEASURED = {"a": 80.0, "b": 70.0, "c": 60.0, "d": 50.0}
PREDICTED = {"b": 4.0, "a": 3.0, "d": 2.0, "c": 1.0}  # order b, a, d, c


def test_regret() -> None:
    assert ranking.regret_at_k(PREDICTED, MEASURED, 1) == pytest.approx(12.5)  # (80-70)/80
    assert ranking.regret_at_k(PREDICTED, MEASURED, 3) == 0.0
    worst = {"d": 4.0, "c": 3.0, "b": 2.0, "a": 1.0}
    assert ranking.regret_at_k(worst, MEASURED, 1) == pytest.approx(37.5)  # (80-50)/80
    assert ranking.regret_at_k(worst, MEASURED, 3) == pytest.approx(12.5)


def test_ndcg() -> None:
    dcg = 70 + 80 / math.log2(3) + 50 / 2
    ideal = 80 + 70 / math.log2(3) + 60 / 2
    assert ranking.ndcg_at_k(PREDICTED, MEASURED, 3) == pytest.approx(dcg / ideal)
    assert ranking.ndcg_at_k(MEASURED, MEASURED, 3) == pytest.approx(1.0)


def test_spearman() -> None:
    # ranks: predicted a3 b4 c1 d2, measured a4 b3 c2 d1; sum d^2 = 4; 1 - 6*4/(4*15)
    assert ranking.spearman(PREDICTED, MEASURED) == pytest.approx(0.6)
    deltas = {c: v - 65.0 for c, v in MEASURED.items()}
    assert ranking.spearman(PREDICTED, deltas) == pytest.approx(0.6)
    assert math.isnan(ranking.spearman({"a": 1.0}, MEASURED))


def test_only_common_candidates_count() -> None:
    assert ranking.regret_at_k({"c": 1.0, "d": 0.0}, MEASURED, 1) == 0.0  # best of c, d


def test_random_baseline_is_seeded_and_matches_expectation() -> None:
    three = {"a": 80.0, "b": 70.0, "c": 60.0}
    at3 = ranking.random_baseline(three, "regret", 3, permutations=200)
    assert (at3.mean, at3.std) == (0.0, 0.0)  # every candidate is in the top 3
    at1 = ranking.random_baseline(three, "regret", 1, permutations=3000, seed=1)
    expected = np.mean([0.0, 12.5, 25.0])  # each candidate first with probability 1/3
    assert at1.mean == pytest.approx(expected, abs=0.6)
    again = ranking.random_baseline(three, "regret", 1, permutations=3000, seed=1)
    assert again == at1
