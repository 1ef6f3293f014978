"""Test predictions on disk: the XTREME submission layout for XTREME targets, so a user
can submit them or re-score them with `xharness score`; JSON lines for any other target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.atomic import write_text_atomic
from harness.formats.base import Format
from harness.specs import TaskSpec
from harness.xtreme import XTREME_TASKS, write_predictions


def write_target_predictions(
    target: TaskSpec, fmt: Format, predictions: dict[str, list[Any]], out_dir: Path
) -> bool:
    """Write every language's predictions under `out_dir`; False if there were none."""
    if not predictions:
        return False
    xtreme_name = target.options.get("xtreme_task", target.name)
    for lang, preds in predictions.items():
        rows = fmt.submission_rows(preds, target)
        if xtreme_name in XTREME_TASKS:
            write_predictions(xtreme_name, lang, rows, out_dir)
        else:
            if isinstance(rows, dict):  # span QA: question id -> answer
                rows = [{"id": k, "prediction": v} for k, v in rows.items()]
            lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            write_text_atomic(Path(out_dir) / target.name / f"test-{lang}.jsonl", lines)
    return True
