"""A third-party package, installed for real into a temporary folder, adds a task through
the `xharness` entry-point group: it is listed, validated and runs, with no change to
`harness/`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "xharness-example-plugin"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--target", str(site), str(EXAMPLE)],
        check=True, capture_output=True, text=True,
    )
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], env=env,
                          capture_output=True, text=True, timeout=600)


def test_the_installed_task_is_listed_and_valid(env: dict[str, str]) -> None:
    listed = _cli(env, "list", "tasks", "--role", "target")
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if x.startswith("negation"))
    assert "xharness-example-plugin:example" in line
    assert _cli(env, "validate").returncode == 0


def test_the_installed_task_runs_and_its_observer_is_called(
    env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "observer.jsonl"
    result = _cli({**env, "XHARNESS_EXAMPLE_LOG": str(log)}, "eval", "--strategy", "baseline",
                  "--target", "negation", "--runs-dir", str(tmp_path / "runs"),
                  "--set", "max_steps=80")
    assert result.returncode == 0, result.stderr[-3000:]
    [record_path] = (tmp_path / "runs" / "targets").glob("*/record.json")
    record = json.loads(record_path.read_text())
    assert record["target"] == "negation"
    assert set(record["metrics"]) == {"en", "de", "es", "ru", "el", "sw"}
    assert record["metrics"]["en"]["accuracy"] > 75  # chance is 50
    # its predictions are JSON lines (negation is no XTREME task)
    preds = record_path.parent / "predictions" / "negation" / "test-de.jsonl"
    assert len(preds.read_text().splitlines()) == record["n_examples"]["de"]
    [line] = [json.loads(x) for x in log.read_text().splitlines()]
    assert line["kind"] == "target" and line["average"] == pytest.approx(record["average"])
