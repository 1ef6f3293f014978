"""Scorer input files that could never score correctly are refused with the file named,
not scored silently or raised as a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import XHarnessError
from harness.xtreme.readers import read_qa_gold, read_qa_predictions


def _gold(tmp_path: Path, qid: object) -> Path:
    path = tmp_path / "gold.json"
    path.write_text(json.dumps({"data": [{"paragraphs": [{"context": "c", "qas": [
        {"id": qid, "question": "q", "answers": [{"text": "c", "answer_start": 0}]}]}]}]}),
        encoding="utf-8")
    return path


@pytest.mark.parametrize(("qid", "kind"), [(17, "int"), (None, "null"), (1.5, "float")])
def test_a_gold_question_id_that_is_not_a_string_is_refused(tmp_path, qid, kind) -> None:
    path = _gold(tmp_path, qid)
    with pytest.raises(XHarnessError) as err:
        read_qa_gold(path)
    text = str(err.value)
    assert text.startswith(f"{path}: question id {qid!r} is a {kind}, not a string")
    assert "scored as unanswered" in text and "Fix: write every question id as a JSON " \
        "string" in text


def test_a_string_id_still_reads(tmp_path) -> None:
    assert read_qa_gold(_gold(tmp_path, "q1")) == {"q1": ["c"]}


@pytest.mark.parametrize(("body", "problem"), [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply to parse"),
    ('{"q1": ' + "9" * 5000 + "}", "Exceeds the limit"),
    ('{"q1": "a",}', "at line 1, column 12"),
])
def test_unparsable_json_is_one_clear_error(tmp_path, body, problem) -> None:
    path = tmp_path / "predictions.json"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(XHarnessError) as err:
        read_qa_predictions(path)
    text = str(err.value)
    assert text.startswith(f"{path}: the file is not valid JSON (") and problem in text
    assert "Fix:" in text
