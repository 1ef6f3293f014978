"""`xharness eval ... --dry-run`: the units of a grid, their dependencies, what is cached,
and the GPU hours it would take.

Hours are estimated from training tokens (updates x batch x mean tokens per example) and a
measured throughput in real tokens per second (`--throughput`, or the latest result of
`benchmarks/train_throughput.py` for this kind of device). Example counts and lengths come
from the data where it is at hand (the embedded world is generated in seconds) and from a
task's `options.estimate` hints otherwise (rows from the dataset card, tokens assumed);
evaluation time is left out. Two totals are given: with intermediate models shared (what
xharness does) and with every target run retraining its own intermediate stages.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

    def hours(self, tokens_per_s: float | None) -> float | None:
        if self.tokens is None or not tokens_per_s:
            return None
        return self.tokens / tokens_per_s / 3600


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
                  phase: str) -> tuple[int | None, float | None]:
    total_rows, total_tokens = 0, 0.0
    for task, langs in tasks:
        for lang in langs:
            size = _size(session, task, lang, session.args(phase, task))
            if size is None:
                return None, None
            total_rows += size[0]
            total_tokens += size[0] * size[1]
    if not total_rows:
        return 0, 0.0
    per_example = total_tokens / total_rows
    steps = args.max_steps or math.ceil(total_rows / args.batch_size * args.epochs)
    return steps, steps * args.batch_size * per_example


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
            args = session.profile.intermediate.merged(session.overrides)
            tasks = [(session.task(n), stage.languages.get(n) or
                      session.train_languages(session.task(n))) for n in stage.tasks]
            steps, tokens = _steps_tokens(session, tasks, args, "intermediate")
            u = UnitEstimate("intermediate", key, f"{'+'.join(stage.tasks)} seed {job.seed}",
                             keys[i - 1] if i else None,
                             (session.runs_dir / "intermediate" / key / RECORD_FILE).is_file(),
                             steps, tokens)
            units[key] = u
            order.append(u)
        tkey = target_key(session, job, keys)
        target = job.target
        args = session.args("target", target)
        steps, tokens, label = 0, 0.0, job.label
        if target.format != "retrieval":
            train_task = session.task(target.train_task) if target.train_task else target
            fkey = finetune_key(session, job, keys)
            if fkey in tuned:
                label = f"{label} (reuses the fine-tune of {tuned[fkey]})"
            else:
                steps, tokens = _steps_tokens(session, [(train_task, ["en"])], args, "target")
                if fkey:
                    tuned[fkey] = target.name
        eval_languages(session, target)
        order.append(UnitEstimate(
            "target", tkey, label, keys[-1] if keys else None,
            (session.runs_dir / "targets" / tkey / RECORD_FILE).is_file(), steps, tokens))
    return order


def totals(units: list[UnitEstimate], tokens_per_s: float | None) -> dict[str, Any]:
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
