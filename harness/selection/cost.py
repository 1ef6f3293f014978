"""What a selection method costs, as an estimate on the paper profile.

One FLOP model for the whole harness (`harness.flops`, the dry run's): per real token, a
forward pass costs 2 x the encoder's non-embedding parameters plus attention, a training
step three times that; the encoder's shape is the paper profile's model's; hours are FLOPs
over the device's bf16 peak at an assumed utilisation (stated, not measured). Rows and
tokens per example come from each task's `options.estimate` hints in registry.yaml (the
dataset cards' counts, assumed lengths) and epochs from the paper profile's recipe. A task
without hints is left out of an estimate and named in it, never counted as zero.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from harness import flops as flop_model

PAPER_PROFILE = "paper"
#: the encoder the estimates are for when the catalog has no paper profile
DEFAULT_MODEL = "FacebookAI/xlm-roberta-large"
FLOP_MODEL = (f"estimate: per real token 2 x non-embedding parameters + attention per "
              f"forward, 3x that per training step, for the paper profile's encoder; one "
              f"{flop_model.DEFAULT_GPU.upper()} at {flop_model.ASSUMED_UTILISATION:.0%} of "
              f"{flop_model.BF16_PEAK_TFLOPS[flop_model.DEFAULT_GPU]:.0f} TFLOP/s bf16 "
              "(assumed); rows and tokens from registry.yaml's estimate hints")


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


def paper_model(catalog: Any) -> str:
    profile = catalog.profiles.get(PAPER_PROFILE) if catalog is not None else None
    return profile.model if profile is not None else DEFAULT_MODEL


@lru_cache(maxsize=8)
def _shape(model_ref: str) -> flop_model.EncoderShape:
    """The stored hub config first (no network for an estimate), else the model's own."""
    known = flop_model.KNOWN_CONFIGS.get(model_ref)
    if known is not None:
        return flop_model.EncoderShape(known["num_hidden_layers"], known["hidden_size"],
                                       known["intermediate_size"], f"config of {model_ref}")
    return flop_model.shape_of(model_ref) or _shape(DEFAULT_MODEL)


def hours(flops: float | None) -> float | None:
    return None if flops is None else flop_model.seconds(flops) / 3600


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


def forward_flops(catalog: Any, rows: float, tokens: float) -> float:
    """Encoder forward passes over `rows` examples of `tokens` real tokens each."""
    return rows * tokens * _shape(paper_model(catalog)).forward_flops_per_token(tokens)


def train_flops(catalog: Any, rows: float, tokens: float, n_epochs: float) -> float:
    shape = _shape(paper_model(catalog))
    return rows * tokens * n_epochs * shape.train_flops_per_token(tokens)


def grid_hours(catalog: Any, candidate: Any, train_task: Any, target: Any) -> float | None:
    """One single-task row of the full grid: train the intermediate task, then fine-tune on
    the target's English training data (a retrieval target is not fine-tuned: its row
    costs the intermediate training; its forward passes are left out)."""
    from harness.formats import get_format

    inter, e_inter = task_size(candidate), epochs(catalog, "intermediate", candidate)
    if inter is None or e_inter is None:
        return None
    flops = train_flops(catalog, *inter, e_inter)
    if get_format(target.format).trains:
        tgt, e_tgt = task_size(train_task), epochs(catalog, "target", target)
        if tgt is None or e_tgt is None:
            return None
        flops += train_flops(catalog, *tgt, e_tgt)
    return hours(flops)
