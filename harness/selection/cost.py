"""What a selection method costs, as an estimate on the paper profile.

The FLOP model (stated, not measured): a forward pass costs 2 N T FLOPs and a training
step 6 N T (Kaplan et al., 2020), for N parameters and T tokens; N = 560e6 for
xlm-roberta-large (its model card); hours = FLOPs / (ASSUMED_FLOPS * 3600) with an assumed
effective throughput of one A100 (312 TFLOP/s bf16 peak at 40% utilisation). Rows and
tokens per example come from each task's `options.estimate` hints in registry.yaml (the
dataset cards' counts, assumed lengths) and epochs from the paper profile's recipe. A task
without hints is left out of an estimate and named in it, never counted as zero.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PAPER_PROFILE = "paper"
PAPER_PARAMS = 560e6
ASSUMED_FLOPS = 312e12 * 0.4
FLOP_MODEL = ("estimate: 2·N·T FLOPs per forward, 6·N·T per training step, N = 560M "
              "(xlm-roberta-large), one A100 at 40% of 312 TFLOP/s; rows and tokens from "
              "registry.yaml's estimate hints")


@dataclass
class Cost:
    """A method's cost for one target: encoder forward passes (examples), training
    examples, and the GPU-hour estimate on the paper profile (None: unknown)."""

    forward_examples: int | None
    train_examples: int | None
    gpu_hours: float | None
    requires: str = ""
    #: tasks without size hints, left out of `gpu_hours` (named, never silently zero)
    unknown: list[str] = field(default_factory=list)
    model: str = FLOP_MODEL
    per_candidate_grid_hours: dict[str, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def hours(flops: float | None) -> float | None:
    return None if flops is None else flops / ASSUMED_FLOPS / 3600


def task_size(task: Any) -> tuple[int, float] | None:
    """(training rows, tokens per example) of a task on the paper profile, from its hints."""
    hint = task.options.get("estimate") or {}
    rows = hint.get("train_rows")
    if isinstance(rows, dict):
        rows = rows.get("en", rows.get("default"))
    if not rows or not hint.get("tokens"):
        return None
    return int(rows), float(hint["tokens"])


def epochs(catalog: Any, phase: str, task: Any) -> float | None:
    if PAPER_PROFILE not in catalog.profiles:
        return None
    args = catalog.profile(PAPER_PROFILE).args_for(phase, task.name, task.format, {})
    return float(args.epochs)


def forward_flops(rows: int, tokens: float) -> float:
    return 2 * PAPER_PARAMS * rows * tokens


def train_flops(rows: float, tokens: float, n_epochs: float) -> float:
    return 6 * PAPER_PARAMS * rows * tokens * n_epochs


def grid_hours(catalog: Any, candidate: Any, train_task: Any, target: Any) -> float | None:
    """One single-task row of the full grid: train the intermediate task, then fine-tune on
    the target's English training data."""
    inter, tgt = task_size(candidate), task_size(train_task)
    e_inter, e_tgt = epochs(catalog, "intermediate", candidate), epochs(catalog, "target", target)
    if inter is None or tgt is None or e_inter is None or e_tgt is None:
        return None
    return hours(train_flops(*inter, e_inter) + train_flops(*tgt, e_tgt))
