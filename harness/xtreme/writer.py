"""Writing predictions in the XTREME submission layout, in the format the readers read
back, atomically."""

from __future__ import annotations

import json
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.atomic import write_text_atomic
from harness.errors import XHarnessError
from harness.xtreme.tasks import MetricName, task_spec

Predictions = (
    Sequence[str | int] | Sequence[Sequence[str]] | Iterable[tuple[str, str]] | Mapping[str, str]
)


def _bad_predictions(task: str, problem: str, fix: str) -> XHarnessError:
    return XHarnessError(problem, where=f"predictions for {task}", fix=fix)


def _is_single_line(text: str) -> bool:
    return bool(text) and text == text.strip() and "\n" not in text and "\r" not in text


def _format_labels(task: str, predictions: Any) -> str:
    if isinstance(predictions, (str, Mapping)) or not isinstance(predictions, Sequence):
        raise _bad_predictions(
            task,
            "expected a sequence of labels, one per test example",
            "pass a list of str or int labels",
        )
    lines = []
    for index, label in enumerate(predictions):
        text = str(label) if isinstance(label, numbers.Integral) else label
        if not isinstance(text, str) or not _is_single_line(text):
            raise _bad_predictions(
                task,
                f"label {index} is {label!r}, which cannot be written as one line",
                "use non-empty single-line labels without surrounding whitespace",
            )
        lines.append(text + "\n")
    return "".join(lines)


def _format_tags(task: str, predictions: Any) -> str:
    if isinstance(predictions, (str, Mapping)) or not isinstance(predictions, Sequence):
        raise _bad_predictions(
            task,
            "expected a sequence of sentences of tags",
            "pass a list of lists of tags, one list per test sentence",
        )
    parts = []
    for index, sentence in enumerate(predictions):
        if isinstance(sentence, str) or not isinstance(sentence, Sequence):
            raise _bad_predictions(
                task,
                f"sentence {index} is not a sequence of tags",
                "pass one list of tags per sentence",
            )
        for tag in sentence:
            if (
                not isinstance(tag, str)
                or not _is_single_line(tag)
                or any(ch.isspace() for ch in tag)
            ):
                raise _bad_predictions(
                    task,
                    f"sentence {index} has the tag {tag!r}",
                    "use non-empty tags without whitespace",
                )
            parts.append(tag + "\n")
        parts.append("\n")  # every sentence ends with a blank line, even an empty one
    return "".join(parts)


def _format_pairs(task: str, predictions: Any) -> str:
    if isinstance(predictions, (str, Mapping)) or not isinstance(predictions, Iterable):
        raise _bad_predictions(
            task,
            "expected mined (source id, target id) pairs",
            "pass an iterable of 2-tuples of sentence ids",
        )
    lines = []
    for pair in predictions:
        if (
            isinstance(pair, str)
            or not isinstance(pair, Sequence)
            or len(pair) != 2
            or not all(isinstance(i, str) and _is_single_line(i) and "\t" not in i for i in pair)
        ):
            raise _bad_predictions(
                task,
                f"{pair!r} is not a (source id, target id) pair",
                "use pairs of non-empty ids without tabs or line breaks",
            )
        lines.append(f"{pair[0]}\t{pair[1]}\n")
    return "".join(lines)


def _format_answers(task: str, predictions: Any) -> str:
    if not isinstance(predictions, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in predictions.items()
    ):
        raise _bad_predictions(
            task, "expected a mapping of question id to answer text", "pass a dict[str, str]"
        )
    return json.dumps(dict(predictions), ensure_ascii=False, indent=2) + "\n"


_FORMATTERS: dict[MetricName, Callable[[str, Any], str]] = {
    "accuracy": _format_labels,
    "tatoeba": _format_labels,
    "seqeval": _format_tags,
    "bucc": _format_pairs,
    "squad": _format_answers,
    "mlqa": _format_answers,
}


def format_predictions(task: str, predictions: Predictions) -> str:
    """The text of one prediction file, in the format the task's reader reads back."""
    return _FORMATTERS[task_spec(task).metric](task, predictions)


def write_predictions(task: str, lang: str, predictions: Predictions, out_dir: Path) -> Path:
    """Write one language's predictions to ``out_dir/<task>/test-<lang>.<ext>``.

    ``predictions`` is, by task: labels (pawsx, xnli: str; tatoeba: int or str indices),
    one list of tags per sentence (panx, udpos), ``(source id, target id)`` pairs
    (bucc2018), or a question id -> answer text mapping (xquad, mlqa, tydiqa).
    Returns the path written.
    """
    spec = task_spec(task)
    if lang not in spec.languages:
        raise XHarnessError(
            f"{task} has no test language {lang!r}",
            where=f"predictions for {task}",
            fix=f"use one of: {', '.join(spec.languages)}",
        )
    path = Path(out_dir) / task / spec.file_name(lang)
    write_text_atomic(path, format_predictions(task, predictions))
    return path
