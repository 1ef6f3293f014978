"""Which source serves a task (a profile's `source` is a preference), local files read as
documented (header, encoding), and cache keys that follow the files' contents."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from harness.catalog import build_catalog
from harness.cli import _servable, main
from harness.config import Profile
from harness.data.choice import NoSource, choose
from harness.data.sources import fingerprint
from harness.errors import XHarnessError
from harness.session import Session
from harness.specs import TaskSpec

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--set", "max_steps=5", "--threads", "1"]
LOCAL = {"path": "{root}/mood/{split}-{lang}.tsv", "file_format": "tsv",
         "fields": ["text", "label"]}
EMBEDDED = {"builder": "xworld.builders.sentiment:embedded", "languages": ["en", "de"]}


def _task(**sources: dict) -> TaskSpec:
    return TaskSpec.model_validate({
        "name": "mood", "role": "target", "family": "mood", "format": "classification",
        "languages": ["en", "de"], "labels": ["negative", "positive"], "metric": "accuracy",
        "sources": sources})


def _profile(source: str = "embedded", **kw: object) -> Profile:
    return Profile.model_validate({"name": "p", "description": "", "model": "m",
                                   "source": source, **kw})


def test_the_profile_source_is_preferred_when_the_task_has_it() -> None:
    task = _task(local=LOCAL, embedded=EMBEDDED)
    assert choose(task, _profile(data_root="/d")).kind == "embedded"
    assert choose(task, _profile("local", data_root="/d")).kind == "local"


def test_local_serves_a_task_without_the_profile_source_when_a_root_is_known() -> None:
    task = _task(local=LOCAL, hub={"dataset": "x/y", "schema_from": "card"})
    served = choose(task, _profile(data_root="/d"))
    assert (served.kind, served.root) == ("local", "/d")
    assert "--data-root" in served.describe()
    own = _task(local={**LOCAL, "default_root": "/shipped"})
    served = choose(own, _profile())
    assert (served.kind, served.root) == ("local", "/shipped")
    assert "default root" in served.describe()
    # --data-root (the profile's data_root) wins over the task's own default root
    assert choose(own, _profile(data_root="/d")).root == "/d"


def test_the_only_source_serves_and_task_sources_is_an_explicit_choice() -> None:
    hub_only = _task(hub={"dataset": "x/y", "schema_from": "card"})
    assert choose(hub_only, _profile()).kind == "hub"
    both = _task(local=LOCAL, embedded=EMBEDDED)
    assert choose(both, _profile(task_sources={"mood": "local"}, data_root="/d")).kind == "local"
    with pytest.raises(NoSource, match="routes task 'mood' to its 'hub' source"):
        choose(both, _profile(task_sources={"mood": "hub"}))


def test_no_source_errors_say_what_the_task_has_and_how_to_serve_it() -> None:
    with pytest.raises(NoSource) as err:
        choose(_task(local=LOCAL), _profile())
    assert "no data root is set" in str(err.value) and "--data-root" in str(err.value)
    with pytest.raises(NoSource) as err:
        choose(_task(local=LOCAL, hub={"dataset": "x/y", "schema_from": "card"}), _profile())
    assert "it has hub, local" in str(err.value) and "--data-root" in str(err.value)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_local_fingerprints_follow_content_not_mtime_or_root(tmp_path: Path) -> None:
    task = _task(local=LOCAL)
    f = _write(tmp_path / "a" / "mood" / "test-de.tsv", "gut\tpositive\n")
    before = fingerprint(task, "test", "de", "local", str(tmp_path / "a"))
    os.utime(f, (1, 1))  # a touch: same content, same key
    assert fingerprint(task, "test", "de", "local", str(tmp_path / "a")) == before
    _write(tmp_path / "b" / "mood" / "test-de.tsv", "gut\tpositive\n")
    assert fingerprint(task, "test", "de", "local", str(tmp_path / "b")) == before  # moved
    f.write_text("gut\tnegative\n", encoding="utf-8")
    assert fingerprint(task, "test", "de", "local", str(tmp_path / "a")) != before


def test_an_embedded_builder_declares_the_files_it_reads(tmp_path: Path) -> None:
    data = _write(tmp_path / "rows-test-de.txt", "one\n")
    declared = _task(embedded={**EMBEDDED, "files": [str(tmp_path / "rows-{split}-{lang}.txt")]})
    plain = _task(embedded=EMBEDDED)
    before = fingerprint(declared, "test", "de", "embedded")
    data.write_text("two\n", encoding="utf-8")
    assert fingerprint(declared, "test", "de", "embedded") != before
    assert "files" not in fingerprint(plain, "test", "de", "embedded")  # keys unchanged
    globbed = _task(embedded={**EMBEDDED, "files": [str(tmp_path / "*.txt")]})
    assert list(fingerprint(globbed, "test", "de", "embedded")["files"]) == [str(data)]


# -- through the command line: a local-only target under the embedded profile -------------

def _registry(tmp_path: Path, local: dict) -> Path:
    data = yaml.safe_load((ROOT / "registry.yaml").read_text(encoding="utf-8"))
    data["tasks"]["mood"] = {
        "role": "target", "family": "mood", "format": "classification",
        "languages": ["en", "de"], "labels": ["negative", "positive"], "metric": "accuracy",
        "sources": {"local": local}}
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _mood_files(root: Path, header: str = "") -> None:
    words = {"en": ("good", "bad"), "de": ("gut", "schlecht")}
    for split, lang in (("train", "en"), ("dev", "en"), ("test", "en"), ("test", "de")):
        good, bad = words[lang]
        rows = [f"{good} {i}\tpositive" if i % 2 else f"{bad} {i}\tnegative"
                for i in range(40)]
        _write(root / "mood" / f"{split}-{lang}.tsv", header + "\n".join(rows) + "\n")


def _eval(registry: Path, runs: Path, *args: str):
    return CliRunner().invoke(main, ["--registry", str(registry), "eval", "--runs-dir",
                                     str(runs), "-s", "baseline", "-t", "mood", *args, *FAST])


@pytest.mark.e2e
def test_a_local_target_runs_under_the_embedded_profile_with_data_root(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _mood_files(tmp_path / "data")
    registry = _registry(tmp_path, LOCAL)
    with caplog.at_level(logging.INFO, logger="xharness"):
        result = _eval(registry, tmp_path / "runs", "--data-root", str(tmp_path / "data"))
    assert result.exit_code == 0, result.output
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("data:"))
    assert f"mood from local under {tmp_path / 'data'}" in line
    [record] = (tmp_path / "runs" / "targets").glob("*/record.json")
    assert '"source": "local"' in record.read_text()
    # without a root it is refused before anything trains, with the flag to pass
    result = _eval(registry, tmp_path / "runs2")
    assert result.exit_code == 2 and "--data-root" in result.output
    assert not (tmp_path / "runs2").exists()


@pytest.mark.e2e
def test_a_header_line_is_an_error_unless_declared(tmp_path: Path) -> None:
    _mood_files(tmp_path / "data", header="text\tlabel\n")
    args = ("--data-root", str(tmp_path / "data"))
    result = _eval(_registry(tmp_path, LOCAL), tmp_path / "runs", *args)
    assert result.exit_code == 2
    assert f"{tmp_path / 'data' / 'mood'}" in result.output and ".tsv:1" in result.output
    assert "header: true" in result.output
    result = _eval(_registry(tmp_path, {**LOCAL, "header": True}), tmp_path / "runs", *args)
    assert result.exit_code == 0, result.output
    wrong = {**LOCAL, "header": True, "fields": ["sentence", "label"]}
    result = _eval(_registry(tmp_path, wrong), tmp_path / "runs", *args)
    assert result.exit_code == 2 and "differs from the source's fields" in result.output


def test_a_file_that_is_not_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    _mood_files(tmp_path / "data")
    bad = tmp_path / "data" / "mood" / "train-en.tsv"
    bad.write_bytes(b"good\tpositive\nbad\tnegative\ncaf\xe9\tpositive\n")
    result = _eval(_registry(tmp_path, LOCAL), tmp_path / "runs",
                   "--data-root", str(tmp_path / "data"))
    assert result.exit_code == 2, result.output
    assert f"{bad}:3" in result.output and "UTF-8" in result.output


def test_target_all_skips_what_the_profile_cannot_serve_and_names_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    catalog = build_catalog(_registry(tmp_path, LOCAL))
    session = Session.create(catalog, "embedded", tmp_path / "runs", device="cpu")
    with caplog.at_level(logging.WARNING, logger="xharness"):
        kept = _servable(session, catalog.targets())
    assert "mood" not in kept and kept == [t for t in catalog.targets() if t != "mood"]
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith("skipping target mood:") and "--data-root" in warning
    with pytest.raises(XHarnessError, match="no data root"):
        session.source("mood")  # named explicitly, it is an error
    rooted = Session.create(catalog, "embedded", tmp_path / "runs", device="cpu",
                            data_root=str(tmp_path))
    assert "mood" in _servable(rooted, catalog.targets())
