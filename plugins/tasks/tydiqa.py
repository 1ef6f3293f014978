"""TyDiQA-GoldP (target): typologically diverse QA, gold passage; fine-tuned on its
English training subset, evaluated on the per-language dev sets (XTREME's test).

Hub: `google/xtreme` config `tydiqa` (all languages in one split; the language is the id's
prefix, e.g. `english-...`, so rows are filtered per language). Never train on its
validation split: it is the test set. Embedded: the world's paragraphs and questions.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import datasets

from harness.data.embedded import pick_split
from harness.embedded.qa import build_qa

LANGUAGE_NAMES = {"ar": "arabic", "bn": "bengali", "en": "english", "fi": "finnish",
                  "id": "indonesian", "ko": "korean", "ru": "russian", "sw": "swahili",
                  "te": "telugu"}


def in_language(example: dict[str, Any], lang: str) -> bool:
    """Hub rows of `lang`: TyDiQA ids start with the language's English name."""
    return str(example["id"]).startswith(LANGUAGE_NAMES[lang] + "-")


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
