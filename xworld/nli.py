"""NLI from meanings: an English MNLI stand-in and XNLI stand-ins in all six languages.

A premise meaning is edited into a hypothesis meaning by one rule whose label follows from the
lexical semantics, read with the usual NLI convention that definite noun phrases and names
keep their referent:

- entailment: drop an adjective, a location or an optional object; generalise a noun to its
  hypernym or a verb to its more general verb; front the location (a paraphrase);
- neutral: add an adjective, a location or an object; specialise a noun or verb; swap the
  verb or the object noun for an unrelated compatible one;
- contradiction: toggle negation (optionally with a further weakening/strengthening edit in
  the direction that keeps it a contradiction); swap an adjective for its antonym.

Rules that are only valid in positive clauses (dropping a location: "X does not eat in Paris"
does not entail "X does not eat") check their conditions. Labels are balanced.
Both premise and hypothesis are meanings, so every language renders the same pairs: the XNLI
stand-in's validation and test sets are exactly parallel across languages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from xworld.languages import ALL_LANGUAGES
from xworld.meaning import Clause, MeaningSampler, NounPhrase
from xworld.world import World

NLI_LABELS: tuple[str, ...] = ("entailment", "neutral", "contradiction")
ENTAILMENT, NEUTRAL, CONTRADICTION = 0, 1, 2
P_NEGATED = 0.4
P_GENERAL = 0.25

#: Features of `nyu-mll/glue` config `mnli`.
MNLI_FEATURES = Features({
    "premise": Value("string"),
    "hypothesis": Value("string"),
    "label": ClassLabel(names=list(NLI_LABELS)),
    "idx": Value("int32"),
})
#: Features of `facebook/xnli` config `{lang}`.
XNLI_FEATURES = Features({
    "premise": Value("string"),
    "hypothesis": Value("string"),
    "label": ClassLabel(names=list(NLI_LABELS)),
})


@dataclass(frozen=True)
class NliExample:
    premise: Clause
    hypothesis: Clause
    label: int
    rule: str


Rule = Callable[[Clause, MeaningSampler], tuple[Clause, Clause] | None]


def _roles_with(clause: Clause, test: Callable[[str, NounPhrase], bool]) -> list[str]:
    return [r for r in ("subj", "obj", "loc")
            if (np := clause.noun_phrase(r)) is not None and test(r, np)]


def _set_np(clause: Clause, role: str, np: NounPhrase | None) -> Clause:
    key = {"subj": "subject", "obj": "obj", "loc": "location"}[role]
    return replace(clause, **{key: np})


def _monotone_ok(clause: Clause, role: str, np: NounPhrase) -> bool:
    """Whether weakening this NP preserves truth: yes unless it is an indefinite non-subject
    under negation ("Anna does not eat a red apple" does not entail "... eat an apple")."""
    return not clause.negated or np.definite or role == "subj"


# ---- entailment ---------------------------------------------------------------------------
def drop_adjective(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    roles = _roles_with(c, lambda r, np: bool(np.adjectives) and _monotone_ok(c, r, np))
    if not roles:
        return None
    role = s.rng.choice(roles)
    np = c.noun_phrase(role)
    assert np is not None
    i = s.rng.randrange(len(np.adjectives))
    smaller = replace(np, adjectives=np.adjectives[:i] + np.adjectives[i + 1:])
    return c, _set_np(c, role, smaller)


def drop_location(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    if c.location is None or c.negated:
        return None
    return c, replace(c, location=None, location_first=False)


def drop_object(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    if c.obj is None or c.negated or c.verb is None or not s.lexicon.verb[c.verb].object_optional:
        return None
    return c, replace(c, obj=None)


def generalise_noun(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    lex = s.lexicon
    roles = _roles_with(c, lambda r, np: not np.name and lex.noun[np.head].hypernym is not None
                        and _monotone_ok(c, r, np))
    if not roles:
        return None
    role = s.rng.choice(roles)
    np = c.noun_phrase(role)
    assert np is not None
    general = lex.noun[np.head].hypernym
    assert general is not None
    return c, _set_np(c, role, replace(np, head=general))


def generalise_verb(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    if c.verb is None or c.negated or s.lexicon.verb[c.verb].hypernym is None:
        return None
    return c, replace(c, verb=s.lexicon.verb[c.verb].hypernym)


def front_location(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    if c.location is None:
        return None
    return c, replace(c, location_first=not c.location_first)


# ---- neutral ------------------------------------------------------------------------------
def add_adjective(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    pair = drop_adjective(c, s)
    return None if pair is None else (pair[1], pair[0])


def add_location(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    pair = drop_location(c, s)
    return None if pair is None else (pair[1], pair[0])


def add_object(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    pair = drop_object(c, s)
    return None if pair is None else (pair[1], pair[0])


def specialise_noun(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    pair = generalise_noun(c, s)
    return None if pair is None else (pair[1], pair[0])


def specialise_verb(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    pair = generalise_verb(c, s)
    return None if pair is None else (pair[1], pair[0])


def change_verb(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    """Another verb the arguments allow, unrelated by entailment or opposite polarity."""
    if c.verb is None:
        return None
    lex = s.lexicon
    old = lex.verb[c.verb]
    subj_cls = s.class_of(c.subject)
    obj_cls = s.class_of(c.obj) if c.obj is not None else None
    related = {old.lemma, old.hypernym, *lex.hyponyms_of(old.lemma)}
    options = [
        v.lemma for v in lex.verbs
        if v.lemma not in related and v.hypernym not in related
        and subj_cls in v.subjects
        and (obj_cls in v.objects if obj_cls else not v.transitive)
        and v.polarity * old.polarity >= 0
    ]
    if not options:
        return None
    return c, replace(c, verb=s.rng.choice(options))


def change_object(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    if c.obj is None or c.obj.name:
        return None
    lex = s.lexicon
    cls = lex.noun[c.obj.head].cls
    options = [n for n in lex.specific_nouns(cls) if n != c.obj.head]
    if lex.noun[c.obj.head].hypernym is None or not options:
        return None
    return c, replace(c, obj=replace(c.obj, head=s.rng.choice(options)))


# ---- contradiction ------------------------------------------------------------------------
def toggle_negation(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    """P and not-P about a referential subject; sometimes with a further edit that keeps it
    a contradiction (weaken the negated side's scope, strengthen the positive side)."""
    if not c.subject.definite:
        return None
    positive = replace(c, negated=False)
    negative = replace(c, negated=True)
    if s.rng.random() < 0.4:
        for rule in s.rng.sample([drop_adjective, drop_location, drop_object], 3):
            pair = rule(positive, s)
            if pair is not None:
                negative = replace(pair[1], negated=True)
                break
    return (positive, negative) if s.rng.random() < 0.5 else (negative, positive)


def antonym_predicate(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    if not c.copular or c.negated or not c.subject.definite or c.predicate is None:
        return None
    antonym = s.lexicon.adjective[c.predicate].antonym
    if antonym is None:
        return None
    return c, replace(c, predicate=antonym)


def antonym_attribute(c: Clause, s: MeaningSampler) -> tuple[Clause, Clause] | None:
    lex = s.lexicon
    roles = _roles_with(c, lambda r, np: np.definite and any(
        lex.adjective[a].antonym for a in np.adjectives))
    if not roles:
        return None
    role = s.rng.choice(roles)
    np = c.noun_phrase(role)
    assert np is not None
    i = s.rng.choice([i for i, a in enumerate(np.adjectives) if lex.adjective[a].antonym])
    antonym = lex.adjective[np.adjectives[i]].antonym
    assert antonym is not None
    adjs = (*np.adjectives[:i], antonym, *np.adjectives[i + 1:])
    return c, _set_np(c, role, replace(np, adjectives=adjs))


#: label -> [(rule, weight)]
RULES: dict[int, list[tuple[Rule, float]]] = {
    ENTAILMENT: [(drop_adjective, 3), (drop_location, 2), (drop_object, 1),
                 (generalise_noun, 3), (generalise_verb, 1), (front_location, 0.5)],
    NEUTRAL: [(add_adjective, 3), (add_location, 2), (add_object, 1), (specialise_noun, 2),
              (specialise_verb, 1), (change_verb, 1.5), (change_object, 1)],
    CONTRADICTION: [(toggle_negation, 5), (antonym_predicate, 2), (antonym_attribute, 2)],
}


def nli_example(world: World, sampler: MeaningSampler, label: int) -> NliExample:
    """One premise/hypothesis pair with the given label, by a rule drawn by weight."""
    rng = sampler.rng
    rules, weights = zip(*RULES[label], strict=True)
    for _ in range(1000):
        rule = rng.choices(rules, weights=weights)[0]
        kind = "copular" if rule is antonym_predicate else None
        pair = rule(sampler.clause(kind), sampler)
        if pair is not None:
            return NliExample(pair[0], pair[1], label, rule.__name__)
    raise RuntimeError(f"no NLI rule applied for label {NLI_LABELS[label]}")


def sample_nli(world: World, n: int, purpose: str, seed: int) -> list[NliExample]:
    """`n` examples with labels cycling through the three classes in a shuffled order."""
    rng = world.rng(f"nli-{purpose}", seed)
    # More negated and general-noun premises than in running text, so that a negation or a
    # hypernym in the hypothesis alone says less about the label (hypothesis-only bias).
    sampler = replace(world.sampler(rng), p_negated=P_NEGATED, p_general_noun=P_GENERAL)
    labels = [i % 3 for i in range(n)]
    rng.shuffle(labels)
    return [nli_example(world, sampler, label) for label in labels]


def _rows(world: World, examples: list[NliExample], lang: str) -> dict[str, list[object]]:
    return {
        "premise": [world.render(e.premise, lang).text for e in examples],
        "hypothesis": [world.render(e.hypothesis, lang).text for e in examples],
        "label": [e.label for e in examples],
    }


def build_mnli(n_train: int = 4000, n_dev: int = 600, seed: int = 0,
               world: World | None = None) -> DatasetDict:
    """English NLI shaped like `nyu-mll/glue` `mnli` (splits train, validation_matched)."""
    world = world or World()
    out = {}
    for split, n in (("train", n_train), ("validation_matched", n_dev)):
        rows = _rows(world, sample_nli(world, n, f"mnli-{split}", seed), "en")
        rows["idx"] = list(range(n))
        out[split] = Dataset.from_dict(rows, features=MNLI_FEATURES)
    return DatasetDict(out)


def build_xnli(lang: str, n_dev: int = 600, n_test: int = 1200, seed: int = 0,
               world: World | None = None) -> DatasetDict:
    """NLI in `lang` shaped like `facebook/xnli` `{lang}` (splits validation, test).

    The pairs do not depend on `lang`: every language gets translations of the same pairs.
    """
    if lang not in ALL_LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; the embedded XNLI has {ALL_LANGUAGES}")
    world = world or World()
    out = {}
    for split, n in (("validation", n_dev), ("test", n_test)):
        examples = sample_nli(world, n, f"xnli-{split}", seed)
        out[split] = Dataset.from_dict(_rows(world, examples, lang), features=XNLI_FEATURES)
    return DatasetDict(out)


def rule_counts(examples: list[NliExample]) -> dict[str, int]:
    """How often each rule fired (for reports and tests)."""
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.rule] = counts.get(e.rule, 0) + 1
    return counts


__all__ = [
    "MNLI_FEATURES", "NLI_LABELS", "XNLI_FEATURES", "NliExample", "build_mnli", "build_xnli",
    "nli_example", "rule_counts", "sample_nli",
]
