"""UD POS tagging (target), XTREME's 33 languages; trains on English UD.

The embedded builder of udpos: the world's sentences with their exact UPOS tags. The task's
hub and local sources are data in registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from xworld.tagging import build_tagging

SPLITS = {"train": "train", "dev": "validation", "test": "test"}


@cache
def _built(lang: str, n_train: int, n_dev: int, n_test: int, seed: int) -> datasets.DatasetDict:
    return build_tagging(lang, "upos", n_train, n_dev, n_test, seed)


def embedded(split: str, lang: str, n_train: int = 2000, n_dev: int = 300, n_test: int = 500,
             seed: int = 0) -> datasets.Dataset:
    return pick_split(_built(lang, n_train, n_dev, n_test, seed), split, SPLITS, "udpos")
