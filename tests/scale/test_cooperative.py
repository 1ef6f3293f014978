"""Several processes on one runs folder split a grid: each unit is trained once, by one
process that its record names, with the metrics of a run alone; a process killed with
`kill -9` mid-unit loses nothing, the others finish its unit from its checkpoint. Slow
(about 5 minutes on 2 shared cores: a run alone, then twice three processes)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
GRID = ["-s", "baseline,english-only", "-t", "xnli,pawsx", "--intermediate", "mnli",
        "--threads", "1", "--set", "max_steps=24", "--set", "checkpoint_every=4",
        "--set", "eval_every=12"]
CMD = [sys.executable, "-m", "harness.cli", "eval", *GRID]
UNITS = 5  # one intermediate model (mnli) and four target runs
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def _records(runs: Path) -> dict[str, dict]:
    out = {}
    for kind in ("intermediate", "targets"):
        for path in (runs / kind).glob("*/record.json"):
            out[path.parent.name] = json.loads(path.read_text())
    return out


def _results(runs: Path) -> dict[str, dict]:
    """What a unit computed (not when, where or how fast)."""
    return {key: {k: r[k] for k in ("metrics", "dev", "intermediate_dev", "dev_metrics")
                  if k in r} for key, r in _records(runs).items()}


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = tmp_path_factory.mktemp("alone")
    subprocess.run([*CMD, "--runs-dir", str(runs)], cwd=ROOT, check=True, capture_output=True,
                   timeout=600, env=ENV)
    return runs


def _start(runs: Path, n: int) -> list[subprocess.Popen]:
    # output to files: a pipe nobody reads while we watch would fill and block the process
    procs = []
    for i in range(n):
        log = open(runs.parent / f"{runs.name}-{i}.log", "w+")
        procs.append(subprocess.Popen([*CMD, "--runs-dir", str(runs)], cwd=ROOT, env=ENV,
                                      stdout=subprocess.DEVNULL, stderr=log))
        procs[-1].log = log  # type: ignore[attr-defined]
    return procs


def _finish(procs: list[subprocess.Popen]) -> list[str]:
    """Wait for each process; its stderr."""
    out = []
    for p in procs:
        p.wait(timeout=600)
        p.log.seek(0)  # type: ignore[attr-defined]
        out.append(p.log.read())  # type: ignore[attr-defined]
        p.log.close()  # type: ignore[attr-defined]
    return out


def _trained(stderr: str) -> list[str]:
    return re.findall(r"INFO training .* \(unit ([0-9a-f]+)\)", stderr)


def test_three_processes_split_the_grid_and_train_each_unit_once(alone: Path,
                                                                 tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    procs = _start(runs, 3)
    outs = _finish(procs)
    for p, err in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
    records = _records(runs)
    assert len(records) == UNITS
    pids = {p.pid for p in procs}
    trained_by = {key: r["trained_by"] for key, r in records.items()}
    assert all(t["pid"] in pids for t in trained_by.values()), trained_by
    # every unit trained exactly once, by the process its record names
    trained = {p.pid: _trained(err) for p, err in zip(procs, outs, strict=True)}
    counted = [k for keys in trained.values() for k in keys]
    assert sorted(counted) == sorted(records), trained
    for pid, keys in trained.items():
        assert all(trained_by[k]["pid"] == pid for k in keys)
    assert len({t["pid"] for t in trained_by.values()}) >= 2  # the work was shared
    assert _results(runs) == _results(alone)  # bitwise: the same floats
    assert not list((runs / "claims").glob("*.failed.json"))


def test_a_killed_process_unit_is_finished_by_the_others(alone: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    procs = _start(runs, 3)
    by_pid = {p.pid: p for p in procs}
    victim, unit = None, None
    deadline = time.time() + 300
    while victim is None and time.time() < deadline:
        for info in (runs / "claims").glob("*.json"):
            if info.name.endswith(".failed.json"):
                continue
            try:
                holder = json.loads(info.read_text())
            except (OSError, ValueError):
                continue
            key = info.name.split(".")[0].split("-", 1)[1]
            if (holder["pid"] in by_pid
                    and (runs / "checkpoints" / key / "trainer.json").is_file()):
                victim, unit = by_pid[holder["pid"]], key
                break
        time.sleep(0.1)
    assert victim is not None, "no unit was ever mid-training with a checkpoint"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    victim.log.close()  # type: ignore[attr-defined]
    others = [p for p in procs if p is not victim]
    outs = _finish(others)
    for p, err in zip(others, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
    records = _records(runs)
    assert len(records) == UNITS
    assert records[unit]["trained_by"]["pid"] in {p.pid for p in others}
    assert any("resumed from the checkpoint" in err for err in outs)
    assert _results(runs) == _results(alone)
