"""Multiple-choice tasks from the world's selectional preferences and paragraphs: stand-ins
for CommonsenseQA (5-way), HellaSwag (4-way) and Cosmos QA (4-way), in English.

- CommonsenseQA-like: "what does the hungry dog eat ?" with five nouns, one of a class the
  verb accepts as object (commonsense = selectional preferences).
- HellaSwag-like: a context ending mid-sentence ("... the driver washes") and four endings,
  one of which completes it plausibly.
- Cosmos-like: a paragraph, a question about one clause's object, and four noun phrases
  (the answer, two others from the paragraph, one from elsewhere).
Shaped like `tau/commonsense_qa`, `Rowan/hellaswag` and `allenai/cosmos_qa`.
"""

from __future__ import annotations

import random
from dataclasses import replace

from datasets import Dataset, Features, Sequence, Value

from xworld.lexicon import NOUN_CLASSES
from xworld.meaning import Clause, MeaningSampler, NounPhrase
from xworld.world import World

CSQA_FEATURES = Features({
    "id": Value("string"), "question": Value("string"), "question_concept": Value("string"),
    "choices": Sequence({"label": Value("string"), "text": Value("string")}),
    "answerKey": Value("string"),
})
HELLASWAG_FEATURES = Features({
    "ind": Value("int32"), "activity_label": Value("string"), "ctx_a": Value("string"),
    "ctx_b": Value("string"), "ctx": Value("string"), "endings": Sequence(Value("string")),
    "source_id": Value("string"), "split": Value("string"), "split_type": Value("string"),
    "label": Value("string"),
})
COSMOS_FEATURES = Features({
    "id": Value("string"), "context": Value("string"), "question": Value("string"),
    "answer0": Value("string"), "answer1": Value("string"), "answer2": Value("string"),
    "answer3": Value("string"), "label": Value("int32"),
})
LETTERS = "ABCDE"


def _wrong_pool(world: World, clause: Clause) -> list[str]:
    """Nouns of classes the clause's verb does not take as objects."""
    assert clause.verb is not None
    allowed = world.lexicon.verb[clause.verb].objects
    return sorted({noun for cls in NOUN_CLASSES if cls not in allowed
                   for noun in world.lexicon.specific_nouns(cls)})


def _transitive(world: World, sampler: MeaningSampler, need: int = 0) -> Clause:
    """A transitive clause with a common-noun object whose verb rules out at least `need`
    nouns (verbs like "see" accept any object and make no commonsense question)."""
    while True:
        clause = sampler.clause("transitive")
        if (clause.obj is not None and not clause.obj.name
                and len(_wrong_pool(world, clause)) >= need):
            return clause


def _wrong_objects(world: World, clause: Clause, rng: random.Random, n: int) -> list[str]:
    return rng.sample(_wrong_pool(world, clause), n)


def build_csqa(n: int, purpose: str, seed: int = 0, world: World | None = None) -> Dataset:
    world = world or World()
    rng = world.rng(f"csqa-{purpose}", seed)
    sampler = world.sampler(rng)
    rows: dict[str, list] = {k: [] for k in CSQA_FEATURES}
    for i in range(n):
        clause = _transitive(world, sampler, 4)
        assert clause.obj is not None
        answer = clause.obj.head
        choices = [answer, *_wrong_objects(world, clause, rng, 4)]
        rng.shuffle(choices)
        rows["id"].append(f"{purpose}-{i:05d}")
        rows["question"].append(world.render(replace(clause, wh="obj"), "en").text)
        rows["question_concept"].append(clause.verb)
        rows["choices"].append({"label": list(LETTERS), "text": choices})
        rows["answerKey"].append(LETTERS[choices.index(answer)])
    return Dataset.from_dict(rows, features=CSQA_FEATURES)


def build_hellaswag(n: int, purpose: str, seed: int = 0,
                    world: World | None = None) -> Dataset:
    world = world or World()
    rng = world.rng(f"hellaswag-{purpose}", seed)
    sampler = world.sampler(rng)
    rows: dict[str, list] = {k: [] for k in HELLASWAG_FEATURES}
    for i in range(n):
        before = world.render(sampler.clause(), "en").text
        clause = replace(_transitive(world, sampler, 3), negated=False, location_first=False)
        assert clause.obj is not None
        # bare objects in every ending, so adjectives cannot give the right one away
        clause = replace(clause, obj=NounPhrase(clause.obj.head, plural=clause.obj.plural))
        rendered = world.render(clause, "en")
        start, _ = rendered.span("obj")  # type: ignore[misc]
        ctx_b = " ".join(rendered.tokens[:start])
        endings = [" ".join(rendered.tokens[start:])]
        for head in _wrong_objects(world, clause, rng, 3):
            wrong_np = NounPhrase(head, plural=clause.obj.plural)
            wrong = world.render(replace(clause, obj=wrong_np), "en")
            endings.append(" ".join(wrong.tokens[wrong.span("obj")[0]:]))  # type: ignore[index]
        order = list(range(4))
        rng.shuffle(order)
        rows["ind"].append(i)
        rows["activity_label"].append(clause.verb)
        rows["ctx_a"].append(before)
        rows["ctx_b"].append(ctx_b)
        rows["ctx"].append(f"{before} {ctx_b}")
        rows["endings"].append([endings[k] for k in order])
        rows["source_id"].append(f"{purpose}-{i:05d}")
        rows["split"].append(purpose)
        rows["split_type"].append("indomain")
        rows["label"].append(str(order.index(0)))
    return Dataset.from_dict(rows, features=HELLASWAG_FEATURES)


def build_cosmos(n: int, purpose: str, seed: int = 0, world: World | None = None) -> Dataset:
    world = world or World()
    rng = world.rng(f"cosmos-{purpose}", seed)
    sampler = world.sampler(rng)
    rows: dict[str, list] = {k: [] for k in COSMOS_FEATURES}
    i = 0
    while i < n:
        doc = sampler.document(3)
        targets = [k for k, c in enumerate(doc.clauses) if c.obj is not None]
        if not targets:
            continue
        k = rng.choice(targets)
        clause = doc.clauses[k]
        answer = world.render_document(doc, "en").sentences[k]
        start, end = answer.span("obj")  # type: ignore[misc]
        gold = " ".join(answer.tokens[start:end])
        others = []
        for j, other in enumerate(doc.clauses):
            for role in ("subj", "obj"):
                if (j, role) == (k, "obj") or other.noun_phrase(role) is None:
                    continue
                s = world.render(other, "en")
                a, b = s.span(role)  # type: ignore[misc]
                text = " ".join(s.tokens[a:b])
                if text != gold and text not in others:
                    others.append(text)
        outside = world.render(_transitive(world, sampler), "en")
        a, b = outside.span("obj")  # type: ignore[misc]
        far = " ".join(outside.tokens[a:b])
        distractors = rng.sample(others, min(2, len(others)))
        distractors += [far] if far != gold and far not in distractors else []
        if len(distractors) < 3:
            continue
        choices = [gold, *distractors[:3]]
        rng.shuffle(choices)
        rows["id"].append(f"{purpose}-{i:05d}")
        rows["context"].append(world.render_document(doc, "en").text)
        rows["question"].append(world.render(replace(clause, wh="obj"), "en").text)
        for m in range(4):
            rows[f"answer{m}"].append(choices[m])
        rows["label"].append(choices.index(gold))
        i += 1
    return Dataset.from_dict(rows, features=COSMOS_FEATURES)
