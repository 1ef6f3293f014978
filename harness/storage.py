"""Runs folders on shared storage named by an fsspec URL (`s3://bucket/runs`, `gs://...`,
`file:///mnt/nfs/runs`).

Training reads and writes a local mirror (`~/.cache/xharness/runs/<hash of the URL>`, or
`XHARNESS_CACHE`), because checkpoints and encoders are written and read many times; the
storage sees whole units only. Before a unit runs its folder is pulled if the storage has
it finished; after it finishes it is pushed, every file first and `record.json` last, so
the storage, like a local runs folder, never holds a record whose files are missing. Two
workers that finish the same unit push the same content. Mid-training checkpoints stay
local: a unit lost with its node restarts from its beginning elsewhere.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import XHarnessError
from harness.records import RECORD_FILE

log = logging.getLogger("xharness")


def is_url(value: str | os.PathLike[str]) -> bool:
    return "://" in str(value)


def mirror_for(url: str) -> Path:
    """The local folder that mirrors the storage at `url` on this machine."""
    base = Path(os.environ.get("XHARNESS_CACHE", Path.home() / ".cache" / "xharness"))
    return base / "runs" / hashlib.sha256(url.encode()).hexdigest()[:16]


@dataclass
class RemoteRuns:
    """A runs folder behind an fsspec URL, mirrored under `local`."""

    url: str
    local: Path
    _fs: Any = field(default=None, repr=False)
    _root: str = ""

    def __post_init__(self) -> None:
        try:
            import fsspec

            self._fs, self._root = fsspec.core.url_to_fs(self.url)
        except (ImportError, ValueError) as exc:
            raise XHarnessError(
                f"cannot open the runs storage {self.url!r}: {exc}",
                where="--runs-dir",
                fix="use a path, or an fsspec URL whose filesystem is installed "
                "(s3fs for s3://, gcsfs for gs://)",
            ) from exc
        self.local.mkdir(parents=True, exist_ok=True)

    def _remote(self, folder: Path) -> str:
        rel = folder.resolve().relative_to(self.local.resolve()).as_posix()
        return f"{self._root.rstrip('/')}/{rel}"

    def pull(self, folder: Path, marker: str = RECORD_FILE) -> bool:
        """Copy a unit finished on the storage (it has its `marker` file) into the mirror;
        False if the storage does not have it finished."""
        if (folder / marker).is_file():
            return True
        remote = self._remote(folder)
        if not self._fs.exists(f"{remote}/{marker}"):
            return False
        log.info("pulling %s from %s", folder.name, self.url)
        folder.mkdir(parents=True, exist_ok=True)
        for path in sorted(self._fs.find(remote)):
            rel = path[len(remote.rstrip("/")) + 1:]
            if rel == marker:
                continue
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            self._fs.get_file(path, str(folder / rel))
        tmp = folder / f".{marker}.tmp"
        self._fs.get_file(f"{remote}/{marker}", str(tmp))
        os.replace(tmp, folder / marker)
        return True

    def push(self, folder: Path, marker: str = RECORD_FILE) -> None:
        """Copy a finished unit to the storage, its `marker` file last."""
        remote = self._remote(folder)
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != marker)
        for path in [*files, folder / marker]:
            target = f"{remote}/{path.relative_to(folder).as_posix()}"
            self._fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
            self._fs.put_file(str(path), target)

    def has(self, folder: Path, marker: str = RECORD_FILE) -> bool:
        """Whether the storage has the unit finished (without copying it)."""
        return bool(self._fs.exists(f"{self._remote(folder)}/{marker}"))

    def read_json(self, folder: Path, name: str) -> Any:
        """One JSON file of a unit on the storage (None if absent or unreadable)."""
        import json

        try:
            with self._fs.open(f"{self._remote(folder)}/{name}", "rb") as fh:
                return json.loads(fh.read().decode("utf-8"))
        except (OSError, ValueError):
            return None

    def names(self, kind: str) -> list[str]:
        """The unit folders of one kind on the storage."""
        base = f"{self._root.rstrip('/')}/{kind}"
        if not self._fs.exists(base):
            return []
        return [e.rstrip("/").rsplit("/", 1)[-1] for e in self._fs.ls(base, detail=False)
                if not e.rstrip("/").rsplit("/", 1)[-1].startswith(".")]

    def pull_all(self, kind: str) -> None:
        """Every finished unit of one kind (`targets`): what the leaderboard reads."""
        base = f"{self._root.rstrip('/')}/{kind}"
        if not self._fs.exists(base):
            return
        for entry in self._fs.ls(base, detail=False):
            name = entry.rstrip("/").rsplit("/", 1)[-1]
            if not name.startswith("."):
                self.pull(self.local / kind / name)
