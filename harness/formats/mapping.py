"""From source rows to canonical rows: column renaming, adapters and label resolution.

Shared by every format, so that a task's `columns` / `adapter` work the same whatever its
format, and label handling (ClassLabel ints, strings, unlabeled -1) is written once.
"""

from __future__ import annotations

from typing import Any

import datasets

from harness.errors import XHarnessError
from harness.plugin_calls import guarded
from harness.refs import resolve_ref
from harness.specs import TaskSpec


def to_canonical(
    raw: datasets.Dataset, task: TaskSpec, columns: dict[str, str], canonical: list[str],
    where: str,
) -> datasets.Dataset:
    """Apply the task's adapter, or rename `columns` (canonical -> source), and keep only
    canonical columns. Label values are left as they are (see `label_names`)."""
    if task.adapter:
        adapter = resolve_ref(task.adapter, f"tasks.{task.name}.adapter")
        # a batched adapter `f(batch, indices)` may emit more or fewer rows than it reads
        batched = bool(task.options.get("adapter_batched"))
        run = guarded(raw.map, code=adapter, plugin=task.plugin,
                      what=f"adapter {task.adapter} of task {task.name!r} on {where}",
                      fix="fix the adapter or the data it reads")
        return run(adapter, remove_columns=raw.column_names, batched=batched,
                   with_indices=batched)
    rename = {src: dst for dst, src in columns.items() if src != dst and src in raw.column_names}
    missing_src = [src for dst, src in columns.items() if src not in raw.column_names]
    if missing_src:
        raise XHarnessError(
            f"task {task.name!r} maps columns {missing_src} that the data does not have "
            f"(it has {raw.column_names})",
            where=where, fix="correct the task's `columns` mapping (canonical: source)",
        )
    out = raw.rename_columns(rename) if rename else raw
    keep = [c for c in out.column_names if c in canonical]
    drop = [c for c in out.column_names if c not in keep]
    return out.remove_columns(drop) if drop else out


def label_names(feature: Any) -> list[str] | None:
    """Names behind a ClassLabel feature (or a sequence of them), else None."""
    if isinstance(feature, datasets.ClassLabel):
        return list(feature.names)
    inner = getattr(feature, "feature", None)
    if isinstance(feature, list) and feature:
        inner = feature[0]
    if isinstance(inner, datasets.ClassLabel):
        return list(inner.names)
    return None


def resolve_label(
    value: Any, source_names: list[str] | None, index: dict[str, int], task: TaskSpec
) -> int | None:
    """Canonical label index, or None when the value is not in the task's label set.

    Source ints are read through the source's ClassLabel names when it has them (so a
    dataset with another label order maps correctly), else through the task's
    `options.label_map`, else taken as canonical indices.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return index.get(value)
    try:
        ivalue = int(value)
    except (TypeError, ValueError):  # a list, a float string...: not a label
        return None
    if ivalue < 0:
        return None
    if source_names is not None:
        if ivalue >= len(source_names):
            return None
        return index.get(source_names[ivalue])
    label_map = task.options.get("label_map")
    if label_map:
        name = label_map.get(ivalue, label_map.get(str(ivalue)))
        return index.get(name) if name is not None else None
    return ivalue if 0 <= ivalue < len(index) else None
