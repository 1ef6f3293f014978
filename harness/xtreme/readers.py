"""Readers for the files of an XTREME submission (and its labels), one per file kind."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import XHarnessError
from harness.xtreme.tasks import MetricName, task_spec


def _read_text(path: Path) -> str:
    try:
        with open(path, encoding="utf-8") as handle:  # universal newlines, like the official
            return handle.read()
    except FileNotFoundError:
        raise XHarnessError(
            "the file does not exist", where=str(path), fix="create it or check the folder"
        ) from None
    except UnicodeDecodeError as error:
        raise XHarnessError(
            f"the file is not valid UTF-8 ({error.reason} at byte {error.start})",
            where=str(path),
            fix="save it as UTF-8 text",
        ) from None
    except OSError as error:
        raise XHarnessError(
            f"the file cannot be read ({error.strerror})",
            where=str(path),
            fix="check that it is a readable file",
        ) from None


def _raw_lines(path: Path) -> list[str]:
    """Lines as iterating the open file yields them, without their line ends."""
    lines = _read_text(path).split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def read_lines(path: Path) -> list[str]:
    """One stripped entry per line (classification labels, Tatoeba indices).

    Blank lines are kept as empty entries, as the official reader keeps them: they take
    part in the one-line-per-example alignment.
    """
    return [line.strip() for line in _raw_lines(path)]


def read_tag_sentences(path: Path) -> list[list[str]]:
    """One tag per line, a blank line after each sentence (NER and POS files).

    Mirrors the official reader exactly: every blank line closes the current sentence,
    even an empty one, so two blank lines in a row make an empty sentence; a final
    sentence without a blank line after it still counts.
    """
    sentences: list[list[str]] = []
    current: list[str] = []
    for line in _raw_lines(path):
        tag = line.strip()
        if tag:
            current.append(tag)
        else:
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


def read_bucc_pairs(path: Path) -> list[tuple[str, str]]:
    """One mined pair per line: ``<source id>\\t<target id>`` (e.g. ``de-000413461``)."""
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(read_lines(path), start=1):
        fields = line.split("\t")
        if len(fields) != 2 or not all(fields):
            raise XHarnessError(
                f"line {number} is {line!r}, not a sentence pair",
                where=str(path),
                fix="write one '<source id><TAB><target id>' pair per line and no blank lines",
            )
        pairs.append((fields[0], fields[1]))
    return pairs


def _load_json(path: Path) -> Any:
    text = _read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        problem = f"{error.msg} at line {error.lineno}, column {error.colno}"
    except RecursionError:
        problem = "nested too deeply to parse"
    except ValueError as error:  # an integer past Python's int-conversion digit limit
        problem = str(error).split(";")[0]
    raise XHarnessError(
        f"the file is not valid JSON ({problem})",
        where=str(path),
        fix="write a JSON object that maps each question id to its answer text",
    )


def read_qa_predictions(path: Path) -> dict[str, str]:
    """A JSON object mapping question id to predicted answer text."""
    data = _load_json(path)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise XHarnessError(
            "the file is not a JSON object of question id -> answer text",
            where=str(path),
            fix='write {"<question id>": "<answer text>", ...} with string answers',
        )
    return data


def read_qa_gold(path: Path) -> dict[str, list[str]]:
    """Gold answer texts per question id from a SQuAD-format file.

    Like the official reader, accepts ``{"data": [articles]}`` or the article list itself.
    """
    data = _load_json(path)
    articles = data.get("data") if isinstance(data, dict) else data
    gold: dict[str, list[str]] = {}
    try:
        for article in articles:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    question_id = qa["id"]
                    if not isinstance(question_id, str):
                        raise XHarnessError(
                            f"question id {question_id!r} is a "
                            f"{'null' if question_id is None else type(question_id).__name__}"
                            ", not a string: no prediction can ever match it (prediction "
                            "ids are JSON object keys, always strings), so it would be "
                            "scored as unanswered",
                            where=str(path),
                            fix='write every question id as a JSON string ("id": "56be4db0")',
                        )
                    answers = [answer["text"] for answer in qa["answers"]]
                    if question_id in gold:
                        raise XHarnessError(
                            f"question id {question_id!r} appears twice",
                            where=str(path),
                            fix="give every question a unique id",
                        )
                    if not answers or not all(isinstance(a, str) for a in answers):
                        raise XHarnessError(
                            f"question {question_id!r} has no gold answer texts",
                            where=str(path),
                            fix="give every question at least one answer with a 'text'",
                        )
                    gold[question_id] = answers
    except (KeyError, TypeError) as error:
        raise XHarnessError(
            f"the file is not SQuAD-format QA data ({type(error).__name__}: {error})",
            where=str(path),
            fix="use {'data': [{'paragraphs': [{'qas': [{'id', 'answers': [{'text'}]}]}]}]}",
        ) from None
    if not gold:
        raise XHarnessError(
            "the file has no questions", where=str(path), fix="use the full label file"
        )
    return gold


_PREDICTION_READERS: dict[MetricName, Callable[[Path], Any]] = {
    "accuracy": read_lines,
    "tatoeba": read_lines,
    "seqeval": read_tag_sentences,
    "bucc": read_bucc_pairs,
    "squad": read_qa_predictions,
    "mlqa": read_qa_predictions,
}


def read_predictions(task: str, path: Path) -> Any:
    """One prediction file of ``task``, in the shape ``write_predictions`` accepts."""
    return _PREDICTION_READERS[task_spec(task).metric](Path(path))
