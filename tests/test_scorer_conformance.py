"""The scorer reproduces the official XTREME report on the official mock submission.

The mock submission and the official scorer's report for it (with seqeval 1.2.2) live
outside the project, in ../shared/conformance/xtreme-mock; they are read in place and
only ever copied into pytest's tmp_path.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from harness.errors import XHarnessError
from harness.xtreme import (
    XTREME_TASKS,
    read_predictions,
    score_submission,
    write_predictions,
)

MOCK = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "xtreme-mock"

pytestmark = pytest.mark.skipif(
    not (MOCK / "expected.json").is_file(),
    reason=f"XTREME mock submission not found at {MOCK} (conformance data is not shipped "
    "with the project)",
)

TOLERANCE = 1e-6


def assert_same_report(got: dict[str, Any], expected: dict[str, Any], path: str = "") -> None:
    """Same keys at every level, every number within TOLERANCE."""
    assert set(got) == set(expected), f"{path or 'report'}: keys differ: {set(got) ^ set(expected)}"
    for key, want in expected.items():
        where = f"{path}.{key}" if path else key
        if isinstance(want, dict):
            assert isinstance(got[key], dict), f"{where}: expected a mapping"
            assert_same_report(got[key], want, where)
        else:
            assert got[key] == pytest.approx(want, abs=TOLERANCE), where


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads((MOCK / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def predictions_copy(tmp_path: Path) -> Path:
    """A writable copy of the mock predictions (the labels are only read)."""
    return Path(shutil.copytree(MOCK / "predictions", tmp_path / "predictions"))


def test_mock_submission_matches_official_report(expected: dict[str, Any]) -> None:
    report = score_submission(MOCK / "predictions", MOCK / "labels")
    assert_same_report(report, expected)


def test_udpos_uses_seqeval_1_2_2_numbers(expected: dict[str, Any]) -> None:
    # The official test file's 70.2175 comes from an older seqeval; 1.2.2 gives 70.3981.
    report = score_submission(MOCK / "predictions", MOCK / "labels", tasks=["udpos"])
    assert report["udpos"]["avg_f1"] == pytest.approx(70.39805810699043, abs=TOLERANCE)
    assert report["udpos"]["avg_f1"] == pytest.approx(expected["udpos"]["avg_f1"], abs=TOLERANCE)


def test_round_trip_through_write_predictions(tmp_path: Path, expected: dict[str, Any]) -> None:
    out = tmp_path / "submission"
    for task, spec in XTREME_TASKS.items():
        for lang in spec.languages:
            source = MOCK / "predictions" / task / spec.file_name(lang)
            written = write_predictions(task, lang, read_predictions(task, source), out)
            assert written == out / task / spec.file_name(lang)
    assert not [p for p in out.rglob(".*")], "temporary files were left behind"
    assert_same_report(score_submission(out, MOCK / "labels"), expected)


def test_write_predictions_replaces_an_existing_file(tmp_path: Path) -> None:
    write_predictions("pawsx", "en", ["0", "1"], tmp_path)
    path = write_predictions("pawsx", "en", [1, 0, 1], tmp_path)
    assert path.read_text(encoding="utf-8") == "1\n0\n1\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["test-en.tsv"]


def test_write_predictions_rejects_wrong_shapes(tmp_path: Path) -> None:
    with pytest.raises(XHarnessError, match="no test language 'xx'"):
        write_predictions("pawsx", "xx", ["0"], tmp_path)
    with pytest.raises(XHarnessError, match="sentence 0 is not a sequence of tags"):
        write_predictions("panx", "en", ["B-PER", "O"], tmp_path)
    with pytest.raises(XHarnessError, match="mapping of question id"):
        write_predictions("xquad", "en", ["answer"], tmp_path)
    assert not (tmp_path / "pawsx").exists() or not any((tmp_path / "pawsx").iterdir())


def test_missing_language_file_is_an_error(predictions_copy: Path) -> None:
    missing = predictions_copy / "pawsx" / "test-de.tsv"
    missing.unlink()
    with pytest.raises(XHarnessError) as raised:
        score_submission(predictions_copy, MOCK / "labels")
    assert raised.value.where == str(missing)
    assert "language 'de'" in str(raised.value)


def test_extra_file_is_an_error(predictions_copy: Path) -> None:
    extra = predictions_copy / "xnli" / "test-xx.tsv"
    extra.write_text("entailment\n", encoding="utf-8")
    with pytest.raises(XHarnessError) as raised:
        score_submission(predictions_copy, MOCK / "labels")
    assert raised.value.where == str(extra)
    assert "unexpected file" in str(raised.value)


def test_unknown_task_folder_is_an_error(predictions_copy: Path) -> None:
    (predictions_copy / "xcopa").mkdir()
    with pytest.raises(XHarnessError, match="unexpected entry"):
        score_submission(predictions_copy, MOCK / "labels")


def test_hidden_files_are_ignored(predictions_copy: Path, expected: dict[str, Any]) -> None:
    (predictions_copy / "pawsx" / ".test-en.tsv.abc.tmp").write_text("junk", encoding="utf-8")
    (predictions_copy / ".DS_Store").write_text("junk", encoding="utf-8")
    assert_same_report(score_submission(predictions_copy, MOCK / "labels"), expected)


def test_line_count_mismatch_is_an_error(predictions_copy: Path) -> None:
    short = predictions_copy / "pawsx" / "test-en.tsv"
    lines = short.read_text(encoding="utf-8").splitlines(keepends=True)
    short.write_text("".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(XHarnessError) as raised:
        score_submission(predictions_copy, MOCK / "labels")
    assert raised.value.where == str(short)
    assert f"{len(lines) - 1} predictions for {len(lines)} labels" in str(raised.value)


def test_tag_count_mismatch_is_an_error(predictions_copy: Path) -> None:
    path = predictions_copy / "panx" / "test-en.tsv"
    path.write_text("O\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(XHarnessError) as raised:
        score_submission(predictions_copy, MOCK / "labels", tasks=["panx"])
    assert raised.value.where == str(path)
    assert "sentence 0 has" in str(raised.value)


def test_unparsable_json_is_an_error(predictions_copy: Path) -> None:
    path = predictions_copy / "mlqa" / "test-zh.json"
    path.write_text('{"id": ', encoding="utf-8")
    with pytest.raises(XHarnessError, match="not valid JSON") as raised:
        score_submission(predictions_copy, MOCK / "labels")
    assert raised.value.where == str(path)


def test_missing_task_folder_is_skipped_like_the_official_scorer(
    predictions_copy: Path, expected: dict[str, Any]
) -> None:
    shutil.rmtree(predictions_copy / "bucc2018")
    report = score_submission(predictions_copy, MOCK / "labels")
    # No bucc2018, so no retrieval group and no all_task; everything else unchanged.
    partial = {
        key: value
        for key, value in expected.items()
        if key not in {"bucc2018", "retrieval", "all_task"}
    }
    assert_same_report(report, partial)


def test_named_tasks_are_required(predictions_copy: Path) -> None:
    shutil.rmtree(predictions_copy / "tatoeba")
    with pytest.raises(XHarnessError, match="tatoeba predictions folder"):
        score_submission(predictions_copy, MOCK / "labels", tasks=["tatoeba"])
    with pytest.raises(XHarnessError, match="unknown XTREME task 'xcopa'"):
        score_submission(predictions_copy, MOCK / "labels", tasks=["xcopa"])


def test_predictions_without_labels_are_an_error(predictions_copy: Path, tmp_path: Path) -> None:
    labels = Path(shutil.copytree(MOCK / "labels", tmp_path / "labels"))
    shutil.rmtree(labels / "xquad")
    with pytest.raises(XHarnessError, match="xquad predictions but no xquad labels"):
        score_submission(predictions_copy, labels)


def test_subset_of_tasks_reports_only_complete_groups(expected: dict[str, Any]) -> None:
    report = score_submission(MOCK / "predictions", MOCK / "labels", tasks=["xnli", "pawsx"])
    assert set(report) == {"classification", "pawsx", "xnli"}
    assert report["classification"] == pytest.approx(expected["classification"], abs=TOLERANCE)
