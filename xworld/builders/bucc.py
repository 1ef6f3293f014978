"""BUCC 2018 bitext mining (target, no training): find the translation pairs hidden in two
comparable corpora (de, fr, ru, zh against English). F1 of the mined pairs, with the
margin threshold tuned on the dev ("sample") split and applied to the test ("training")
split, as XTREME does.

The embedded builder of bucc: sentence pools of the world with hidden translation pairs. The
task's hub and local sources are data in registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

import datasets

from harness.data.embedded import pick_split
from xworld.bitext import build_bucc


@cache
def _built(split: str, lang: str, n_pairs: int, n_noise: int, seed: int) -> datasets.Dataset:
    return build_bucc(lang, n_pairs, n_noise, n_noise, f"bucc-{split}", seed)


def embedded(split: str, lang: str, n_pairs_dev: int = 150, n_pairs_test: int = 300,
             noise_ratio: float = 1.0, seed: int = 0) -> datasets.Dataset:
    pairs = {"dev": n_pairs_dev, "test": n_pairs_test}
    if split not in pairs:
        return pick_split(datasets.DatasetDict(), split, {"dev": "dev", "test": "test"},
                          "bucc2018")
    return _built(split, lang, pairs[split], int(pairs[split] * noise_ratio), seed)
