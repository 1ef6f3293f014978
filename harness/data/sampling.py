"""Which rows a size limit keeps: a seeded random sample, not the first N rows.

The first N rows of a split are a biased subset whenever the split is ordered (UD's
concatenated treebanks) or a concatenation (ANLI's dev_r1+dev_r2+dev_r3 would be round 1
only). The seed comes from what is sampled (task, split, language), never from the run
seed, so every system of a grid is scored on the same rows.
"""

from __future__ import annotations

import hashlib

import numpy as np


def sample_seed(*parts: str) -> int:
    """A seed that depends only on what is sampled."""
    digest = hashlib.sha256("/".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little")


def sample_indices(sizes: list[int], limit: int, seed: int) -> list[int]:
    """`limit` row indices of a split made of consecutive strata of `sizes` rows, drawn
    without replacement, each stratum in proportion to its size (largest remainder), in
    ascending order. All rows when `limit` covers them."""
    total = sum(sizes)
    if limit >= total:
        return list(range(total))
    exact = [limit * n / total for n in sizes]
    quota = [int(q) for q in exact]
    by_remainder = sorted(range(len(sizes)), key=lambda i: (quota[i] - exact[i], i))
    for i in by_remainder[: limit - sum(quota)]:
        quota[i] += 1
    rng = np.random.default_rng(seed)
    picked: list[int] = []
    start = 0
    for n, k in zip(sizes, quota, strict=True):
        picked.extend(int(start + j) for j in rng.choice(n, size=k, replace=False))
        start += n
    return sorted(picked)
