"""`multilingual-only`: multilingual intermediate tasks only, one multi-task stage."""

from __future__ import annotations

from typing import Any

from harness.catalog import Catalog
from harness.specs import Stage, TaskSpec
from plugins.strategies.selection import multilingual_tasks, stage


def plan(target: TaskSpec, options: dict[str, Any], catalog: Catalog) -> list[Stage]:
    return [stage(multilingual_tasks(target, options, catalog), options, "multilingual")]
