"""`baseline`: no intermediate training; the pretrained encoder goes straight to the target."""

from __future__ import annotations

from typing import Any

from harness.catalog import Catalog
from harness.specs import Stage, TaskSpec


def plan(target: TaskSpec, options: dict[str, Any], catalog: Catalog) -> list[Stage]:
    return []
