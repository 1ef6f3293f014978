"""The embedded world: one object that samples meanings and renders them in six languages.

Typical use::

    world = World()                         # the lexicons the shipped model was trained on
    rng = world.rng("my-task", seed)         # task-specific, reproducible randomness
    clause = world.sampler(rng).clause()     # a meaning (meaning.Clause)
    world.render(clause, "ru").tokens        # the sentence in ru, with .upos .ner .align
    world.parallel(clause)                   # {lang: RenderedSentence} for all six languages

Building blocks for tasks (none are built here):
- POS tagging / NER: `RenderedSentence.upos` / `.ner` (BIO over PER/LOC/ORG names).
- Span QA: `sampler.document()` + `render_document`; ask `replace(clause, wh="obj")`
  rendered with `render`, answer `RenderedDocument.char_span(i, "obj")`.
- Paraphrase (PAWS-like): `location_first=True` is a paraphrase; swapping subject and object
  keeps the words and changes the meaning.
- Multiple choice: verb selectional preferences (`Lexicon.verb[v].objects`) give plausible
  and implausible completions.
- Sentiment, NLI: see `sentiment.py` and `nli.py`.
- Retrieval, MLM corpora: `parallel` and `corpus`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from xworld.grammar import RenderedDocument, RenderedSentence, Renderer
from xworld.languages import ALL_LANGUAGES, LANGUAGES, TARGET_LANGUAGES
from xworld.lexicon import Lexicon
from xworld.meaning import Clause, Document, MeaningSampler
from xworld.vocabulary import WORLD_SEED, Vocabulary, stable_seed

__all__ = ["ALL_LANGUAGES", "TARGET_LANGUAGES", "World"]


@dataclass
class World:
    """Lexicons (fixed by `seed`) and a renderer. Deterministic: same seed, same world."""

    seed: int = WORLD_SEED
    lexicon: Lexicon = field(default_factory=Lexicon)
    vocab: Vocabulary = field(init=False)
    renderer: Renderer = field(init=False)

    def __post_init__(self) -> None:
        self.vocab = Vocabulary.build(self.lexicon, self.seed)
        self.renderer = Renderer(self.vocab)

    @property
    def languages(self) -> tuple[str, ...]:
        return ALL_LANGUAGES

    def rng(self, purpose: str, seed: int) -> random.Random:
        """Randomness for one purpose (a task, a split): independent streams per purpose."""
        return random.Random(stable_seed(purpose, self.seed, seed))

    def sampler(self, rng: random.Random) -> MeaningSampler:
        return MeaningSampler(self.lexicon, rng)

    def render(self, clause: Clause, lang: str) -> RenderedSentence:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; the embedded world has {ALL_LANGUAGES}")
        return self.renderer.render(clause, lang)

    def render_document(self, document: Document, lang: str) -> RenderedDocument:
        return self.renderer.render_document(document, lang)

    def parallel(self, clause: Clause,
                 langs: tuple[str, ...] = ALL_LANGUAGES) -> dict[str, RenderedSentence]:
        return {lang: self.render(clause, lang) for lang in langs}

    def corpus(self, lang: str, n: int, seed: int = 0,
               p_question: float = 0.1) -> Iterator[RenderedSentence]:
        """`n` monolingual sentences (statements, some questions) for MLM or a tokenizer."""
        rng = self.rng(f"corpus-{lang}", seed)
        sampler = self.sampler(rng)
        for _ in range(n):
            yield self.render(self.maybe_question(sampler.clause(), rng, p_question), lang)

    @staticmethod
    def maybe_question(clause: Clause, rng: random.Random, p: float) -> Clause:
        """Turn a statement into a question about one of its phrases with probability p."""
        if rng.random() >= p:
            return clause
        roles = ["subj"] + (["obj"] if clause.obj is not None else []) + (
            ["loc"] if clause.location is not None else [])
        return replace(clause, wh=rng.choice(roles))
