"""From run records to leaderboard rows: seeds pooled into mean and standard deviation,
targets into XTREME's group scores and overall score.

A row is exactly one system: the records that share the system identity of the run
configuration (`harness/run_config.py`: strategy, validated options, overrides, model,
profile recipe, sources, languages, code), so two runs that differ in anything but the seed
are never pooled. A seed appears at most once per row and target: of two finished records
of the same system, target and seed (the data changed under the same configuration), the
newer is kept and both files are named in a warning. Group and XTREME scores are computed
per seed (the mean of the targets' language averages) and then pooled, and only when every
target of the group is present: a partial XTREME score would not be comparable.

Row order, the delta reference and the answer's pairs come from the strategies' registry
data (`rank`, `reference`, `compare_with`), never from strategy names written here.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.records import TargetRecord
from harness.run_config import label, setting_id
from harness.xtreme import XTREME_GROUPS, XTREME_TASKS

log = logging.getLogger("xharness")
XTREME_ORDER = ("xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc2018",
                "tatoeba")
GROUP_ORDER = ("classification", "tagging", "qa", "retrieval")


@dataclass(frozen=True)
class Layout:
    """The leaderboard's layout, from the strategies' registry data."""

    rank: dict[str, int] = field(default_factory=dict)
    references: frozenset[str] = frozenset()
    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, catalog: Any) -> Layout:
        strategies = catalog.strategies.values()
        return cls(rank={s.name: s.rank for s in strategies},
                   references=frozenset(s.name for s in strategies if s.reference),
                   pairs=tuple((s.name, other) for s in strategies for other in s.compare_with))


@dataclass(frozen=True)
class Cell:
    mean: float
    std: float
    n: int

    @classmethod
    def of(cls, values: list[float]) -> Cell:
        arr = np.asarray(values, dtype=float)
        return cls(float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
                   len(arr))


@dataclass
class Row:
    label: str
    strategy: str
    model: str
    options: dict[str, Any]  # the options that differ from the strategy's defaults
    system: str = ""  # the system identity (records' `system`)
    setting: str = ""  # the identity without the strategy (same for a row and its baseline)
    config: dict[str, Any] = field(default_factory=dict)
    runs: dict[str, list[TargetRecord]] = field(default_factory=dict)

    @property
    def zero_shot(self) -> bool:
        return all(r.zero_shot for recs in self.runs.values() for r in recs)

    @property
    def seeds(self) -> list[int]:
        return sorted({r.seed for recs in self.runs.values() for r in recs})

    def target(self, name: str) -> Cell | None:
        recs = self.runs.get(name)
        return Cell.of([r.average for r in recs]) if recs else None

    def per_seed(self, targets: tuple[str, ...]) -> list[float]:
        """For each seed that has every target: the mean of the targets' averages."""
        out = []
        for seed in self.seeds:
            scores = [next((r.average for r in self.runs.get(t, []) if r.seed == seed), None)
                      for t in targets]
            if all(s is not None for s in scores):
                out.append(float(np.mean(scores)))  # type: ignore[arg-type]
        return out

    def group(self, name: str) -> Cell | None:
        values = self.per_seed(XTREME_GROUPS[name])  # type: ignore[index]
        return Cell.of(values) if values else None

    def xtreme(self) -> Cell | None:
        """XTREME's score: the mean over the nine tasks (as the official `all_task`)."""
        values = self.per_seed(tuple(XTREME_TASKS))
        return Cell.of(values) if values else None


def build_rows(records: list[TargetRecord], layout: Layout | None = None) -> list[Row]:
    """One row per system identity; records without one (schema 1) must be left out by
    the caller (`leaderboard.load_records` does, with a warning)."""
    layout = layout or Layout()
    rows: dict[str, Row] = {}
    for r in records:
        if r.system is None:
            raise ValueError(f"record {r.key} has no system identity (schema 1)")
        row = rows.get(r.system)
        if row is None:
            system = r.config["system"]
            row = rows[r.system] = Row(
                label(system), r.strategy, r.model, dict(system["strategy"]["changed"]),
                r.system, setting_id(system), system)
        row.runs.setdefault(r.target, []).append(r)
    for row in rows.values():
        for target, recs in row.runs.items():
            row.runs[target] = _one_per_seed(row, target, recs)
    _unique_labels(list(rows.values()))
    return sorted(rows.values(),
                  key=lambda r: (layout.rank.get(r.strategy, 100), r.strategy, r.label))


def _one_per_seed(row: Row, target: str, recs: list[TargetRecord]) -> list[TargetRecord]:
    by_seed: dict[int, list[TargetRecord]] = defaultdict(list)
    for r in recs:
        by_seed[r.seed].append(r)
    kept = []
    for seed, same in sorted(by_seed.items()):
        same.sort(key=lambda r: (r.created, r.key))
        if len(same) > 1:
            log.warning(
                "%s on %s, seed %d: %d finished records of the same system (its data changed "
                "under the same configuration); keeping the newer targets/%s/record.json, "
                "leaving out %s", row.label, target, seed, len(same), same[-1].key,
                ", ".join(f"targets/{r.key}/record.json" for r in same[:-1]))
        kept.append(same[-1])
    return kept


def _unique_labels(rows: list[Row]) -> None:
    """Systems that differ only where labels do not look (code versions, recipe edits,
    data roots) get a short identity suffix, so no two rows read alike."""
    seen: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        seen[row.label].append(row)
    for same in seen.values():
        if len(same) > 1:
            for row in same:
                row.label = f"{row.label} #{row.system[:6]}"


def targets_present(records: list[TargetRecord]) -> list[str]:
    names = {r.target for r in records}
    return [t for t in XTREME_ORDER if t in names] + sorted(names - set(XTREME_ORDER))


def by_profile(records: list[TargetRecord]) -> dict[str, list[TargetRecord]]:
    out: dict[str, list[TargetRecord]] = defaultdict(list)
    for r in records:
        out[r.profile].append(r)
    return dict(out)
