"""`english-pair`: the example plugin's strategy.

A planner is called as `plan(target, options, catalog)` and returns the intermediate
stages. It must be a pure function of its arguments (no clock, no randomness, no files):
the stages name the intermediate model's cache key, so equal plans share one trained
encoder across targets and runs. `plugins.strategies.selection.stage` builds a stage the
way the built-in strategies do, so `--option sampler=... temperature=... cap=...` works.
"""

from __future__ import annotations

from typing import Any

from harness.catalog import Catalog
from harness.specs import Stage, TaskSpec
from plugins.strategies.selection import EnglishOptions, names, stage

DEFAULT = ["mnli", "sst2"]


class Options(EnglishOptions):
    """`english-pair`'s options: `intermediate` (the stage's English tasks; default
    mnli,sst2) and how the stage mixes them (`sampler`, `temperature`, `cap`). A pydantic
    model with extra="forbid", so a misspelt `--option` is an error naming the closest."""


def plan(target: TaskSpec, options: dict[str, Any], catalog: Catalog) -> list[Stage]:
    # `options` holds the validated options (the fields of `Options` the user set), plus
    # what the session adds (target_languages, all_target_languages, translator,
    # default_tasks); xharness checks the task names the stages return
    tasks = names(options.get("intermediate")) or DEFAULT
    return [stage(tasks, options, "english")]
