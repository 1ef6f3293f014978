"""`english-only`: English intermediate tasks (Phang et al., 2020), one stage, multi-task
over all of them by default or the ones named with `--intermediate`."""

from __future__ import annotations

from typing import Any

from harness.catalog import Catalog
from harness.specs import Stage, TaskSpec
from plugins.strategies.selection import english_tasks, stage


def plan(target: TaskSpec, options: dict[str, Any], catalog: Catalog) -> list[Stage]:
    return [stage(english_tasks(options, catalog), options, "english")]
