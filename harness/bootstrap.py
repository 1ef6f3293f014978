"""Paired bootstrap over test examples, pooled over seeds.

Two systems are compared on the same test examples: each bootstrap replicate resamples the
examples of every language (with replacement, the same indices for both systems), scores
each system on the resample with each of its seeds, averages over seeds and then over
languages (XTREME's target score), and records the difference. The 2.5th and 97.5th
percentiles of the differences give the 95% interval; the difference is significant when
the interval excludes zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: per language, one array of per-example statistics per seed
SeedRows = Mapping[str, Sequence[np.ndarray]]
Metric = Callable[[np.ndarray], float]


@dataclass(frozen=True)
class Comparison:
    difference: float  # A - B on the full test sets
    low: float
    high: float
    replicates: int

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


def _score(rows: SeedRows, metric: Metric, picks: Mapping[str, np.ndarray] | None) -> float:
    per_lang = []
    for lang, seeds in rows.items():
        idx = picks[lang] if picks is not None else slice(None)
        per_lang.append(float(np.mean([metric(s[idx]) for s in seeds])))
    return float(np.mean(per_lang))


def paired_bootstrap(
    a: SeedRows, b: SeedRows, metric: Metric, replicates: int = 1000, seed: int = 0
) -> Comparison:
    langs = sorted(set(a) & set(b))
    if not langs:
        raise ValueError("the two systems share no language")
    a = {x: a[x] for x in langs}
    b = {x: b[x] for x in langs}
    sizes = {}
    for lang in langs:
        n = {len(s) for s in (*a[lang], *b[lang])}
        if len(n) != 1:
            raise ValueError(f"{lang}: the systems were scored on different example sets")
        sizes[lang] = n.pop()
    rng = np.random.default_rng(seed)
    diffs = np.empty(replicates)
    for r in range(replicates):
        picks = {lang: rng.integers(0, sizes[lang], sizes[lang]) for lang in langs}
        diffs[r] = _score(a, metric, picks) - _score(b, metric, picks)
    low, high = np.percentile(diffs, [2.5, 97.5])
    return Comparison(_score(a, metric, None) - _score(b, metric, None), float(low),
                      float(high), replicates)
