"""SQuAD v1.1: English extractive QA (English intermediate task; the training set of
XQuAD and MLQA), and SQuAD translated into other languages (multilingual intermediate).

The embedded builder of squad: English paragraphs of the world with subject/object
questions. The task's hub and local sources are data in registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from xworld.qa import build_qa


@cache
def _built(split: str, n: int, seed: int) -> datasets.Dataset:
    return build_qa("en", n, f"squad-{split}", seed)


def embedded(split: str, lang: str, n_train: int = 3000, n_dev: int = 300,
             seed: int = 0) -> datasets.Dataset:
    sizes = {"train": n_train, "dev": n_dev}
    if split not in sizes:
        return pick_split(datasets.DatasetDict(), split, {}, "squad")
    return _built(split, sizes[split], seed)


@cache
def _translated(lang: str, n: int, seed: int) -> datasets.Dataset:
    return build_qa(lang, n, "squad-train", seed)


def translate_train_embedded(split: str, lang: str, n_train: int = 1000,
                             seed: int = 0) -> datasets.Dataset:
    """The English training paragraphs and questions, exactly translated (same ids)."""
    if split != "train":
        return pick_split(datasets.DatasetDict(), split, {"train": ""}, "squad_mt")
    return _translated(lang, n_train, seed)
