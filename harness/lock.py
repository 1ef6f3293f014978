"""`xharness.lock`: the hub commit of every dataset and model a grid reads.

Hub repos change under a study that runs for weeks, and GPU nodes often have no internet.
`xharness fetch` resolves each repo's revision to a commit once, downloads it, and writes
this file; `eval` then reads exactly those commits (and works with HF_HUB_OFFLINE=1).
Every hub lookup goes through `resolve_commit`, so the rest is testable offline.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from harness.atomic import write_text_atomic
from harness.errors import XHarnessError
from harness.specs import Strict

RepoKind = Literal["dataset", "model"]
LOCK_FILE = "xharness.lock"
_SHA = re.compile(r"^[0-9a-f]{40}$")


class LockedRepo(Strict):
    """One repo at one requested revision, and the commit it resolved to."""

    kind: RepoKind
    repo: str
    requested: str | None = Field(description="the revision the registry asks for (None: main)")
    commit: str = Field(pattern=r"^[0-9a-f]{40}$")
    size_bytes: int | None = Field(default=None, ge=0, description="what fetch downloaded")


class Lock(Strict):
    version: Literal[1] = 1
    created: str
    profile: str
    repos: dict[str, LockedRepo] = Field(description="`kind:repo@requested` -> entry")


def entry_key(kind: RepoKind, repo: str, requested: str | None) -> str:
    return f"{kind}:{repo}@{requested or 'main'}"


def new_lock(profile: str, entries: list[LockedRepo]) -> Lock:
    return Lock(created=datetime.now(UTC).isoformat(timespec="seconds"), profile=profile,
                repos={entry_key(e.kind, e.repo, e.requested): e for e in entries})


def write_lock(path: Path, lock: Lock) -> None:
    write_text_atomic(path, lock.model_dump_json(indent=2) + "\n")


def read_lock(path: Path) -> Lock:
    try:
        return Lock.model_validate(json.loads(Path(path).read_text("utf-8")))
    except (OSError, json.JSONDecodeError, ValidationError) as exc:
        raise XHarnessError(
            f"cannot read the lock file: {type(exc).__name__}: {exc}".replace("\n", " "),
            where=str(path), fix="write it again with `xharness fetch` (same selection "
            "flags as eval), or delete it to read the hub's current revisions",
        ) from exc


def lock_path() -> Path | None:
    """The lock in force: $XHARNESS_LOCK (set by `--lock`), else ./xharness.lock."""
    named = os.environ.get("XHARNESS_LOCK")
    if named:
        if not Path(named).is_file():
            raise XHarnessError("the lock file does not exist", where=named,
                                fix="run `xharness fetch` first, or drop --lock")
        return Path(named)
    return Path(LOCK_FILE) if Path(LOCK_FILE).is_file() else None


_IGNORED = False


@contextmanager
def ignored() -> Iterator[None]:
    """No lock in force (fetch loads at the commits it has just resolved)."""
    global _IGNORED
    before, _IGNORED = _IGNORED, True
    try:
        yield
    finally:
        _IGNORED = before


def active() -> Lock | None:
    if _IGNORED:
        return None
    path = lock_path()
    return None if path is None else _read_cached(str(path.resolve()),
                                                  path.stat().st_mtime_ns)


@cache
def _read_cached(path: str, mtime_ns: int) -> Lock:
    return read_lock(Path(path))


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def resolve_commit(kind: RepoKind, repo: str, revision: str | None) -> str:
    """The one place xharness asks the hub which commit a revision names."""
    from huggingface_hub import HfApi

    api = HfApi()
    info = (api.dataset_info(repo, revision=revision) if kind == "dataset"
            else api.model_info(repo, revision=revision))
    if not info.sha:
        raise XHarnessError(f"the hub returned no commit for {kind} {repo!r} at "
                            f"{revision or 'main'}", fix="retry; check the repo id")
    return info.sha


@cache
def _resolved_or_none(kind: RepoKind, repo: str, revision: str | None) -> str | None:
    try:
        return resolve_commit(kind, repo, revision)
    except Exception:  # an unreachable hub: recorded as unknown, not fatal
        return None


def revision_for(kind: RepoKind, repo: str, requested: str | None) -> str | None:
    """The revision to load: the lock's commit when a lock is in force (an error if it
    lacks the repo, or if offline and the cache holds another commit), else `requested`."""
    lock = active()
    if lock is None:
        return requested
    entry = lock.repos.get(entry_key(kind, repo, requested))
    if entry is None:
        raise XHarnessError(
            f"the lock has no entry for {kind} {repo!r} at revision {requested or 'main'} "
            "(it was written for another selection, or the registry changed since)",
            where=str(lock_path()), fix="run `xharness fetch` with the same selection flags "
            "as this eval (it rewrites the lock), or pass --lock with the right file",
        )
    if offline():
        check_cached(entry)
    return entry.commit


def recorded_commit(kind: RepoKind, repo: str, requested: str | None) -> str | None:
    """What to write into records: the locked commit, a pinned sha, or (no lock, online)
    what the hub resolves the revision to now; None where that cannot be known."""
    lock = active()
    if lock is not None:
        entry = lock.repos.get(entry_key(kind, repo, requested))
        return entry.commit if entry else None
    if requested and _SHA.match(requested):
        return requested
    if offline() or hub_mirror() is not None:
        return None
    return _resolved_or_none(kind, repo, requested)


def cache_folder(kind: RepoKind, repo: str) -> Path:
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE) / f"{kind}s--{repo.replace('/', '--')}"


def check_cached(entry: LockedRepo) -> None:
    """Offline, the locked commit must be in the hub cache: a different one is a lock that
    disagrees with the cache, none at all a repo that was never fetched."""
    snapshots = cache_folder(entry.kind, entry.repo) / "snapshots"
    have = sorted(p.name for p in snapshots.iterdir()) if snapshots.is_dir() else []
    if entry.commit in have:
        return
    if have:
        raise XHarnessError(
            f"the lock pins {entry.kind} {entry.repo!r} at {entry.commit[:12]}, but the "
            f"Hugging Face cache holds only {', '.join(h[:12] for h in have)}",
            where=str(lock_path()), fix="run `xharness fetch` again (where the hub can be "
            "reached) with the same lock and cache, or point HF_HOME at the cache that "
            "fetch filled",
        )
    raise XHarnessError(
        f"{entry.kind} {entry.repo!r} (locked at {entry.commit[:12]}) is not in the Hugging "
        f"Face cache ({snapshots.parent}) and HF_HUB_OFFLINE is set",
        where=str(lock_path()), fix="run `xharness fetch` where the hub can be reached, "
        "with HF_HOME pointing at storage this node shares",
    )


def hub_mirror() -> Path | None:
    """$XHARNESS_HUB_MIRROR: a folder holding copies of hub dataset repos as
    `<owner>/<name>/` (the repo's files at the revision xharness reads), used instead of
    the hub. The offline tests load their replicas through it."""
    root = os.environ.get("XHARNESS_HUB_MIRROR")
    return Path(root) if root else None


def is_hub_model(ref: str) -> bool:
    """A hub id (not a shipped `embedded:` model, not a local folder)."""
    return not ref.startswith("embedded:") and not Path(ref).exists()


def model_revision(ref: str) -> str | None:
    """The revision to load a model at: the lock's commit for a hub id, else the default."""
    return revision_for("model", ref, None) if is_hub_model(ref) else None
