"""Multilingual raw text for masked language modelling (the MLM-continuation strategy).

The embedded builder of mlm_corpus: short documents of the world in every language. The
task's hub and local sources are data in registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

from datasets import Dataset, Features, Value

from xworld.world import World

CORPUS_FEATURES = Features({"text": Value("string")})


@cache
def _built(lang: str, n: int, seed: int) -> Dataset:
    world = World()
    sampler = world.sampler(world.rng(f"mlm-corpus-{lang}", seed))
    texts = [world.render_document(sampler.document(3), lang).text for _ in range(n)]
    return Dataset.from_dict({"text": texts}, features=CORPUS_FEATURES)


def embedded(split: str, lang: str, n_train: int = 1500, seed: int = 0) -> Dataset:
    if split != "train":
        from datasets import DatasetDict

        from harness.data.embedded import pick_split

        return pick_split(DatasetDict(), split, {"train": ""}, "mlm_corpus")
    return _built(lang, n_train, seed)
