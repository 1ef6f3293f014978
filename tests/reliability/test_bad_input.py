"""Bad input gets a clear error (file, field, what, how to fix), a non-zero exit, and
nothing half-written; bad rows are counted and reported, and `--strict` refuses them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from harness.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHARED_MOCK = ROOT.parent / "shared" / "conformance" / "xtreme-mock"
FAST = ["--set", "max_steps=10", "--threads", "1", "--profile", "embedded"]


def _registry(tmp_path: Path) -> Path:
    """The real registry plus three targets read from local files under --data-root."""
    data = yaml.safe_load((ROOT / "registry.yaml").read_text(encoding="utf-8"))
    local = {"path": "{root}/{split}-{lang}.jsonl", "file_format": "jsonl"}
    data["tasks"]["local_nli"] = {
        "role": "target", "family": "local", "format": "classification",
        "languages": ["en", "de"], "labels": ["entailment", "neutral", "contradiction"],
        "metric": "accuracy",
        "sources": {"local": {**local, "path": "{root}/nli/{split}-{lang}.jsonl",
                              "columns": {"text": "premise", "text_pair": "hypothesis",
                                          "label": "label"}}}}
    data["tasks"]["local_qa"] = {
        "role": "target", "family": "local_qa", "format": "span_qa",
        "languages": ["en"], "metric": "squad",
        "sources": {"local": {**local, "path": "{root}/qa/{split}-{lang}.jsonl"}}}
    data["tasks"]["local_pos"] = {
        "role": "target", "family": "local_pos", "format": "tagging",
        "languages": ["en"], "labels": ["NOUN", "VERB", "DET"], "metric": "seqeval",
        "sources": {"local": {"path": "{root}/pos/{split}-{lang}.tsv",
                              "file_format": "conll"}}}
    data["profiles"]["embedded"]["source"] = "local"
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _nli_rows(n: int, bad: int = 0) -> list[dict]:
    rows = [{"premise": f"the dog {i} sleeps", "hypothesis": "the dog sleeps",
             "label": "entailment" if i % 2 else "contradiction"} for i in range(n)]
    for r in rows[:bad]:
        r["label"] = "maybe"
    return rows


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "data"
    for split in ("train", "dev"):
        _jsonl(root / "nli" / f"{split}-en.jsonl", _nli_rows(64))
    for lang in ("en", "de"):
        _jsonl(root / "nli" / f"test-{lang}.jsonl", _nli_rows(20, bad=3))
    return _registry(tmp_path), root


def _eval(registry: Path, root: Path, runs: Path, *args: str):
    return CliRunner().invoke(main, ["--registry", str(registry), "eval", "--runs-dir",
                                     str(runs), "--data-root", str(root), *args, *FAST])


@pytest.mark.e2e
def test_bad_labels_are_counted_and_reported(world, tmp_path: Path) -> None:
    registry, root = world
    result = _eval(registry, root, tmp_path / "runs", "-s", "baseline", "-t", "local_nli")
    assert result.exit_code == 0, result.output
    [path] = (tmp_path / "runs" / "targets").glob("*/record.json")
    record = json.loads(path.read_text())
    assert record["data"]["test-de"]["dropped"] == {"label outside the label set": 3}
    assert record["n_examples"]["de"] == 17


def test_strict_turns_bad_rows_into_an_error_and_writes_nothing(world, tmp_path) -> None:
    registry, root = world
    result = _eval(registry, root, tmp_path / "runs", "-s", "baseline", "-t", "local_nli",
                   "--strict")
    assert result.exit_code == 2
    assert "label outside the label set" in result.output
    # every bad row, by file and 1-based line (the first three lines of each test file)
    test_en = root / "nli" / "test-en.jsonl"
    assert "3 bad row(s)" in result.output
    assert all(f"{test_en}:{n}: label 'maybe'" in result.output for n in (1, 2, 3))
    assert "local_nli (local, test, en)" in result.output and "--strict" in result.output
    assert not list((tmp_path / "runs").glob("targets/*/record.json"))


def test_missing_columns_name_the_mapping_to_fix(world, tmp_path: Path) -> None:
    registry, root = world
    _jsonl(root / "nli" / "train-en.jsonl", [{"premise": "a", "label": "neutral"}])
    result = _eval(registry, root, tmp_path / "runs", "-s", "baseline", "-t", "local_nli")
    assert result.exit_code == 2
    assert "maps columns ['hypothesis']" in result.output and "columns" in result.output


def test_wrong_types_and_empty_splits(world, tmp_path: Path) -> None:
    registry, root = world
    _jsonl(root / "nli" / "test-de.jsonl", [{"premise": "a", "hypothesis": "b",
                                             "label": ["entailment"]}])
    result = _eval(registry, root, tmp_path / "runs", "-s", "baseline", "-t", "local_nli")
    assert result.exit_code == 2
    assert "split is empty after loading" in result.output
    assert "label outside the label set" in result.output


def test_missing_data_file_names_the_path_and_the_layout(world, tmp_path: Path) -> None:
    registry, root = world
    (root / "nli" / "test-de.jsonl").unlink()
    result = _eval(registry, root, tmp_path / "runs", "-s", "baseline", "-t", "local_nli")
    assert result.exit_code == 2
    assert str(root / "nli" / "test-de.jsonl") in result.output
    assert "--data-root" in result.output


@pytest.mark.e2e
def test_qa_answers_that_do_not_match_the_context(world, tmp_path: Path) -> None:
    registry, root = world
    good = {"id": "q1", "title": "", "context": "Anna sees the dog .",
            "question": "who sees the dog ?",
            "answers": {"text": ["Anna"], "answer_start": [0]}}
    bad = {**good, "id": "q2", "answers": {"text": ["Anna"], "answer_start": [5]}}
    for split in ("train", "dev", "test"):
        _jsonl(root / "qa" / f"{split}-en.jsonl",
               [dict(good, id=f"g{i}") for i in range(8)] + [bad])
    result = _eval(registry, root, tmp_path / "runs", "-s", "baseline", "-t", "local_qa",
                   "--strict")
    assert result.exit_code == 2 and "answer does not match context" in result.output
    result = _eval(registry, root, tmp_path / "runs", "-s", "baseline", "-t", "local_qa")
    assert result.exit_code == 0, result.output
    [path] = (tmp_path / "runs" / "targets").glob("*/record.json")
    dropped = json.loads(path.read_text())["data"]["test-en"]["dropped"]
    assert dropped == {"answer does not match context": 1}


def test_tag_sequences_of_the_wrong_length(world, tmp_path: Path) -> None:
    registry, root = world
    good = "the\tDET\ndog\tNOUN\nsleeps\tVERB\n\n"
    for split in ("train", "dev", "test"):
        path = root / "pos" / f"{split}-en.tsv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(good * 6 + "a\tDET\ncat\tFOO\n\n", encoding="utf-8")
    result = _eval(registry, root, tmp_path / "runs", "-s", "baseline", "-t", "local_pos",
                   "--strict")
    assert result.exit_code == 2 and "tag outside the label set" in result.output


@pytest.mark.parametrize(("args", "expected"), [
    (["-s", "baseline", "-t", "xnil"], "did you mean 'xnli'"),
    (["-s", "english_only", "-t", "xnli"], "'english-only'"),
    (["-s", "baseline", "-t", "xnli", "--profile", "papr"], "'paper'"),
    (["-s", "baseline", "-t", "xnli", "--languages", "deu"], "target 'xnli' has none"),
])
def test_unknown_names_suggest_the_closest(args: list[str], expected: str,
                                           tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "--runs-dir", str(tmp_path), *args,
                                       "--set", "max_steps=1"])
    assert result.exit_code == 2
    assert expected in result.output


@pytest.mark.skipif(not SHARED_MOCK.is_dir(), reason="../shared/conformance is absent")
def test_score_refuses_missing_and_extra_files(tmp_path: Path) -> None:
    preds = tmp_path / "preds"
    shutil.copytree(SHARED_MOCK / "predictions", preds)
    (preds / "xnli" / "test-de.tsv").unlink()
    result = CliRunner().invoke(main, ["score", "--predictions", str(preds), "--labels",
                                       str(SHARED_MOCK / "labels")])
    assert result.exit_code == 2 and "test-de.tsv" in result.output
    shutil.copy(SHARED_MOCK / "predictions" / "xnli" / "test-de.tsv",
                preds / "xnli" / "test-de.tsv")
    (preds / "xnli" / "notes.txt").write_text("x")
    result = CliRunner().invoke(main, ["score", "--predictions", str(preds), "--labels",
                                       str(SHARED_MOCK / "labels")])
    assert result.exit_code == 2 and "unexpected file" in result.output
