"""The three phases end to end on the embedded profile, with the shipped model.

Thresholds are set so that wiring bugs (labels shuffled against heads, a head reading the
wrong token, predictions written in the wrong order) fail them, while seed noise does not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.records import TargetRecord

pytestmark = pytest.mark.e2e
FAST = ["--set", "max_steps=120", "--set", "eval_every=1000"]


def _eval(runs: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["eval", "--runs-dir", str(runs), *args, *FAST])
    assert result.exit_code == 0, result.output + str(result.exception)
    return result.output


def _records(runs: Path) -> list[TargetRecord]:
    return [TargetRecord.model_validate_json(p.read_text())
            for p in sorted((runs / "targets").glob("*/record.json"))]


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """english-only and combined on xnli and pawsx, one seed: 3 intermediate stages
    (english shared by both strategies), 4 target runs."""
    runs = tmp_path_factory.mktemp("runs")
    _eval(runs, "--strategy", "english-only,combined", "--target", "xnli,pawsx",
          "--intermediate", "mnli")
    return runs


def test_records_hold_config_metrics_timings_versions(grid: Path) -> None:
    records = _records(grid)
    assert {(r.strategy, r.target) for r in records} == {
        ("english-only", "xnli"), ("english-only", "pawsx"),
        ("combined", "xnli"), ("combined", "pawsx")}
    xnli = next(r for r in records if r.target == "xnli" and r.strategy == "combined")
    assert set(xnli.metrics) == {"en", "de", "es", "ru", "el", "sw"}
    assert xnli.n_examples["de"] == xnli.n_examples["en"] > 0
    assert xnli.config["target_args"]["max_steps"] == 120
    assert xnli.versions["torch"] and xnli.versions["transformers"]
    assert xnli.timings["total_s"] > 0 and xnli.train["steps"] == 120
    assert len(xnli.intermediate) == 2 and xnli.zero_shot
    assert "mnli" in xnli.intermediate_dev and "multilingual_sentiment" in xnli.intermediate_dev
    assert xnli.average == pytest.approx(
        sum(m["accuracy"] for m in xnli.metrics.values()) / len(xnli.metrics))


def test_english_accuracy_shows_labels_and_heads_are_wired(grid: Path) -> None:
    for r in _records(grid):
        if r.target == "xnli":
            assert r.metrics["en"]["accuracy"] > 55, r.metrics  # chance is 33.3
        if r.target == "pawsx":
            assert r.metrics["en"]["accuracy"] > 55, r.metrics  # chance is 50


def test_intermediate_models_are_shared_across_targets_and_strategies(grid: Path) -> None:
    stages = sorted((grid / "intermediate").glob("*/record.json"))
    assert len(stages) == 2  # english (shared) + multilingual (combined); none per target
    by_target = {(r.strategy, r.target): r.intermediate for r in _records(grid)}
    assert by_target[("combined", "xnli")] == by_target[("combined", "pawsx")]
    assert by_target[("english-only", "xnli")][0] == by_target[("combined", "xnli")][0]


def test_predictions_are_written_in_the_xtreme_layout(grid: Path) -> None:
    from harness.xtreme import read_predictions

    rec = next(r for r in _records(grid) if r.target == "xnli")
    folder = grid / "targets" / rec.key / "predictions" / "xnli"
    labels = read_predictions("xnli", folder / "test-de.tsv")
    assert len(labels) == rec.n_examples["de"]
    assert set(labels) <= {"entailment", "neutral", "contradiction"}


def test_a_second_run_reuses_everything(grid: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import harness.pipeline

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("a finished unit was recomputed")

    monkeypatch.setattr(harness.pipeline, "train", no_training)
    before = {p: p.stat().st_mtime_ns for p in grid.rglob("record.json")}
    out = _eval(grid, "--strategy", "english-only,combined", "--target", "xnli,pawsx",
                "--intermediate", "mnli")
    assert "xnli" in out
    assert {p: p.stat().st_mtime_ns for p in grid.rglob("record.json")} == before


def test_leaderboard_renders_one_row_per_run(grid: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["leaderboard", "--runs-dir", str(grid), "--out",
                                       str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = (tmp_path / "embedded" / "xnli.md").read_text()
    header = next(line for line in table.splitlines() if line.startswith("| strategy"))
    assert [c.strip() for c in header.strip("|").split("|")] == [
        "strategy", "model", "seed", "en", "de", "el", "es", "ru", "sw", "avg"]
    rows = [line for line in table.splitlines() if line.startswith("| combined")
            or line.startswith("| english-only")]
    assert len(rows) == 2
    rec = next(r for r in _records(grid) if r.target == "xnli" and r.strategy == "combined")
    combined = next(line for line in rows if line.startswith("| combined"))
    assert f"{rec.metrics['de']['accuracy']:.1f}" in combined
    assert f"{rec.average:.1f}" in combined
    index = (tmp_path / "embedded" / "README.md").read_text()
    assert "embedded:xlmr-tiny" in index and "synthetic" in index


def test_record_json_is_valid_json_with_schema_version(grid: Path) -> None:
    for path in grid.rglob("record.json"):
        data = json.loads(path.read_text())
        assert data["schema_version"] == 2 and data["key"] == path.parent.name
        if data["kind"] == "target":  # the system identity rows group by
            from harness.run_config import system_id

            assert data["system"] == system_id(data["config"]["system"])


def test_targets_that_train_alike_share_one_fine_tune(tmp_path: Path) -> None:
    """XQuAD and MLQA both fine-tune on SQuAD: trained once, loaded by the other, each
    still evaluated (and scored) as itself."""
    runs = tmp_path / "runs"
    result = CliRunner().invoke(main, [
        "eval", "--runs-dir", str(runs), "--strategy", "baseline", "--target", "xquad,mlqa",
        "--languages", "en,de", "--set", "max_steps=30", "--set", "eval_every=1000"])
    assert result.exit_code == 0, result.output + str(result.exception)
    records = {r.target: r for r in _records(runs)}
    assert set(records) == {"xquad", "mlqa"}
    assert len(list((runs / "finetuned").iterdir())) == 1
    # one training, not two alike: the summary holds the training's own wall time
    assert records["xquad"].train == records["mlqa"].train
    assert records["mlqa"].metrics["en"]["f1"] > 0
    assert records["xquad"].metrics != records["mlqa"].metrics  # different test sets
