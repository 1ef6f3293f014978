"""MASSIVE intent classification (multilingual intermediate task): 60 intents of
utterances to a voice assistant, 51 locales, translated from English.

The embedded builder of massive: the world's statements and questions labelled with their
verb's scenario (its own, smaller intent set). The task's hub and local sources are data in
registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

from datasets import Dataset

from xworld.intent import build_intent


@cache
def _built(split: str, lang: str, n: int, seed: int) -> Dataset:
    return build_intent(lang, n, f"massive-{split}-{lang}", seed)


def embedded(split: str, lang: str, n_train: int = 1200, n_dev: int = 200, n_test: int = 300,
             seed: int = 0) -> Dataset:
    return _built(split, lang, {"train": n_train, "dev": n_dev, "test": n_test}[split], seed)
