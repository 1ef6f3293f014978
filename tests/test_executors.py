"""The Ray executor ships the driver's resolved run configuration as it is (its JSON) and
each worker builds its session from that alone. Ray itself is replaced by a stand-in
that runs each task on the spot, so this runs without Ray and without training: the
units record what session they were given instead."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from harness import executors, pipeline
from harness.catalog import build_catalog
from harness.pipeline import plan_grid, stage_keys, target_key
from harness.session import Session


class _Ref:
    def __init__(self, value: Any) -> None:
        self.value = value


def _fake_ray() -> types.ModuleType:
    ray = types.ModuleType("ray")
    ray.put_calls = []  # type: ignore[attr-defined]

    def put(value: Any) -> _Ref:
        ray.put_calls.append(value)  # type: ignore[attr-defined]
        return _Ref(value)

    def remote(**opts: Any) -> Any:
        def wrap(fn: Any) -> Any:
            def run(*args: Any) -> _Ref:  # Ray hands a task its arguments' values
                return _Ref(fn(*[a.value if isinstance(a, _Ref) else a for a in args]))
            return types.SimpleNamespace(remote=run)
        return wrap

    ray.put = put  # type: ignore[attr-defined]
    ray.remote = remote  # type: ignore[attr-defined]
    ray.is_initialized = lambda: True  # type: ignore[attr-defined]
    ray.cluster_resources = lambda: {"CPU": 2}  # type: ignore[attr-defined]
    ray.get = lambda refs: [r.value for r in refs]  # type: ignore[attr-defined]
    return ray


def test_workers_get_the_config_as_json_and_compute_the_drivers_keys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = build_catalog()
    driver = Session.create(catalog, "embedded", tmp_path / "runs", device="cpu",
                            strategies=["english-only"], overrides={"max_steps": 3},
                            languages=["de", "fr"], dry_run=True)
    jobs = plan_grid(driver, ["xnli"], [0, 1])
    ray = _fake_ray()
    monkeypatch.setitem(sys.modules, "ray", ray)
    monkeypatch.setattr(executors, "_SESSIONS", {})
    seen: list[tuple[str, Any, list[str]]] = []

    def fake_intermediate(session: Session, stages: list[Any], seed: int) -> Any:
        seen.append(("stage", session, stage_keys(session, stages, seed)))
        return "encoder", [], {}

    def fake_job(session: Session, job: Any) -> Any:
        keys = stage_keys(session, job.stages, job.seed)
        seen.append(("target", session, [target_key(session, job, keys)]))
        return types.SimpleNamespace(model_dump=lambda mode: {"key": seen[-1][2][0]})

    monkeypatch.setattr(pipeline, "ensure_intermediate", fake_intermediate)
    monkeypatch.setattr(pipeline, "run_job", fake_job)
    monkeypatch.setattr(executors.TargetRecord, "model_validate", staticmethod(dict))
    records = executors.run_ray(driver, jobs, None, 0)

    assert ray.put_calls == [driver.config.model_dump_json()]  # shipped once, as JSON
    workers = {id(s) for _, s, _ in seen}
    assert len(workers) == 1 and id(driver) not in workers  # one session per worker
    worker = seen[0][1]
    assert worker.config == driver.config and worker.runs_dir == driver.runs_dir
    want = [target_key(driver, j, stage_keys(driver, j.stages, j.seed)) for j in jobs]
    assert [r["key"] for r in records] == want
    stage_seen = [keys for kind, _, keys in seen if kind == "stage"]
    assert stage_seen == [stage_keys(driver, j.stages, j.seed) for j in jobs]
