"""PAWS-X: adversarial paraphrase identification (target), 7 languages; trains on its own
English training set.

The embedded builder of pawsx: the world's word-order paraphrases (same words, same or
different meaning), evaluation sets parallel across languages. The task's hub and local
sources are data in registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from xworld.paraphrase import build_paraphrase


@cache
def _built(split: str, lang: str, n: int, seed: int) -> datasets.Dataset:
    purpose = f"pawsx-{split}" + (f"-{lang}" if split == "train" else "")
    return build_paraphrase(lang, n, purpose, seed)


def embedded(split: str, lang: str, n_train: int = 2000, n_dev: int = 300, n_test: int = 500,
             seed: int = 0) -> datasets.Dataset:
    sizes = {"train": n_train, "dev": n_dev, "test": n_test}
    if split not in sizes:
        return pick_split(datasets.DatasetDict(), split, {}, "pawsx")
    return _built(split, lang, sizes[split], seed)
