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

import logging
from typing import Any

from harness.errors import XHarnessError
from harness.records import TargetRecord

log = logging.getLogger("xharness")

_SESSIONS: dict[str, Any] = {}


def worker_session(config_json: str) -> Any:
    """The session of the driver's run configuration (its JSON, as shipped), built once
    per worker process: its data store and caches serve many units."""
    if config_json not in _SESSIONS:
        from harness.run_config import RunConfig
        from harness.session import Session

        session = Session.from_config(RunConfig.model_validate_json(config_json))
        session.attach_loggers()  # --report-to: each worker logs the units it runs
        _SESSIONS[config_json] = session
    return _SESSIONS[config_json]


def _stage_unit(config_json: str, stages: list[Any], seed: int, threads: int,
                *parents: Any) -> str:
    """Train (or reuse) the intermediate model of `stages` (a plan prefix)."""
    import torch

    from harness.pipeline import ensure_intermediate

    torch.set_num_threads(threads)
    path, _, _ = ensure_intermediate(worker_session(config_json), stages, seed)
    return path


def _target_unit(config_json: str, job: Any, threads: int, *parents: Any) -> dict[str, Any]:
    import torch

    from harness.pipeline import run_job

    torch.set_num_threads(threads)
    return run_job(worker_session(config_json), job).model_dump(mode="json")


def run_ray(session: Any, jobs: list[Any], address: str | None, gpus_per_unit: float,
            retries: int = 3) -> list[TargetRecord]:
    """Run the grid as Ray tasks; every task receives the session's run configuration as
    it is (its JSON), so workers hash, load and train exactly as the driver would."""
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
    config_ref = ray.put(session.config.model_dump_json())  # stored once, not per task
    refs: dict[str, Any] = {}  # stage key -> ObjectRef (a unit is submitted once)
    pending = []
    for job in jobs:
        parent_key, parent_ref = None, None
        for i, stage in enumerate(job.stages):
            key = stage_key(session, parent_key, stage, job.seed)
            if key not in refs:
                deps = [parent_ref] if parent_ref is not None else []
                refs[key] = stage_task.remote(config_ref, job.stages[: i + 1], job.seed, threads,
                                              *deps)
            parent_key, parent_ref = key, refs[key]
        deps = [parent_ref] if parent_ref is not None else []
        pending.append(target_task.remote(config_ref, job, threads, *deps))
    log.info("ray: %d intermediate and %d target units submitted", len(refs), len(pending))
    return [TargetRecord.model_validate(r) for r in ray.get(pending)]
