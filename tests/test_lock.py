"""xharness.lock and `xharness fetch`, offline.

The hub's only role is to say which commit a revision names (`resolve_commit`) and to
serve files; here the first is a stand-in and the files are local replicas of the repos
(`XHARNESS_HUB_MIRROR`), so everything else (the grid's needs, loading through the eval
code, the lock, revisions in records and fingerprints, the offline cache check) is real.
"""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
from click.testing import CliRunner
from test_hub_replicas import CATALOG, write_replica

from harness import lock as lockmod
from harness.cli import main
from harness.data.sources import fingerprint, hub_config
from harness.errors import XHarnessError
from harness.specs import HubSource

SHA_A = "a" * 40
SHA_B = "b" * 40
FLAGS = ["--profile", "paper", "--strategy", "baseline", "--target", "pawsx",
         "--languages", "de", "--model", "embedded:xlmr-tiny"]


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with replicas of what `baseline -> pawsx (de)` reads."""
    mirror = tmp_path / "mirror"
    monkeypatch.setenv("XHARNESS_HUB_MIRROR", str(mirror))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / ".cache")
    monkeypatch.delenv("XHARNESS_LOCK", raising=False)
    monkeypatch.chdir(tmp_path)
    spec = CATALOG.task("pawsx").sources.get("hub")
    assert isinstance(spec, HubSource)
    for lang, splits in (("en", ["train", "dev", "test"]), ("de", ["dev", "test"])):
        for split in splits:
            write_replica(mirror, spec, hub_config(spec, lang), split, lang, rows=8)
    return tmp_path


def _fake_resolve(kind: str, repo: str, revision: str | None) -> str:
    return SHA_A


def test_fetch_writes_a_lock_of_what_the_grid_reads(
        study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr("harness.fetch.resolve_commit", _fake_resolve)
    result = CliRunner().invoke(main, ["fetch", *FLAGS])
    assert result.exit_code == 0, result.output
    lock = lockmod.read_lock(study / "xharness.lock")
    # the tiny local model is no hub repo; google/xtreme is, resolved once
    assert list(lock.repos) == ["dataset:google/xtreme@main"]
    entry = lock.repos["dataset:google/xtreme@main"]
    assert entry.commit == SHA_A and entry.size_bytes and lock.profile == "paper"
    assert "pawsx test de: 8 rows" in result.output  # loaded through the eval code


def test_fetch_takes_eval_selection_flags() -> None:
    from harness.cli import eval_, fetch

    eval_flags = {p.name for p in eval_.params}
    fetch_flags = {p.name for p in fetch.params}
    assert {"strategy", "target", "profile", "languages", "seeds", "intermediate",
            "multilingual", "model", "sets"} <= fetch_flags
    assert fetch_flags - {"lock_file"} <= eval_flags


def test_fetch_refuses_offline_and_a_hub_failure_writes_no_lock(
        study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(main, ["fetch", *FLAGS])  # conftest sets HF_HUB_OFFLINE
    assert result.exit_code == 2 and "HF_HUB_OFFLINE" in result.output
    monkeypatch.delenv("HF_HUB_OFFLINE")

    def unreachable(kind: str, repo: str, revision: str | None) -> str:
        raise ConnectionError("no route to huggingface.co")

    monkeypatch.setattr("harness.fetch.resolve_commit", unreachable)
    result = CliRunner().invoke(main, ["fetch", *FLAGS])
    assert result.exit_code == 2 and "google/xtreme" in result.output
    assert "Traceback" not in result.output and not (study / "xharness.lock").exists()


def _lock(path: Path, commit: str = SHA_A) -> None:
    entry = lockmod.LockedRepo(kind="dataset", repo="google/xtreme", requested=None,
                               commit=commit)
    lockmod.write_lock(path, lockmod.new_lock("paper", [entry]))


@pytest.mark.e2e
def test_eval_with_a_lock_records_its_commits(study: Path) -> None:
    _lock(study / "xharness.lock")
    task = CATALOG.task("pawsx")
    assert fingerprint(task, "test", "de", "hub")["commit"] == SHA_A
    result = CliRunner().invoke(main, ["eval", *FLAGS, "--runs-dir", "runs",
                                       "--set", "max_steps=2", "--set", "eval_every=1"])
    assert result.exit_code == 0, result.output
    record = json.loads(next((study / "runs" / "targets").glob("*/record.json")).read_text())
    assert record["hub_revisions"] == {"dataset:google/xtreme@main": SHA_A}


def test_a_lock_without_the_repo_is_an_error(study: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    entry = lockmod.LockedRepo(kind="dataset", repo="facebook/xnli", requested=None,
                               commit=SHA_A)
    lockmod.write_lock(study / "other.lock", lockmod.new_lock("paper", [entry]))
    monkeypatch.setenv("XHARNESS_LOCK", str(study / "other.lock"))
    with pytest.raises(XHarnessError, match="no entry for dataset 'google/xtreme'"):
        lockmod.revision_for("dataset", "google/xtreme", None)


def test_offline_a_lock_that_disagrees_with_the_cache_is_an_error(
        study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(study / "hub"))
    _lock(study / "xharness.lock", SHA_A)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(XHarnessError, match="not in the Hugging Face cache"):
        lockmod.revision_for("dataset", "google/xtreme", None)
    (study / "hub" / "datasets--google--xtreme" / "snapshots" / SHA_B).mkdir(parents=True)
    with pytest.raises(XHarnessError, match="cache holds only bbbbbbbbbbbb"):
        lockmod.revision_for("dataset", "google/xtreme", None)
    (study / "hub" / "datasets--google--xtreme" / "snapshots" / SHA_A).mkdir()
    assert lockmod.revision_for("dataset", "google/xtreme", None) == SHA_A


def test_a_malformed_lock_is_one_paragraph_naming_the_file(study: Path) -> None:
    (study / "xharness.lock").write_text('{"version": 1, "repos": 3}')
    result = CliRunner().invoke(main, ["eval", *FLAGS, "--dry-run"])
    assert result.exit_code == 2 and "xharness.lock" in result.output
    assert "xharness fetch" in result.output and "Traceback" not in result.output


def test_without_a_lock_offline_the_commit_is_unknown_not_guessed(study: Path) -> None:
    assert lockmod.recorded_commit("dataset", "google/xtreme", None) is None
    assert lockmod.recorded_commit("dataset", "x/y", SHA_B) == SHA_B  # a pinned sha
