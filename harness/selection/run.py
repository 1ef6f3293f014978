"""One `xharness select` invocation: which candidates, where their intermediate models
are, and the result every method writes.

An intermediate model is found exactly where `xharness eval` put it: the candidate's
single-task plan is built by the strategy's own planner (`english-only --intermediate X`,
or `multilingual-only --multilingual X`) and its stage keys by the pipeline, under the
same session (profile, model, `--set` overrides), so `select` reuses what `eval` trained
and never guesses a path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.atomic import write_json_atomic
from harness.errors import XHarnessError
from harness.guard import check_zero_shot
from harness.pipeline import plan_for, stage_keys
from harness.records import RECORD_FILE, now, versions
from harness.refs import resolve_ref
from harness.selection.cost import Cost
from harness.selection.spec import SelectorSpec
from harness.specs import TaskSpec

CANDIDATE_SETS = ("english", "multilingual", "all")
STRATEGY_OF_ROLE = {"english_intermediate": ("english-only", "intermediate"),
                    "multilingual_intermediate": ("multilingual-only", "multilingual")}


@dataclass
class SelectionRequest:
    """What a selector's scorer and cost functions receive."""

    session: Any
    target: TaskSpec
    candidates: list[str]
    seed: int = 0
    sample: int = 256  # embeddings: training examples per task
    limit: int | None = None  # LogME: cap on the target's English training examples
    budget: int = 50  # fine-tune: update steps per candidate
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def train_task(self) -> TaskSpec:
        """The task whose English data the target trains on (MNLI for XNLI)."""
        name = self.target.train_task or self.target.name
        return self.session.task(name)

    def intermediate_encoder(self, candidate: str) -> str | None:
        """The candidate's trained single-task intermediate model, or None (noted)."""
        session = self.session
        role = session.catalog.task(candidate).role
        strategy, option = STRATEGY_OF_ROLE[role]
        stages = plan_for(session, strategy, self.target, {option: candidate})
        folder = session.runs_dir / "intermediate" / stage_keys(session, stages, self.seed)[-1]
        session.pull(folder)
        if (folder / RECORD_FILE).is_file() and (folder / "encoder").is_dir():
            return str(folder / "encoder")
        self.notes[candidate] = (
            f"no intermediate model under {session.runs_dir}/intermediate; train it with "
            f"`xharness eval --strategy {strategy} --{option} {candidate} --target "
            f"{self.target.name} --seed {self.seed}` and the same --profile/--set")
        return None


def candidates(catalog: Any, target: TaskSpec, which: str, allow_non_zero_shot: bool
               ) -> list[str]:
    """`english`, `multilingual`, `all` or comma-separated names; never an MLM corpus and,
    by default, never a task that would break the target's zero-shot setting."""
    if which in CANDIDATE_SETS:
        roles = {"english": ["english_intermediate"],
                 "multilingual": ["multilingual_intermediate"],
                 "all": list(STRATEGY_OF_ROLE)}[which]
        found = sorted(n for n, t in catalog.tasks.items() if t.role in roles
                       and t.format != "mlm"
                       and not (t.role == "multilingual_intermediate"
                                and t.family == target.family))
    else:
        found = [n.strip() for n in which.split(",") if n.strip()]
    for name in found:
        task = catalog.task(name)  # unknown names fail here, with suggestions
        if task.role not in STRATEGY_OF_ROLE or task.format == "mlm":
            raise XHarnessError(
                f"candidate {name!r} is a {task.role} task of format {task.format}, not an "
                "intermediate task", where="--candidates",
                fix="name English or multilingual intermediate tasks (`xharness list tasks`)")
    if not found:
        raise XHarnessError(f"no candidate intermediate tasks for {target.name!r}",
                            where="--candidates",
                            fix="register intermediate tasks or name them with --candidates")
    from harness.specs import Stage

    for name in found:
        check_zero_shot(catalog, [Stage(tasks=[name])], target, allow_non_zero_shot)
    return found


def run_method(request: SelectionRequest, spec: SelectorSpec) -> dict[str, Any]:
    """Cost estimate, scores (higher = predicted better), ranking, wall time and notes."""
    cost: Cost = resolve_ref(spec.cost, f"selectors.{spec.name}.cost")(request)
    request.notes = {}
    started = time.perf_counter()
    scores = resolve_ref(spec.scorer, f"selectors.{spec.name}.scorer")(request)
    seconds = time.perf_counter() - started
    unknown = [c for c in scores if c not in request.candidates]
    if unknown:
        raise XHarnessError(f"selector {spec.name!r} scored unknown candidates {unknown}",
                            where=f"plugin {spec.plugin}",
                            fix="return one score per requested candidate")
    scored = {c: float(s) for c, s in scores.items() if s is not None}
    ranking = sorted(scored, key=lambda c: (-scored[c], c))
    session = request.session
    return {
        "schema_version": 1, "method": spec.name, "target": request.target.name,
        "profile": session.profile.name, "model": session.model_ref, "seed": request.seed,
        "candidates": request.candidates, "scores": scored, "ranking": ranking,
        "seconds": round(seconds, 3), "cost": cost.as_dict(),
        "notes": dict(request.notes), "options": {"sample": request.sample,
                                                  "limit": request.limit,
                                                  "budget": request.budget,
                                                  "overrides": session.config.overrides},
        "created": now(), "versions": versions(),
    }


def result_path(runs_dir: Path, result: dict[str, Any]) -> Path:
    return (Path(runs_dir) / "selection" / result["profile"]
            / f"{result['target']}.{result['method']}.seed{result['seed']}.json")


def save(runs_dir: Path, result: dict[str, Any], extra: Path | None = None) -> list[Path]:
    paths = [result_path(runs_dir, result)] + ([extra] if extra else [])
    for p in paths:
        write_json_atomic(p, result)
    return paths
