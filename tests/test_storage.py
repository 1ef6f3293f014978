"""Runs on shared storage behind an fsspec URL (here `file://`, the same code path as
`s3://`): units are pushed whole, record last, and a second machine (another local
mirror) reuses them instead of training again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.storage import RemoteRuns


def test_push_then_pull_copies_a_finished_unit_and_skips_an_unfinished_one(
    tmp_path: Path,
) -> None:
    url = (tmp_path / "shared").as_uri()
    here = RemoteRuns(url, tmp_path / "mirror-a")
    unit = here.local / "targets" / "abc"
    (unit / "predictions" / "xnli").mkdir(parents=True)
    (unit / "predictions" / "xnli" / "test-de.tsv").write_text("entailment\n")
    (unit / "record.json").write_text('{"key": "abc"}')
    here.push(unit)
    half = tmp_path / "shared" / "targets" / "half"
    half.mkdir(parents=True)
    (half / "stats.npz").write_text("partial upload, no record yet")

    there = RemoteRuns(url, tmp_path / "mirror-b")
    assert there.pull(there.local / "targets" / "abc")
    assert (there.local / "targets" / "abc" / "predictions" / "xnli" / "test-de.tsv"
            ).read_text() == "entailment\n"
    assert not there.pull(there.local / "targets" / "half")
    assert not (there.local / "targets" / "half" / "record.json").exists()


@pytest.mark.e2e
def test_a_second_machine_reuses_the_units_on_shared_storage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = (tmp_path / "shared").as_uri()
    cmd = ["eval", "--runs-dir", url, "-s", "baseline", "-t", "xnli", "--languages", "en,de",
           "--set", "max_steps=20", "--set", "eval_every=1000"]
    monkeypatch.setenv("XHARNESS_CACHE", str(tmp_path / "machine-a"))
    first = CliRunner().invoke(main, cmd)
    assert first.exit_code == 0, first.output + str(first.exception)
    [record] = list((tmp_path / "shared" / "targets").glob("*/record.json"))
    assert (record.parent / "predictions" / "xnli" / "test-de.tsv").is_file()

    monkeypatch.setenv("XHARNESS_CACHE", str(tmp_path / "machine-b"))
    second = CliRunner().invoke(main, cmd)
    assert second.exit_code == 0, second.output + str(second.exception)
    [pulled] = list((tmp_path / "machine-b").glob("runs/*/targets/*/record.json"))
    assert json.loads(pulled.read_text())["created"] == json.loads(record.read_text())["created"]

    monkeypatch.setenv("XHARNESS_CACHE", str(tmp_path / "machine-c"))
    board = CliRunner().invoke(main, ["leaderboard", "--runs-dir", url,
                                      "--out", str(tmp_path / "boards")])
    assert board.exit_code == 0, board.output + str(board.exception)
    assert "baseline" in (tmp_path / "boards" / "embedded" / "README.md").read_text()


def test_ray_workers_rebuild_a_session_on_the_same_storage(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """What a Ray worker builds from the driver's run configuration (its JSON, as shipped):
    the URL survives, so the worker's units reach the shared storage rather than a local
    folder named like the URL, and the worker's keys are the driver's."""
    from harness.catalog import build_catalog
    from harness.executors import worker_session
    from harness.pipeline import plan_grid, stage_keys, target_key
    from harness.session import Session

    monkeypatch.setenv("XHARNESS_CACHE", str(tmp_path / "worker"))
    url = (tmp_path / "shared").as_uri()
    driver = Session.create(build_catalog(), "embedded", url, device="cpu",
                            strategies=["english-only"], overrides={"max_steps": 3})
    session = worker_session(driver.config.model_dump_json())
    assert session.config == driver.config
    assert session.remote is not None and session.remote.url == url
    assert session.runs_dir.is_relative_to(tmp_path / "worker")
    [job] = plan_grid(driver, ["xnli"], [0])
    keys = stage_keys(driver, job.stages, 0)
    assert keys == stage_keys(session, job.stages, 0)
    assert target_key(driver, job, keys) == target_key(session, job, keys)
