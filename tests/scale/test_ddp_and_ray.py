"""Beyond one process: DDP with 2 gloo processes, and the Ray executor on a local Ray of
2 CPUs. Slow (they start several Python processes): run with `pytest -m slow`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
FAST = ["--set", "max_steps=60", "--set", "checkpoint_every=1000"]


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900,
                            env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result


def _metrics(runs: Path) -> dict[tuple[str, str, int], dict[str, float]]:
    out = {}
    for path in (runs / "targets").glob("*/record.json"):
        r = json.loads(path.read_text())
        out[(r["strategy"], r["target"], r["seed"])] = {
            lang: m[r["primary_metric"]] for lang, m in r["metrics"].items()}
    return out


def test_two_gloo_processes_match_one_process(tmp_path: Path) -> None:
    """The effective batch is the single-process one, so the metrics agree within the
    noise of per-rank dropout masks and summation order."""
    cli = ["-m", "harness.cli", "eval", "-s", "baseline", "-t", "xnli", "--threads", "1", *FAST]
    _run([sys.executable, *cli, "--runs-dir", str(tmp_path / "one")])
    _run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
          "--master_port", "29517", *cli, "--runs-dir", str(tmp_path / "two")],
         env={"OMP_NUM_THREADS": "1"})
    one, two = _metrics(tmp_path / "one"), _metrics(tmp_path / "two")
    assert one.keys() == two.keys()
    for key in one:
        for lang in one[key]:
            assert abs(one[key][lang] - two[key][lang]) < 6.0, (key, lang, one, two)
    # rank 0 alone wrote: one record, one predictions folder
    assert len(list((tmp_path / "two" / "targets").glob("*/record.json"))) == 1


def test_ray_executor_gives_the_in_process_leaderboard(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    grid = ["-s", "baseline,english-only", "-t", "xnli,pawsx", "--intermediate", "mnli",
            "--threads", "1", *FAST]
    _run([sys.executable, "-m", "harness.cli", "eval", *grid,
          "--runs-dir", str(tmp_path / "local")])
    # the Ray run keeps its units on shared storage named by an fsspec URL
    _run([sys.executable, "-m", "harness.cli", "eval", *grid, "--executor", "ray",
          "--runs-dir", (tmp_path / "ray").as_uri()],
         env={"RAY_num_cpus": "2", "XHARNESS_CACHE": str(tmp_path / "mirror")})
    local, ray = _metrics(tmp_path / "local"), _metrics(tmp_path / "ray")
    assert local == ray
    # the same units, named by the same keys
    assert sorted(p.name for p in (tmp_path / "local" / "targets").iterdir()) == sorted(
        p.name for p in (tmp_path / "ray" / "targets").iterdir())
