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
from harness.run_config import resolve, system_id

N = 200  # test examples per language
CATALOG = build_catalog()


def system_of(strategy: str, options: dict | None = None,
              overrides: dict | None = None) -> dict:
    config = resolve(CATALOG, CATALOG.profile("embedded"), strategies=[strategy],
                     options=options, overrides=overrides)
    return config.system(strategy)


def _run(runs: Path, strategy: str, seed: int, correct: dict[str, int],
         options: dict | None = None, overrides: dict | None = None, key: str = "",
         created: str = "2026-11-25T00:00:00+00:00") -> str:
    """One xnli run whose language `l` gets `correct[l]` of N examples right."""
    spec = CATALOG.task("xnli")
    key = key or f"{strategy}-{seed}-{len(options or {})}-{len(overrides or {})}"
    system = system_of(strategy, options, overrides)
    metrics = {lang: {"accuracy": 100.0 * c / N} for lang, c in correct.items()}
    record = TargetRecord(
        key=key, seed=seed, profile="embedded", model="embedded:xlmr-tiny", source="embedded",
        system=system_id(system),
        config={"options": system["strategy"]["changed"], "system": system,
                "target_spec": spec.model_dump(mode="json")},
        timings={"total_s": 1.0}, versions={}, created=created,
        strategy=strategy, target="xnli", plan=[], intermediate=[], intermediate_dev={},
        zero_shot=True, primary_metric="accuracy", metrics=metrics,
        n_examples=dict.fromkeys(correct, N),
        average=sum(m["accuracy"] for m in metrics.values()) / len(metrics), dev={},
        train=None, data={}, predictions_dir=None)
    folder = runs / "targets" / key
    write_record(folder, record)
    save_example_stats(folder / EXAMPLE_STATS, {
        lang: np.array([[1.0]] * c + [[0.0]] * (N - c)) for lang, c in correct.items()})
    return key


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = tmp_path_factory.mktemp("runs")
    for seed, shift in ((0, 0), (1, 10), (2, 4)):
        _run(runs, "baseline", seed, {"en": 160, "de": 100 + shift})
        _run(runs, "english-only", seed, {"en": 170, "de": 110 + shift})
        _run(runs, "multilingual-only", seed, {"en": 150, "de": 130 + shift})
        _run(runs, "combined", seed, {"en": 180, "de": 180 + shift})
    _run(runs, "english-only", 0, {"en": 160, "de": 120}, {"intermediate": "mnli"})
    out = tmp_path_factory.mktemp("out")
    publish(runs, out)
    return out / "embedded"


def _table(text: str, first: str) -> list[list[str]]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first}"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break  # the table ends at its first non-table line
        if line.startswith("|--"):
            continue
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def test_main_table_has_seeds_means_deviations_and_deltas(board: Path) -> None:
    rows = _table((board / "README.md").read_text(), "system")
    header = rows[0]
    assert header[:3] == ["system", "seeds", "xnli"] and header[-1] == "XTREME"
    by = {r[0]: r for r in rows[1:]}
    # baseline xnli: seeds (80 + 50) / 2 = 65.0, (80 + 55) / 2 = 67.5, (80 + 52) / 2 = 66.0
    assert by["baseline"][1:3] == ["0,1,2", "66.2 ±1.3"]
    # combined: 90.0, 92.5, 91.0
    assert by["combined"][2] == "91.2 ±1.3 (+25.0)"
    # a single intermediate task is its own row, with its one seed and no deviation
    assert by["english-only [mnli]"][1:3] == ["0", "70.0 (+3.8)"]
    # rows in the registry's order (`rank`), not alphabetically
    assert [r[0] for r in rows[1:]] == ["baseline", "english-only", "english-only [mnli]",
                                        "multilingual-only", "combined"]
    # groups and XTREME need every task of the group: only one target was run
    assert by["combined"][-1] == "–"


def test_answer_table_compares_combined_with_both_alternatives(board: Path) -> None:
    rows = _table((board / "README.md").read_text(), "comparison")
    assert rows[0] == ["comparison", "target", "difference", "95% CI", "p", "p (Holm)",
                       "significant", "seeds needed"]
    assert [r[:2] for r in rows[1:]] == [["combined vs english-only", "xnli"],
                                         ["combined vs multilingual-only", "xnli"]]
    english = rows[1]
    # per seed, per language then averaged: combined 90.0, 92.5, 91.0; english-only
    # 70.0 (85 + 55) / 2, 72.5, 71.0: the paired differences are all 20 (no seed variance)
    assert english[2] == "+20.00" and english[6] == "yes" and english[7] == "2"
    low, high = (float(x) for x in english[3].strip("[]").split(","))
    assert 0 < low < 20.0 < high
    assert "paired two-component test" in (board / "README.md").read_text()


def test_heatmap_and_json_are_published_beside_the_markdown(board: Path) -> None:
    assert (board / "deltas.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![deltas](deltas.png)" in (board / "README.md").read_text()
    data = json.loads((board / "leaderboard.json").read_text())
    assert data["schema_version"] == 2
    first = data["comparisons"][0]
    assert {"difference", "low", "high", "p_value", "p_adjusted", "significant", "seeds",
            "seeds_needed"} <= set(first)
    assert first["seeds"] == {"combined": 3, "english-only": 3}
    assert first["p_adjusted"] >= first["p_value"]
    assert (board / "xnli.md").is_file()


# -- one row per system ---------------------------------------------------------------------

def _rows(runs: Path):
    from harness.aggregate import Layout, build_rows
    from harness.leaderboard import load_records

    return build_rows(load_records(runs), Layout.of(CATALOG))


def test_runs_differing_in_a_set_override_are_two_systems(tmp_path: Path) -> None:
    """The pooling bug: baseline seed 0 with the default recipe and with --set
    max_steps=50 were one row, "seeds 0" with a standard deviation. Now: two rows."""
    _run(tmp_path, "baseline", 0, {"en": 160, "de": 100})
    _run(tmp_path, "baseline", 0, {"en": 120, "de": 60}, overrides={"max_steps": 50})
    _run(tmp_path, "english-only", 0, {"en": 130, "de": 70}, overrides={"max_steps": 50})
    rows = _rows(tmp_path)
    assert [(r.label, r.seeds, r.target("xnli").n) for r in rows] == [
        ("baseline", [0], 1), ("baseline max_steps=50", [0], 1),
        ("english-only max_steps=50", [0], 1)]
    # the delta reference shares the setting: baseline max_steps=50, not the default one
    from harness.aggregate import Layout
    from harness.leaderboard import _baseline

    assert _baseline(rows, rows[2], Layout.of(CATALOG)) is rows[1]


def test_an_option_the_old_label_list_missed_is_its_own_system(tmp_path: Path) -> None:
    """translate-train's `scope` was not in the core's LABEL_OPTIONS, so scope=target runs
    were pooled with scope=all runs; labels now come from the declared options."""
    _run(tmp_path, "translate-train", 0, {"en": 160, "de": 100})
    _run(tmp_path, "translate-train", 1, {"en": 150, "de": 110}, {"scope": "target"})
    assert [(r.label, r.seeds) for r in _rows(tmp_path)] == [
        ("translate-train", [0]), ("translate-train scope=target", [1])]


def test_labels_show_what_differs_from_the_defaults() -> None:
    from harness.run_config import label

    assert label(system_of("english-only", {"intermediate": "sst2",
                                            "sampler": "uniform"})) == (
        "english-only [sst2] sampler=uniform")
    assert label(system_of("english-only", {"sampler": "proportional"})) == "english-only"
    assert label(system_of("baseline", overrides={"max_steps": 50})) == "baseline max_steps=50"


def test_same_system_and_seed_twice_keeps_the_newer_and_names_both(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _run(tmp_path, "baseline", 0, {"en": 160, "de": 100}, key="old",
         created="2026-11-25T00:00:00+00:00")
    _run(tmp_path, "baseline", 0, {"en": 100, "de": 100}, key="new",
         created="2026-11-26T00:00:00+00:00")
    with caplog.at_level("WARNING", logger="xharness"):
        [row] = _rows(tmp_path)
    assert [r.key for r in row.runs["xnli"]] == ["new"]
    assert row.target("xnli").mean == pytest.approx(50.0)
    [said] = [r.message for r in caplog.records if "same system" in r.message]
    assert "targets/new/record.json" in said and "targets/old/record.json" in said


def test_schema_1_records_are_left_out_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from harness.leaderboard import load_records
    from harness.records import RECORD_FILE

    key = _run(tmp_path, "baseline", 0, {"en": 160, "de": 100})
    path = tmp_path / "targets" / key / RECORD_FILE
    data = json.loads(path.read_text())
    data["schema_version"] = 1
    del data["system"], data["config"]["system"]
    path.write_text(json.dumps(data))
    with caplog.at_level("WARNING", logger="xharness"):
        assert load_records(tmp_path) == []
    assert any("schema 1" in r.message and "rerun" in r.message for r in caplog.records)


def test_order_reference_and_pairs_are_registry_data(tmp_path: Path) -> None:
    """A layout that ranks english-only first and pairs it with baseline: no strategy name
    in the core decides either."""
    from harness.aggregate import Layout, build_rows
    from harness.leaderboard import comparisons, load_records

    for seed, shift in ((0, 0), (1, 6), (2, 3)):
        _run(tmp_path, "baseline", seed, {"en": 160, "de": 100 + shift})
        _run(tmp_path, "english-only", seed, {"en": 170, "de": 110 + shift})
    layout = Layout(rank={"english-only": 0, "baseline": 1},
                    references=frozenset({"baseline"}), pairs=(("english-only", "baseline"),))
    rows = build_rows(load_records(tmp_path), layout)
    assert [r.label for r in rows] == ["english-only", "baseline"]
    [found] = comparisons(rows, ["xnli"], tmp_path, layout)
    assert (found["system"], found["against"], found["seeds"]) == (
        "english-only", "baseline", {"english-only": 3, "baseline": 3})
    assert found["difference"] == pytest.approx(5.0) and found["paired"]


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
