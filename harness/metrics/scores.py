"""Result records shared by the metric modules.

Field names are the official XTREME report keys, so a record turns into the report's
per-language entries with ``_asdict()`` and nothing has to be renamed on the way.
"""

from __future__ import annotations

from typing import NamedTuple


class PrecisionRecallF1(NamedTuple):
    """Span or pair matching scores, in percent (0-100), ordered as the official report."""

    f1: float
    precision: float
    recall: float


class QAScores(NamedTuple):
    """Extractive QA scores, in percent (0-100), averaged over every gold question."""

    exact_match: float
    f1: float
