"""Accuracy, reported in percent as the official XTREME scorer does."""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def accuracy(gold: Sequence[Hashable], predictions: Sequence[Hashable]) -> float:
    """Percent of positions where the prediction equals the gold label.

    The two sequences are aligned by position (the XTREME files carry no ids), so a length
    mismatch means the alignment is lost and is refused rather than truncated. An empty
    gold set has no defined accuracy (the official scorer divides by zero); it is refused
    too.
    """
    if len(gold) != len(predictions):
        raise ValueError(
            f"accuracy needs one prediction per gold label: got {len(predictions)} "
            f"predictions for {len(gold)} labels"
        )
    if not gold:
        raise ValueError("accuracy is undefined for an empty gold set")
    correct = sum(1 for g, p in zip(gold, predictions, strict=True) if g == p)
    return 100.0 * correct / len(gold)
