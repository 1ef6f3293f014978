"""Embedded task builders: labels follow from meanings, features match the hub datasets."""

from __future__ import annotations

import pytest
from datasets import ClassLabel, Value

from xworld.lexicon import Lexicon
from xworld.meaning import Clause, NounPhrase
from xworld.nli import (
    CONTRADICTION,
    ENTAILMENT,
    MNLI_FEATURES,
    NEUTRAL,
    RULES,
    XNLI_FEATURES,
    build_mnli,
    build_xnli,
    sample_nli,
)
from xworld.sentiment import SENTIMENT_FEATURES, build_sentiment, polarity
from xworld.world import World


@pytest.fixture(scope="module")
def world() -> World:
    return World()


def _adjectives(c: Clause) -> list[str]:
    return [a for np in (c.subject, c.obj, c.location) if np is not None for a in np.adjectives]


def _nouns(c: Clause) -> list[str]:
    return [np.head for np in (c.subject, c.obj, c.location) if np is not None]


def test_every_rule_fires_with_its_label(world: World) -> None:
    examples = sample_nli(world, 900, "test", 0)
    label_of = {rule.__name__: label for label, rules in RULES.items() for rule, _ in rules}
    assert {e.rule for e in examples} == set(label_of)
    assert all(label_of[e.rule] == e.label for e in examples)
    counts = [sum(e.label == k for e in examples) for k in range(3)]
    assert counts == [300, 300, 300]


def test_labels_are_consistent_with_meanings(world: World) -> None:
    lex = Lexicon()
    for e in sample_nli(world, 900, "test", 1):
        p, h = e.premise, e.hypothesis
        assert p != h
        if e.rule == "drop_adjective":
            assert len(_adjectives(h)) == len(_adjectives(p)) - 1
            assert set(_adjectives(h)) <= set(_adjectives(p))
        elif e.rule == "generalise_noun":
            changed = [(a, b) for a, b in zip(_nouns(p), _nouns(h), strict=True) if a != b]
            assert len(changed) == 1 and lex.hypernym_of(changed[0][0]) == changed[0][1]
        elif e.rule in ("drop_location", "drop_object", "generalise_verb"):
            assert not p.negated  # only valid in positive clauses
        elif e.rule == "toggle_negation":
            assert p.negated != h.negated and p.subject.definite
        elif e.rule == "antonym_predicate":
            assert p.predicate and lex.adjective[p.predicate].antonym == h.predicate
        elif e.rule == "add_adjective":
            assert len(_adjectives(h)) == len(_adjectives(p)) + 1
        if e.label == ENTAILMENT and e.rule != "front_location":
            assert len(world.render(h, "en").tokens) <= len(world.render(p, "en").tokens)
        assert e.label in (ENTAILMENT, NEUTRAL, CONTRADICTION)


def test_mnli_features_and_splits(world: World) -> None:
    d = build_mnli(n_train=30, n_dev=12, seed=0, world=world)
    assert set(d) == {"train", "validation_matched"}
    assert d["train"].features == MNLI_FEATURES
    assert d["train"].features["idx"] == Value("int32")
    assert d["train"].features["label"] == ClassLabel(
        names=["entailment", "neutral", "contradiction"])
    assert d["train"].num_rows == 30 and d["validation_matched"].num_rows == 12
    assert d["train"]["idx"] == list(range(30))
    again = build_mnli(n_train=30, n_dev=12, seed=0, world=world)
    assert again["train"]["premise"] == d["train"]["premise"]
    assert build_mnli(n_train=30, n_dev=12, seed=1, world=world)["train"]["premise"] != (
        d["train"]["premise"])


def test_xnli_is_parallel_across_languages(world: World) -> None:
    sets = {lang: build_xnli(lang, n_dev=10, n_test=20, world=world) for lang in
            ("en", "de", "ru", "sw")}
    for d in sets.values():
        assert set(d) == {"validation", "test"}
        assert d["test"].features == XNLI_FEATURES
    labels = {lang: d["test"]["label"] for lang, d in sets.items()}
    assert len({tuple(v) for v in labels.values()}) == 1
    assert sets["en"]["test"]["premise"] != sets["ru"]["test"]["premise"]
    with pytest.raises(ValueError, match="unknown language"):
        build_xnli("fr")


def test_sentiment_polarity_rules() -> None:
    lex = Lexicon()
    teacher = NounPhrase("teacher")
    assert polarity(Clause(teacher, None, predicate="kind"), lex) == 1
    assert polarity(Clause(teacher, None, predicate="kind", negated=True), lex) == -1
    assert polarity(Clause(teacher, None, predicate="tall"), lex) == 0
    assert polarity(Clause(teacher, "hate", obj=NounPhrase("book")), lex) == -1
    assert polarity(Clause(teacher, "hate", obj=NounPhrase("book"), negated=True), lex) == 1
    kind_teacher = NounPhrase("teacher", adjectives=("kind",))
    assert polarity(Clause(kind_teacher, "sleep", negated=True), lex) == 1  # attributes stay
    assert polarity(Clause(kind_teacher, None, predicate="sad"), lex) is None  # mixed


def test_sentiment_features_and_balance(world: World) -> None:
    d = build_sentiment("el", n_train=60, n_dev=9, n_test=9, world=world)
    assert set(d) == {"train", "validation", "test"}
    assert d["train"].features == SENTIMENT_FEATURES
    assert d["train"].features["label"].names == ["negative", "neutral", "positive"]
    assert sorted(d["train"]["label"]).count(0) == 20
    other = build_sentiment("es", n_train=60, n_dev=9, n_test=9, world=world)
    assert other["train"]["label"] != d["train"]["label"]  # not parallel unless asked
    para = [build_sentiment(lang, n_train=12, n_dev=3, n_test=3, parallel=True, world=world)
            for lang in ("de", "sw")]
    assert para[0]["train"]["label"] == para[1]["train"]["label"]
