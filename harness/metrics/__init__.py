"""Metrics of the XTREME benchmark, all in percent (0-100) like the official report."""

from harness.metrics.classification import accuracy
from harness.metrics.qa import (
    MLQA_LANGUAGES,
    mixed_segmentation,
    mlqa_scores,
    normalize_mlqa_answer,
    normalize_squad_answer,
    squad_scores,
    token_f1,
)
from harness.metrics.retrieval import SentencePair, bucc_scores, tatoeba_accuracy
from harness.metrics.scores import PrecisionRecallF1, QAScores
from harness.metrics.tagging import check_aligned, tagging_scores

__all__ = [
    "MLQA_LANGUAGES",
    "PrecisionRecallF1",
    "QAScores",
    "SentencePair",
    "accuracy",
    "bucc_scores",
    "check_aligned",
    "mixed_segmentation",
    "mlqa_scores",
    "normalize_mlqa_answer",
    "normalize_squad_answer",
    "squad_scores",
    "tagging_scores",
    "tatoeba_accuracy",
    "token_f1",
]
