"""Multilingual sentiment (multilingual intermediate task).

The embedded builder of sentiment: sentences of the world whose polarity comes from
adjective polarity and negation. The task's hub and local sources are data in registry.yaml
and need no code.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from xworld.sentiment import build_sentiment

SPLITS = {"train": "train", "dev": "validation", "test": "test"}


@cache
def _built(lang: str, n_train: int, n_dev: int, n_test: int, seed: int) -> datasets.DatasetDict:
    return build_sentiment(lang, n_train=n_train, n_dev=n_dev, n_test=n_test, seed=seed)


def embedded(split: str, lang: str, n_train: int = 2000, n_dev: int = 300, n_test: int = 600,
             seed: int = 0) -> datasets.Dataset:
    return pick_split(_built(lang, n_train, n_dev, n_test, seed), split, SPLITS,
                      "multilingual_sentiment")
