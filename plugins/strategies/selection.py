"""Choosing intermediate tasks for a strategy: the options users pass, or the defaults.

Defaults depend only on the catalog and the target's task family, so every target that
does not exclude a task gets the same plan and shares one intermediate model.
"""

from __future__ import annotations

from typing import Any

from harness.catalog import Catalog
from harness.errors import XHarnessError
from harness.specs import Stage, TaskSpec


def names(value: Any) -> list[str] | None:
    """`"a,b"`, `["a", "b"]` or None."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def english_tasks(options: dict[str, Any], catalog: Catalog) -> list[str]:
    chosen = names(options.get("intermediate"))
    if chosen:
        return chosen
    found = sorted(n for n, t in catalog.tasks.items() if t.role == "english_intermediate")
    if not found:
        raise XHarnessError("no English intermediate tasks are registered",
                            fix="install or register a task with role english_intermediate")
    return found


def multilingual_tasks(target: TaskSpec, options: dict[str, Any], catalog: Catalog) -> list[str]:
    """The chosen tasks, or every multilingual intermediate task outside the target's own
    family (training on it would not be zero-shot)."""
    chosen = names(options.get("multilingual"))
    if chosen:
        return chosen
    found = sorted(n for n, t in catalog.tasks.items()
                   if t.role == "multilingual_intermediate" and t.family != target.family)
    if not found:
        raise XHarnessError(
            f"no multilingual intermediate task outside {target.name}'s family is registered",
            fix="install or register a task with role multilingual_intermediate",
        )
    return found


def stage(tasks: list[str], options: dict[str, Any], name: str, mlm_ratio: float = 0.0) -> Stage:
    return Stage(
        name=name, tasks=tasks, sampler=options.get("sampler", "proportional"),
        temperature=float(options.get("temperature", 2.0)),
        cap=int(options["cap"]) if options.get("cap") else None, mlm_ratio=mlm_ratio,
    )
