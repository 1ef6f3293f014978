"""From run records to leaderboard rows: seeds pooled into mean and standard deviation,
targets into XTREME's group scores and overall score.

A row is one system: a strategy with its options (so `english-only` over all nine tasks
and `english-only [mnli]` are different rows) on one model. Group and XTREME scores are
computed per seed (the mean of the targets' language averages) and then pooled, and only
when every target of the group is present: a partial XTREME score would not be comparable.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.records import TargetRecord
from harness.xtreme import XTREME_GROUPS, XTREME_TASKS

XTREME_ORDER = ("xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc2018",
                "tatoeba")
GROUP_ORDER = ("classification", "tagging", "qa", "retrieval")
#: options that say which system a run is (the rest is context the planner received)
LABEL_OPTIONS = ("intermediate", "multilingual", "variant", "multilingual_scope",
                 "mlm_ratio", "translator", "min_chrf", "sampler", "temperature", "cap",
                 "corpus")


def row_label(strategy: str, options: dict[str, Any]) -> str:
    parts = [strategy]
    for key in LABEL_OPTIONS:
        if key in options and options[key] not in (None, ""):
            value = options[key]
            value = ",".join(value) if isinstance(value, list) else value
            parts.append(f"[{value}]" if key == "intermediate" else f"{key}={value}")
    return " ".join(parts)


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
    options: dict[str, Any]
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


def build_rows(records: list[TargetRecord]) -> list[Row]:
    rows: dict[tuple[str, str], Row] = {}
    for r in records:
        options = (r.config or {}).get("options", {})
        label = row_label(r.strategy, options)
        row = rows.setdefault((label, r.model), Row(label, r.strategy, r.model, options))
        row.runs.setdefault(r.target, []).append(r)
    for row in rows.values():
        for recs in row.runs.values():
            recs.sort(key=lambda r: r.seed)
    order = {"baseline": 0, "english-only": 1, "multilingual-only": 2, "combined": 3,
             "mlm-continuation": 4, "translate-train": 5}
    return sorted(rows.values(), key=lambda r: (order.get(r.strategy, 9), r.label, r.model))


def targets_present(records: list[TargetRecord]) -> list[str]:
    names = {r.target for r in records}
    return [t for t in XTREME_ORDER if t in names] + sorted(names - set(XTREME_ORDER))


def by_profile(records: list[TargetRecord]) -> dict[str, list[TargetRecord]]:
    out: dict[str, list[TargetRecord]] = defaultdict(list)
    for r in records:
        out[r.profile].append(r)
    return dict(out)
