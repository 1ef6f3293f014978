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
