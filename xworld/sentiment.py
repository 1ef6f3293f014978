"""Sentiment from meanings: a stand-in for a multilingual tweet-sentiment dataset.

Shaped like `cardiffnlp/tweet_sentiment_multilingual` (`text`, `label` in negative/neutral/
positive; splits train/validation/test), in any of the six languages. The label is read off
the meaning's lexical semantics: polar adjectives (attributive or predicative) and polar verbs
(love/like, hate/fear) carry polarity; negation flips the predicate's and the verb's (not
an attribute's: "the kind teacher does not sleep" stays positive). Meanings with carriers of
both signs are skipped; none at all is neutral. A text is one or two sentences (a polar or
neutral one, sometimes after a neutral one), like a short post.

Training on it in several languages teaches which foreign words are polar, antonyms and
negation markers: the lexical knowledge NLI contradictions rest on, which is why it is the
embedded world's multilingual intermediate task.
"""

from __future__ import annotations

from dataclasses import replace

from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from xworld.languages import ALL_LANGUAGES
from xworld.lexicon import Lexicon
from xworld.meaning import Clause, MeaningSampler
from xworld.world import World

SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2
SENTIMENT_FEATURES = Features({
    "text": Value("string"),
    "label": ClassLabel(names=list(SENTIMENT_LABELS)),
})


def polarity(clause: Clause, lexicon: Lexicon) -> int | None:
    """-1, 0 or 1; None when the clause mixes positive and negative carriers."""
    flip = -1 if clause.negated else 1
    carriers: list[int] = []
    for np in (clause.subject, clause.obj, clause.location):
        if np is not None:
            carriers += [lexicon.adjective[a].polarity for a in np.adjectives]
    if clause.predicate is not None:
        carriers.append(lexicon.adjective[clause.predicate].polarity * flip)
    if clause.verb is not None:
        carriers.append(lexicon.verb[clause.verb].polarity * flip)
    positive, negative = any(c > 0 for c in carriers), any(c < 0 for c in carriers)
    if positive and negative:
        return None
    return 1 if positive else (-1 if negative else 0)


def sentiment_clause(sampler: MeaningSampler, label: int) -> Clause:
    """A clause whose polarity gives `label` (rejection sampling; polar kinds favoured)."""
    want = label - 1  # NEGATIVE=0 -> -1, NEUTRAL=1 -> 0, POSITIVE=2 -> 1
    for _ in range(10_000):
        kind = "copular" if sampler.rng.random() < 0.4 else None
        clause = sampler.clause(kind)
        if polarity(clause, sampler.lexicon) == want:
            return clause
    raise RuntimeError(f"no clause with sentiment {SENTIMENT_LABELS[label]}")


def sample_sentiment(world: World, n: int, purpose: str, seed: int) -> list[tuple[list[Clause],
                                                                                    int]]:
    """`n` (clauses, label) texts with balanced labels."""
    rng = world.rng(f"sentiment-{purpose}", seed)
    sampler = replace(world.sampler(rng), p_negated=0.4)
    labels = [i % 3 for i in range(n)]
    rng.shuffle(labels)
    out: list[tuple[list[Clause], int]] = []
    for label in labels:
        clauses = [sentiment_clause(sampler, label)]
        if rng.random() < 0.3:
            clauses.insert(0, sentiment_clause(sampler, NEUTRAL))
        out.append((clauses, label))
    return out


def build_sentiment(lang: str, n_train: int = 3000, n_dev: int = 500, n_test: int = 1000,
                    seed: int = 0, parallel: bool = False,
                    world: World | None = None) -> DatasetDict:
    """Sentiment in `lang` (splits train, validation, test).

    Like real per-language sentiment data, languages get different texts unless `parallel`.
    """
    if lang not in ALL_LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; the embedded sentiment has {ALL_LANGUAGES}")
    world = world or World()
    out = {}
    for split, n in (("train", n_train), ("validation", n_dev), ("test", n_test)):
        purpose = split if parallel else f"{split}-{lang}"
        texts = sample_sentiment(world, n, purpose, seed)
        out[split] = Dataset.from_dict(
            {
                "text": [" ".join(world.render(c, lang).text for c in clauses)
                         for clauses, _ in texts],
                "label": [label for _, label in texts],
            },
            features=SENTIMENT_FEATURES,
        )
    return DatasetDict(out)
