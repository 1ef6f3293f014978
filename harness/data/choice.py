"""Which data source serves a task under a profile: decided here, and only here.

A profile's `source` is a preference, not a requirement. In order:

1. the profile's `task_sources` entry for the task, if any (an explicit choice);
2. the profile's `source`, if the task has one of that kind;
3. `local`, if the task has a local source and a data root is known (`--data-root` or the
   profile's `data_root`, else the local source's own `default_root`);
4. the task's only source, if it has just one.

Anything else is a `NoSource` error that names what the task has and how to serve it.
Loading, fingerprints (cache keys), languages and the log line all ask this module, so the
source that served a task is the source its cache key names.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.config import Profile
from harness.errors import XHarnessError
from harness.specs import SourceKind, TaskSpec

KINDS: tuple[SourceKind, ...] = ("hub", "local", "embedded")


class NoSource(XHarnessError):
    """No source of the task can serve it under this profile (with these flags)."""


@dataclass(frozen=True)
class Served:
    """The source that serves a task, the data root a local source reads under, and why
    this source was chosen (for the log)."""

    kind: SourceKind
    root: str | None
    why: str

    def describe(self) -> str:
        where = f" under {self.root}" if self.kind == "local" and self.root else ""
        return f"{self.kind}{where} ({self.why})"


def available(task: TaskSpec) -> list[SourceKind]:
    return [k for k in KINDS if task.sources.get(k) is not None]


def local_root(task: TaskSpec, profile: Profile) -> tuple[str | None, str]:
    """The root a local source reads under, and where it came from."""
    if profile.data_root:
        return profile.data_root, "--data-root"
    local = task.sources.local
    if local is not None and local.default_root:
        return local.default_root, "the task's default root"
    return None, ""


def choose(task: TaskSpec, profile: Profile, *, need_root: bool = True) -> Served:
    """`need_root=False` (a dry run) lets a local source without a data root through, with
    `root=None`, so the plan can be shown and the data named as not at hand."""
    have = available(task)
    root, root_from = local_root(task, profile)
    explicit = profile.task_sources.get(task.name)
    if explicit is not None:
        if explicit not in have:
            raise NoSource(
                f"profile {profile.name!r} routes task {task.name!r} to its {explicit!r} "
                f"source, but the task has only: {', '.join(have)}",
                where=f"profiles.{profile.name}.task_sources.{task.name}",
                fix=f"route it to one of {have} or remove the entry",
            )
        kind, why = explicit, f"profile {profile.name}'s task_sources"
    elif profile.source in have:
        kind, why = profile.source, f"profile {profile.name}'s source"
    elif "local" in have and root:
        kind, why = "local", f"no {profile.source} source; local files from {root_from}"
    elif len(have) == 1:
        kind, why = have[0], f"its only source (no {profile.source} source)"
    else:
        hint = (" pass --data-root DIR holding its local files, or" if "local" in have
                else "")
        raise NoSource(
            f"task {task.name!r} has no {profile.source!r} source (profile "
            f"{profile.name!r}) and no other source is chosen: it has "
            f"{', '.join(have)}", where=f"tasks.{task.name}.sources",
            fix=f"{hint} use a profile whose source is one of {have}".strip(),
        )
    if kind == "local":
        local = task.sources.local
        assert local is not None
        if "{root}" in local.path and not root and need_root:
            raise NoSource(
                f"task {task.name!r} reads local files ({local.path}) but no data root is "
                "set", where=f"tasks.{task.name}.sources.local.path",
                fix="pass --data-root DIR (or set data_root in the profile, or "
                "default_root in the task's local source)",
            )
        return Served(kind, root, why)
    return Served(kind, None, why)
