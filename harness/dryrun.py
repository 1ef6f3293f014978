"""`xharness eval ... --dry-run`: the units of a grid, their dependencies, what is cached,
and the GPU hours it would take.

Hours are estimated from training tokens (updates x batch x mean tokens per example) and
a rate: `--throughput` (real tokens per second), else the latest result of
`benchmarks/train_throughput.py` when it measured this model on this kind of device, else
a FLOP model (`harness.flops`: 6 x non-embedding parameters x real tokens plus attention,
over the GPU's dense bf16 peak at an assumed utilisation), labelled as an estimate. A
tiny model's measured CPU throughput says nothing about XLM-R Large on a GPU. Example
counts and lengths come from the data where it is at hand (the embedded world is
generated in seconds) and from a task's `options.estimate` hints otherwise (rows from the
dataset card, tokens assumed); evaluation time is left out. Two totals are given: with
intermediate models shared (what xharness does) and with every target run retraining its
own intermediate stages (the naive grid).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import flops
from harness.records import RECORD_FILE

RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results"


@dataclass
class UnitEstimate:
    kind: str
    key: str
    label: str
    depends_on: str | None
    cached: bool
    steps: int | None
    tokens: float | None
    example_tokens: float | None = None  # mean real tokens per example (attention's length)

    def hours(self, rate: Rate | float | None) -> float | None:
        if isinstance(rate, (int, float)):
            rate = Rate(tokens_per_s=float(rate), source="")
        if self.tokens is None or rate is None or not rate.known:
            return None
        return rate.seconds(self.tokens, self.example_tokens or 0.0) / 3600


@dataclass(frozen=True)
class Rate:
    """How fast training runs: measured real tokens per second, or the FLOP model of an
    encoder on a GPU (an estimate)."""

    source: str
    tokens_per_s: float | None = None
    shape: flops.EncoderShape | None = None
    gpu: str | None = None
    utilisation: float = flops.ASSUMED_UTILISATION

    @property
    def known(self) -> bool:
        return bool(self.tokens_per_s) or (self.shape is not None and self.gpu is not None)

    @property
    def estimated(self) -> bool:
        return not self.tokens_per_s and self.known

    def seconds(self, tokens: float, seq_len: float) -> float:
        if self.tokens_per_s:
            return tokens / self.tokens_per_s
        assert self.shape is not None and self.gpu is not None
        return flops.train_seconds(self.shape, tokens, seq_len, self.gpu, self.utilisation)

    def describe(self) -> str:
        if self.tokens_per_s:
            return f"{self.tokens_per_s:.0f} real tokens/s ({self.source})"
        if not self.known:
            return "unknown (pass --throughput)"
        assert self.shape is not None and self.gpu is not None
        return (f"estimate from a FLOP model, not a measurement: 6 x "
                f"{self.shape.non_embedding_params / 1e6:.1f}M non-embedding parameters "
                f"x real tokens + attention (12 x {self.shape.layers} layers x "
                f"{self.shape.hidden} x length), from the {self.shape.source}; "
                f"{self.gpu.upper()} dense bf16 peak {flops.BF16_PEAK_TFLOPS[self.gpu]:.0f} "
                f"TFLOP/s at an assumed {self.utilisation:.0%} utilisation ({self.source})")


def measured_throughput(device: str) -> tuple[float | None, float | None, str]:
    """(xharness real tokens/s, Trainer slowdown factor, source) from the benchmark results."""
    name = "train_throughput-gpu-mnli.json" if device == "cuda" else "train_throughput-cpu.json"
    path = RESULTS / name
    if not path.is_file():
        return None, None, "no benchmark result"
    data = json.loads(path.read_text())
    ours = data["results"]["xharness"]["real_tokens_per_s"]
    trainer = data["results"].get("trainer_dynamic", {}).get("xharness_speedup")
    return ours, trainer, f"{path.name} ({data['device']})"


def _measured_model(path: Path) -> str:
    return str(json.loads(path.read_text()).get("model", "")) if path.is_file() else ""


def _same_model(recorded: str, ref: str) -> bool:
    """The benchmark names its model `ref` or `ref (how it was built)`."""
    def bare(name: str) -> str:
        return name.split(" ")[0].removeprefix("FacebookAI/")
    return bool(recorded) and bare(recorded) == bare(ref)


def choose_rate(model_ref: str, device: Any, throughput: float | None = None,
                gpu: str | None = None) -> Rate:
    """`--throughput`, else a measurement of this model on this kind of device, else the
    FLOP model on `gpu` (default: this machine's GPU, else flops.DEFAULT_GPU)."""
    if throughput:
        return Rate(source="--throughput", tokens_per_s=throughput)
    measured, _, source = measured_throughput(device.type)
    name = "train_throughput-gpu-mnli.json" if device.type == "cuda" else \
        "train_throughput-cpu.json"
    if measured and gpu is None and _same_model(_measured_model(RESULTS / name), model_ref):
        return Rate(source=source, tokens_per_s=measured)
    why = "no throughput measured for this model on this device"
    if gpu is None and device.type == "cuda":
        import torch

        gpu = flops.gpu_named(torch.cuda.get_device_name(device))
        why += ", this machine's GPU"
    if gpu is None:
        gpu = flops.DEFAULT_GPU
        why += f", {gpu.upper()} assumed (--gpu to change)"
    return Rate(source=why, shape=flops.shape_of(model_ref), gpu=gpu)


def _size(session: Any, task: Any, lang: str, args: Any) -> tuple[int, float] | None:
    """(training examples, mean tokens per example) of one task in one language."""
    hint = task.options.get("estimate")
    if session.source(task).kind == "embedded":
        _, feats = session.store.features(task, "train", lang, args, args.max_train_examples)
        return len(feats), sum(feats["length"]) / max(1, len(feats))
    if hint:
        rows = hint.get("train_rows")
        rows = rows.get(lang, rows.get("default")) if isinstance(rows, dict) else rows
        if rows:
            rows = min(rows, args.max_train_examples or rows)
            return int(rows), float(hint.get("tokens", args.max_length / 2))
    return None


def _steps_tokens(session: Any, tasks: list[tuple[Any, list[str]]], args: Any,
                  phase: str, missing: list[str] | None = None,
                  ) -> tuple[int | None, float | None, float | None]:
    """(updates, real tokens, mean tokens per example) of training on `tasks`; a task
    without a size estimate is left out and named in `missing` (None if all are)."""
    total_rows, total_tokens, known = 0, 0.0, 0
    for task, langs in tasks:
        sizes = [_size(session, task, lang, session.args(phase, task)) for lang in langs]
        if any(size is None for size in sizes):
            if missing is not None:
                missing.append(task.name)
            continue
        known += 1
        for size in sizes:
            assert size is not None
            total_rows += size[0]
            total_tokens += size[0] * size[1]
    if tasks and not known:
        return None, None, None
    if not total_rows:
        return 0, 0.0, None
    per_example = total_tokens / total_rows
    steps = args.max_steps or math.ceil(total_rows / args.batch_size * args.epochs)
    return steps, steps * args.batch_size * per_example, per_example


def estimate(session: Any, jobs: list[Any]) -> list[UnitEstimate]:
    from harness.pipeline import eval_languages, finetune_key, stage_keys, target_key

    units: dict[str, UnitEstimate] = {}
    tuned: dict[str, str] = {}  # fine-tunes shared between targets (XQuAD and MLQA)
    order: list[UnitEstimate] = []
    for job in jobs:
        keys = stage_keys(session, job.stages, job.seed)
        for i, (stage, key) in enumerate(zip(job.stages, keys, strict=True)):
            if key in units:
                continue
            args = session.config.stage_args()
            tasks = [(session.task(n), stage.languages.get(n) or
                      session.train_languages(session.task(n))) for n in stage.tasks]
            missing: list[str] = []
            steps, tokens, length = _steps_tokens(session, tasks, args, "intermediate",
                                                  missing)
            label = f"{'+'.join(stage.tasks)} seed {job.seed}"
            if missing and steps is not None:
                label += f" (without {', '.join(missing)}: no size estimate)"
            u = UnitEstimate("intermediate", key, label,
                             keys[i - 1] if i else None,
                             (session.runs_dir / "intermediate" / key / RECORD_FILE).is_file(),
                             steps, tokens, length)
            units[key] = u
            order.append(u)
        tkey = target_key(session, job, keys)
        target = job.target
        args = session.args("target", target)
        steps, tokens, length, label = 0, 0.0, None, job.label
        if target.format != "retrieval":
            train_task = session.task(target.train_task) if target.train_task else target
            fkey = finetune_key(session, job, keys)
            if fkey in tuned:
                label = f"{label} (reuses the fine-tune of {tuned[fkey]})"
            else:
                steps, tokens, length = _steps_tokens(session, [(train_task, ["en"])], args,
                                                      "target")
                if fkey:
                    tuned[fkey] = target.name
        eval_languages(session, target)
        order.append(UnitEstimate(
            "target", tkey, label, keys[-1] if keys else None,
            (session.runs_dir / "targets" / tkey / RECORD_FILE).is_file(), steps, tokens,
            length))
    return order


def totals(units: list[UnitEstimate], tokens_per_s: Rate | float | None) -> dict[str, Any]:
    """GPU hours with shared intermediate models, and with each target run training its
    own intermediate stages (no reuse); units without a size estimate are counted apart."""
    by_key = {u.key: u for u in units}
    shared = [u.hours(tokens_per_s) for u in units]
    no_reuse = []
    for u in units:
        if u.kind != "target":
            continue
        chain, dep = [u], u.depends_on
        while dep:
            chain.append(by_key[dep])
            dep = by_key[dep].depends_on
        no_reuse += [c.hours(tokens_per_s) for c in chain]
    return {"shared": sum(h for h in shared if h is not None),
            "no_reuse": sum(h for h in no_reuse if h is not None),
            "unknown": sum(h is None for h in shared), "rate": tokens_per_s}
