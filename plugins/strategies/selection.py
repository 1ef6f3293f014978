"""Choosing intermediate tasks for a strategy: the options users pass, or the defaults.

By default the multilingual set is every multilingual intermediate task whose family is
no target's family (`multilingual_scope=shared`): the plan is then the same for every
target, so one intermediate model serves all nine. `multilingual_scope=per-target` adds
the tasks of other targets' families (PAN-X NER for XNLI, say), at the cost of one
intermediate model per target family. Tasks of the target's own family are never chosen by
default (the result would not be zero-shot); naming them is refused by the zero-shot guard
unless `--allow-non-zero-shot`.
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


SCOPES = ("shared", "per-target")


def multilingual_tasks(target: TaskSpec, options: dict[str, Any], catalog: Catalog) -> list[str]:
    """The chosen tasks, or the default set for `multilingual_scope` (see the module doc)."""
    chosen = names(options.get("multilingual"))
    if chosen:
        return chosen
    scope = options.get("multilingual_scope", "shared")
    if scope not in SCOPES:
        raise XHarnessError(f"unknown multilingual_scope {scope!r}",
                            fix=f"use --option multilingual_scope={' or '.join(SCOPES)}")
    excluded = ({t.family for t in catalog.tasks.values() if t.role == "target"}
                if scope == "shared" else {target.family})
    found = sorted(n for n, t in catalog.tasks.items()
                   if t.role == "multilingual_intermediate" and t.family not in excluded
                   and t.format != "mlm")  # raw-text corpora belong to mlm-continuation
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
