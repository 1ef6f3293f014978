"""Rendering meanings into sentences with per-token annotations.

`Renderer.render(clause, lang)` returns a `RenderedSentence`: whitespace tokens plus, per
token, a Universal POS tag, an NER BIO tag (PER/LOC/ORG on proper names), and the meaning slot
it realises (`slots`, and `align`: the slot's index in `meaning.SLOTS`). Tokens with the same
slot in two renderings of one meaning translate each other, so an exact "translator" can
project spans and labels between languages (`RenderedSentence.span`). Some slots have no token
in some languages (articles in ru/sw, `aux` outside en, `neg` in sw where negation is a verb
prefix): projection then yields nothing, as with real word alignment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from xworld.languages import LANGUAGES
from xworld.lexicon import Lexicon
from xworld.meaning import Clause, Document, NounPhrase, slot_id
from xworld.vocabulary import Vocabulary


@dataclass(frozen=True)
class Token:
    text: str
    upos: str
    ner: str
    slot: str


@dataclass(frozen=True)
class RenderedSentence:
    """One sentence in one language; all per-token tuples have the same length."""

    lang: str
    tokens: tuple[str, ...]
    upos: tuple[str, ...]
    ner: tuple[str, ...]
    slots: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def align(self) -> tuple[int, ...]:
        """Alignment ids: equal ids across languages mark translations of each other."""
        return tuple(slot_id(s) for s in self.slots)

    def span(self, prefix: str) -> tuple[int, int] | None:
        """Token span [start, end) of the slots starting with `prefix` ("obj" -> the object NP).

        Noun phrases are contiguous in every language, so this is a proper span for them.
        """
        idx = [i for i, s in enumerate(self.slots) if s == prefix or s.startswith(prefix + ".")]
        return (idx[0], idx[-1] + 1) if idx else None

    def char_span(self, prefix: str) -> tuple[int, int] | None:
        """Character span [start, end) in `text` of `span(prefix)`."""
        span = self.span(prefix)
        if span is None:
            return None
        starts = [0]
        for tok in self.tokens[:-1]:
            starts.append(starts[-1] + len(tok) + 1)
        start, end = span
        return starts[start], starts[end - 1] + len(self.tokens[end - 1])


@dataclass(frozen=True)
class RenderedDocument:
    """Sentences of a `Document`; `sentence_of[i]` says which sentence token i belongs to."""

    lang: str
    sentences: tuple[RenderedSentence, ...]

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(t for s in self.sentences for t in s.tokens)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def sentence_of(self) -> tuple[int, ...]:
        return tuple(i for i, s in enumerate(self.sentences) for _ in s.tokens)

    def char_span(self, sentence: int, prefix: str) -> tuple[int, int] | None:
        """Character span in `text` of a slot of one sentence (a QA answer)."""
        span = self.sentences[sentence].char_span(prefix)
        if span is None:
            return None
        offset = sum(len(s.text) + 1 for s in self.sentences[:sentence])
        return span[0] + offset, span[1] + offset


def _sentence(lang: str, toks: list[Token]) -> RenderedSentence:
    return RenderedSentence(
        lang=lang,
        tokens=tuple(t.text for t in toks),
        upos=tuple(t.upos for t in toks),
        ner=tuple(t.ner for t in toks),
        slots=tuple(t.slot for t in toks),
    )


@dataclass(frozen=True)
class Renderer:
    """Turns meanings into sentences of any language of `languages.LANGUAGES`."""

    vocab: Vocabulary

    @property
    def lexicon(self) -> Lexicon:
        return self.vocab.lexicon

    # ---- noun phrases -------------------------------------------------------------------
    def noun_phrase(self, lang: str, np: NounPhrase, role: str) -> list[Token]:
        spec, vocab = LANGUAGES[lang], self.vocab
        if np.name:
            entry = self.lexicon.name[np.head]
            out: list[Token] = []
            article = vocab.function_word(lang, "name_article")
            if article and entry.kind == "PER":
                out.append(Token(article, "DET", "O", f"{role}.det"))
            for i, text in enumerate(vocab.name(lang, np.head)):
                out.append(Token(text, "PROPN", ("B-" if i == 0 else "I-") + entry.kind,
                                 f"{role}.head"))
            return out
        number = "pl" if np.plural else "sg"
        det: list[Token] = []
        if np.det == "num":
            det = [Token(str(np.count), "NUM", "O", f"{role}.det")]
        elif np.det in ("the", "a"):
            word = vocab.function_word(lang, f"{np.det}.{number}")
            if word:
                det = [Token(word, "DET", "O", f"{role}.det")]
        noun = Token(vocab.noun(lang, np.head, plural=np.plural, accusative=role == "obj"),
                     "NOUN", "O", f"{role}.head")
        adjs = [Token(vocab.adjective(lang, a, plural=np.plural), "ADJ", "O", f"{role}.adj{i}")
                for i, a in enumerate(np.adjectives)]
        core = [noun, *adjs] if spec.adjective_after_noun else [*adjs, noun]
        if lang == "en" and det and det[0].text == "a" and core[0].text[0] in "aeiou":
            det = [Token("an", "DET", "O", det[0].slot)]
        if np.det == "num" and spec.numeral_after_noun:
            return core + det
        return det + core

    def _person(self, np: NounPhrase) -> bool:
        if np.name:
            return self.lexicon.name[np.head].kind == "PER"
        return self.lexicon.noun[np.head].cls == "person"

    # ---- verb group ---------------------------------------------------------------------
    def _copula(self, lang: str, clause: Clause) -> list[Token]:
        tense = "past" if clause.past else "present"
        number = "pl" if clause.subject.plural else "sg"
        vocab = self.vocab
        neg: list[Token] = []
        if clause.negated:
            special = vocab.function_word(lang, f"be.neg.{tense}")
            if special:  # sw: a negative copula instead of a particle
                return [Token(special, "AUX", "O", "cop")]
            neg = [Token(vocab.function_word(lang, "not") or "", "PART", "O", "neg")]
        be = vocab.function_word(lang, f"be.{tense}.{number}")
        cop = [Token(be, "AUX", "O", "cop")] if be else []  # ru: no present copula
        if lang == "en":
            return cop + neg
        return neg + cop

    def verb_group(self, lang: str, clause: Clause) -> list[Token]:
        if clause.copular:
            return self._copula(lang, clause)
        assert clause.verb is not None
        vocab = self.vocab
        if lang == "en":
            if clause.negated:
                aux = "did" if clause.past else ("do" if clause.subject.plural else "does")
                return [Token(aux, "AUX", "O", "aux"), Token("not", "PART", "O", "neg"),
                        Token(clause.verb, "VERB", "O", "verb")]
            entry = self.lexicon.verb[clause.verb]
            form = entry.past if clause.past else (
                entry.lemma if clause.subject.plural else entry.third)
            return [Token(form, "VERB", "O", "verb")]
        m = LANGUAGES[lang].morphology
        fused = bool(m.verb_neg_prefix)
        verb = Token(vocab.verb(lang, clause.verb, past=clause.past,
                                negated=clause.negated and fused), "VERB", "O", "verb")
        if clause.negated and not fused:
            return [Token(vocab.function_word(lang, "not") or "", "PART", "O", "neg"), verb]
        return [verb]

    # ---- clauses ------------------------------------------------------------------------
    def _constituents(self, lang: str, clause: Clause) -> dict[str, list[Token]]:
        parts: dict[str, list[Token]] = {
            "S": self.noun_phrase(lang, clause.subject, "subj"),
            "V": self.verb_group(lang, clause),
            "O": [],
            "LOC": [],
        }
        if clause.copular:
            assert clause.predicate is not None
            parts["O"] = [Token(self.vocab.adjective(lang, clause.predicate,
                                                     plural=clause.subject.plural),
                                "ADJ", "O", "pred")]
        elif clause.obj is not None:
            parts["O"] = self.noun_phrase(lang, clause.obj, "obj")
        if clause.location is not None:
            prep = self.vocab.function_word(lang, clause.preposition) or ""
            parts["LOC"] = [Token(prep, "ADP", "O", "loc.prep"),
                            *self.noun_phrase(lang, clause.location, "loc")]
        return parts

    def render(self, clause: Clause, lang: str) -> RenderedSentence:
        """Render a statement, or a question when `clause.wh` is set."""
        if clause.wh is not None:
            return self._question(clause, lang)
        parts = self._constituents(lang, clause)
        order = list(LANGUAGES[lang].order)
        if clause.location_first:
            order.remove("LOC")
            order.insert(0, "LOC")
        toks = [t for key in order for t in parts[key]]
        toks.append(Token(".", "PUNCT", "O", "punct"))
        return _sentence(lang, toks)

    def _wh_token(self, lang: str, clause: Clause) -> Token:
        role = clause.wh
        if role == "loc":
            return Token(self.vocab.function_word(lang, "where") or "", "ADV", "O", "wh")
        np = clause.noun_phrase(role or "")
        if np is None:
            raise ValueError(f"cannot ask about {role!r}: the clause has no such phrase")
        key = "who" if self._person(np) else "what"
        return Token(self.vocab.function_word(lang, key) or "", "PRON", "O", "wh")

    def _question(self, clause: Clause, lang: str) -> RenderedSentence:
        role = clause.wh
        if role not in ("subj", "obj", "loc"):
            raise ValueError(f"wh must be 'subj', 'obj' or 'loc', not {role!r}")
        wh = self._wh_token(lang, clause)
        key = {"subj": "S", "obj": "O", "loc": "LOC"}[role]
        spec = LANGUAGES[lang]
        if lang == "en" and role != "subj":
            toks = [wh, *self._english_inverted(clause, key)]
        else:
            if lang == "en":  # "who eats ...": agree with a singular wh subject
                clause = _singular_subject(clause)
            parts = self._constituents(lang, clause)
            if spec.wh_fronting:
                parts[key] = []
                toks = [wh] + [t for k in spec.order for t in parts[k]]
            else:
                parts[key] = [wh]
                toks = [t for k in spec.order for t in parts[k]]
        toks.append(Token("?", "PUNCT", "O", "punct"))
        return _sentence(lang, toks)

    def _english_inverted(self, clause: Clause, questioned: str) -> list[Token]:
        """English object/location questions: aux or copula first, then the subject."""
        parts = self._constituents("en", clause)
        neg = [Token("not", "PART", "O", "neg")] if clause.negated else []
        if clause.copular:
            cop = [t for t in parts["V"] if t.slot == "cop"]
            rest = cop + parts["S"] + neg + parts["O"]
        else:
            assert clause.verb is not None
            aux = "did" if clause.past else ("do" if clause.subject.plural else "does")
            rest = [Token(aux, "AUX", "O", "aux"), *parts["S"], *neg,
                    Token(clause.verb, "VERB", "O", "verb")]
            if questioned != "O":
                rest += parts["O"]
        if questioned != "LOC":
            rest += parts["LOC"]
        return rest

    def render_document(self, document: Document, lang: str) -> RenderedDocument:
        return RenderedDocument(lang, tuple(self.render(c, lang) for c in document.clauses))


def _singular_subject(clause: Clause) -> Clause:
    return replace(clause, subject=replace(clause.subject, plural=False))
