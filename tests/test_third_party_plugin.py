"""A third-party package (`examples/xharness-example-plugin`), installed for real into a
temporary folder, adds an embedded target, a local-TSV target and a strategy through the
`xharness` entry-point group: they are listed, validated and run, with no change to
`harness/` and no change to the built-in plans."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "xharness-example-plugin"
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # built from a copy, so that nothing (build/, *.egg-info) is written into the checkout
    source = tmp_path_factory.mktemp("src") / "plugin"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--target", str(site), str(source)],
        check=True, capture_output=True, text=True,
    )
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}


def _cli(env: dict[str, str], *args: str, cwd: Path | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_the_installed_tasks_and_strategy_are_listed_and_valid(env: dict[str, str]) -> None:
    listed = _cli(env, "list", "tasks", "--role", "target")
    assert listed.returncode == 0, listed.stderr
    for name, source in (("negation", "embedded"), ("tense", "local")):
        line = next(x for x in listed.stdout.splitlines() if x.startswith(name + " "))
        assert "xharness-example-plugin:example" in line and source in line
    strategies = _cli(env, "list", "strategies")
    assert any(x.startswith("english-pair") for x in strategies.stdout.splitlines())
    assert _cli(env, "validate").returncode == 0


def test_the_embedded_task_runs_and_its_observer_is_called(
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


def test_the_local_tsv_task_and_the_strategy_run_with_no_flags(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Under the default (embedded) profile, with no --data-root: the `tense` TSVs come
    from the package's own default root, and the log says so."""
    runs = tmp_path / "runs"
    # `--intermediate sst2` keeps it small (its default is mnli,sst2): the planner honours it
    result = _cli(env, "eval", "--strategy", "baseline,english-pair", "--target", "tense",
                  "--intermediate", "sst2", "--runs-dir", str(runs), "--set", "max_steps=10",
                  cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "tense from local under" in result.stderr
    assert "the task's default root" in result.stderr
    records = [json.loads(p.read_text()) for p in (runs / "targets").glob("*/record.json")]
    assert sorted(r["strategy"] for r in records) == ["baseline", "english-pair"]
    for r in records:
        assert r["source"] == "local"
        assert r["n_examples"] == {"en": 200, "de": 200, "es": 200}
    [stage] = [json.loads(p.read_text()) for p in (runs / "intermediate").glob("*/record.json")]
    assert stage["stages"][0]["tasks"] == ["sst2"]
    # the plugin's plan is the built-in one with the same tasks: one shared encoder
    plan = _cli(env, "eval", "--strategy", "english-only", "--intermediate", "sst2",
                "--target", "tense", "--runs-dir", str(runs), "--set", "max_steps=10",
                "--dry-run")
    assert plan.returncode == 0, plan.stderr[-3000:]
    [row] = [x for x in plan.stdout.splitlines() if x.startswith("intermediate")]
    assert stage["key"] in row and " yes " in row


def test_installing_the_plugin_changes_no_built_in_plan(env: dict[str, str]) -> None:
    """Its targets' families (negation, tense) are no multilingual task's family, so the
    shared multilingual set, and every built-in plan, stay as they are."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(ROOT / "tests" / "test_strategies.py")],
        env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    probe = subprocess.run(
        [sys.executable, "-c", "from harness.catalog import build_catalog; "
         "c = build_catalog(); print(sorted(c.tasks)); print(c.problems)"],
        env=env, capture_output=True, text=True, timeout=600)
    assert "'tense'" in probe.stdout and probe.stdout.strip().endswith("[]")
