"""XTREME submission folders: the task table, file readers, the scorer and the writer.

A submission is ``<dir>/<task>/test-<lang>.<ext>`` for each task and language, next to a
label folder with the same layout. ``score_submission`` reproduces the report of the
official scorer (google-research/xtreme ``evaluate.py``, XTREME version): per task the
per-language scores, their ``avg_*`` means and ``avg_metric``; per group the mean
``avg_metric`` of its tasks, present only when every task of the group was scored; and
``all_task``, present only when every XTREME task was scored.

Where the official scorer would crash (missing file, length mismatch) we raise
``XHarnessError`` naming the file and the fix. Deliberate differences, all on input the
official scorer mishandles rather than on valid submissions:

* a predictions task folder whose labels folder is missing is an error (the official
  scorer silently drops the task from the report);
* unexpected non-hidden files or folders in a submission are errors (the official
  scorer ignores them, so a misnamed file would go unnoticed until it crashes);
* malformed BUCC lines (not ``source<TAB>target``) and duplicate QA gold ids are errors
  (the official scorer would count them as wrong pairs or score a question twice).

Missing *predictions* inside a QA file are not errors: they score 0, as officially.

Averages are summed in the official task and language order, so they match bit for bit,
except ``all_task``, which the official scorer sums over a ``set`` of task names: its
last bit depends on the string hash seed there, and is stable here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import XHarnessError
from harness.metrics import (
    accuracy,
    bucc_scores,
    check_aligned,
    mlqa_scores,
    squad_scores,
    tagging_scores,
    tatoeba_accuracy,
)
from harness.xtreme.readers import (
    read_bucc_pairs,
    read_lines,
    read_qa_gold,
    read_qa_predictions,
    read_tag_sentences,
)
from harness.xtreme.tasks import (
    XTREME_GROUPS,
    XTREME_TASKS,
    MetricName,
    Scores,
    XtremeTask,
    task_spec,
)


def _aligned_lines(prediction_file: Path, label_file: Path) -> tuple[list[str], list[str]]:
    gold = read_lines(label_file)
    predictions = read_lines(prediction_file)
    if not gold:
        raise XHarnessError(
            "the label file is empty", where=str(label_file), fix="use the full label file"
        )
    if len(predictions) != len(gold):
        raise XHarnessError(
            f"{len(predictions)} predictions for {len(gold)} labels in {label_file}",
            where=str(prediction_file),
            fix="write exactly one prediction per line, in the order of the test set",
        )
    return gold, predictions


def _score_accuracy(prediction_file: Path, label_file: Path, lang: str) -> Scores:
    gold, predictions = _aligned_lines(prediction_file, label_file)
    return {"accuracy": accuracy(gold, predictions)}


def _score_tatoeba(prediction_file: Path, label_file: Path, lang: str) -> Scores:
    gold, predictions = _aligned_lines(prediction_file, label_file)
    return {"accuracy": tatoeba_accuracy(gold, predictions)}


def _score_tags(prediction_file: Path, label_file: Path, lang: str) -> Scores:
    gold = read_tag_sentences(label_file)
    predictions = read_tag_sentences(prediction_file)
    if not gold:
        raise XHarnessError(
            "the label file has no sentences", where=str(label_file), fix="use the full label file"
        )
    try:
        check_aligned(gold, predictions)
    except ValueError as error:
        raise XHarnessError(
            f"{error} in {label_file} (sentences counted from 0)",
            where=str(prediction_file),
            fix="write one tag per token, in test-set order, with a blank line after each sentence",
        ) from None
    return tagging_scores(gold, predictions)._asdict()


def _score_bucc(prediction_file: Path, label_file: Path, lang: str) -> Scores:
    return bucc_scores(read_bucc_pairs(label_file), read_bucc_pairs(prediction_file))._asdict()


def _score_squad(prediction_file: Path, label_file: Path, lang: str) -> Scores:
    gold = read_qa_gold(label_file)
    return squad_scores(read_qa_predictions(prediction_file), gold)._asdict()


def _score_mlqa(prediction_file: Path, label_file: Path, lang: str) -> Scores:
    gold = read_qa_gold(label_file)
    return mlqa_scores(read_qa_predictions(prediction_file), gold, lang)._asdict()


_SCORERS: dict[MetricName, Callable[[Path, Path, str], Scores]] = {
    "accuracy": _score_accuracy,
    "tatoeba": _score_tatoeba,
    "seqeval": _score_tags,
    "bucc": _score_bucc,
    "squad": _score_squad,
    "mlqa": _score_mlqa,
}


def score_language(task: str, lang: str, prediction_file: Path, label_file: Path) -> Scores:
    """The per-language metrics of one task, keyed by the official metric names."""
    return _SCORERS[task_spec(task).metric](prediction_file, label_file, lang)


def _is_hidden(path: Path) -> bool:
    # Hidden entries (.DS_Store, an interrupted write's temp file) are never submissions.
    return path.name.startswith(".")


def _require_dir(path: Path, what: str, fix: str) -> None:
    if not path.is_dir():
        raise XHarnessError(f"{what} is missing or not a folder", where=str(path), fix=fix)


def _check_no_extra_files(task_dir: Path, spec: XtremeTask) -> None:
    expected = {spec.file_name(lang) for lang in spec.languages}
    for entry in sorted(task_dir.iterdir()):
        if not _is_hidden(entry) and entry.name not in expected:
            raise XHarnessError(
                f"unexpected file in the {spec.name} predictions",
                where=str(entry),
                fix=f"remove it; {spec.name} expects only test-<lang>.{spec.extension} "
                f"for {', '.join(spec.languages)}",
            )


def score_task(task: str, predictions_dir: Path, labels_dir: Path) -> dict[str, Any]:
    """One task's report entry: per-language scores, their means and ``avg_metric``.

    Every language of the task must be present in both folders (the official scorer stops
    with FileNotFoundError otherwise): a partial task would make its average incomparable.
    """
    spec = task_spec(task)
    task_predictions = Path(predictions_dir) / task
    task_labels = Path(labels_dir) / task
    _require_dir(
        task_predictions,
        f"the {task} predictions folder",
        f"write one test-<lang>.{spec.extension} per language into it",
    )
    _require_dir(
        task_labels,
        f"the {task} labels folder",
        "point labels_dir at the XTREME test labels, which have one folder per task",
    )
    _check_no_extra_files(task_predictions, spec)

    per_metric: dict[str, dict[str, float]] = {}
    for lang in spec.languages:
        prediction_file = task_predictions / spec.file_name(lang)
        label_file = task_labels / spec.file_name(lang)
        for path, side in ((prediction_file, "predictions"), (label_file, "labels")):
            if not path.is_file():
                raise XHarnessError(
                    f"the {task} {side} for language {lang!r} are missing",
                    where=str(path),
                    fix=f"{task} needs a file for every language: {', '.join(spec.languages)}",
                )
        for metric, value in score_language(task, lang, prediction_file, label_file).items():
            per_metric.setdefault(metric, {})[lang] = value

    report: dict[str, Any] = dict(per_metric)
    for metric, by_lang in per_metric.items():
        report[f"avg_{metric}"] = sum(by_lang.values()) / len(by_lang)
    report["avg_metric"] = sum(report[key] for key in spec.avg_metric_keys) / len(
        spec.avg_metric_keys
    )
    return report


def _tasks_to_score(predictions_dir: Path, labels_dir: Path, tasks: list[str] | None) -> list[str]:
    for entry in sorted(predictions_dir.iterdir()):
        if not _is_hidden(entry) and not (entry.is_dir() and entry.name in XTREME_TASKS):
            raise XHarnessError(
                "unexpected entry in the submission folder",
                where=str(entry),
                fix=f"remove it; a submission holds only task folders: {', '.join(XTREME_TASKS)}",
            )
    if tasks is not None:
        if not tasks:
            raise XHarnessError(
                "no tasks were selected",
                where="tasks",
                fix="pass None to score every submitted task, or name some",
            )
        for task in tasks:
            task_spec(task)
        return [task for task in XTREME_TASKS if task in tasks]
    submitted = [task for task in XTREME_TASKS if (predictions_dir / task).is_dir()]
    if not submitted:
        raise XHarnessError(
            "the submission folder holds no XTREME task folder",
            where=str(predictions_dir),
            fix=f"write predictions into <dir>/<task>/ for tasks among {', '.join(XTREME_TASKS)}",
        )
    for task in submitted:
        if not (labels_dir / task).is_dir():
            raise XHarnessError(
                f"there are {task} predictions but no {task} labels",
                where=str(labels_dir / task),
                fix="point labels_dir at the full XTREME test labels, or remove the "
                f"{task} predictions",
            )
    return submitted


def score_submission(
    predictions_dir: Path, labels_dir: Path, tasks: list[str] | None = None
) -> dict[str, Any]:
    """Score a submission folder against a label folder, as the official XTREME scorer.

    ``tasks=None`` scores every XTREME task that has a predictions folder and skips the
    others, as the official scorer does (a partial submission is normal while a model is
    being evaluated); group scores and ``all_task`` then appear only for complete groups,
    also as officially. Naming ``tasks`` makes each of them required.
    """
    predictions_dir = Path(predictions_dir)
    labels_dir = Path(labels_dir)
    _require_dir(
        predictions_dir,
        "the predictions folder",
        "pass the folder that holds one sub-folder per task",
    )
    _require_dir(
        labels_dir, "the labels folder", "pass the folder that holds one label sub-folder per task"
    )
    selected = _tasks_to_score(predictions_dir, labels_dir, tasks)
    detailed = {task: score_task(task, predictions_dir, labels_dir) for task in selected}

    report: dict[str, Any] = {}
    if set(detailed) == set(XTREME_TASKS):
        report["all_task"] = sum(d["avg_metric"] for d in detailed.values()) / len(detailed)
    for group, group_tasks in XTREME_GROUPS.items():
        if all(task in detailed for task in group_tasks):
            report[group] = sum(detailed[t]["avg_metric"] for t in group_tasks) / len(group_tasks)
    report.update(detailed)
    return report
