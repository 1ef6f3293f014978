"""Faults that must not lose or corrupt results: a failing observer plugin, a full disk,
half-written units, damaged records, changed inputs."""

from __future__ import annotations

import errno
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--set", "max_steps=30", "--threads", "1"]
pytestmark = pytest.mark.e2e


def _eval(runs: Path, *args: str, registry: Path | None = None):
    pre = ["--registry", str(registry)] if registry else []
    return CliRunner().invoke(main, [*pre, "eval", "--runs-dir", str(runs), *args, *FAST])


def _records(runs: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text())
            for p in (runs / "targets").glob("*/record.json")}


def _registry_with_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    (tmp_path / "observer_plugin.py").write_text(textwrap.dedent(body), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    text = (ROOT / "registry.yaml").read_text(encoding="utf-8")
    text = text.replace("plugins:\n", "plugins:\n  - observer_plugin\n", 1)
    path = tmp_path / "registry.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_failing_observer_fails_the_run_by_name_and_keeps_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = _registry_with_plugin(tmp_path, monkeypatch, """
        from harness.hookspecs import hookimpl
        SEEN = []
        @hookimpl
        def xharness_unit_finished(unit, record):
            SEEN.append(unit.label)
            if len(SEEN) == 2:
                raise RuntimeError("observer bug")
    """)
    runs = tmp_path / "runs"
    result = _eval(runs, "-s", "baseline", "-t", "xnli,pawsx", registry=registry)
    assert result.exit_code == 2
    assert "observer plugin 'observer_plugin' failed" in result.output
    assert "observer bug" in result.output
    # both records are on disk: the observer is called after the record is written
    assert len(_records(runs)) == 2


def test_a_full_disk_fails_clearly_and_keeps_earlier_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = tmp_path / "runs"
    assert _eval(runs, "-s", "baseline", "-t", "pawsx").exit_code == 0
    before = _records(runs)

    import harness.records

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "record.json")

    monkeypatch.setattr(harness.records, "write_json_atomic", full)
    result = _eval(runs, "-s", "baseline", "-t", "xnli")
    assert result.exit_code == 3
    assert "disk full" in result.output and "earlier results are intact" in result.output
    assert _records(runs) == before
    # the unfinished unit left no record: it is not mistaken for a result
    monkeypatch.undo()
    assert _eval(runs, "-s", "baseline", "-t", "xnli").exit_code == 0
    assert len(_records(runs)) == 2


def test_a_half_written_unit_is_recomputed_not_read(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert _eval(runs, "-s", "baseline", "-t", "pawsx").exit_code == 0
    [(key, record)] = _records(runs).items()
    (runs / "targets" / key / "record.json").unlink()  # as if killed before the record
    assert _eval(runs, "-s", "baseline", "-t", "pawsx").exit_code == 0
    assert _records(runs)[key]["metrics"] == record["metrics"]


def test_a_damaged_record_is_an_error_not_overwritten(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert _eval(runs, "-s", "baseline", "-t", "pawsx").exit_code == 0
    [path] = (runs / "targets").glob("*/record.json")
    path.write_text('{"half": ', encoding="utf-8")
    result = _eval(runs, "-s", "baseline", "-t", "pawsx")
    assert result.exit_code == 2 and "run record is unreadable" in result.output
    assert path.read_text(encoding="utf-8") == '{"half": '


def test_changed_inputs_are_not_served_from_cache(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert _eval(runs, "-s", "baseline", "-t", "pawsx").exit_code == 0
    assert _eval(runs, "-s", "baseline", "-t", "pawsx", "--set", "learning_rate=0.0002"
                 ).exit_code == 0
    assert len(_records(runs)) == 2  # a changed hyperparameter is a new unit
