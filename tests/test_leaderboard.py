"""The leaderboard's layout, from hand-made run records whose numbers are known: main
table (seeds, means, standard deviations, deltas against baseline), the answer table,
the heatmap and the JSON beside the markdown."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from harness.catalog import build_catalog
from harness.leaderboard import publish
from harness.records import EXAMPLE_STATS, TargetRecord, save_example_stats, write_record

N = 200  # test examples per language


def _run(runs: Path, strategy: str, seed: int, correct: dict[str, int],
         options: dict | None = None) -> None:
    """One xnli run whose language `l` gets `correct[l]` of N examples right."""
    spec = build_catalog().task("xnli")
    key = f"{strategy}-{seed}-{len(options or {})}"
    metrics = {lang: {"accuracy": 100.0 * c / N} for lang, c in correct.items()}
    record = TargetRecord(
        key=key, seed=seed, profile="embedded", model="embedded:xlmr-tiny", source="embedded",
        config={"options": options or {}, "target_spec": spec.model_dump(mode="json")},
        timings={"total_s": 1.0}, versions={}, created="2026-11-25T00:00:00+00:00",
        strategy=strategy, target="xnli", plan=[], intermediate=[], intermediate_dev={},
        zero_shot=True, primary_metric="accuracy", metrics=metrics,
        n_examples=dict.fromkeys(correct, N),
        average=sum(m["accuracy"] for m in metrics.values()) / len(metrics), dev={},
        train=None, data={}, predictions_dir=None)
    folder = runs / "targets" / key
    write_record(folder, record)
    save_example_stats(folder / EXAMPLE_STATS, {
        lang: np.array([[1.0]] * c + [[0.0]] * (N - c)) for lang, c in correct.items()})


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = tmp_path_factory.mktemp("runs")
    for seed, shift in ((0, 0), (1, 10)):
        _run(runs, "baseline", seed, {"en": 160, "de": 100 + shift})
        _run(runs, "english-only", seed, {"en": 170, "de": 110 + shift})
        _run(runs, "multilingual-only", seed, {"en": 150, "de": 130 + shift})
        _run(runs, "combined", seed, {"en": 180, "de": 180 + shift})
    _run(runs, "english-only", 0, {"en": 160, "de": 120}, {"intermediate": "mnli"})
    out = tmp_path_factory.mktemp("out")
    publish(runs, out)
    return out / "embedded"


def _table(text: str, first: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("|")]
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first}"))
    rows = []
    for line in lines[start:]:
        if line.startswith("|--"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if rows and len(cells) != len(rows[0]):
            break
        rows.append(cells)
    return rows


def test_main_table_has_seeds_means_deviations_and_deltas(board: Path) -> None:
    rows = _table((board / "README.md").read_text(), "system")
    header = rows[0]
    assert header[:3] == ["system", "seeds", "xnli"] and header[-1] == "XTREME"
    by = {r[0]: r for r in rows[1:]}
    # baseline xnli: seed 0 (80 + 50) / 2 = 65.0, seed 1 (80 + 55) / 2 = 67.5
    assert by["baseline"][1:3] == ["0,1", "66.2 ±1.8"]
    # combined: seed 0 (90 + 90) / 2 = 90.0, seed 1 (90 + 95) / 2 = 92.5
    assert by["combined"][2] == "91.2 ±1.8 (+25.0)"
    # a single intermediate task is its own row, with its one seed and no deviation
    assert by["english-only [mnli]"][1:3] == ["0", "70.0 (+3.8)"]
    # groups and XTREME need every task of the group: only one target was run
    assert by["combined"][-1] == "–"


def test_answer_table_compares_combined_with_both_alternatives(board: Path) -> None:
    rows = _table((board / "README.md").read_text(), "comparison")
    assert [r[:2] for r in rows[1:]] == [["combined vs english-only", "xnli"],
                                         ["combined vs multilingual-only", "xnli"]]
    english = rows[1]
    # pooled over seeds, per language then averaged: combined (90.0 + 92.5) / 2 = 91.25,
    # english-only (85.0 + 57.5) / 2 = 71.25
    assert english[2] == "+20.00" and english[4] == "yes"
    low, high = (float(x) for x in english[3].strip("[]").split(","))
    assert low < 20.0 < high


def test_heatmap_and_json_are_published_beside_the_markdown(board: Path) -> None:
    assert (board / "deltas.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![deltas](deltas.png)" in (board / "README.md").read_text()
    data = json.loads((board / "leaderboard.json").read_text())
    assert data["schema_version"] == 1
    assert (board / "xnli.md").is_file()


def test_republishing_removes_the_pages_it_no_longer_produces(tmp_path: Path) -> None:
    """A folder never mixes two publications: the previous one's per-target pages that
    this one does not write are removed (only those: files xharness did not write stay)."""
    runs, out = tmp_path / "runs", tmp_path / "out"
    _run(runs, "baseline", 0, {"en": 160, "de": 100})
    folder = out / "embedded"
    folder.mkdir(parents=True)
    (folder / "notes.md").write_text("mine\n", encoding="utf-8")
    (folder / "pawsx.md").write_text("old page\n", encoding="utf-8")
    (folder / "README.md").write_text(  # a board published before manifests existed
        "# Leaderboard: profile `embedded`\n\n## Per target\n\n- [pawsx](pawsx.md)\n",
        encoding="utf-8")
    first = publish(runs, out)
    assert folder / "xnli.md" in first.written and first.removed == [folder / "pawsx.md"]
    assert (folder / "notes.md").is_file() and not (folder / "pawsx.md").exists()
    manifest = json.loads((folder / ".published.json").read_text())
    assert "xnli.md" in manifest["files"] and "notes.md" not in manifest["files"]
    # the next publication has no xnli runs: its page goes, the user's file stays
    for record in (runs / "targets").iterdir():
        data = json.loads((record / "record.json").read_text())
        data["target"] = "pawsx"
        (record / "record.json").write_text(json.dumps(data))
    second = publish(runs, out)
    assert folder / "xnli.md" in second.removed and not (folder / "xnli.md").exists()
    assert (folder / "pawsx.md").is_file() and (folder / "notes.md").is_file()
