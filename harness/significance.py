"""Is system A better than system B? A paired test over both sources of variance.

Fine-tuning results vary with the training seed as much as with the test sample (seed
standard deviations of several points on the embedded XNLI), so an interval over test
examples alone is far too narrow. The test here splits the variance of the difference
d = mean_seeds(score_A) - mean_seeds(score_B) of the target scores into two components:

- *seed*: the sample variance of the per-seed differences D_s = A_s - B_s over the seeds
  both systems share (paired: the same seed shares data order and, for `combined` against
  `english-only`, the English stage), divided by n; with different seed sets, Welch's
  unpaired form s_A²/n_A + s_B²/n_B;
- *test examples*: the variance of d over a paired bootstrap of the test examples (the
  same resampled indices for both systems and every seed, per language).

The statistic t = d / sqrt(v_seed + v_examples) is referred to Student's t with
Welch-Satterthwaite degrees of freedom (n - 1 from the seed component, the bootstrap's
treated as exact), giving a two-sided p-value and the 95% interval d ± t_0.975 · SE. A
t reference rather than a percentile bootstrap over seeds: with 3 seeds, resampling seeds
has only 27 outcomes and shrinks the variance by (n-1)/n, which is anti-conservative; the
t quantile with 2 df (4.30 instead of 1.96) is what keeps 3-seed tables calibrated
(measured in `benchmarks/significance_calibration.py` and `tests/test_significance.py`).
See Dror et al. (2018), "The Hitchhiker's Guide to Testing Statistical Significance in
Natural Language Processing", and Bouthillier et al. (2021), "Accounting for Variance in
Machine Learning Benchmarks". p-values across a table are Holm-adjusted (`holm`).

The example bootstrap resamples by weights, so a format's `metric_from_stats` is applied
to the weighted mean row of its statistics: exact for every built-in metric (accuracy, EM
and F1 are means, micro F1 a ratio of sums).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: seed -> language -> per-example statistics (one row per test example)
SeedRuns = Mapping[int, Mapping[str, np.ndarray]]
Metric = Callable[[np.ndarray], float]
ALPHA = 0.05
MAX_SEEDS = 20
#: fewer seeds than this per system: the seed variance is not estimated well enough to
#: call a difference significant
MIN_SEEDS = 3


@dataclass(frozen=True)
class Evidence:
    """What a test needs about one comparison: per-seed scores and the example bootstrap."""

    a: dict[int, float]  # seed -> target score of A
    b: dict[int, float]
    replicates: np.ndarray  # bootstrap replicates of d over test examples

    @property
    def difference(self) -> float:
        return float(np.mean(list(self.a.values())) - np.mean(list(self.b.values())))


@dataclass(frozen=True)
class Comparison:
    difference: float  # A - B, means over each system's seeds
    low: float  # 95% interval
    high: float
    p_value: float | None  # None: one seed per system, no seed variance at all
    seeds_a: int
    seeds_b: int
    paired: bool
    seeds_needed: int | None  # per system, at the observed difference and variances
    se: float
    df: float

    @property
    def estimable(self) -> bool:
        """Seed variance estimable: at least MIN_SEEDS seeds for each system."""
        return min(self.seeds_a, self.seeds_b) >= MIN_SEEDS

    def significant(self, p_adjusted: float | None) -> bool:
        return (self.estimable and p_adjusted is not None and p_adjusted < ALPHA
                and (self.low > 0 or self.high < 0))


def _weights(rng: np.random.Generator, n: int, replicates: int) -> np.ndarray:
    """Bootstrap resamples of n examples as counts (replicates x n), rows summing to n."""
    return rng.multinomial(n, np.full(n, 1.0 / n), size=replicates).astype(np.float64)


def evidence(a: SeedRuns, b: SeedRuns, metric: Metric, replicates: int = 2000,
             seed: int = 0) -> Evidence:
    """Per-seed target scores (the mean over languages of the metric) of both systems, and
    the paired example bootstrap of the difference of their seed means."""
    if not a or not b:
        raise ValueError("each system needs at least one seed")
    langs = sorted(set.intersection(*(set(r) for r in (*a.values(), *b.values()))))
    if not langs:
        raise ValueError("the two systems share no language")
    rng = np.random.default_rng(seed)
    score_a = {s: 0.0 for s in a}
    score_b = {s: 0.0 for s in b}
    rep = np.zeros(replicates)
    for lang in langs:
        sizes = {len(r[lang]) for r in (*a.values(), *b.values())}
        if len(sizes) != 1:
            raise ValueError(f"{lang}: the systems were scored on different example sets")
        n = sizes.pop()
        w = _weights(rng, n, replicates) / n
        for runs, scores, sign in ((a, score_a, 1.0), (b, score_b, -1.0)):
            for s, by_lang in runs.items():
                rows = np.asarray(by_lang[lang], dtype=np.float64)
                scores[s] += metric(rows) / len(langs)
                means = w @ rows
                rep += sign * np.array([metric(m[None, :]) for m in means]) / (
                    len(langs) * len(runs))
    return Evidence(score_a, score_b, rep)


def combine(items: Sequence[Evidence]) -> Evidence:
    """The mean over targets (XTREME's overall score): per-seed scores averaged over the
    targets (only seeds every target has), bootstrap replicates averaged (the targets'
    test sets are independent)."""
    seeds_a = set.intersection(*(set(e.a) for e in items))
    seeds_b = set.intersection(*(set(e.b) for e in items))
    return Evidence({s: float(np.mean([e.a[s] for e in items])) for s in sorted(seeds_a)},
                    {s: float(np.mean([e.b[s] for e in items])) for s in sorted(seeds_b)},
                    np.mean([e.replicates for e in items], axis=0))


def _seed_component(ev: Evidence) -> tuple[float, float, bool, float]:
    """(variance of d from seeds, its degrees of freedom, paired?, per-seed variance)."""
    if set(ev.a) == set(ev.b) and len(ev.a) >= 2:
        diffs = np.array([ev.a[s] - ev.b[s] for s in sorted(ev.a)])
        var = float(diffs.var(ddof=1))
        return var / len(diffs), len(diffs) - 1.0, True, var
    na, nb = len(ev.a), len(ev.b)
    if min(na, nb) < 2:
        return 0.0, np.inf, False, 0.0
    va = float(np.var(list(ev.a.values()), ddof=1)) / na
    vb = float(np.var(list(ev.b.values()), ddof=1)) / nb
    total = va + vb
    df = total**2 / (va**2 / (na - 1) + vb**2 / (nb - 1)) if total > 0 else np.inf
    return total, df, False, va * na + vb * nb


def _df(v_seed: float, df_seed: float, v_examples: float) -> float:
    """Welch-Satterthwaite; the bootstrap component counts as exact (infinite df)."""
    if v_seed <= 0 or not np.isfinite(df_seed):
        return np.inf
    return (v_seed + v_examples) ** 2 * df_seed / v_seed**2


def paired_test(ev: Evidence) -> Comparison:
    d = ev.difference
    v_seed, df_seed, paired, per_seed = _seed_component(ev)
    v_ex = float(np.var(ev.replicates, ddof=1))
    se = float(np.sqrt(v_seed + v_ex))
    df = _df(v_seed, df_seed, v_ex)
    na, nb = len(ev.a), len(ev.b)
    if se == 0:
        p = 1.0 if d == 0 else 0.0
        half = 0.0
    else:
        p = float(2 * stats.t.sf(abs(d) / se, df))
        half = float(stats.t.ppf(1 - ALPHA / 2, df)) * se
    if min(na, nb) < 2:
        p = None  # no seed variance at all: a p-value would be over test examples only
    needed = (seeds_needed(d, per_seed, v_ex)
              if min(na, nb) >= MIN_SEEDS else None)
    return Comparison(d, d - half, d + half, p, na, nb, paired, needed, se, df)


def seeds_needed(difference: float, per_seed_var: float, v_examples: float,
                 most: int = MAX_SEEDS) -> int | None:
    """The fewest seeds per system for which the 95% interval at the observed difference
    and variances excludes zero; None: more than `most`."""
    for n in range(2, most + 1):
        v_seed = per_seed_var / n
        se = np.sqrt(v_seed + v_examples)
        if se == 0:
            return n if difference != 0 else None
        df = _df(v_seed, n - 1.0, v_examples)
        if abs(difference) > stats.t.ppf(1 - ALPHA / 2, df) * se:
            return n
    return None


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment (family-wise error over the whole table); None stays
    None and is not counted."""
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(present)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out
