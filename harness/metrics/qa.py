"""Extractive QA exact match and F1: SQuAD v1.1 (XQuAD, TyDiQA-GoldP) and MLQA.

Both metrics compare bags of normalised tokens and take, per question, the best score
over the gold answers. They differ only in normalisation: SQuAD strips ASCII
punctuation and English articles and splits on whitespace; MLQA strips every Unicode
punctuation character, removes the answer language's articles and splits Chinese into
single characters, so answers in languages without spaces get partial credit.

Unanswered questions: a gold question id absent from the predictions scores 0 for both
metrics and still counts in the denominator, exactly as the official SQuAD/MLQA scripts
do (they print "Unanswered question ... will receive score 0." and move on). Predicted
ids that are not gold questions are ignored, as there.
"""

from __future__ import annotations

import re
import string
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import cache

from harness.metrics.scores import QAScores

_SQUAD_PUNCTUATION = {ord(ch): None for ch in string.punctuation}
_ENGLISH_ARTICLES = re.compile(r"\b(a|an|the)\b")

# MLQA article patterns per answer language; None means the language has no articles.
# Arabic removes the definite article "ال" wherever it occurs (also inside words),
# which is what the official pattern amounts to: its first alternative can never match.
_MLQA_ARTICLES: dict[str, re.Pattern[str] | None] = {
    "en": _ENGLISH_ARTICLES,
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "hi": None,
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "ar": re.compile("ال"),
    "zh": None,
}
MLQA_LANGUAGES: tuple[str, ...] = tuple(_MLQA_ARTICLES)
_MIXED_SEGMENTATION_LANGUAGES = frozenset({"zh"})
_CJK_RANGE = ("\u4e00", "\u9fa5")


@cache
def _unicode_punctuation() -> frozenset[str]:
    """Every code point in a Unicode ``P*`` category, plus ASCII ``string.punctuation``.

    Built once on first use: scanning all code points takes a fraction of a second.
    """
    unicode_punct = (
        chr(cp) for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp))[0] == "P"
    )
    return frozenset(unicode_punct).union(string.punctuation)


@cache
def _unicode_punctuation_table() -> dict[int, None]:
    return {ord(ch): None for ch in _unicode_punctuation()}


def normalize_squad_answer(text: str) -> str:
    """Lower-case, drop ASCII punctuation, drop English articles, collapse whitespace."""
    text = text.lower().translate(_SQUAD_PUNCTUATION)
    text = _ENGLISH_ARTICLES.sub(" ", text)
    return " ".join(text.split())


def mixed_segmentation(text: str) -> list[str]:
    """Split into whitespace tokens, except that each CJK ideograph or punctuation
    character is a token of its own (MLQA's segmentation for Chinese)."""
    punctuation = _unicode_punctuation()
    tokens: list[str] = []
    pending: list[str] = []
    for ch in text:
        if _CJK_RANGE[0] <= ch <= _CJK_RANGE[1] or ch in punctuation:
            tokens.extend("".join(pending).split())
            pending = []
            tokens.append(ch)
        else:
            pending.append(ch)
    tokens.extend("".join(pending).split())
    return tokens


def _check_mlqa_language(lang: str) -> None:
    # The official script raises too: guessing a normalisation would silently change scores.
    if lang not in _MLQA_ARTICLES:
        raise ValueError(
            f"MLQA has no normalisation for language {lang!r}; known: {', '.join(MLQA_LANGUAGES)}"
        )


def normalize_mlqa_answer(text: str, lang: str) -> str:
    """MLQA normalisation for answers in ``lang`` (one of ``MLQA_LANGUAGES``)."""
    _check_mlqa_language(lang)
    text = text.lower().translate(_unicode_punctuation_table())
    articles = _MLQA_ARTICLES[lang]
    if articles is not None:
        text = articles.sub(" ", text)
    if lang in _MIXED_SEGMENTATION_LANGUAGES:
        tokens = mixed_segmentation(text)
    else:
        tokens = text.split()
    return " ".join(token for token in tokens if token.strip())


def token_f1(prediction_tokens: Sequence[str], gold_tokens: Sequence[str]) -> float:
    """Bag-of-tokens F1 in [0, 1]; 0 when nothing overlaps (also when either is empty)."""
    overlap = sum((Counter(prediction_tokens) & Counter(gold_tokens)).values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(prediction_tokens)
    recall = overlap / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def question_scores(
    prediction: str, answers: Sequence[str], normalize: Callable[[str], str]
) -> tuple[float, float]:
    """(exact match, F1) in [0, 1] of one answer: the best over the gold answers."""
    predicted = normalize(prediction)
    normalized_answers = [normalize(answer) for answer in answers]
    exact = max(float(predicted == answer) for answer in normalized_answers)
    predicted_tokens = predicted.split()
    f1 = max(token_f1(predicted_tokens, answer.split()) for answer in normalized_answers)
    return exact, f1


def normalizer(lang: str | None) -> Callable[[str], str]:
    """SQuAD's normalisation (lang None) or MLQA's for `lang`."""
    if lang is None:
        return normalize_squad_answer
    _check_mlqa_language(lang)
    return lambda text: normalize_mlqa_answer(text, lang)


def _score(
    predictions: Mapping[str, str],
    gold: Mapping[str, Sequence[str]],
    normalize: Callable[[str], str],
) -> QAScores:
    if not gold:
        raise ValueError("QA scores are undefined without gold questions")
    exact_total = 0.0
    f1_total = 0.0
    for question_id, answers in gold.items():
        if not answers:
            raise ValueError(f"gold question {question_id!r} has no answers")
        if question_id not in predictions:
            continue  # unanswered: scores 0 but stays in the denominator
        exact, f1 = question_scores(predictions[question_id], answers, normalize)
        exact_total += exact
        f1_total += f1
    return QAScores(exact_match=100.0 * exact_total / len(gold), f1=100.0 * f1_total / len(gold))


def squad_scores(predictions: Mapping[str, str], gold: Mapping[str, Sequence[str]]) -> QAScores:
    """SQuAD v1.1 exact match and F1 in percent (used for XQuAD and TyDiQA-GoldP).

    ``predictions`` maps question id to answer text, ``gold`` maps every question id to
    its gold answer texts. Missing predictions score 0 (see the module docstring).
    """
    return _score(predictions, gold, normalize_squad_answer)


def mlqa_scores(
    predictions: Mapping[str, str], gold: Mapping[str, Sequence[str]], lang: str
) -> QAScores:
    """MLQA exact match and F1 in percent, normalising answers as language ``lang``."""
    _check_mlqa_language(lang)
    return _score(predictions, gold, lambda text: normalize_mlqa_answer(text, lang))
