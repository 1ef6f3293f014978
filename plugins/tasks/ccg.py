"""CCG supertagging (English intermediate task).

CCGbank (LDC2005T13) is licensed and not on the hub: the `local` source reads jiant's
prepared files (`ccg_1363.{train,dev,test}`: one sentence per line, space-separated tokens,
a tab, space-separated supertags; jiant's split is sections 00-18 / 19-21 / 22-24) and the
label set from jiant's `tags_to_id.json`. The embedded builder is `xworld.builders.ccg`.
"""

from __future__ import annotations

from typing import Any


def adapt(example: dict[str, Any]) -> dict[str, Any]:
    """One jiant line (already split at the tab) -> words and their supertags."""
    return {"tokens": example["text"].split(" "), "tags": example["tags"].split(" ")}
