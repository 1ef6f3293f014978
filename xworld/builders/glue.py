"""GLUE tasks used as English intermediate tasks: MNLI (also XNLI's training set), QQP
and SST-2.

The embedded builder of glue: the world's English NLI pairs, question pairs, and polar
sentences. The task's hub and local sources are data in registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from xworld.nli import build_mnli
from xworld.paraphrase import build_question_pairs
from xworld.sentiment import NEUTRAL, sample_sentiment
from xworld.world import World

MNLI_SPLITS = {"train": "train", "dev": "validation_matched"}


@cache
def _mnli(n_train: int, n_dev: int, seed: int) -> datasets.DatasetDict:
    return build_mnli(n_train=n_train, n_dev=n_dev, seed=seed)


def mnli_embedded(split: str, lang: str, n_train: int = 4000, n_dev: int = 600,
                  seed: int = 0) -> datasets.Dataset:
    return pick_split(_mnli(n_train, n_dev, seed), split, MNLI_SPLITS, "mnli")


@cache
def _qqp(split: str, n: int, seed: int) -> datasets.Dataset:
    return build_question_pairs(n, f"qqp-{split}", seed)


def qqp_embedded(split: str, lang: str, n_train: int = 3000, n_dev: int = 300,
                 seed: int = 0) -> datasets.Dataset:
    sizes = {"train": n_train, "dev": n_dev}
    if split not in sizes:
        return pick_split(datasets.DatasetDict(), split, {"train": "", "dev": ""}, "qqp")
    return _qqp(split, sizes[split], seed)


SST2_FEATURES = datasets.Features({
    "sentence": datasets.Value("string"),
    "label": datasets.ClassLabel(names=["negative", "positive"]),
    "idx": datasets.Value("int32"),
})


@cache
def _sst2(split: str, n: int, seed: int) -> datasets.Dataset:
    world = World()
    # SST-2 has no neutral class: draw three-way texts and keep the polar ones
    texts = [t for t in sample_sentiment(world, 2 * n, f"sst2-{split}", seed) if t[1] != NEUTRAL]
    rows: dict[str, list] = {"sentence": [], "label": [], "idx": []}
    for i, (clauses, label) in enumerate(texts[:n]):
        rows["sentence"].append(" ".join(world.render(c, "en").text for c in clauses))
        rows["label"].append(1 if label > NEUTRAL else 0)
        rows["idx"].append(i)
    return datasets.Dataset.from_dict(rows, features=SST2_FEATURES)


def sst2_embedded(split: str, lang: str, n_train: int = 3000, n_dev: int = 300,
                  seed: int = 0) -> datasets.Dataset:
    sizes = {"train": n_train, "dev": n_dev}
    if split not in sizes:
        return pick_split(datasets.DatasetDict(), split, {"train": "", "dev": ""}, "sst2")
    return _sst2(split, sizes[split], seed)
