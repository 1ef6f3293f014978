"""Calibration of the leaderboard's significance test under the null hypothesis.

Simulates grids of two systems with *no* true difference and realistic variance: a fresh
test set per grid (examples of varying difficulty), and per system and seed a shift of the
model's logits (seed standard deviation of several accuracy points, as on the embedded
XNLI), correlated between the two systems of the same seed (they share data order), plus
per-example noise. Each grid is judged by `harness.significance` (the new test), by the old
example-only paired bootstrap (percentile interval over test examples, seeds averaged), and
by a naive two-level percentile bootstrap (seeds, then examples). A calibrated test calls
about 5% of null grids significant.

    python benchmarks/significance_calibration.py --grids 1000 --seeds 3 5
"""

from __future__ import annotations

import argparse

import numpy as np

from harness.metrics.example_stats import accuracy_from_stats
from harness.significance import Evidence, evidence, paired_test


def null_grid(rng: np.random.Generator, seeds: int, n: int = 400, seed_sd: float = 0.25,
              rho: float = 0.5) -> tuple[dict, dict]:
    """Per-example correctness of systems A and B (same distribution) on one test set."""
    difficulty = rng.normal(0.3, 1.5, n)  # logit of an example being answered right
    shared = rng.normal(0, seed_sd, seeds)  # the seed's data order, common to A and B

    def system() -> dict[int, dict[str, np.ndarray]]:
        own = rng.normal(0, seed_sd, seeds)
        runs = {}
        for s in range(seeds):
            shift = np.sqrt(rho) * shared[s] + np.sqrt(1 - rho) * own[s]
            p = 1 / (1 + np.exp(-(difficulty + shift)))
            runs[s] = {"de": (rng.random(n) < p).astype(np.float64)[:, None]}
        return runs

    return system(), system()


def old_significant(ev: Evidence) -> bool:
    """The example-only paired bootstrap (percentile interval) of xharness before 2."""
    low, high = np.percentile(ev.replicates, [2.5, 97.5])
    return bool(low > 0 or high < 0)


def two_level_significant(rng: np.random.Generator, a: dict, b: dict, ev: Evidence,
                          replicates: int) -> bool:
    """Naive two-level percentile bootstrap: resample seeds (paired), add the example
    bootstrap's deviation; anti-conservative with few seeds."""
    seeds = sorted(a)
    diffs = np.array([ev.a[s] - ev.b[s] for s in seeds])
    picks = rng.integers(0, len(seeds), (replicates, len(seeds)))
    centred = ev.replicates[:replicates] - ev.replicates.mean()
    dist = diffs[picks].mean(axis=1) + centred
    low, high = np.percentile(dist, [2.5, 97.5])
    return bool(low > 0 or high < 0)


def rates(grids: int, seeds: int, replicates: int = 500, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    new = old = naive = 0
    seed_sds = []
    for g in range(grids):
        a, b = null_grid(rng, seeds)
        ev = evidence(a, b, accuracy_from_stats, replicates=replicates, seed=g)
        cmp = paired_test(ev)
        new += cmp.p_value is not None and cmp.p_value < 0.05 and (cmp.low > 0 or cmp.high < 0)
        old += old_significant(ev)
        naive += two_level_significant(rng, a, b, ev, replicates)
        seed_sds.append(np.std(list(ev.a.values()), ddof=1))
    return {"new": new / grids, "old": old / grids, "two_level": naive / grids,
            "seed_sd": float(np.mean(seed_sds))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[3, 5])
    args = parser.parse_args()
    for seeds in args.seeds:
        r = rates(args.grids, seeds)
        print(f"{seeds} seeds, {args.grids} null grids (mean seed std {r['seed_sd']:.1f} "
              f"points): significant share new {r['new']:.3f}, old example-only "
              f"{r['old']:.3f}, two-level percentile {r['two_level']:.3f}")


if __name__ == "__main__":
    main()
