"""Executors: how the units of a grid get run.

`inprocess` (the default) runs them one after another in this process. `ray` turns the
grid into Ray tasks: one per intermediate model (stage prefix and seed) and one per target
run, each target task depending on the intermediate task it needs, so independent units
run in parallel across a cluster. Each task claims its unit (`harness.claims`) before
training it, as `xharness eval` processes do, so a Ray cluster and a stray local run on the
same runs folder never train a unit twice. Units are pure functions of their configuration and the
checkpoints they depend on, and every worker reads and writes the same runs folder (a
shared filesystem path), so a finished unit is skipped wherever it ran, a task lost with
its node is retried by Ray, and the results are the in-process ones.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import XHarnessError
from harness.records import TargetRecord

log = logging.getLogger("xharness")


@dataclass(frozen=True)
class SessionSpec:
    """What a worker needs to rebuild the driver's session (picklable)."""

    registry: str | None
    profile: str
    runs_dir: str
    model: str | None = None
    device: str = "auto"
    strict: bool = False
    allow_non_zero_shot: bool = False
    languages: list[str] | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    data_root: str | None = None
    report_to: list[str] = field(default_factory=list)  # --report-to, attached per worker

    def build(self) -> Any:
        from harness.catalog import build_catalog
        from harness.session import Session

        catalog = build_catalog(Path(self.registry) if self.registry else None)
        session = Session.create(
            catalog, self.profile, self.runs_dir, model=self.model, device=self.device,
            strict=self.strict, allow_non_zero_shot=self.allow_non_zero_shot,
            languages=self.languages, overrides=self.overrides, data_root=self.data_root)
        if self.report_to:
            from harness.loggers import attach

            attach(catalog.pm, self.report_to, session.runs_dir)
        return session


_SESSIONS: dict[str, Any] = {}


def _session(spec: SessionSpec) -> Any:
    """One session per worker process: its data store and caches serve many units."""
    key = json.dumps(asdict(spec), sort_keys=True, default=str)
    if key not in _SESSIONS:
        _SESSIONS[key] = spec.build()
    return _SESSIONS[key]


def _stage_unit(spec: SessionSpec, stages: list[Any], seed: int, threads: int,
                *parents: Any) -> str:
    """Train (or reuse) the intermediate model of `stages` (a plan prefix)."""
    import torch

    from harness.pipeline import ensure_intermediate

    torch.set_num_threads(threads)
    path, _, _ = ensure_intermediate(_session(spec), stages, seed)
    return path


def _target_unit(spec: SessionSpec, job: Any, threads: int, *parents: Any) -> dict[str, Any]:
    import torch

    from harness.pipeline import run_job

    torch.set_num_threads(threads)
    return run_job(_session(spec), job).model_dump(mode="json")


def run_ray(spec: SessionSpec, session: Any, jobs: list[Any], address: str | None,
            gpus_per_unit: float, retries: int = 3) -> list[TargetRecord]:
    try:
        import ray
    except ImportError as exc:
        raise XHarnessError(
            "the ray executor needs Ray", fix="pip install 'xharness[ray]' (or ray>=2.30)"
        ) from exc
    from harness.pipeline import stage_key

    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.WARNING)
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    threads = 1 if gpus_per_unit == 0 else max(1, cpus // 2)
    opts = {"max_retries": retries, "retry_exceptions": False}
    if gpus_per_unit:
        opts["num_gpus"] = gpus_per_unit
    else:
        opts["num_cpus"] = 1
    stage_task = ray.remote(**opts)(_stage_unit)
    target_task = ray.remote(**opts)(_target_unit)
    refs: dict[str, Any] = {}  # stage key -> ObjectRef (a unit is submitted once)
    pending = []
    for job in jobs:
        parent_key, parent_ref = None, None
        for i, stage in enumerate(job.stages):
            key = stage_key(session, parent_key, stage, job.seed)
            if key not in refs:
                deps = [parent_ref] if parent_ref is not None else []
                refs[key] = stage_task.remote(spec, job.stages[: i + 1], job.seed, threads,
                                              *deps)
            parent_key, parent_ref = key, refs[key]
        deps = [parent_ref] if parent_ref is not None else []
        pending.append(target_task.remote(spec, job, threads, *deps))
    log.info("ray: %d intermediate and %d target units submitted", len(refs), len(pending))
    return [TargetRecord.model_validate(r) for r in ray.get(pending)]
