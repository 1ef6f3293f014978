"""XQuAD (target): SQuAD v1.1 dev paragraphs professionally translated into 10 languages;
fine-tuned on SQuAD v1.1.

The embedded builder of xquad: the world's paragraphs and questions, the same ones (same
ids) in every language. The task's hub and local sources are data in registry.yaml and need
no code.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from xworld.qa import build_qa


@cache
def _built(lang: str, n: int, seed: int) -> datasets.Dataset:
    return build_qa(lang, n, "xquad-test", seed)


def embedded(split: str, lang: str, n_test: int = 400, seed: int = 0) -> datasets.Dataset:
    if split != "test":
        return pick_split(datasets.DatasetDict(), split, {"test": "test"}, "xquad")
    return _built(lang, n_test, seed)
