"""MLQA (target): extractive QA in 7 languages, scored with MLQA's per-language answer
normalisation; fine-tuned on SQuAD v1.1. XTREME evaluates context and question in the same
language.

The embedded builder of mlqa: the world's paragraphs and questions, parallel across
languages. The task's hub and local sources are data in registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from xworld.qa import build_qa


@cache
def _built(split: str, lang: str, n: int, seed: int) -> datasets.Dataset:
    return build_qa(lang, n, f"mlqa-{split}", seed)


def embedded(split: str, lang: str, n_dev: int = 200, n_test: int = 400,
             seed: int = 0) -> datasets.Dataset:
    sizes = {"dev": n_dev, "test": n_test}
    if split not in sizes:
        return pick_split(datasets.DatasetDict(), split, {"dev": "dev", "test": "test"}, "mlqa")
    return _built(split, lang, sizes[split], seed)
