"""How good a predicted ranking of intermediate tasks is, against measured scores.

Definitions follow Poth et al. (2021): with M(s) the measured target score after
intermediate task s and O = max_s M(s), Regret@k = (O - max_{s in top-k} M(s)) / O, in
percent; NDCG@k uses the measured scores as graded relevance. Spearman's rho compares the
predicted scores with the measured deltas (a constant baseline does not change it). The
random-ranking baseline is the same metric over seeded random permutations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr


def top_k(predicted: dict[str, float], k: int) -> list[str]:
    """The k best-predicted candidates (ties broken by name, so the result is stable)."""
    return [c for c, _ in sorted(predicted.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]


def regret_at_k(predicted: dict[str, float], measured: dict[str, float], k: int) -> float:
    """Percent of the best measured score lost by picking the best of the top-k predicted."""
    common = {c: predicted[c] for c in predicted if c in measured}
    best = max(measured[c] for c in common)
    picked = max(measured[c] for c in top_k(common, k))
    return 100.0 * (best - picked) / abs(best) if best else 0.0


def ndcg_at_k(predicted: dict[str, float], measured: dict[str, float], k: int) -> float:
    common = {c: predicted[c] for c in predicted if c in measured}
    gains = [measured[c] for c in top_k(common, k)]
    ideal = sorted((measured[c] for c in common), reverse=True)[:k]

    def dcg(values: list[float]) -> float:
        return sum(v / math.log2(i + 2) for i, v in enumerate(values))

    return dcg(gains) / dcg(ideal) if dcg(ideal) else 0.0


def spearman(predicted: dict[str, float], measured: dict[str, float]) -> float:
    common = sorted(c for c in predicted if c in measured)
    if len(common) < 2:
        return float("nan")
    a = [predicted[c] for c in common]
    b = [measured[c] for c in common]
    if len(set(a)) < 2 or len(set(b)) < 2:
        return float("nan")
    return float(spearmanr(a, b).statistic)


@dataclass(frozen=True)
class Spread:
    mean: float
    std: float
    n: int


def random_values(measured: dict[str, float], metric: str, k: int = 3,
                  permutations: int = 1000, seed: int = 0) -> np.ndarray:
    """The metric of `permutations` seeded random rankings (permutation j is the same for
    every caller with the same seed and candidates, so targets can be averaged per j)."""
    names = sorted(measured)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(permutations):
        order = rng.permutation(len(names))
        predicted = {names[i]: float(len(names) - r) for r, i in enumerate(order)}
        values.append(score(metric, predicted, measured, k))
    return np.asarray(values, dtype=float)


def spread(values: np.ndarray) -> Spread:
    arr = values[~np.isnan(values)]
    if len(arr) == 0:
        return Spread(float("nan"), float("nan"), 0)
    return Spread(float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
                  len(arr))


def random_baseline(measured: dict[str, float], metric: str, k: int = 3,
                    permutations: int = 1000, seed: int = 0) -> Spread:
    """The metric of random rankings: mean and standard deviation over seeded permutations."""
    return spread(random_values(measured, metric, k, permutations, seed))


def score(metric: str, predicted: dict[str, float], measured: dict[str, float],
          k: int = 3) -> float:
    if metric == "regret":
        return regret_at_k(predicted, measured, k)
    if metric == "ndcg":
        return ndcg_at_k(predicted, measured, k)
    if metric == "spearman":
        return spearman(predicted, measured)
    raise ValueError(f"unknown ranking metric {metric!r}")
