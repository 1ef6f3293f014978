"""Span precision/recall/F1 for tag sequences, computed by seqeval as XTREME does.

The official scorer calls seqeval's ``precision_score``/``recall_score``/``f1_score``
with their defaults (micro average, default "conlleval" mode, no scheme). We call the
same functions with the same defaults rather than re-implementing span extraction, so
the library's quirks carry over exactly:

* a span may start with ``I-`` (``["I-PER", "I-PER"]`` is one PER span);
* tags without a ``B-``/``I-`` prefix (UD-POS tags such as ``NOUN``) are read as tag
  letter ``N`` with type ``OUN``, so a run of identical POS tags is one span.

Results therefore depend on the seqeval version; this project pins seqeval 1.2.2.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from seqeval.metrics import f1_score, precision_score, recall_score

from harness.metrics.scores import PrecisionRecallF1


def check_aligned(gold: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]) -> None:
    """Raise ``ValueError`` naming the first sentence whose token count differs.

    seqeval refuses misaligned input too, but only with a dump of every length; naming
    the first bad sentence (0-based) is what a user needs to find the problem.
    """
    if len(gold) != len(predictions):
        raise ValueError(
            f"got {len(predictions)} predicted sentences for {len(gold)} gold sentences"
        )
    for index, (gold_tags, predicted_tags) in enumerate(zip(gold, predictions, strict=True)):
        if len(gold_tags) != len(predicted_tags):
            raise ValueError(
                f"sentence {index} has {len(gold_tags)} gold tags but "
                f"{len(predicted_tags)} predicted tags"
            )


def tagging_scores(
    gold: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]
) -> PrecisionRecallF1:
    """Micro span precision/recall/F1 in percent over all sentences.

    Sentences must align one to one, token for token. An empty corpus is refused (seqeval
    cannot score it). seqeval's warnings (non-BIO tags such as POS tags, 0/0 precision)
    are silenced: they fire for every UD-POS file and do not change the numbers, which
    are 0 where the ratio is undefined, as in the official report.
    """
    check_aligned(gold, predictions)
    if not gold:
        raise ValueError("span F1 is undefined for an empty corpus")
    # seqeval insists on lists of lists (tuples make it raise TypeError).
    gold_lists = [list(tags) for tags in gold]
    predicted_lists = [list(tags) for tags in predictions]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f1 = f1_score(gold_lists, predicted_lists)
        precision = precision_score(gold_lists, predicted_lists)
        recall = recall_score(gold_lists, predicted_lists)
    return PrecisionRecallF1(
        f1=100.0 * float(f1), precision=100.0 * float(precision), recall=100.0 * float(recall)
    )
