"""Tatoeba sentence retrieval (target, no training): for each English sentence, find its
translation among the language's sentences; accuracy of the nearest neighbour.

The embedded builder of tatoeba: translation pairs from the world. The task's hub and local
sources are data in registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from xworld.bitext import build_tatoeba


@cache
def _built(lang: str, n: int, seed: int) -> datasets.Dataset:
    return build_tatoeba(lang, n, seed)


def embedded(split: str, lang: str, n_test: int = 500, seed: int = 0) -> datasets.Dataset:
    if split != "test":
        return pick_split(datasets.DatasetDict(), split, {"test": "test"}, "tatoeba")
    return _built(lang, n_test, seed)
