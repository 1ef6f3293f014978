"""The world's starting point against its bands (xworld.calibration).

The band logic is checked on hand-made scores; the shipped world is checked end to end:
`baseline` on every target at seed 0, every band met but the span-QA ones it names (the
published grid's three seeds are checked by `python -m xworld.calibration --seeds 3`,
whose output the README quotes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.catalog import build_catalog
from harness.records import TargetRecord, write_record
from xworld.calibration import (
    DISTANT,
    Scores,
    baseline_scores,
    main,
    run_baseline,
    shipped_fingerprint,
    verdicts,
)


def _misses(scores: Scores) -> list[str]:
    return [v.name for v in verdicts(scores) if not v.ok]


def test_distant_languages_are_the_other_scripts_and_the_low_resource_one() -> None:
    assert DISTANT == {"ru", "el", "sw"}


def test_a_calibrated_target_meets_every_band() -> None:
    good = Scores("xnli", 0, {"en": 80, "de": 72, "es": 71, "ru": 65, "el": 64, "sw": 55},
                  labels=3)
    assert [v.ok for v in verdicts(good)] == [True] * 5


@pytest.mark.parametrize(("scores", "missed"), [
    # the old world's saturated starting points
    (Scores("udpos", 0, {"en": 100.0, "de": 97, "ru": 94.7}), ["english"]),
    (Scores("xquad", 0, {"en": 32.5, "de": 22.3, "es": 22.2, "el": 30.9, "ru": 16.7}),
     ["english", "distant"]),
    # a collapse: below half of English
    (Scores("panx", 0, {"en": 90, "de": 85, "el": 40}), ["lowest"]),
    # no transfer gap
    (Scores("pawsx", 0, {"en": 88, "de": 89, "es": 90}), ["gap"]),
    # transfer near chance on XNLI
    (Scores("xnli", 0, {"en": 70, "de": 50, "es": 50, "ru": 45, "el": 45, "sw": 40},
            labels=3), ["chance"]),
    (Scores("bucc2018", 0, {"de": 95.3, "ru": 86.9}), ["retrieval"]),
    (Scores("tatoeba", 0, {"de": 40, "es": 30}), ["retrieval"]),
])
def test_each_band_fails_where_it_should(scores: Scores, missed: list[str]) -> None:
    assert _misses(scores) == missed


def _baseline(runs: Path, key: str, model: str, en: float, de: float, system: str = "s"
              ) -> None:
    """A finished XNLI baseline record at seed 0 of the encoder whose fingerprint is
    `model`."""
    metrics = {"en": {"accuracy": en}, "de": {"accuracy": de}}
    write_record(runs / "targets" / key, TargetRecord(
        key=key, seed=0, profile="embedded", model="embedded:xlmr-tiny", source="embedded",
        system=system, config={"base": {"model": model}, "system": {}},
        timings={}, versions={}, created="2026-12-03T00:00:00+00:00", strategy="baseline",
        target="xnli", plan=[], intermediate=[], intermediate_dev={}, zero_shot=True,
        primary_metric="accuracy", metrics=metrics, n_examples={"en": 1, "de": 1},
        average=(en + de) / 2, dev={}, train=None, data={}, predictions_dir=None))


def test_records_of_another_encoder_are_left_out_and_counted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _baseline(tmp_path, "now", shipped_fingerprint(), en=80.0, de=70.0)
    _baseline(tmp_path, "before", "0" * 16, en=99.0, de=20.0)  # an older world's encoder
    scores, other = baseline_scores(tmp_path)
    assert [s.by_lang for s in scores] == [{"en": 80.0, "de": 70.0}] and other == 1
    assert main(["--runs-dir", str(tmp_path), "--seeds", "1", "--no-run"]) == 0
    captured = capsys.readouterr()
    assert "left out 1 baseline record(s)" in captured.err
    assert f"the shipped {build_catalog().profile('embedded').model}" in captured.err
    assert "MISS" not in captured.out


def test_two_baselines_of_one_target_and_seed_are_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _baseline(tmp_path, "a", shipped_fingerprint(), en=80.0, de=70.0, system="one")
    _baseline(tmp_path, "b", shipped_fingerprint(), en=60.0, de=50.0, system="two")
    assert main(["--runs-dir", str(tmp_path), "--seeds", "1", "--no-run"]) == 2
    err = capsys.readouterr().err
    assert "two embedded baseline records of xnli at seed 0" in err and str(tmp_path) in err
    assert "systems one and two" in err or "systems two and one" in err


#: the bands within about a point of their bar on the published grid (one thread), which
#: a run at another thread count may tip over: TyDiQA's sw keeps 0.51 of English (bar
#: margins 0.5-0.8), English TyDiQA is 61.1 at seed 1, XQuAD's ru clears its bar by
#: 0.4-1.7. The published grid meets all 84 bands (README, "The embedded world").
SPAN_QA_BANDS = {("tydiqa", "english"), ("tydiqa", "lowest"), ("xquad", "lowest")}


@pytest.mark.e2e
@pytest.mark.slow  # a baseline on all nine targets: as long as the demo
def test_the_shipped_world_meets_its_bands_at_seed_0(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    run_baseline(tmp_path, seeds=1, threads=None)
    scores, other = baseline_scores(tmp_path)
    assert other == 0
    assert {s.target for s in scores} == {"xnli", "pawsx", "udpos", "panx", "xquad", "mlqa",
                                          "tydiqa", "bucc2018", "tatoeba"}
    found = [v for s in scores for v in verdicts(s)]
    missed = {(v.target, v.name) for v in found if not v.ok}
    assert main(["--runs-dir", str(tmp_path), "--seeds", "1", "--no-run"]) == \
        (1 if missed else 0)
    out = capsys.readouterr().out
    assert missed <= SPAN_QA_BANDS, out  # every other band is met
    assert len(found) == 28, out
