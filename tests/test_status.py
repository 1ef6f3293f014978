"""`xharness status`: units done / running / waiting / failed, read from the runs folder
while other processes hold claims on it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.claims import LocalClaims
from harness.cli import main
from harness.status import Where, as_text, folder_status, summary

ROOT = Path(__file__).resolve().parent.parent


def _checkpoint(runs: Path, key: str, step: int, total: int, seconds: float) -> None:
    folder = runs / "checkpoints" / key
    folder.mkdir(parents=True)
    (folder / "trainer.json").write_text(json.dumps(
        {"step": step, "total": total, "result": {"seconds": seconds}}))


def _record(runs: Path, kind: str, key: str, **fields: object) -> None:
    folder = runs / kind / key
    folder.mkdir(parents=True)
    (folder / "record.json").write_text(json.dumps(fields))


def test_folder_status_names_who_runs_what_and_what_failed(tmp_path: Path) -> None:
    _record(tmp_path, "targets", "aaaa", strategy="baseline", target="xnli", seed=0,
            trained_by={"host": "node1", "pid": 11}, timings={"total_s": 100.0})
    worker = LocalClaims(tmp_path / "claims")  # another process, as far as flock goes
    assert worker.try_claim("target", "bbbb", "baseline -> pawsx seed 0")
    _checkpoint(tmp_path, "bbbb", step=20, total=80, seconds=40.0)
    worker.fail("target", "cccc", "baseline -> udpos seed 0",
                ValueError("labels differ\nsecond line"))
    where = Where(tmp_path, None, LocalClaims(tmp_path / "claims"))
    units = {u.key: u for u in folder_status(where)}
    assert units["aaaa"].state == "done" and units["aaaa"].who == "node1:11"
    running = units["bbbb"]
    assert running.state == "running" and running.label == "baseline -> pawsx seed 0"
    assert (running.step, running.total) == (20, 80)
    assert running.who.endswith(f":{__import__('os').getpid()}")
    assert 0 < running.eta_s <= 120.0  # 60 steps left at 2 s a step, less time since written
    assert units["cccc"].state == "failed"
    assert units["cccc"].error == "ValueError: labels differ"
    text = as_text(list(units.values()))
    assert "1 done, 1 running, 0 waiting, 1 failed" in text
    assert "ValueError: labels differ" in text and "20/80" in text
    worker.release("target", "bbbb")
    units = {u.key: u for u in folder_status(where)}
    assert units["bbbb"].state == "waiting"  # its process is gone: the next one resumes it
    assert "resumes" in units["bbbb"].note


def test_expected_time_left_uses_finished_units_of_the_same_kind(tmp_path: Path) -> None:
    for key in ("a1", "a2"):
        _record(tmp_path, "targets", key, strategy="baseline", target="xnli", seed=0,
                timings={"total_s": 60.0})
    claims = LocalClaims(tmp_path / "claims")
    claims.fail("target", "b1", "x", RuntimeError("boom"))  # a failed unit is not waited on
    where = Where(tmp_path, None, LocalClaims(tmp_path / "claims"))
    units = folder_status(where)
    s = summary(units)
    assert s["counts"] == {"done": 2, "running": 0, "waiting": 0, "failed": 1}
    assert s["time_left_s"] == 0.0


@pytest.mark.e2e
def test_status_of_a_grid_from_the_command_line(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    grid = ["-s", "baseline,english-only", "-t", "pawsx", "--intermediate", "mnli",
            "--runs-dir", str(runs)]
    result = CliRunner().invoke(main, ["status", *grid, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["summary"]["counts"] == {"done": 0, "running": 0, "waiting": 3, "failed": 0}
    assert [u["kind"] for u in data["units"]] == ["target", "intermediate", "target"]
    # one unit finished (a real run): status sees it done, by this process
    subprocess.run([sys.executable, "-m", "harness.cli", "eval", "-s", "baseline", "-t",
                    "pawsx", "--threads", "1", "--set", "max_steps=10",
                    "--runs-dir", str(runs)], cwd=ROOT, check=True, capture_output=True,
                   timeout=600)
    result = CliRunner().invoke(main, ["status", *grid, "--set", "max_steps=10"])
    assert result.exit_code == 0, result.output
    assert "3 units: 1 done, 0 running, 2 waiting, 0 failed" in result.output
    assert "baseline -> pawsx seed 0" in result.output
    assert "expected time left" in result.output


def test_status_needs_both_or_neither_of_strategy_and_target(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["status", "-s", "baseline", "--runs-dir",
                                       str(tmp_path)])
    assert result.exit_code == 2
    assert "both --strategy and --target" in result.output
    result = CliRunner().invoke(main, ["status", "--runs-dir", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no runs folder" in result.output
