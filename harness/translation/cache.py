"""A disk cache in front of any translator, so each translation is computed once.

Translating a training set with a neural model takes hours; the same sentences come back in
every run, seed and strategy that uses them. The cache is one sqlite file keyed by
(translator name and version, src, tgt, text): sqlite gives atomic transactions and safe sharing
between processes (WAL mode lets readers work while one process writes), and a crashed run
keeps every batch it committed. Translators are deterministic, so whichever process stores a
translation first stores the right one (`INSERT OR IGNORE`); two processes that miss the
same text at the same moment both compute it, which costs time, never correctness.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import XHarnessError
from harness.translation.base import Translator

__all__ = ["CachedTranslator"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    translator TEXT NOT NULL,
    src TEXT NOT NULL,
    tgt TEXT NOT NULL,
    text TEXT NOT NULL,
    translation TEXT NOT NULL,
    PRIMARY KEY (translator, src, tgt, text)
) WITHOUT ROWID
"""
_CHUNK = 500  # texts per lookup query, under sqlite's bound-parameter limit
_TIMEOUT_S = 120.0  # how long to wait for another process's write lock
_JITTER = random.Random()  # its own generator: a seeded run's global `random` stays untouched


@dataclass
class CachedTranslator:
    """`inner` behind a sqlite cache at `path`; the same name, so callers cannot tell.
    `version` says which translator of that name made a row (its spec and code): a changed
    translator under an old name finds none of the old translations."""

    inner: Translator
    path: Path
    version: str = ""
    name: str = field(init=False)
    hits: int = field(default=0, init=False)
    misses: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.name = self.inner.name
        self._key = f"{self.name}@{self.version}" if self.version else self.name
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._initialise()

    def _initialise(self) -> None:
        """Switch the file to WAL and create the table, however many processes start at once.

        Switching to WAL needs an exclusive lock, taken after a shared one. When two processes
        open a fresh file together, both hold the shared lock and want the exclusive one, and
        sqlite answers one of them SQLITE_BUSY at once instead of calling the busy handler
        (waiting could deadlock), so `timeout` does not cover it; a first CREATE TABLE that
        races another's can be refused the same way. Both are retried, with jitter, until the
        same deadline; a file already in WAL mode with its table passes at the first try."""
        deadline = time.monotonic() + _TIMEOUT_S
        while True:
            try:
                with self._connect() as db:
                    mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                    if mode.lower() == "wal":
                        db.execute(_SCHEMA)
                        return
                why = f"sqlite kept the journal mode {mode!r} instead of switching to WAL"
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    raise
                why = str(error)
            if time.monotonic() > deadline:
                raise XHarnessError(
                    f"the translation cache could not be opened in {_TIMEOUT_S:g} s ({why})",
                    where=str(self.path),
                    fix="stop any other process that holds it, or delete the file: it only "
                        "holds translations, which are recomputed")
            time.sleep(_JITTER.uniform(0.01, 0.1))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # One connection per call: nothing to share across threads or forked workers.
        with closing(sqlite3.connect(self.path, timeout=_TIMEOUT_S,
                                     isolation_level=None)) as db:
            yield db

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        unique = list(dict.fromkeys(texts))
        with self._connect() as db:
            found = self._lookup(db, unique, src, tgt)
            missing = [t for t in unique if t not in found]
            self.hits += sum(1 for t in texts if t in found)
            self.misses += len(missing)
            if missing:
                fresh = self.inner.translate(missing, src, tgt)
                if len(fresh) != len(missing):
                    raise RuntimeError(f"translator {self.name!r} returned {len(fresh)} "
                                       f"translations for {len(missing)} texts")
                db.execute("BEGIN IMMEDIATE")
                try:
                    db.executemany(
                        "INSERT OR IGNORE INTO translations VALUES (?, ?, ?, ?, ?)",
                        [(self._key, src, tgt, t, f) for t, f in zip(missing, fresh, strict=True)],
                    )
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                found.update(zip(missing, fresh, strict=True))
        return [found[t] for t in texts]

    def _lookup(self, db: sqlite3.Connection, texts: list[str], src: str,
                tgt: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                "SELECT text, translation FROM translations WHERE translator = ? AND src = ? "
                f"AND tgt = ? AND text IN ({marks})", [self._key, src, tgt, *chunk])
            found.update(rows)
        return found

    def __len__(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM translations").fetchone()[0])
