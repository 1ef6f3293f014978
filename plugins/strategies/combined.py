"""`combined`: English and multilingual intermediate tasks together.

`variant=sequential` (default): an English stage, then a multilingual stage that starts
from its encoder (the English stage is shared with `english-only`'s cache).
`variant=mixed`: one multi-task stage over both sets.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from harness.catalog import Catalog
from harness.errors import XHarnessError
from harness.specs import Stage, TaskSpec
from plugins.strategies.selection import (
    EnglishOptions,
    MultilingualOptions,
    english_tasks,
    multilingual_tasks,
    stage,
)

VARIANTS = ("sequential", "mixed")


class Options(EnglishOptions, MultilingualOptions):
    variant: Literal["sequential", "mixed"] = Field(
        default="sequential", description="`sequential`: English stage then multilingual "
        "stage; `mixed`: one stage over both")


def plan(target: TaskSpec, options: dict[str, Any], catalog: Catalog) -> list[Stage]:
    english = english_tasks(options, catalog)
    multilingual = multilingual_tasks(target, options, catalog)
    variant = options.get("variant", "sequential")
    if variant == "sequential":
        return [stage(english, options, "english"), stage(multilingual, options, "multilingual")]
    if variant == "mixed":
        return [stage(english + multilingual, options, "mixed")]
    raise XHarnessError(f"unknown combined variant {variant!r}",
                        fix=f"use --variant {' or --variant '.join(VARIANTS)}")
