"""Tagged sentences from the world: stand-ins for UD POS (`udpos`) and WikiANN NER (`panx`).

Shaped like `google/xtreme` `udpos.<Language>` (`tokens`, `pos_tags` as a sequence of the
17 UPOS ClassLabels in the hub's order) and `PAN-X.<lang>` (`tokens`, `ner_tags` as
ClassLabels [O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC], `langs`). Tags come from the
renderer, so they are exact in every language; evaluation splits are parallel across
languages (the same meanings), training splits differ per language.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value

from xworld.grammar import RenderedSentence
from xworld.world import World

UPOS_TAGS: tuple[str, ...] = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
    "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)
NER_TAGS: tuple[str, ...] = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
Scheme = Literal["upos", "ner"]

UDPOS_FEATURES = Features({
    "tokens": Sequence(Value("string")),
    "pos_tags": Sequence(ClassLabel(names=list(UPOS_TAGS))),
})
PANX_FEATURES = Features({
    "tokens": Sequence(Value("string")),
    "ner_tags": Sequence(ClassLabel(names=list(NER_TAGS))),
    "langs": Sequence(Value("string")),
})
SPLITS = ("train", "validation", "test")


def tagged_sentences(world: World, lang: str, n: int, purpose: str, seed: int,
                     p_name: float) -> list[RenderedSentence]:
    """`n` rendered sentences; one in four is two clauses long, as running text is."""
    rng = world.rng(f"tagging-{purpose}", seed)
    sampler = replace(world.sampler(rng), p_name=p_name)
    out = []
    for _ in range(n):
        first = world.render(sampler.clause(), lang)
        if rng.random() < 0.25:
            second = world.render(sampler.clause(), lang)
            first = RenderedSentence(
                lang, first.tokens + second.tokens, first.upos + second.upos,
                first.ner + second.ner, first.slots + second.slots,
            )
        out.append(first)
    return out


def build_tagging(lang: str, scheme: Scheme, n_train: int = 2000, n_dev: int = 300,
                  n_test: int = 500, seed: int = 0, world: World | None = None) -> DatasetDict:
    """POS (`scheme="upos"`) or NER (`"ner"`) data in `lang`, splits train/validation/test."""
    world = world or World()
    # NER data favours sentences with names, as WikiANN's sentences are chosen to have them
    p_name = 0.7 if scheme == "ner" else 0.2
    out = {}
    for split, n in zip(SPLITS, (n_train, n_dev, n_test), strict=True):
        purpose = f"{scheme}-{split}" + (f"-{lang}" if split == "train" else "")
        sents = tagged_sentences(world, lang, n, purpose, seed, p_name)
        tokens = [list(s.tokens) for s in sents]
        if scheme == "upos":
            out[split] = Dataset.from_dict(
                {"tokens": tokens, "pos_tags": [[UPOS_TAGS.index(t) for t in s.upos]
                                                for s in sents]},
                features=UDPOS_FEATURES)
        else:
            out[split] = Dataset.from_dict(
                {"tokens": tokens,
                 "ner_tags": [[NER_TAGS.index(t) for t in s.ner] for s in sents],
                 "langs": [[lang] * len(s.tokens) for s in sents]},
                features=PANX_FEATURES)
    return DatasetDict(out)
