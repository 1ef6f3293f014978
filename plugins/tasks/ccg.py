"""CCG supertagging (English intermediate task).

CCGbank (LDC2005T13) is licensed and not on the hub: the `local` source reads jiant's
prepared files (`ccg_1363.{train,dev,test}`: one sentence per line, space-separated
tokens, a tab, space-separated supertags; jiant's split is sections 00-18 / 19-21 / 22-24)
and the label set from jiant's `tags_to_id.json`. Embedded: CCG-like lexical categories
for the world's English sentences, in the same line format.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from datasets import Dataset, DatasetDict

from harness.data.embedded import pick_split
from harness.embedded.ccg import build_ccg


def adapt(example: dict[str, Any]) -> dict[str, Any]:
    """One jiant line (already split at the tab) -> words and their supertags."""
    return {"tokens": example["text"].split(" "), "tags": example["tags"].split(" ")}


@cache
def _built(split: str, n: int, seed: int) -> Dataset:
    return build_ccg(n, f"ccg-{split}", seed)


def embedded(split: str, lang: str, n_train: int = 2000, n_dev: int = 300,
             seed: int = 0) -> Dataset:
    sizes = {"train": n_train, "dev": n_dev}
    if split not in sizes:
        return pick_split(DatasetDict(), split, {"train": "", "dev": ""}, "ccg")
    return _built(split, sizes[split], seed)
