"""Run configuration: profiles (named presets) and the hyperparameters they resolve to.

A profile bundles model, data source and recipe so that the offline demo and the paper
recipe differ by one flag. Resolution order for one training phase of one task:
profile phase defaults < per-format overrides < per-task overrides < command-line overrides.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from harness.errors import XHarnessError
from harness.problems import did_you_mean
from harness.specs import SourceKind, Strict


class TrainArgs(Strict):
    """Hyperparameters of one training phase (an intermediate stage or a target fine-tune)."""

    learning_rate: float = Field(default=1e-5, gt=0)
    batch_size: int = Field(default=32, ge=1, description="effective batch (per update)")
    grad_accum: int = Field(default=1, ge=1, description="micro-batches per update")
    epochs: float = Field(default=2.0, gt=0)
    max_steps: int | None = Field(default=None, ge=1, description="overrides epochs")
    warmup_ratio: float = Field(default=0.1, ge=0, lt=1)
    weight_decay: float = Field(default=0.01, ge=0)
    adam_epsilon: float = 1e-8
    max_grad_norm: float = 1.0
    max_length: int = Field(default=256, ge=8)
    doc_stride: int = Field(default=128, ge=1, description="span QA: window overlap")
    max_answer_length: int = Field(default=30, ge=1)
    n_best: int = Field(default=20, ge=1)
    max_train_examples: int | None = Field(default=None, ge=1)
    eval_every: int | None = Field(default=None, ge=1, description="steps; default: per epoch")
    dev_examples: int | None = Field(default=500, ge=1, description="English dev subset size")
    select_on_dev: bool = Field(default=True, description="keep the best dev checkpoint")
    patience: int | None = Field(default=None, ge=1, description="evaluations w/o improvement")
    eval_batch_size: int = Field(default=128, ge=1)
    checkpoint_every: int | None = Field(
        default=500, ge=1, description="steps between resumable checkpoints (None: off)"
    )
    freeze_embeddings: bool = Field(default=False, description="freeze the word embeddings")
    freeze_layers: int = Field(
        default=0, ge=0, description="freeze what computes hidden states 0..N-1 (1: the "
        "embedding layer, 2: it and the first transformer layer, ...); 0: train everything")
    compile: bool = Field(
        default=False, description="torch.compile the encoder (dynamic shapes); for GPUs: "
        "the first steps pay the compilation, and on CPU it measured no faster")
    pool_layer: int = Field(
        default=-1, description="retrieval: hidden-state index to mean-pool (0 = embeddings)"
    )

    @model_validator(mode="after")
    def _accum_divides(self) -> TrainArgs:
        if self.batch_size % self.grad_accum:
            raise ValueError(
                f"batch_size {self.batch_size} is not a multiple of grad_accum {self.grad_accum}"
            )
        return self

    def merged(self, overrides: dict[str, Any] | None) -> TrainArgs:
        if not overrides:
            return self
        return TrainArgs.model_validate({**self.model_dump(), **overrides})


class Profile(Strict):
    """A named preset in `registry.yaml`: model, data source, recipe."""

    name: str
    description: str
    model: str = Field(description="hub id, local path, or `embedded:<name>` for shipped models")
    source: SourceKind
    data_root: str | None = Field(default=None, description="root folder for the local source")
    task_sources: dict[str, SourceKind] = Field(
        default_factory=dict, description="task -> source, where it differs from `source` "
        "(bucc2018 has no hub source)",
    )
    precision: Literal["auto", "fp32", "bf16"] = "auto"
    intermediate: TrainArgs = Field(default_factory=TrainArgs)
    target: TrainArgs = Field(default_factory=TrainArgs)
    formats: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="format -> TrainArgs overrides"
    )
    tasks: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="task -> TrainArgs overrides"
    )
    max_eval_examples: int | None = Field(default=None, ge=1)
    trust_remote_code: list[str] = Field(
        default_factory=list,
        description="models (hub ids or paths) allowed to run their own code; off otherwise",
    )
    translator: str | None = Field(
        default=None, description="default translator for translate-train (`translators:`)"
    )
    data_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="task -> options for its embedded builder (sizes)"
    )

    def args_for(
        self, phase: Literal["intermediate", "target"], task: str, fmt: str,
        overrides: dict[str, Any] | None = None,
    ) -> TrainArgs:
        base = self.intermediate if phase == "intermediate" else self.target
        merged = {**base.model_dump(), **self.formats.get(fmt, {}), **self.tasks.get(task, {})}
        merged.update(overrides or {})
        try:
            return TrainArgs.model_validate(merged)
        except ValidationError as err:
            raise XHarnessError(
                f"the {phase} training arguments of task {task!r} are invalid: "
                + "; ".join(_error_text(e) for e in err.errors()),
                where=f"profile {self.name!r} with --set {overrides or {}}",
                fix="correct the --set values or the profile's recipe",
            ) from None


def _error_text(e: Any) -> str:
    loc = ".".join(str(p) for p in e["loc"])
    return f"{loc}: {e['msg']}" if loc else str(e["msg"]).removeprefix("Value error, ")


def check_overrides(overrides: dict[str, Any]) -> None:
    """`--set KEY=VALUE` names TrainArgs fields with valid values: checked before anything
    runs, so a typo (`max_step`) is an error with the closest field, not a traceback."""
    for key, value in overrides.items():
        if key not in TrainArgs.model_fields:
            raise XHarnessError(
                f"{key!r} is not a training hyperparameter", where=f"--set {key}={value}",
                fix=did_you_mean(key, TrainArgs.model_fields),
            )
    try:
        TrainArgs.model_validate({**TrainArgs().model_dump(), **overrides})
    except ValidationError as err:
        field_errors = [e for e in err.errors() if e["loc"]]  # cross-field: per profile
        if field_errors:
            e = field_errors[0]
            key = str(e["loc"][0])
            raise XHarnessError(
                f"{key}: {e['msg']}", where=f"--set {key}={overrides.get(key)}",
                fix="correct the value",
            ) from None
