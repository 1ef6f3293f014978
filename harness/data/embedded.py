"""Helpers for embedded builders: pick one split of a generated DatasetDict, with the same
error a hub dataset without that split would give."""

from __future__ import annotations

import datasets

from harness.errors import MissingSplit


def pick_split(
    built: datasets.DatasetDict, split: str, names: dict[str, str], task: str
) -> datasets.Dataset:
    """`names` maps xharness split names (train/dev/test) to the generated ones."""
    if split not in names or names[split] not in built:
        raise MissingSplit(
            f"the embedded {task} data has no {split!r} split (it has {sorted(names)})",
            where=f"tasks.{task}.sources.embedded", fix=f"use one of {sorted(names)}",
        )
    return built[names[split]]
