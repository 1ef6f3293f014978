"""The format contract: what the core knows about a *kind* of task.

A format owns the canonical columns a task's data must be mapped to, tokenisation,
batching, the head on the shared encoder, the loss, decoding of predictions and scoring.
Task plugins only map their source data to the canonical columns, so a new task of a known
format is a spec and a few lines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import datasets
import numpy as np
import torch
from torch import nn

from harness.config import TrainArgs
from harness.errors import XHarnessError
from harness.specs import TaskSpec


class BadRows(XHarnessError):
    """Rows refused under `--strict`: every one of them (the first `SHOWN` named), so one
    run finds all the bad rows of a file. `rows` holds (row index, detail) pairs; the data
    store re-raises it with `locate`, which turns a row index into `file:line`."""

    SHOWN = 20

    def __init__(self, rows: list[tuple[int, str]], where: str,
                 locate: Callable[[int], str] | None = None) -> None:
        self.rows, self.place = rows, where
        named = "; ".join(f"{locate(i) if locate else f'row {i + 1}'}: {detail}"
                          for i, detail in rows[:self.SHOWN])
        more = (f"; and {len(rows) - self.SHOWN} more bad row(s)"
                if len(rows) > self.SHOWN else "")
        super().__init__(
            f"{len(rows)} bad row(s): {named}{more}", where=where,
            fix="correct the data, or drop --strict to skip and count such rows",
        )

    def located(self, locate: Callable[[int], str]) -> BadRows:
        return BadRows(self.rows, self.place, locate)


@dataclass
class DataReport:
    """What canonicalisation dropped, by reason, so that bad rows are counted not hidden."""

    rows_in: int = 0
    rows_out: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    refused: list[tuple[int, str]] = field(default_factory=list)

    def reject(self, reason: str, detail: str, strict: bool, where: str,
               row: int | None = None) -> None:
        """Count a bad row; under `--strict`, keep it for `finish` to refuse (all of them,
        not only the first). `row` is its index in the source rows."""
        if strict:
            self.refused.append((-1 if row is None else row, detail))
            return
        self.dropped[reason] += 1

    def finish(self, where: str) -> None:
        """Raise `BadRows` if `--strict` refused any row."""
        if self.refused:
            raise BadRows(self.refused, where)

    def as_dict(self) -> dict[str, Any]:
        return {"rows_in": self.rows_in, "rows_out": self.rows_out,
                "dropped": dict(self.dropped)}


class Format(ABC):
    """Shared machinery for one task format. Instances are stateless."""

    name: ClassVar[str]
    #: canonical column -> one-line description, for docs and error messages
    columns: ClassVar[dict[str, str]]
    #: the metric key that ranks checkpoints on dev and fills leaderboard cells
    primary_metric: ClassVar[str]
    trains: ClassVar[bool] = True
    #: True if predictions need a decision rule fitted on the dev split (BUCC's threshold)
    calibrates: ClassVar[bool] = False

    def primary_key(self, task: TaskSpec) -> str:
        """The key of `score`'s result that ranks dev checkpoints and fills leaderboard
        cells: the format's `primary_metric`, or a plugin metric's own name."""
        from harness.metrics.registry import primary_key

        return primary_key(self.primary_metric, task)

    # -- data ---------------------------------------------------------------------------
    @abstractmethod
    def canonicalize(
        self, raw: datasets.Dataset, task: TaskSpec, columns: dict[str, str], strict: bool,
        where: str,
    ) -> tuple[datasets.Dataset, DataReport]:
        """Map source rows to the canonical columns; drop (and count) invalid rows, or raise
        when `strict`."""

    @abstractmethod
    def featurize(
        self, ds: datasets.Dataset, tokenizer: Any, task: TaskSpec, args: TrainArgs
    ) -> datasets.Dataset:
        """Tokenise canonical rows into model features. Features carry `length` (for
        length-grouped batching) and `example_id` (the canonical row they came from)."""

    @abstractmethod
    def collate(self, rows: dict[str, list[Any]], pad_id: int) -> dict[str, torch.Tensor]:
        """Batch features (columns of the selected rows, as `dataset[indices]` returns
        them) with dynamic padding to the longest row of the batch."""

    # -- model --------------------------------------------------------------------------
    @abstractmethod
    def build_head(
        self, hidden_size: int, task: TaskSpec, dropout: float, args: TrainArgs
    ) -> nn.Module:
        """A fresh head: `head(hidden_states, batch) -> logits`. A head with a
        `hidden_layer` attribute receives that hidden-state layer instead of the last."""

    @abstractmethod
    def loss(self, logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        ...

    # -- predictions --------------------------------------------------------------------
    @abstractmethod
    def decode(
        self, logits: list[np.ndarray], features: datasets.Dataset, examples: datasets.Dataset,
        task: TaskSpec, args: TrainArgs,
    ) -> list[Any]:
        """One prediction per canonical example, in the examples' order."""

    @abstractmethod
    def score(
        self, predictions: list[Any], examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> dict[str, float]:
        """Metrics in percent (as the official XTREME scorer reports them)."""

    def calibrate(
        self, predictions: Any, examples: datasets.Dataset, task: TaskSpec
    ) -> dict[str, float] | None:
        """Fit a decision rule on dev predictions (only for `calibrates` formats)."""
        return None

    def finalize(self, predictions: Any, calibration: dict[str, float] | None) -> Any:
        """Apply the calibrated rule to decoded predictions."""
        return predictions

    def example_stats(
        self, predictions: Any, examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> np.ndarray:
        """Per-example sufficient statistics of the primary metric (one row per example;
        see `harness.metrics.example_stats`), for the paired bootstrap."""
        raise NotImplementedError

    def metric_from_stats(self, rows: np.ndarray, task: TaskSpec) -> float:
        """The primary metric from `example_stats` rows, or from a resample of them."""
        raise NotImplementedError

    #: the canonical column whose round-trip translation measures quality (None: the
    #: format cannot be translated)
    quality_field: ClassVar[str | None] = None

    def quality_texts(self, ds: datasets.Dataset) -> list[str]:
        """Per row, the text whose round-trip translation measures its quality."""
        assert self.quality_field is not None
        return [" ".join(v) if isinstance(v, list) else str(v) for v in ds[self.quality_field]]

    def translate(
        self, ds: datasets.Dataset, translate: Callable[[list[str]], list[str]], lang: str,
        task: TaskSpec,
    ) -> tuple[datasets.Dataset, list[int], Counter[str]]:
        """Canonical rows translated with `translate` (English -> `lang`): the new rows,
        the source row each came from, and what was dropped (untranslatable texts, spans
        whose markers did not survive). Labels must survive translation."""
        raise XHarnessError(
            f"task {task.name!r} ({self.name}) cannot be machine-translated",
            fix="leave it out of translate-train (--intermediate)",
        )

    def submission_rows(self, predictions: list[Any], task: TaskSpec) -> Any:
        """Predictions in the form the XTREME submission writer takes."""
        return predictions


def require_columns(
    ds: datasets.Dataset, needed: list[str], fmt: Format, task: TaskSpec, where: str
) -> None:
    missing = [c for c in needed if c not in ds.column_names]
    if missing:
        raise XHarnessError(
            f"task {task.name!r} ({fmt.name}) data lacks column(s) {missing}; "
            f"it has {ds.column_names}",
            where=where,
            fix=f"map them in the task's `columns` (canonical -> source) or `adapter`; "
            f"the {fmt.name} format needs: "
            + "; ".join(f"{k}: {v}" for k, v in fmt.columns.items()),
        )


def label_index(labels: list[str]) -> dict[str, int]:
    return {name: i for i, name in enumerate(labels)}
