"""XNLI: cross-lingual NLI (target). Trains on MNLI (English); tests in 15 languages.

Hub: `facebook/xnli`, one config per language (`premise`, `hypothesis`, `label`
ClassLabel [entailment, neutral, contradiction]). Embedded: the world's NLI pairs, rendered
in every language of the world (test sets exactly parallel).
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from harness.embedded.nli import build_xnli

SPLITS = {"dev": "validation", "test": "test"}


@cache
def _built(lang: str, n_dev: int, n_test: int, seed: int) -> datasets.DatasetDict:
    return build_xnli(lang, n_dev=n_dev, n_test=n_test, seed=seed)


def embedded(split: str, lang: str, n_dev: int = 600, n_test: int = 1200,
             seed: int = 0) -> datasets.Dataset:
    return pick_split(_built(lang, n_dev, n_test, seed), split, SPLITS, "xnli")
