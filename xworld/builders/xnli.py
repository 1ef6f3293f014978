"""XNLI: cross-lingual NLI (target; trains on English MNLI; tests in 15 languages), and
its machine-translated training sets (XNLI-MT, a multilingual intermediate task).

The embedded builder of xnli: the world's NLI pairs, rendered in every language (test sets
exactly parallel); the translate-train stand-in renders the English MNLI stand-in's training
pairs exactly into the language. The task's hub and local sources are data in registry.yaml
and need no code.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from xworld.nli import MNLI_FEATURES, build_xnli, sample_nli
from xworld.world import World

SPLITS = {"dev": "validation", "test": "test"}


@cache
def _built(lang: str, n_dev: int, n_test: int, seed: int) -> datasets.DatasetDict:
    return build_xnli(lang, n_dev=n_dev, n_test=n_test, seed=seed)


def embedded(split: str, lang: str, n_dev: int = 600, n_test: int = 1200,
             seed: int = 0) -> datasets.Dataset:
    return pick_split(_built(lang, n_dev, n_test, seed), split, SPLITS, "xnli")


@cache
def _translated(lang: str, n: int, n_source: int, seed: int) -> datasets.Dataset:
    world = World()
    examples = sample_nli(world, n_source, "mnli-train", seed)[:n]
    return datasets.Dataset.from_dict({
        "premise": [world.render(e.premise, lang).text for e in examples],
        "hypothesis": [world.render(e.hypothesis, lang).text for e in examples],
        "label": [e.label for e in examples], "idx": list(range(n)),
    }, features=MNLI_FEATURES).remove_columns("idx")


def translate_train_embedded(split: str, lang: str, n_train: int = 1000,
                             n_source: int = 4000, seed: int = 0) -> datasets.Dataset:
    """The first `n_train` pairs of the English MNLI stand-in (of `n_source` pairs, its
    default size), exactly translated."""
    if split != "train":
        return pick_split(datasets.DatasetDict(), split, {"train": ""}, "xnli_mt")
    return _translated(lang, n_train, n_source, seed)
