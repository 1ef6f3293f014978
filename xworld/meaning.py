"""Meanings: small typed structures that every language renders, so all data is parallel.

A `Clause` is one sentence's meaning: a subject noun phrase, a verb (or a copula with a
predicate adjective), optional object and location phrase, negation, tense, and two
presentation choices that do not change the meaning: `location_first` (a paraphrase) and `wh`
(render as a question about the subject, object or location). Tasks derive from meanings, not
from text: NLI edits a clause (`dataclasses.replace`), sentiment reads polarity off it, QA
asks a `wh` question about one clause of a `Document` and answers with its noun phrase.

`SLOTS` names the positions a token can realise; `slot_id` turns a slot into the alignment id
that rendered tokens carry, identical across languages for the same meaning.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from xworld.lexicon import NOUN_CLASSES, Lexicon

ROLES: tuple[str, ...] = ("subj", "obj", "loc")
WH_ROLES: tuple[str, ...] = ROLES


def _slots() -> tuple[str, ...]:
    out: list[str] = []
    for role in ROLES:
        out += [f"{role}.det", f"{role}.adj0", f"{role}.adj1", f"{role}.head"]
    return (*out, "loc.prep", "verb", "neg", "aux", "cop", "pred", "wh", "punct")


#: Every slot a token can realise. The alignment id of a token is its slot's index here.
SLOTS: tuple[str, ...] = _slots()
_SLOT_INDEX = {s: i for i, s in enumerate(SLOTS)}


def slot_id(slot: str) -> int:
    return _SLOT_INDEX[slot]


@dataclass(frozen=True)
class NounPhrase:
    """A noun phrase. `head` is a noun lemma, or a name's key when `name` is True.

    `det` is "the", "a", "num" (with `count`, always plural) or "" (names).
    """

    head: str
    name: bool = False
    plural: bool = False
    det: str = "the"
    count: int = 0
    adjectives: tuple[str, ...] = ()

    @property
    def definite(self) -> bool:
        """Referential NPs (definites and names) keep their referent under edits."""
        return self.name or self.det == "the"


@dataclass(frozen=True)
class Clause:
    """One sentence's meaning. `verb` is None for a copular clause with `predicate`."""

    subject: NounPhrase
    verb: str | None
    obj: NounPhrase | None = None
    predicate: str | None = None
    negated: bool = False
    past: bool = False
    location: NounPhrase | None = None
    preposition: str = "in"
    location_first: bool = False
    wh: str | None = None

    @property
    def copular(self) -> bool:
        return self.verb is None

    def noun_phrase(self, role: str) -> NounPhrase | None:
        return {"subj": self.subject, "obj": self.obj, "loc": self.location}[role]


@dataclass(frozen=True)
class Document:
    """A few clauses about a shared cast of entities (paragraphs for QA, MLM documents)."""

    clauses: tuple[Clause, ...]


@dataclass
class MeaningSampler:
    """Draws plausible meanings: verbs get subjects/objects their preferences allow."""

    lexicon: Lexicon
    rng: random.Random
    p_negated: float = 0.25
    p_past: float = 0.4
    p_location: float = 0.35
    p_name: float = 0.2
    p_general_noun: float = 0.12
    kinds: dict[str, float] = field(
        default_factory=lambda: {"transitive": 0.55, "intransitive": 0.2, "copular": 0.25}
    )

    def noun_phrase(self, classes: frozenset[str] | tuple[str, ...], *,
                    allow_name: bool = True, max_adjectives: int = 2) -> NounPhrase:
        lex, rng = self.lexicon, self.rng
        pool = sorted(classes)
        cls = rng.choice(pool)
        if cls in ("org", "city") or (
            allow_name and cls == "person" and rng.random() < self.p_name
        ):
            names, cumulative = lex.name_draws[cls]
            head = rng.choices(names, cum_weights=cumulative)[0]
            return NounPhrase(head=head, name=True, det="")
        if cls not in NOUN_CLASSES:
            raise ValueError(f"unknown noun class {cls!r}")
        general = rng.random() < self.p_general_noun
        head = lex.noun_general(cls) if general else rng.choice(lex.specific_nouns(cls))
        plural = rng.random() < 0.3
        r = rng.random()
        det = "the" if r < 0.6 else ("num" if plural and r > 0.85 else "a")
        count = rng.randint(2, 5) if det == "num" else 0
        n_adj = rng.choices([0, 1, 2], weights=[0.5, 0.35, 0.15])[0]
        adjectives = self.adjectives_for(cls, min(n_adj, max_adjectives))
        return NounPhrase(head, plural=plural, det=det, count=count, adjectives=adjectives)

    def adjectives_for(self, cls: str, n: int) -> tuple[str, ...]:
        """`n` distinct adjectives that apply to `cls`, no two of them antonyms."""
        chosen: list[str] = []
        options = list(self.lexicon.adjectives_for(cls))
        while len(chosen) < n and options:
            adj = self.rng.choice(options)
            chosen.append(adj)
            antonym = self.lexicon.adjective[adj].antonym
            options = [a for a in options if a != adj and a != antonym]
        return tuple(chosen)

    def location(self) -> NounPhrase:
        if self.rng.random() < 0.6:
            return self.noun_phrase(("city",))
        return self.noun_phrase(("building",), max_adjectives=1)

    def clause(self, kind: str | None = None) -> Clause:
        lex, rng = self.lexicon, self.rng
        if kind is None:
            kind = rng.choices(list(self.kinds), weights=list(self.kinds.values()))[0]
        negated = rng.random() < self.p_negated
        past = rng.random() < self.p_past
        location = self.location() if rng.random() < self.p_location else None
        preposition = "in" if rng.random() < 0.8 else "near"
        if kind == "copular":
            subject = self.noun_phrase(("person", *NOUN_CLASSES), max_adjectives=1)
            cls = self.class_of(subject)
            predicate = rng.choice(lex.adjectives_for(cls))
            clash = {predicate, lex.adjective[predicate].antonym}
            subject = replace(
                subject, adjectives=tuple(a for a in subject.adjectives if a not in clash)
            )
            return Clause(subject, None, predicate=predicate, negated=negated, past=past,
                          location=location, preposition=preposition)
        verbs = [v for v in lex.verbs if v.transitive == (kind == "transitive")]
        verb = rng.choice(verbs)
        subject = self.noun_phrase(verb.subjects)
        obj = None
        if verb.transitive and not (verb.object_optional and rng.random() < 0.2):
            obj = self.noun_phrase(verb.objects)
        return Clause(subject, verb.lemma, obj=obj, negated=negated, past=past,
                      location=location, preposition=preposition)

    def class_of(self, np: NounPhrase) -> str:
        if np.name:
            return self.lexicon.name[np.head].cls
        return self.lexicon.noun[np.head].cls

    def document(self, n_clauses: int = 3) -> Document:
        """Clauses that keep reusing a small cast, as a paragraph about the same entities."""
        clauses: list[Clause] = []
        cast: list[NounPhrase] = []
        for _ in range(n_clauses):
            clause = self.clause()
            if cast and self.rng.random() < 0.6:
                # Mention an entity introduced earlier, definitely, as the subject.
                earlier = self.rng.choice(cast)
                if self._fits_subject(clause, earlier):
                    clause = _with_subject(clause, earlier)
            cast.append(_definite(clause.subject))
            if clause.obj is not None:
                cast.append(_definite(clause.obj))
            clauses.append(clause)
        return Document(tuple(clauses))

    def _fits_subject(self, clause: Clause, np: NounPhrase) -> bool:
        cls = self.class_of(np)
        if clause.copular:
            assert clause.predicate is not None
            return cls in self.lexicon.adjective[clause.predicate].applies_to
        assert clause.verb is not None
        return cls in self.lexicon.verb[clause.verb].subjects


def _definite(np: NounPhrase) -> NounPhrase:
    if np.name or np.det == "the":
        return np
    return NounPhrase(np.head, plural=np.plural, det="the", adjectives=np.adjectives)


def _with_subject(clause: Clause, subject: NounPhrase) -> Clause:
    return replace(clause, subject=subject)
