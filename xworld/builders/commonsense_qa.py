"""CommonsenseQA: 5-way multiple-choice commonsense questions (English intermediate task).

The embedded builder of commonsense_qa: "what does the dog eat ?" with five nouns, one that
the verb's selectional preferences allow. The task's hub and local sources are data in
registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

from datasets import Dataset, DatasetDict

from harness.data.embedded import pick_split
from xworld.choices import build_csqa


@cache
def _built(split: str, n: int, seed: int) -> Dataset:
    return build_csqa(n, f"csqa-{split}", seed)


def embedded(split: str, lang: str, n_train: int = 2000, n_dev: int = 300,
             seed: int = 0) -> Dataset:
    sizes = {"train": n_train, "dev": n_dev}
    if split not in sizes:
        return pick_split(DatasetDict(), split, {"train": "", "dev": ""}, "commonsense_qa")
    return _built(split, sizes[split], seed)
