"""PAN-X (WikiANN) named entity recognition (target), 40 languages; trains on English.

The embedded builder of panx: the world's sentences, names of persons, places and
organisations tagged BIO (names are shared across languages, transliterated in Cyrillic and
Greek). The task's hub and local sources are data in registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from xworld.tagging import build_tagging

SPLITS = {"train": "train", "dev": "validation", "test": "test"}


@cache
def _built(lang: str, n_train: int, n_dev: int, n_test: int, seed: int) -> datasets.DatasetDict:
    return build_tagging(lang, "ner", n_train, n_dev, n_test, seed)


def embedded(split: str, lang: str, n_train: int = 2000, n_dev: int = 300, n_test: int = 500,
             seed: int = 0) -> datasets.Dataset:
    return pick_split(_built(lang, n_train, n_dev, n_test, seed), split, SPLITS, "panx")
