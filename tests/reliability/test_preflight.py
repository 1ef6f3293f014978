"""Check before spending: a grid loads and checks every split it will read before the
first training step, so a missing or malformed test file fails in seconds with the usual
error (file, what, fix; exit 2) and nothing is trained or written; `--dry-run` does the
same checks on the data at hand and names what it could not check."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from harness.cli import main

ROOT = Path(__file__).resolve().parents[2]
# checkpoint after every update: any training step leaves a folder behind
FAST = ["--set", "max_steps=4", "--set", "checkpoint_every=1", "--threads", "1",
        "--profile", "embedded"]


def _registry(tmp_path: Path) -> Path:
    """The real registry plus a target read from local TSV files under --data-root."""
    data = yaml.safe_load((ROOT / "registry.yaml").read_text(encoding="utf-8"))
    data["tasks"]["toysent"] = {
        "role": "target", "family": "toysent", "format": "classification",
        "languages": ["en", "de", "es"], "labels": ["negative", "positive"],
        "metric": "accuracy",
        "sources": {"local": {"path": "{root}/toysent/{split}-{lang}.tsv",
                              "file_format": "tsv", "fields": ["text", "label"]}}}
    data["profiles"]["embedded"]["source"] = "local"
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _tsv(path: Path, n: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"the film {i} was {'good' if i % 2 else 'bad'}\t"
            f"{'positive' if i % 2 else 'negative'}\n" for i in range(n)]
    path.write_text("".join(rows), encoding="utf-8")


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "data"
    for name in ("train-en", "dev-en", "test-en", "test-de", "test-es"):
        _tsv(root / "toysent" / f"{name}.tsv", 40)
    return _registry(tmp_path), root


def _eval(registry: Path, root: Path, runs: Path, *args: str):
    return CliRunner().invoke(main, ["--registry", str(registry), "eval", "--runs-dir",
                                     str(runs), "--data-root", str(root), "-s", "baseline",
                                     "-t", "toysent", *FAST, *args])


def _nothing_trained(runs: Path) -> None:
    made = [p.relative_to(runs) for p in runs.rglob("*")] if runs.exists() else []
    assert not [p for p in made if p.parts[0] in
                ("checkpoints", "targets", "intermediate", "finetuned")], made


@pytest.mark.e2e
def test_the_grid_runs_with_the_data_checked_first(world, tmp_path: Path, caplog) -> None:
    registry, root = world
    caplog.set_level(logging.INFO, logger="xharness")
    result = _eval(registry, root, tmp_path / "runs")
    assert result.exit_code == 0, result.output
    # train, dev, test-en/de/es checked; dev-de and dev-es are absent (optional)
    assert "preflight: 5 split(s) of 1 task(s) loaded and checked" in caplog.text
    assert "no dev split (optional): toysent" in caplog.text
    [record] = (tmp_path / "runs" / "targets").glob("*/record.json")
    assert json.loads(record.read_text())["n_examples"] == {"en": 40, "de": 40, "es": 40}


def test_a_missing_test_file_fails_before_any_training(world, tmp_path: Path) -> None:
    registry, root = world
    missing = root / "toysent" / "test-es.tsv"
    missing.unlink()
    runs = tmp_path / "runs"
    result = _eval(registry, root, runs)
    assert result.exit_code == 2, result.output
    assert f"{missing}: local data file for task 'toysent' (test, es) not found" \
        in result.output and "Fix:" in result.output
    assert "Traceback" not in result.output
    _nothing_trained(runs)
    # the dry run checks the same files and fails the same way
    dry = _eval(registry, root, runs, "--dry-run")
    assert dry.exit_code == 2 and str(missing) in dry.output
    _nothing_trained(runs)


def test_a_malformed_test_line_fails_before_any_training(world, tmp_path: Path) -> None:
    registry, root = world
    bad = root / "toysent" / "test-de.tsv"
    lines = bad.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[11] = "the film was\tgood\tpositive\n"
    bad.write_text("".join(lines), encoding="utf-8")
    runs = tmp_path / "runs"
    result = _eval(registry, root, runs)
    assert result.exit_code == 2, result.output
    assert f"{bad}:12: line has 3 tab-separated fields, expected 2" in result.output
    _nothing_trained(runs)


def test_a_malformed_dev_file_is_an_error_an_absent_one_is_not(world, tmp_path) -> None:
    registry, root = world
    # no dev-de/dev-es: optional, the grid runs (the first test); a broken dev-de is not
    (root / "toysent" / "dev-de.tsv").write_text("just one field\n", encoding="utf-8")
    runs = tmp_path / "runs"
    result = _eval(registry, root, runs)
    assert result.exit_code == 2, result.output
    assert "dev-de.tsv:1: line has 1 tab-separated fields" in result.output
    _nothing_trained(runs)


def test_a_bad_test_label_under_strict_fails_before_any_training(world, tmp_path) -> None:
    registry, root = world
    path = root / "toysent" / "test-de.tsv"
    path.write_text(path.read_text(encoding="utf-8").replace("\tpositive", "\tpostive", 1),
                    encoding="utf-8")
    runs = tmp_path / "runs"
    result = _eval(registry, root, runs, "--strict")
    assert result.exit_code == 2, result.output
    assert "toysent (local, test, de)" in result.output and "postive" in result.output
    _nothing_trained(runs)


def test_dry_run_names_what_it_could_not_check(tmp_path: Path) -> None:
    """The paper profile's hub data is not at hand offline, nor local data without a
    data root: the dry run says so instead of failing or downloading."""
    result = CliRunner().invoke(main, ["eval", "-s", "baseline", "-t", "xnli,bucc2018",
                                       "--profile", "paper", "--dry-run", "--runs-dir",
                                       str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    assert "not checked (hub data, loaded when the run starts)" in result.output
    assert "not checked (local data, no --data-root given)" in result.output
    assert "bucc2018" in result.output
