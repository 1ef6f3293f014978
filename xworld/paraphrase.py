"""Paraphrase identification with high word overlap: a stand-in for PAWS-X.

Shaped like `google/xtreme` `PAWS-X.<lang>` (`sentence1`, `sentence2`, `label` as the
strings "0"/"1"). As in PAWS, both classes reuse the same words: a paraphrase moves the
location phrase to the front (same meaning); a non-paraphrase swaps the subject and the
object, or the adjectives of two noun phrases (same words, different meaning). Only word
order and morphology tell them apart.
"""

from __future__ import annotations

import random
from dataclasses import replace

from datasets import ClassLabel, Dataset, Features, Value

from xworld.meaning import Clause, MeaningSampler
from xworld.world import World

PAWSX_FEATURES = Features({
    "sentence1": Value("string"), "sentence2": Value("string"), "label": Value("string"),
})
QQP_FEATURES = Features({
    "question1": Value("string"), "question2": Value("string"),
    "label": ClassLabel(names=["not_duplicate", "duplicate"]), "idx": Value("int32"),
})


def _paraphrase(sampler: MeaningSampler) -> tuple[Clause, Clause]:
    while True:
        clause = sampler.clause()
        if clause.location is not None:
            return clause, replace(clause, location_first=not clause.location_first)


def _non_paraphrase(sampler: MeaningSampler, rng: random.Random) -> tuple[Clause, Clause]:
    while True:
        clause = sampler.clause("transitive")
        subj, obj = clause.subject, clause.obj
        if obj is None or subj == obj:
            continue
        names = subj.name or obj.name  # names take no adjectives
        if not names and rng.random() < 0.5 and subj.adjectives != obj.adjectives:
            swapped = replace(clause, subject=replace(subj, adjectives=obj.adjectives),
                              obj=replace(obj, adjectives=subj.adjectives))
        else:
            swapped = replace(clause, subject=obj, obj=subj)
        if clause.location is not None and rng.random() < 0.5:
            swapped = replace(swapped, location_first=not clause.location_first)
        return clause, swapped


def _other_object(sampler: MeaningSampler) -> tuple[Clause, Clause]:
    """Same sentence about a different thing of the same kind: high overlap, not the same
    meaning (QQP's hard negatives ask about a neighbouring topic)."""
    lex = sampler.lexicon
    while True:
        clause = sampler.clause("transitive")
        obj = clause.obj
        if obj is None or obj.name:
            continue
        others = [n for n in lex.specific_nouns(lex.noun[obj.head].cls) if n != obj.head]
        if others:
            return clause, replace(clause, obj=replace(obj, head=sampler.rng.choice(others)))


def build_question_pairs(n: int, purpose: str, seed: int = 0,
                         world: World | None = None) -> Dataset:
    """English pairs shaped like GLUE QQP (`question1`, `question2`, `label` ClassLabel
    [not_duplicate, duplicate], `idx`). Duplicates say the same thing with the location
    moved; the others swap roles or adjectives, or name another thing of the same kind.
    They are statements: the world's questions cannot front a location, so question
    duplicates would be the same string."""
    world = world or World()
    rng = world.rng(f"questions-{purpose}", seed)
    sampler = world.sampler(rng)
    labels = [i % 2 for i in range(n)]
    rng.shuffle(labels)
    rows: dict[str, list] = {"question1": [], "question2": [], "label": [], "idx": []}
    for i, label in enumerate(labels):
        if label:
            a, b = _paraphrase(sampler)
        elif rng.random() < 0.5:
            a, b = _other_object(sampler)
        else:
            a, b = _non_paraphrase(sampler, rng)
        rows["question1"].append(world.render(a, "en").text)
        rows["question2"].append(world.render(b, "en").text)
        rows["label"].append(label)
        rows["idx"].append(i)
    return Dataset.from_dict(rows, features=QQP_FEATURES)


def build_paraphrase(lang: str, n: int, purpose: str, seed: int = 0,
                     world: World | None = None) -> Dataset:
    """`n` balanced pairs in `lang`; the same `purpose` gives parallel pairs in every
    language."""
    world = world or World()
    rng = world.rng(f"paraphrase-{purpose}", seed)
    sampler = world.sampler(rng)
    labels = [i % 2 for i in range(n)]
    rng.shuffle(labels)
    rows: dict[str, list[str]] = {"sentence1": [], "sentence2": [], "label": []}
    for label in labels:
        a, b = _paraphrase(sampler) if label else _non_paraphrase(sampler, rng)
        rows["sentence1"].append(world.render(a, lang).text)
        rows["sentence2"].append(world.render(b, lang).text)
        rows["label"].append(str(label))
    return Dataset.from_dict(rows, features=PAWSX_FEATURES)
