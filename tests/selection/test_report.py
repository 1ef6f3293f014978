"""Selection tables from synthetic records: single-task rows found from the plan (not the
label), English and non-English views apart, metrics and hours as computed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from harness.atomic import write_json_atomic
from harness.hashing import stable_hash
from harness.leaderboard import publish
from harness.records import TargetRecord, write_record
from harness.selection.report import selection_tables, single_task


def _record(strategy: str, tasks: list[str] | None, seed: int, en: float, de: float,
            target: str = "xnli", **stage: object) -> TargetRecord:
    plan = [] if tasks is None else [{"name": "english", "tasks": tasks, **stage}]
    metrics = {"en": {"accuracy": en}, "de": {"accuracy": de}}
    changed: dict[str, object] = {"intermediate": tasks} if tasks else {}
    system = {"strategy": {"name": strategy, "changed": {**changed, **stage}},
              "overrides": {}, "model": "m", "profile_model": "m", "languages": None}
    return TargetRecord(
        key=f"{strategy}-{tasks}-{seed}-{target}-{stage}", seed=seed, profile="embedded",
        model="m", source="embedded", config={"options": {}, "system": system},
        system=stable_hash(system), timings={}, versions={},
        created="2026-12-01T00:00:00+00:00", strategy=strategy, target=target, plan=plan,
        intermediate=[], intermediate_dev={}, zero_shot=True, primary_metric="accuracy",
        metrics=metrics, n_examples={"en": 1, "de": 1}, average=(en + de) / 2, dev={},
        train=None, data={}, predictions_dir=None)


# English scores rank a > b > c > d; German (zero-shot) ranks d > c > b > a
EN = {"a": 80.0, "b": 70.0, "c": 60.0, "d": 50.0}
DE = {"a": 40.0, "b": 50.0, "c": 60.0, "d": 70.0}


def _records() -> list[TargetRecord]:
    recs = [_record("baseline", None, s, 55.0, 45.0) for s in (0, 1)]
    for s, jitter in ((0, -1.0), (1, 1.0)):
        recs += [_record("english-only", [c], s, EN[c] + jitter, DE[c]) for c in EN]
    recs.append(_record("english-only", ["a", "b"], 0, 99.0, 99.0))  # not a single-task row
    recs.append(_record("english-only", ["a"], 0, 99.0, 99.0, mlm_ratio=0.5))  # MLM-mixed
    return recs


PRED = {"schema_version": 1, "method": "toy", "target": "xnli", "profile": "embedded",
        "seed": 0, "scores": {"a": 4.0, "b": 3.0, "d": 2.0, "c": 1.0},
        "cost": {"gpu_hours": 0.5, "per_candidate_grid_hours": {"a": 10.0, "b": 20.0,
                                                                "c": 30.0, "d": None}}}


def test_single_task_rows_come_from_the_plan() -> None:
    assert single_task(_record("english-only", ["mnli"], 0, 1, 1)) == "mnli"
    assert single_task(_record("english-only", ["mnli", "qqp"], 0, 1, 1)) is None
    assert single_task(_record("combined", ["mnli"], 0, 1, 1)) is None
    assert single_task(_record("english-only", ["mnli"], 0, 1, 1, mlm_ratio=0.2)) is None


def test_views_metrics_and_hours() -> None:
    markdown, data = selection_tables(_records(), [PRED], permutations=500)
    rows = {r["view"]: r for r in data["rows"]}
    assert set(rows) == {"all", "en", "non-en"}
    en, de = rows["en"], rows["non-en"]
    assert en["measured"] == pytest.approx(EN)  # jitter averages out over seeds
    assert en["delta"] == pytest.approx({c: v - 55.0 for c, v in EN.items()})
    assert en["seed_std_of_measured"] == pytest.approx(2 ** 0.5)
    # predicted order a, b, d, c: on English the best first; on German the worst first
    assert (en["regret@1"], en["regret@3"]) == (0.0, 0.0)
    assert en["spearman"] == pytest.approx(0.8)  # ranks a4 b3 c1 d2 vs a4 b3 c2 d1
    assert de["regret@1"] == pytest.approx(100 * (70 - 40) / 70)
    assert de["regret@3"] == pytest.approx(0.0)  # d is third
    assert de["spearman"] == pytest.approx(-0.8)
    assert en["candidates"] == 4 and en["seeds_measured"] == [2]
    # grid of the known rows (a, b, c) minus the top 3's known (a, b) minus the method
    assert en["hours_saved"] == pytest.approx(60.0 - 30.0 - 0.5)
    assert en["hours_unknown"] == ["d"]
    assert 0 <= en["random_regret@3"]["mean"] and en["random_regret@3"]["std"] > 0
    summary = {s["view"]: s for s in data["summary"]}
    assert summary["en"]["mean_regret@3"] == 0.0
    assert "| xnli" in markdown and "non-en" in markdown and "(without d)" in markdown


def test_nothing_to_compare_gives_no_table() -> None:
    markdown, data = selection_tables(_records(), [])
    assert markdown == "" and data["rows"] == []
    other = {**PRED, "target": "pawsx"}
    assert selection_tables(_records(), [other])[1]["rows"] == []


def test_leaderboard_publishes_the_selection_table(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for r in _records():
        write_record(runs / "targets" / r.key, r)
    write_json_atomic(runs / "selection" / "embedded" / "xnli.toy.seed0.json", PRED)
    (runs / "selection" / "embedded" / "broken.json").write_text("{")
    written = publish(runs, tmp_path / "out").written
    folder = tmp_path / "out" / "embedded"
    assert folder / "selection.md" in written
    data = json.loads((folder / "selection.json").read_text())
    assert {r["view"] for r in data["rows"]} == {"all", "en", "non-en"}


def test_beating_random_is_a_permutation_test_not_mean_minus_std() -> None:
    from harness.selection.report import _summary

    rows = [{"method": "m", "view": "all", "regret@3": 0.0}]
    # 40% of random rankings also reach zero regret: mean - std (7.2 - 8.8) is below
    # zero, yet the method's zero is what random gets 40% of the time
    ties = [np.array([0.0] * 400 + [12.0] * 600)]
    [s] = _summary(rows, {("m", "all"): ties})
    assert s["p_random_at_least_as_good"] == pytest.approx(0.4) and not s["beats_random"]
    rare = [np.array([0.0] * 10 + [12.0] * 990)]
    [s] = _summary(rows, {("m", "all"): rare})
    assert s["p_random_at_least_as_good"] == pytest.approx(0.01) and s["beats_random"]
