"""XTREME submissions: the official task table, readers, the scorer and the writer."""

from harness.xtreme.readers import read_predictions
from harness.xtreme.scorer import score_language, score_submission, score_task
from harness.xtreme.tasks import XTREME_GROUPS, XTREME_TASKS, XtremeTask, task_spec
from harness.xtreme.writer import format_predictions, write_predictions

__all__ = [
    "XTREME_GROUPS",
    "XTREME_TASKS",
    "XtremeTask",
    "format_predictions",
    "read_predictions",
    "score_language",
    "score_submission",
    "score_task",
    "task_spec",
    "write_predictions",
]
