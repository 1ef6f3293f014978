"""The embedded world's exact translator: parse a sentence back into its meaning, render the
meaning in the other language.

Why analysis by synthesis: the renderer (`xworld.grammar`) *is* the grammar of all
six languages, so the parser does not restate it. It proposes readings from a small amount of
structure (constituent orders from `LanguageSpec`, word forms indexed from the vocabulary) and
keeps a reading only if rendering it gives back exactly the input tokens: noun phrases and
verb groups are checked as they are proposed, whole clauses at the end. A parse is therefore
never wrong about the text; where a text has several readings (information the language does
not mark), the first in a fixed preference order wins:

- a questioned phrase is gone from the text: it becomes a generic `placeholder`;
- languages without an article (ru, sw; English bare plurals) read missing articles as "the"
  where that renders the same;
- English "the teachers read" (read = present and past) reads as present;
- an English subject question is about a singular subject (the renderer makes it singular);
- fields that are not rendered (the preposition and `location_first` without a location,
  `location_first` in questions) get their defaults.

Text in, text out: sentences end in a "." or "?" token; a paragraph is parsed sentence by
sentence and the output joins the rendered sentences with single spaces, as
`RenderedDocument.text` does. A text without sentence punctuation that is one noun phrase
(a multiple-choice answer) is translated as a noun phrase in citation (subject) form. A text
that does not parse translates to "".

Markers (`⟦k⟧ ... ⟦/k⟧`, see `harness.translation.markers`) are stripped before parsing;
marker k then wraps the smallest target token range holding the tokens aligned (by meaning
slot) to the source tokens it covered. A marker that covers a whole noun phrase covers the
whole target noun phrase, so words only one language has (the Greek name article) stay
inside the span.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import product
from typing import Any, NamedTuple

from harness.errors import XHarnessError
from xworld.grammar import RenderedSentence
from xworld.languages import ALL_LANGUAGES, LANGUAGES
from xworld.lexicon import NOUN_CLASSES, Lexicon
from xworld.meaning import ROLES, Clause, Document, NounPhrase
from xworld.world import World

__all__ = ["WorldTranslator", "placeholder"]

_MARKER = re.compile(r"⟦(/?)(\d+)⟧")
_ENDS = (".", "?")
_ROLE_KEY = {"subj": "S", "obj": "O", "loc": "LOC"}
_MAX_NP = 5  # article + two adjectives + noun + numeral; a name has at most 3 tokens
#: English do-support (hard-coded in the renderer too): form -> past tense
_EN_AUX: dict[str, bool] = {"does": False, "do": False, "did": True}


PHRASE_ROLE = "subject"  # the case a bare noun phrase is cited in


def placeholder(lexicon: Lexicon, wh: str, clause: Clause) -> NounPhrase:
    """The noun phrase a parse puts in place of the phrase a question asks about.

    The question word only says "a person" (who), "a thing" (what) or "a place" (where); the
    general noun of a class the verb (or predicate) accepts keeps the reading plausible.
    """
    if wh == "where":
        return NounPhrase(lexicon.noun_general("building"))
    if wh == "who":
        return NounPhrase(lexicon.noun_general("person"))
    if clause.wh == "obj" and clause.verb is not None:
        allowed = lexicon.verb[clause.verb].objects
    elif clause.verb is not None:
        allowed = lexicon.verb[clause.verb].subjects
    elif clause.predicate is not None:
        allowed = lexicon.adjective[clause.predicate].applies_to
    else:
        allowed = frozenset()
    things = [c for c in NOUN_CLASSES if c != "person"]
    cls = next((c for c in things if c in allowed), things[0])
    return NounPhrase(lexicon.noun_general(cls))


class _Word(NamedTuple):
    """One reading of a token inside a noun phrase."""

    kind: str  # det, num, adj, noun
    value: str | int
    plural: bool = False


@dataclass(frozen=True)
class _VerbGroup:
    verb: str | None  # None: copula
    past: bool
    negated: bool
    plural: bool | None  # the subject number the form requires; None: either


Parts = dict[str, Any]


@dataclass
class _Parser:
    """Parses one language of one world. Indexes are built once from the vocabulary; the
    noun-phrase memo is per sentence, so one parser serves one thread."""

    world: World
    lang: str
    _np_memo: dict[tuple[int, str], list[tuple[NounPhrase, int]]] = field(
        default_factory=dict, repr=False)

    # ---- indexes ------------------------------------------------------------------------
    def _fw(self, key: str) -> str | None:
        return self.world.vocab.function_word(self.lang, key)

    @cached_property
    def words(self) -> dict[str, list[_Word]]:
        vocab, lex, lang = self.world.vocab, self.world.lexicon, self.lang
        out: dict[str, list[_Word]] = {}

        def add(form: str | None, word: _Word) -> None:
            if form and word not in out.setdefault(form, []):
                out[form].append(word)

        for det in ("the", "a"):
            for number in ("sg", "pl"):
                add(self._fw(f"{det}.{number}"), _Word("det", det))
        if lang == "en":
            add("an", _Word("det", "a"))  # the renderer's a/an rule
        for noun in lex.nouns:
            for plural in (False, True):
                for acc in (False, True):
                    form = vocab.noun(lang, noun.lemma, plural=plural, accusative=acc)
                    add(form, _Word("noun", noun.lemma, plural))
        for adj in lex.adjectives:
            for plural in (False, True):
                add(vocab.adjective(lang, adj.lemma, plural=plural), _Word("adj", adj.lemma))
        return out

    @cached_property
    def names(self) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        """Name token sequences by their first token, longest first (so "Anna Berg" is
        tried before "Anna"); by first token because the world has over a thousand."""
        pairs = [(self.world.vocab.name(self.lang, key), key) for key in self.world.lexicon.name]
        out: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for toks, key in sorted(pairs, key=lambda p: -len(p[0])):
            out.setdefault(toks[0], []).append((toks, key))
        return out

    @cached_property
    def verb_groups(self) -> dict[tuple[str, ...], list[_VerbGroup]]:
        """Every verb group the renderer can produce, by its tokens (copula included)."""
        renderer, lex = self.world.renderer, self.world.lexicon
        found: dict[tuple[tuple[str, ...], str | None, bool, bool], list[bool]] = {}
        for verb in (None, *lex.verb):
            for past, negated, plural in product((False, True), repeat=3):
                clause = Clause(NounPhrase("person", plural=plural), verb,
                                predicate="good" if verb is None else None,
                                negated=negated, past=past)
                toks = tuple(t.text for t in renderer.verb_group(self.lang, clause))
                found.setdefault((toks, verb, past, negated), []).append(plural)
        out: dict[tuple[str, ...], list[_VerbGroup]] = {}
        for (toks, verb, past, negated), plurals in found.items():
            number = plurals[0] if len(plurals) == 1 else None
            out.setdefault(toks, []).append(_VerbGroup(verb, past, negated, number))
        return out

    @cached_property
    def wh_words(self) -> dict[str, str]:
        return {w: k for k in ("who", "what", "where") if (w := self._fw(k))}

    @cached_property
    def prepositions(self) -> dict[str, str]:
        return {w: k for k in ("in", "near") if (w := self._fw(k))}

    # ---- noun phrases -------------------------------------------------------------------
    def _render_np(self, np: NounPhrase, role: str) -> tuple[str, ...]:
        return tuple(t.text for t in self.world.renderer.noun_phrase(self.lang, np, role))

    def noun_phrases(self, toks: tuple[str, ...], pos: int,
                     role: str) -> list[tuple[NounPhrase, int]]:
        """Noun phrases starting at `pos`, each with its end, checked by rendering."""
        memo_key = (pos, role)
        if memo_key not in self._np_memo:
            self._np_memo[memo_key] = list(self._noun_phrases(toks, pos, role))
        return self._np_memo[memo_key]

    def _noun_phrases(self, toks: tuple[str, ...], pos: int,
                      role: str) -> Iterator[tuple[NounPhrase, int]]:
        article = self._fw("name_article")
        for skip in (0, 1) if article and toks[pos:pos + 1] == (article,) else (0,):
            first = toks[pos + skip] if pos + skip < len(toks) else ""
            for name_toks, key in self.names.get(first, ()):
                end = pos + skip + len(name_toks)
                if toks[pos + skip:end] == name_toks:
                    np = NounPhrase(key, name=True, det="")
                    if self._render_np(np, role) == toks[pos:end]:
                        yield np, end
        for end in range(pos + 1, min(len(toks), pos + _MAX_NP) + 1):
            span = toks[pos:end]
            for np in self._proposals(span):
                if self._render_np(np, role) == span:
                    yield np, end

    def _proposals(self, span: tuple[str, ...]) -> Iterator[NounPhrase]:
        options: list[list[_Word]] = []
        for tok in span:
            readings = list(self.words.get(tok, []))
            if tok.isdigit():
                readings.append(_Word("num", int(tok), True))
            if not readings:
                return
            options.append(readings)
        for combo in product(*options):
            nouns = [w for w in combo if w.kind == "noun"]
            dets = [w for w in combo if w.kind in ("det", "num")]
            adjs = tuple(str(w.value) for w in combo if w.kind == "adj")
            if len(nouns) != 1 or len(dets) > 1 or len(adjs) > 2:
                continue
            noun = nouns[0]
            number = "pl" if noun.plural else "sg"
            if dets and dets[0].kind == "num":
                choices = [("num", int(dets[0].value))]
            elif dets:
                choices = [(str(dets[0].value), 0)]
            else:  # no article word: an article this language leaves unwritten
                choices = [(d, 0) for d in ("the", "a") if self._fw(f"{d}.{number}") is None]
            for det, count in choices:
                yield NounPhrase(str(noun.value), plural=noun.plural, det=det, count=count,
                                 adjectives=adjs)

    # ---- constituents -------------------------------------------------------------------
    def _constituent(self, key: str, toks: tuple[str, ...],
                     pos: int) -> Iterator[tuple[Any, int]]:
        if key == "S":
            yield from self.noun_phrases(toks, pos, "subj")
        elif key == "V":
            for length in range(4):
                for group in self.verb_groups.get(toks[pos:pos + length], []):
                    yield group, pos + length
        elif key == "O":
            yield None, pos
            for word in self.words.get(toks[pos], []) if pos < len(toks) else []:
                if word.kind == "adj":
                    yield ("pred", word.value), pos + 1
            yield from self.noun_phrases(toks, pos, "obj")
        elif key == "LOC":
            yield None, pos
            prep = self.prepositions.get(toks[pos]) if pos < len(toks) else None
            if prep is not None:
                for np, end in self.noun_phrases(toks, pos + 1, "loc"):
                    yield (prep, np), end
        elif key == "WH":
            if pos < len(toks) and toks[pos] in self.wh_words:
                yield self.wh_words[toks[pos]], pos + 1
        else:
            raise ValueError(f"unknown constituent {key!r}")

    def _sequence(self, toks: tuple[str, ...], keys: list[str], pos: int,
                  parts: Parts) -> Iterator[Parts]:
        if not keys:
            if pos == len(toks):
                yield parts
            return
        for value, end in self._constituent(keys[0], toks, pos):
            yield from self._sequence(toks, keys[1:], end, {**parts, keys[0]: value})

    def phrase(self, toks: tuple[str, ...]) -> NounPhrase | None:
        """A text that is one noun phrase in its citation (subject) form, like a
        multiple-choice answer ("the hungry dog"), or None."""
        the = self._fw("the.sg")
        # a bare singular noun ("banana") is read as definite: the world always marks it
        for text in (toks, (the, *toks)) if the and toks else (toks,):
            self._np_memo = {}
            for np, end in self.noun_phrases(text, 0, PHRASE_ROLE) if text else []:
                if end == len(text):
                    return np
        return None

    # ---- clauses ------------------------------------------------------------------------
    def parse(self, toks: tuple[str, ...]) -> Clause | None:
        """The first reading of one sentence (ending in "." or "?") that renders back to it."""
        self._np_memo = {}
        if len(toks) < 2 or toks[-1] not in _ENDS:
            return None
        body = toks[:-1]
        candidates = self._statements(body) if toks[-1] == "." else self._questions(body)
        for clause in candidates:
            if self.render(clause).tokens == toks:
                return clause
        return None

    def render(self, clause: Clause) -> RenderedSentence:
        return self.world.render(clause, self.lang)

    def _statements(self, toks: tuple[str, ...]) -> Iterator[Clause]:
        order = list(LANGUAGES[self.lang].order)
        fronted = ["LOC", *(k for k in order if k != "LOC")]
        for keys, first in ((order, False), (fronted, True)):
            for parts in self._sequence(toks, keys, 0, {}):
                if first and parts["LOC"] is None:
                    continue
                yield from self._assemble(parts, None, first)

    def _questions(self, toks: tuple[str, ...]) -> Iterator[Clause]:
        spec = LANGUAGES[self.lang]
        for role in ROLES:
            if self.lang == "en" and role != "subj":
                yield from self._english_inverted(toks, role)
                continue
            key = _ROLE_KEY[role]
            if spec.wh_fronting:
                keys = ["WH", *(k for k in spec.order if k != key)]
            else:
                keys = ["WH" if k == key else k for k in spec.order]
            for parts in self._sequence(toks, keys, 0, {}):
                if (parts["WH"] == "where") == (role == "loc"):
                    yield from self._assemble(parts, role, False)

    def _english_inverted(self, toks: tuple[str, ...], role: str) -> Iterator[Clause]:
        """'what did the dog eat in Paris', 'where is the cat not happy': aux/copula first."""
        wh = self.wh_words.get(toks[0]) if toks else None
        if len(toks) < 4 or wh is None or (wh == "where") != (role == "loc"):
            return
        head = toks[1]
        copulas = {self._fw(f"be.{t}.{n}"): (t == "past", n == "pl")
                   for t in ("present", "past") for n in ("sg", "pl")}
        if head not in _EN_AUX and head not in copulas:
            return
        rest = ["O", "LOC"] if role == "loc" else ["LOC"]
        for subject, pos in self.noun_phrases(toks, 2, "subj"):
            negated = toks[pos:pos + 1] == ("not",)
            pos += negated
            if pos >= len(toks):
                continue
            word = toks[pos]
            if head in _EN_AUX:
                if word not in self.world.lexicon.verb:
                    continue
                past = _EN_AUX[head]
                group = _VerbGroup(word, past, negated, None)
                pred = None
            else:
                adjs = [w for w in self.words.get(word, []) if w.kind == "adj"]
                if not adjs:
                    continue
                past, _ = copulas[head]
                group = _VerbGroup(None, past, negated, None)
                pred = ("pred", adjs[0].value)
            for parts in self._sequence(toks, rest, pos + 1, {}):
                obj = parts.get("O") if role == "loc" else None
                if obj is not None and pred is not None:
                    continue
                merged = {"WH": wh, "S": subject, "V": group,
                          "O": pred if pred is not None else obj, "LOC": parts.get("LOC")}
                yield from self._assemble(merged, role, False)

    def _assemble(self, parts: Parts, wh: str | None, location_first: bool) -> Iterator[Clause]:
        """Clauses from constituents; a questioned phrase becomes a placeholder."""
        group: _VerbGroup = parts["V"]
        obj_part = parts.get("O")
        is_pred = isinstance(obj_part, tuple)
        if (group.verb is None) != is_pred:
            return
        loc = parts.get("LOC")
        prep, location = loc if loc is not None else ("in", None)
        clause = Clause(
            subject=parts.get("S") or NounPhrase("person"),
            verb=group.verb,
            obj=obj_part if isinstance(obj_part, NounPhrase) else None,
            predicate=str(obj_part[1]) if is_pred else None,
            negated=group.negated, past=group.past, location=location, preposition=prep,
            location_first=location_first, wh=wh,
        )
        if wh is None:
            yield clause
            return
        stand_in = placeholder(self.world.lexicon, parts["WH"], clause)
        if wh == "obj":
            yield replace(clause, obj=stand_in)
        elif wh == "loc":
            yield replace(clause, location=stand_in, preposition="in")
        else:
            numbers = [False] if self.lang == "en" else (
                [group.plural] if group.plural is not None else [False, True])
            for plural in numbers:
                yield replace(clause, subject=replace(stand_in, plural=plural))


def _split_marked(text: str) -> tuple[list[str], dict[int, tuple[int, int]]] | None:
    """Clean tokens and, per marker, its token range [start, end); None if malformed."""
    tokens: list[str] = []
    opened: dict[int, int] = {}
    spans: dict[int, tuple[int, int]] = {}
    for piece in _MARKER.sub(lambda m: f" {m.group(0)} ", text).split():
        m = _MARKER.fullmatch(piece)
        if m is None:
            tokens.append(piece)
            continue
        k = int(m.group(2))
        if m.group(1):
            if k not in opened or opened[k] == len(tokens):
                return None
            spans[k] = (opened.pop(k), len(tokens))
        elif k in opened or k in spans:
            return None
        else:
            opened[k] = len(tokens)
    return (tokens, spans) if not opened else None


def _alignment(src: list[RenderedSentence],
               tgt: list[RenderedSentence]) -> list[list[int]]:
    """For each source token (paragraph-wide index), the target tokens it translates.

    Tokens of the same slot pair up one to one when both sides have as many (names are
    transliterated word by word), otherwise every source token maps to all of them.
    """
    out: list[list[int]] = []
    offset = 0
    for s, t in zip(src, tgt, strict=True):
        by_slot: dict[str, list[int]] = {}
        for i, slot in enumerate(t.slots):
            by_slot.setdefault(slot, []).append(offset + i)
        seen: dict[str, int] = {}
        counts = {slot: s.slots.count(slot) for slot in set(s.slots)}
        for slot in s.slots:
            targets = by_slot.get(slot, [])
            nth = seen.get(slot, 0)
            seen[slot] = nth + 1
            out.append([targets[nth]] if len(targets) == counts[slot] else list(targets))
        offset += len(t.tokens)
    return out


def _role_tokens(sentences: list[RenderedSentence]) -> dict[tuple[int, str], list[int]]:
    """(sentence, role) -> paragraph-wide indices of the tokens of that noun phrase."""
    out: dict[tuple[int, str], list[int]] = {}
    offset = 0
    for i, sent in enumerate(sentences):
        for j, slot in enumerate(sent.slots):
            role = slot.split(".")[0]
            if role in ROLES:
                out.setdefault((i, role), []).append(offset + j)
        offset += len(sent.tokens)
    return out


@dataclass
class WorldTranslator:
    """Exact translation between the embedded world's languages (any pair of the six)."""

    world: World = field(default_factory=World)
    name: str = field(default="world", init=False)
    _parsers: dict[str, _Parser] = field(default_factory=dict, init=False, repr=False)

    def _parser(self, lang: str) -> _Parser:
        self._check(lang, "lang")
        if lang not in self._parsers:
            self._parsers[lang] = _Parser(self.world, lang)
        return self._parsers[lang]

    def parse(self, text: str, lang: str = "en") -> Clause | None:
        """One sentence's meaning, or None if the text is not one sentence of the world."""
        doc = self.parse_document(text, lang)
        return doc.clauses[0] if doc is not None and len(doc.clauses) == 1 else None

    def parse_document(self, text: str, lang: str = "en") -> Document | None:
        """A paragraph's meanings (sentences end at "." / "?" tokens), or None."""
        sentences = _sentences(text.split())
        if sentences is None:
            return None
        parser = self._parser(lang)
        clauses = [parser.parse(s) for s in sentences]
        if any(c is None for c in clauses):
            return None
        return Document(tuple(c for c in clauses if c is not None))

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        self._check(src, "src")
        self._check(tgt, "tgt")
        return [self._translate(text, src, tgt) for text in texts]

    def _translate(self, text: str, src: str, tgt: str) -> str:
        split = _split_marked(text)
        if split is None:
            return ""
        tokens, spans = split
        parser = self._parser(src)
        sentences = _sentences(tokens)
        if sentences is None:
            np = None if spans else parser.phrase(tuple(tokens))
            if np is None:
                return ""
            return " ".join(t.text for t in self.world.renderer.noun_phrase(tgt, np, PHRASE_ROLE))
        clauses = [parser.parse(s) for s in sentences]
        if any(c is None for c in clauses):
            return ""
        source = [self.world.render(c, src) for c in clauses if c is not None]
        target = [self.world.render(c, tgt) for c in clauses if c is not None]
        out = [t for sent in target for t in sent.tokens]
        if spans:
            out = _project(spans, source, target, out)
        return " ".join(out)

    @staticmethod
    def _check(lang: str, where: str) -> None:
        if lang not in LANGUAGES:
            raise XHarnessError(
                f"the embedded world has no language {lang!r}", where=f"world translator {where}",
                fix=f"use one of {', '.join(ALL_LANGUAGES)}")


def _sentences(tokens: list[str]) -> list[tuple[str, ...]] | None:
    """Tokens cut after each "."/"?"; None for no tokens or a trailing unfinished sentence."""
    out: list[tuple[str, ...]] = []
    start = 0
    for i, tok in enumerate(tokens):
        if tok in _ENDS:
            out.append(tuple(tokens[start:i + 1]))
            start = i + 1
    return out if out and start == len(tokens) else None


def _project(spans: dict[int, tuple[int, int]], source: list[RenderedSentence],
             target: list[RenderedSentence], out: list[str]) -> list[str]:
    """Wrap target tokens in the markers of the source tokens they translate."""
    align = _alignment(source, target)
    src_roles, tgt_roles = _role_tokens(source), _role_tokens(target)
    opens: dict[int, list[tuple[int, int]]] = {}
    closes: dict[int, list[tuple[int, int]]] = {}
    for k, (start, end) in spans.items():
        covered = set(range(start, end))
        hit = {j for i in covered for j in align[i]}
        for key, members in src_roles.items():
            if covered.issuperset(members):
                hit.update(tgt_roles.get(key, []))
        if not hit:
            continue  # nothing in the target translates the span: drop its markers
        first, last = min(hit), max(hit) + 1
        opens.setdefault(first, []).append((-last, k))
        closes.setdefault(last, []).append((-first, k))
    marked: list[str] = []
    for i in range(len(out) + 1):
        marked += [f"⟦/{k}⟧" for _, k in sorted(closes.get(i, []))]
        marked += [f"⟦{k}⟧" for _, k in sorted(opens.get(i, []))]
        if i < len(out):
            marked.append(out[i])
    return marked
