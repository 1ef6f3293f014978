"""Surface forms: the invented word for each concept in each language, and its inflections.

The derived languages' content words are drawn from each language's syllable inventory with a
seeded generator, so they share no words with English or with each other (the only shared
strings are proper names, digits and punctuation, as between real languages). The world seed
fixes every lexicon: the shipped tokenizer and model were trained on `WORLD_SEED`'s lexicons,
so datasets for them must be built with it.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

from xworld.languages import LANGUAGES, LanguageSpec
from xworld.lexicon import Lexicon
from xworld.script import transliterate

#: The world seed the shipped tokenizer and encoder were pretrained on.
WORLD_SEED = 0


def stable_seed(*parts: object) -> int:
    """A seed from strings/ints that is the same in every Python process (unlike `hash`)."""
    return zlib.crc32("|".join(str(p) for p in parts).encode("utf-8"))


def _invent(spec: LanguageSpec, rng: random.Random, used: set[str], *, short: bool) -> str:
    assert spec.phonotactics is not None
    ph = spec.phonotactics
    for _ in range(1000):
        low, high = (1, 1) if short else ph.syllables
        n = rng.randint(low, high)
        parts = []
        for i in range(n):
            coda = rng.choice(ph.codas) if i == n - 1 else ""
            parts.append(rng.choice(ph.onsets) + rng.choice(ph.vowels) + coda)
        word = "".join(parts)
        if ph.consonant_final and word[-1] in "aeiouäöü":
            word += rng.choice([c for c in ph.codas if c] or ["n"])
        if len(word) >= 3 and word not in used:
            used.add(word)
            return word
    raise RuntimeError(f"could not invent a new word for {spec.code}; widen its phonotactics")


@dataclass(frozen=True)
class Vocabulary:
    """Concept -> stem for every language, plus inflection. Build with `Vocabulary.build`."""

    lexicon: Lexicon
    stems: dict[str, dict[str, str]]  # lang -> concept -> romanised stem
    seed: int

    @classmethod
    def build(cls, lexicon: Lexicon, seed: int = WORLD_SEED) -> Vocabulary:
        used: set[str] = set(lexicon.content_concepts())
        for spec in LANGUAGES.values():
            used.update(spec.words.values())
        stems: dict[str, dict[str, str]] = {"en": {c: c for c in lexicon.content_concepts()}}
        for code, spec in LANGUAGES.items():
            if spec.phonotactics is None:
                continue
            rng = random.Random(stable_seed("lexicon", seed, code))
            stems[code] = {
                concept: _invent(spec, rng, used, short=False)
                for concept in lexicon.content_concepts()
            }
        return cls(lexicon=lexicon, stems=stems, seed=seed)

    # ---- inflection -------------------------------------------------------------------
    def _write(self, lang: str, word: str) -> str:
        return transliterate(word, LANGUAGES[lang].script)

    def noun(self, lang: str, lemma: str, *, plural: bool, accusative: bool = False) -> str:
        if lang == "en":
            entry = self.lexicon.noun[lemma]
            return entry.plural if plural else entry.lemma
        m = LANGUAGES[lang].morphology
        stem = self.stems[lang][lemma]
        if plural and m.noun_pl_prefix:
            word = m.noun_pl_prefix[self.lexicon.noun[lemma].cls] + stem
        elif plural:
            word = stem + m.noun_pl_suffix
        elif accusative and m.noun_acc_sg_suffix:
            word = stem + m.noun_acc_sg_suffix
        else:
            word = stem + m.noun_sg_suffix
        return self._write(lang, word)

    def adjective(self, lang: str, lemma: str, *, plural: bool) -> str:
        if lang == "en":
            return lemma
        m = LANGUAGES[lang].morphology
        stem = self.stems[lang][lemma]
        return self._write(lang, stem + (m.adj_pl_suffix if plural else m.adj_sg_suffix))

    def verb(self, lang: str, lemma: str, *, past: bool, negated: bool = False) -> str:
        """A finite verb form. English gets its 3sg/past form; negation there is syntactic."""
        if lang == "en":
            entry = self.lexicon.verb[lemma]
            return entry.past if past else entry.third
        m = LANGUAGES[lang].morphology
        prefix, suffix = m.verb_past if past else m.verb_present
        neg = m.verb_neg_prefix if negated else ""
        return self._write(lang, neg + prefix + self.stems[lang][lemma] + suffix)

    def function_word(self, lang: str, key: str) -> str | None:
        """A function word (`the.sg`, `not`, `who`...) or None where the language has none."""
        word = LANGUAGES[lang].words.get(key)
        return None if word is None else self._write(lang, word)

    def name(self, lang: str, key: str) -> tuple[str, ...]:
        return tuple(self._write(lang, t) for t in self.lexicon.name[key].tokens)

    def word_of(self, lang: str, concept: str) -> str:
        """The citation form of a content concept (for word-translation evaluation)."""
        lex = self.lexicon
        if concept in lex.noun:
            return self.noun(lang, concept, plural=False)
        if concept in lex.adjective:
            return self.adjective(lang, concept, plural=False)
        if lang == "en":
            return concept
        return self.verb(lang, concept, past=False)
