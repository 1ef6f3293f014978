"""CCG supertagging (English intermediate task).

The embedded builder of ccg: CCG-like lexical categories for the world's English sentences,
in the same line format. The task's hub and local sources are data in registry.yaml and need
no code.
"""

from __future__ import annotations

from functools import cache

from datasets import Dataset, DatasetDict

from harness.data.embedded import pick_split
from xworld.ccg import build_ccg


@cache
def _built(split: str, n: int, seed: int) -> Dataset:
    return build_ccg(n, f"ccg-{split}", seed)


def embedded(split: str, lang: str, n_train: int = 2000, n_dev: int = 300,
             seed: int = 0) -> Dataset:
    sizes = {"train": n_train, "dev": n_dev}
    if split not in sizes:
        return pick_split(DatasetDict(), split, {"train": "", "dev": ""}, "ccg")
    return _built(split, sizes[split], seed)
