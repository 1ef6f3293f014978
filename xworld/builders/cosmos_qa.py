"""Cosmos QA: 4-way multiple-choice reading comprehension (English intermediate task).

The embedded builder of cosmos_qa: a paragraph of the world, a question about one clause's
object and four noun phrases. The task's hub and local sources are data in registry.yaml and
need no code.
"""

from __future__ import annotations

from functools import cache

from datasets import Dataset, DatasetDict

from harness.data.embedded import pick_split
from xworld.choices import build_cosmos


@cache
def _built(split: str, n: int, seed: int) -> Dataset:
    return build_cosmos(n, f"cosmos-{split}", seed)


def embedded(split: str, lang: str, n_train: int = 2000, n_dev: int = 300,
             seed: int = 0) -> Dataset:
    sizes = {"train": n_train, "dev": n_dev}
    if split not in sizes:
        return pick_split(DatasetDict(), split, {"train": "", "dev": ""}, "cosmos_qa")
    return _built(split, sizes[split], seed)
