"""TyDiQA-GoldP (target): typologically diverse QA, gold passage; fine-tuned on its
English training subset, evaluated on the per-language dev sets (XTREME's test).

The embedded builder of tydiqa: the world's paragraphs and questions. The task's hub and
local sources are data in registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from xworld.qa import build_qa


@cache
def _built(split: str, lang: str, n: int, seed: int) -> datasets.Dataset:
    purpose = f"tydiqa-{split}" + (f"-{lang}" if split == "train" else "")
    return build_qa(lang, n, purpose, seed)


def embedded(split: str, lang: str, n_train: int = 2000, n_test: int = 400,
             seed: int = 0) -> datasets.Dataset:
    sizes = {"train": n_train, "test": n_test}
    if split not in sizes:
        return pick_split(datasets.DatasetDict(), split, {"train": "train", "test": "test"},
                          "tydiqa")
    return _built(split, lang, sizes[split], seed)
