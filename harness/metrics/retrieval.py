"""Retrieval metrics: BUCC 2018 bitext mining F1 and Tatoeba accuracy.

BUCC is scored as sets of (source id, target id) pairs: a submission lists the pairs it
mined, so order and duplicates carry no meaning, and a model that mines nothing gets 0
precision, recall and F1 rather than an error. Tatoeba is one retrieved index per query
sentence, compared position by position.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

from harness.metrics.classification import accuracy
from harness.metrics.scores import PrecisionRecallF1

SentencePair = tuple[str, ...]


def bucc_scores(
    gold_pairs: Iterable[SentencePair], predicted_pairs: Iterable[SentencePair]
) -> PrecisionRecallF1:
    """Precision, recall and F1 in percent of the predicted pair set against the gold set.

    All three are 0 when no predicted pair is correct (including no predictions or no
    gold pairs), as in the official scorer, instead of being undefined.
    """
    gold = set(gold_pairs)
    predicted = set(predicted_pairs)
    correct = len(gold & predicted)
    if correct == 0:
        return PrecisionRecallF1(f1=0.0, precision=0.0, recall=0.0)
    precision = correct / len(predicted)
    recall = correct / len(gold)
    f1 = 2 * precision * recall / (precision + recall)
    return PrecisionRecallF1(f1=100.0 * f1, precision=100.0 * precision, recall=100.0 * recall)


def tatoeba_accuracy(gold: Sequence[Hashable], predictions: Sequence[Hashable]) -> float:
    """Percent of query sentences whose retrieved index is the gold translation's index."""
    return accuracy(gold, predictions)
