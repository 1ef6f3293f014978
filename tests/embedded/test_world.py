"""The embedded world: deterministic, parallel, annotated."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest

from xworld.languages import ALL_LANGUAGES, LANGUAGES
from xworld.meaning import SLOTS, Clause, NounPhrase
from xworld.world import World

UPOS = {"DET", "ADJ", "NOUN", "PROPN", "VERB", "AUX", "PART", "ADP", "NUM", "PRON", "ADV",
        "PUNCT"}


@pytest.fixture(scope="module")
def world() -> World:
    return World()


@pytest.fixture(scope="module")
def clauses(world: World) -> list[Clause]:
    sampler = world.sampler(world.rng("test", 0))
    out = [sampler.clause() for _ in range(300)]
    return out + [World.maybe_question(c, sampler.rng, 1.0) for c in out[:100]]


def test_same_seed_same_world_and_corpus() -> None:
    a, b = World(seed=0), World(seed=0)
    assert a.vocab.stems == b.vocab.stems
    assert [s.text for s in a.corpus("sw", 50, seed=3)] == [s.text for s in b.corpus("sw", 50,
                                                                                         seed=3)]
    assert World(seed=1).vocab.stems["de"] != a.vocab.stems["de"]


def test_corpus_seed_changes_sentences(world: World) -> None:
    first = [s.text for s in world.corpus("en", 30, seed=0)]
    assert first != [s.text for s in world.corpus("en", 30, seed=1)]


def test_every_language_renders_with_aligned_annotations(world: World,
                                                          clauses: list[Clause]) -> None:
    for clause in clauses:
        rendered = world.parallel(clause)
        assert set(rendered) == set(ALL_LANGUAGES)
        for r in rendered.values():
            n = len(r.tokens)
            assert n == len(r.upos) == len(r.ner) == len(r.slots) == len(r.align)
            assert all(t and " " not in t for t in r.tokens)
            assert set(r.upos) <= UPOS
            assert all(0 <= a < len(SLOTS) for a in r.align)
            assert r.tokens[-1] in (".", "?")
        # Content slots are realised in every language: the renderings are translations.
        en = rendered["en"]
        content = {s for s, u in zip(en.slots, en.upos, strict=True)
                   if u in ("NOUN", "PROPN", "ADJ", "VERB")}
        for r in rendered.values():
            assert content <= set(r.slots), (r.lang, r.text)


def test_noun_phrases_are_contiguous_spans(world: World, clauses: list[Clause]) -> None:
    for clause in clauses[:150]:
        for r in world.parallel(clause).values():
            for role in ("subj", "obj", "loc"):
                span = r.span(role)
                if span is None:
                    continue
                inside = r.slots[span[0]:span[1]]
                assert all(s.startswith(role) for s in inside), (r.lang, r.text, role)
                start, end = r.char_span(role) or (0, 0)
                assert r.text[start:end] == " ".join(r.tokens[span[0]:span[1]])


def test_names_are_shared_and_tagged_bio(world: World) -> None:
    clause = Clause(NounPhrase("Anna Berg", name=True, det=""), "visit",
                    obj=NounPhrase("Blue River Bank", name=True, det=""),
                    location=NounPhrase("Port Avel", name=True, det=""))
    rendered = world.parallel(clause)
    assert rendered["en"].ner == ("B-PER", "I-PER", "O", "B-ORG", "I-ORG", "I-ORG", "O",
                                  "B-LOC", "I-LOC", "O")
    for r in rendered.values():
        entities = sorted(t for t in r.ner if t != "O")  # orders differ (de: S V LOC O)
        assert entities == sorted(t for t in rendered["en"].ner if t != "O")
    assert "Анна" in rendered["ru"].tokens and "Αννα" in rendered["el"].tokens


def test_scripts(world: World, clauses: list[Clause]) -> None:
    expected = {"Cyrillic": "CYRILLIC", "Greek": "GREEK", "Latin": "LATIN"}
    for lang, spec in LANGUAGES.items():
        for clause in clauses[:50]:
            r = world.render(clause, lang)
            for tok, upos in zip(r.tokens, r.upos, strict=True):
                if upos in ("NOUN", "VERB", "ADJ"):
                    assert expected[spec.script] in unicodedata.name(tok[0]), (lang, tok)


def test_languages_differ_in_order_and_marking(world: World) -> None:
    clause = Clause(NounPhrase("dog", adjectives=("big",)), "eat",
                    obj=NounPhrase("apple"), negated=True)
    r = world.parallel(clause)
    assert r["en"].text == "the big dog does not eat the apple ."
    assert r["de"].slots[3:6] == ("neg", "verb", "obj.det")  # verb second, then the object
    located = world.parallel(replace(clause, location=NounPhrase("Port Avel", name=True,
                                                                 det="")))
    slots = located["de"].slots  # de puts the place before the object, en after it
    assert slots.index("verb") < slots.index("loc.prep") < slots.index("obj.head")
    assert located["en"].slots.index("obj.head") < located["en"].slots.index("loc.prep")
    assert "obj.head" in r["el"].slots and r["el"].tokens[r["el"].slots.index("obj.head")][-1] \
        == "ο"  # el marks the object noun (accusative -o), as ru does
    assert r["es"].upos[:3] == ("DET", "NOUN", "ADJ")  # adjective after the noun
    assert "DET" not in r["ru"].upos and "DET" not in r["sw"].upos  # no articles
    assert "neg" not in r["sw"].slots  # negation is a verb prefix
    assert r["sw"].tokens[2].startswith("ha")


def test_questions_and_documents(world: World) -> None:
    sampler = world.sampler(world.rng("test-doc", 0))
    doc = sampler.document(3)
    for lang in ALL_LANGUAGES:
        rendered = world.render_document(doc, lang)
        assert len(rendered.sentence_of) == len(rendered.tokens)
        for i, clause in enumerate(doc.clauses):
            span = rendered.char_span(i, "subj")
            assert span is not None
            question = world.render(replace(clause, wh="subj"), lang)
            assert question.tokens[-1] == "?" and "wh" in question.slots
            answer = rendered.text[span[0]:span[1]]
            assert answer == " ".join(t for t, s in zip(rendered.sentences[i].tokens,
                                                        rendered.sentences[i].slots,
                                                        strict=True) if s.startswith("subj"))


def test_distinct_concepts_have_distinct_words(world: World) -> None:
    for lang in ALL_LANGUAGES:
        words = [world.vocab.word_of(lang, c) for c in world.lexicon.content_concepts()]
        assert len(set(words)) == len(words), lang
