"""Choosing intermediate tasks for a strategy: the options users pass, or the defaults.

The default sets are data: each strategy's `default_tasks` in `registry.yaml` (passed to
the planner as `options["default_tasks"]`), so installing a plugin never changes a
built-in plan. `english` is the English set; `multilingual` the multilingual set of
`multilingual_scope=shared` (tasks of no built-in target's family: the plan is the same for
every target, so one intermediate model serves all nine); `multilingual_per_target` the
larger set of `multilingual_scope=per-target` (PAN-X NER for XNLI, say), at the cost of one
intermediate model per target family. A default task of the target's own family is left
out of that target's plan (said once in the log): the result would not be zero-shot, and
only that target gets its own intermediate model. Naming such a task yourself is refused by
the zero-shot guard unless `--allow-non-zero-shot`.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.catalog import Catalog
from harness.errors import XHarnessError
from harness.specs import Stage, TaskSpec

log = logging.getLogger("xharness")
_SAID: set[str] = set()


def names(value: Any) -> list[str] | None:
    """`"a,b"`, `["a", "b"]` or None."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


class StageOptions(BaseModel):
    """How a stage mixes its tasks (every built-in strategy with a stage takes these)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sampler: Literal["proportional", "temperature", "uniform"] = Field(
        default="proportional", description="how batches are drawn from the stage's tasks")
    temperature: float = Field(
        default=2.0, gt=0, description="sampler=temperature: draw task i with p ~ n_i^(1/T)")
    cap: int | None = Field(
        default=None, ge=1, description="at most this many training examples per task")


class EnglishOptions(StageOptions):
    intermediate: list[str] | None = Field(
        default=None, description="English intermediate tasks, comma-separated (default: "
        "the strategy's `english` set in registry.yaml)")

    @field_validator("intermediate", mode="before")
    @classmethod
    def _split_intermediate(cls, value: Any) -> list[str] | None:
        return names(value)


class MultilingualOptions(StageOptions):
    multilingual: list[str] | None = Field(
        default=None, description="multilingual intermediate tasks, comma-separated "
        "(default: the strategy's set for multilingual_scope)")
    multilingual_scope: Literal["shared", "per-target"] = Field(
        default="shared", description="default set: `shared` (one model for every target) "
        "or `per-target` (also other targets' families)")

    @field_validator("multilingual", mode="before")
    @classmethod
    def _split_multilingual(cls, value: Any) -> list[str] | None:
        return names(value)


def _default_set(options: dict[str, Any], name: str) -> list[str] | None:
    found = (options.get("default_tasks") or {}).get(name)
    return list(found) if found else None


def english_tasks(options: dict[str, Any], catalog: Catalog) -> list[str]:
    chosen = names(options.get("intermediate")) or _default_set(options, "english")
    if chosen:
        return chosen
    # a third-party strategy without `default_tasks`: every registered English task
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
    default = _default_set(options, "multilingual" if scope == "shared"
                           else "multilingual_per_target")
    if default is None:  # a third-party strategy without `default_tasks`
        excluded = ({t.family for t in catalog.tasks.values() if t.role == "target"}
                    if scope == "shared" else {target.family})
        default = sorted(n for n, t in catalog.tasks.items()
                         if t.role == "multilingual_intermediate" and t.family not in excluded
                         and t.format != "mlm")  # raw-text corpora: mlm-continuation's
    own = [n for n in default if catalog.task(n).family == target.family]
    if own and f"{target.name}:{own}" not in _SAID:
        _SAID.add(f"{target.name}:{own}")
        log.info("%s: leaving %s (its own task family, %s) out of the default multilingual "
                 "set, so the result stays zero-shot; this target gets its own intermediate "
                 "model", target.name, ", ".join(own), target.family)
    found = [n for n in default if n not in own]
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
