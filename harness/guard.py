"""The zero-shot guard.

A result is zero-shot only if no intermediate stage trained on the target's own task family
in a language other than English. Such plans are refused unless the user says
`--allow-non-zero-shot`; the record then carries `zero_shot: false` and the leaderboard
marks the row.
"""

from __future__ import annotations

from harness.catalog import Catalog
from harness.errors import XHarnessError
from harness.specs import Stage, TaskSpec


def leaks(catalog: Catalog, stages: list[Stage], target: TaskSpec) -> list[str]:
    """`task (langs)` for each stage task of the target's family trained beyond English."""
    found = []
    for stage in stages:
        for name in stage.tasks:
            task = catalog.task(name)
            if task.family != target.family:
                continue
            langs = stage.languages.get(name) or task.train_languages
            foreign = [x for x in langs if x != "en"]
            if foreign:
                found.append(f"{name} ({', '.join(foreign)})")
    return found


def check_zero_shot(
    catalog: Catalog, stages: list[Stage], target: TaskSpec, allow: bool
) -> bool:
    """True if the plan keeps the target zero-shot; raise if it does not and not `allow`."""
    found = leaks(catalog, stages, target)
    if found and not allow:
        raise XHarnessError(
            f"the plan trains on {target.name}'s own task family ({target.family}) in "
            f"non-English languages: {'; '.join(found)}. The result would not be zero-shot",
            fix="drop those tasks from --intermediate, or pass --allow-non-zero-shot (the "
            "result is then marked as not zero-shot)",
        )
    return not found
