"""TyDiQA-GoldP (target): typologically diverse QA, gold passage; fine-tuned on its
English training subset, evaluated on the per-language dev sets (XTREME's test).

Hub: `google/xtreme` config `tydiqa` (all languages in one split; the language is the id's
prefix, e.g. `english-...`, so rows are filtered per language). Never train on its
validation split: it is the test set. The embedded builder is `xworld.builders.tydiqa`.
"""

from __future__ import annotations

from typing import Any

LANGUAGE_NAMES = {"ar": "arabic", "bn": "bengali", "en": "english", "fi": "finnish",
                  "id": "indonesian", "ko": "korean", "ru": "russian", "sw": "swahili",
                  "te": "telugu"}


def in_language(example: dict[str, Any], lang: str) -> bool:
    """Hub rows of `lang`: TyDiQA ids start with the language's English name."""
    return str(example["id"]).startswith(LANGUAGE_NAMES[lang] + "-")
