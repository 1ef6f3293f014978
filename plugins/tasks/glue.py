"""GLUE tasks used as English intermediate tasks: MNLI (also XNLI's training set).

Hub: `nyu-mll/glue` (config `mnli`: `premise`, `hypothesis`, `label` ClassLabel
[entailment, neutral, contradiction], `idx`). Embedded: the world's English NLI pairs.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from harness.embedded.nli import build_mnli

MNLI_SPLITS = {"train": "train", "dev": "validation_matched"}


@cache
def _mnli(n_train: int, n_dev: int, seed: int) -> datasets.DatasetDict:
    return build_mnli(n_train=n_train, n_dev=n_dev, seed=seed)


def mnli_embedded(split: str, lang: str, n_train: int = 4000, n_dev: int = 600,
                  seed: int = 0) -> datasets.Dataset:
    return pick_split(_mnli(n_train, n_dev, seed), split, MNLI_SPLITS, "mnli")
