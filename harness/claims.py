"""Claims: which process trains which unit when several share one runs folder.

N identical commands (a Slurm job array, two terminals, a Ray cluster and a stray local
run) split a grid by claiming each unit before training it. A claim is

- in a local or NFS runs folder, an exclusive `flock` (through `filelock`) on
  `claims/<kind>-<key>.lock`. The kernel (or the NFS server's lock manager) drops it when
  its process dies, so a `kill -9`-ed worker's unit is free at once and the next claimant
  resumes it from its checkpoint. Next to the lock, `<kind>-<key>.json` says who holds it
  (host, pid, since); it is informational, the lock is the truth.
- behind an fsspec URL (object stores have no locks), a lease object
  `claims/<kind>-<key>.json` with the holder, a heartbeat renewed every `ttl / 3` seconds by
  a background thread, and an expiry `ttl` seconds after the last heartbeat. An expired
  lease (its holder died or lost the network) may be taken. Acquiring writes the lease,
  waits `settle` seconds and reads it back: of two processes that wrote at once, the one
  whose lease is read back wins. Clocks of the hosts must agree to well under `ttl`.

A failed unit leaves `<kind>-<key>.failed.json` (who, when, the error's first line) for
`xharness status`; it is removed when the unit is claimed again.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from harness import distributed
from harness.atomic import write_json_atomic

log = logging.getLogger("xharness")
CLAIMS_DIR = "claims"


def me() -> dict[str, Any]:
    """This process, as a record names the one that trained a unit."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def unit_name(kind: str, key: str) -> str:
    return f"{kind}-{key}"


@dataclass
class Holder:
    """Who holds (or last held) a claim."""

    host: str
    pid: int
    since: str
    label: str
    token: str = ""
    heartbeat: float | None = None
    expires: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def who(self) -> str:
        return f"{self.host}:{self.pid}"


def _holder(label: str, token: str) -> Holder:
    from harness.records import now

    info = me()
    return Holder(info["host"], info["pid"], now(), label, token)


class Claims:
    """The claims of one runs folder, as seen by this process."""

    def try_claim(self, kind: str, key: str, label: str) -> bool:
        """Claim the unit for this process; False if another process holds it."""
        raise NotImplementedError

    def release(self, kind: str, key: str) -> None:
        raise NotImplementedError

    def holder(self, kind: str, key: str) -> Holder | None:
        """The live holder of a unit's claim (None if nobody holds it)."""
        raise NotImplementedError

    def holds(self, kind: str, key: str) -> bool:
        return unit_name(kind, key) in self._held

    def fail(self, kind: str, key: str, label: str, error: BaseException) -> None:
        """Leave a note that this unit failed here, for `xharness status`."""
        first = (str(error).strip().splitlines() or [""])[0]
        note = {**_holder(label, "").as_dict(), "error": f"{type(error).__name__}: {first}"}
        self._write_failure(unit_name(kind, key), note)

    def failure(self, kind: str, key: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def listing(self) -> list[str]:
        """Names (`<kind>-<key>`) of every unit with a claim file or failure note."""
        raise NotImplementedError

    def claim_blocking(self, kind: str, key: str, label: str, poll: float = 2.0) -> None:
        """Wait for the claim (for callers that have nothing else to do, e.g. a Ray task
        whose unit a stray local run is training)."""
        said = None
        while not self.try_claim(kind, key, label):
            holder = self.holder(kind, key)
            who = holder.who() if holder else "another process"
            if who != said:
                log.info("waiting for %s, which %s is training", label, who)
                said = who
            time.sleep(poll)

    _held: dict[str, Any]

    def _write_failure(self, name: str, note: dict[str, Any]) -> None:
        raise NotImplementedError


class LocalClaims(Claims):
    """flock-based claims in a local or NFS folder (`<runs>/claims`)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._held = {}

    def _lock(self, name: str) -> FileLock:
        self.root.mkdir(parents=True, exist_ok=True)
        return FileLock(self.root / f"{name}.lock", timeout=0, thread_local=False)

    def try_claim(self, kind: str, key: str, label: str) -> bool:
        name = unit_name(kind, key)
        if name in self._held:
            return True
        lock = self._lock(name)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return False
        self._held[name] = lock
        write_json_atomic(self.root / f"{name}.json", _holder(label, "").as_dict())
        (self.root / f"{name}.failed.json").unlink(missing_ok=True)
        return True

    def release(self, kind: str, key: str) -> None:
        lock = self._held.pop(unit_name(kind, key), None)
        if lock is not None:
            (self.root / f"{unit_name(kind, key)}.json").unlink(missing_ok=True)
            lock.release()

    def holder(self, kind: str, key: str) -> Holder | None:
        name = unit_name(kind, key)
        if name in self._held:
            return self._info(name)
        if not (self.root / f"{name}.lock").exists():
            return None
        probe = self._lock(name)
        try:
            probe.acquire(timeout=0)
        except Timeout:  # held: by whom the info file says
            return self._info(name) or Holder("?", 0, "?", "?")
        probe.release()
        return None

    def _info(self, name: str) -> Holder | None:
        try:
            return Holder(**json.loads((self.root / f"{name}.json").read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def failure(self, kind: str, key: str) -> dict[str, Any] | None:
        try:
            path = self.root / f"{unit_name(kind, key)}.failed.json"
            return json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def _write_failure(self, name: str, note: dict[str, Any]) -> None:
        write_json_atomic(self.root / f"{name}.failed.json", note)

    def listing(self) -> list[str]:
        if not self.root.is_dir():
            return []
        names = {p.name.split(".", 1)[0] for p in self.root.iterdir()
                 if not p.name.startswith(".")}
        return sorted(names)


class LeaseClaims(Claims):
    """Lease objects with a heartbeat, for runs folders behind an fsspec URL."""

    def __init__(self, fs: Any, root: str, ttl: float | None = None,
                 settle: float | None = None) -> None:
        self.fs, self.root = fs, f"{root.rstrip('/')}/{CLAIMS_DIR}"
        self.ttl = ttl or float(os.environ.get("XHARNESS_LEASE_S", "60"))
        self.settle = settle if settle is not None else float(
            os.environ.get("XHARNESS_LEASE_SETTLE_S", "1"))
        self._held = {}
        self._guard = threading.Lock()
        self._beat: threading.Thread | None = None
        self._stop = threading.Event()

    def _path(self, name: str, suffix: str = ".json") -> str:
        return f"{self.root}/{name}{suffix}"

    def _read(self, path: str) -> dict[str, Any] | None:
        try:
            with self.fs.open(path, "rb") as fh:
                return json.loads(fh.read().decode("utf-8"))
        except (FileNotFoundError, OSError, ValueError):
            return None

    def _write(self, path: str, data: dict[str, Any]) -> None:
        self.fs.makedirs(self.root, exist_ok=True)
        with self.fs.open(path, "wb") as fh:
            fh.write(json.dumps(data).encode("utf-8"))

    def try_claim(self, kind: str, key: str, label: str) -> bool:
        name = unit_name(kind, key)
        if name in self._held:
            return True
        current = self._read(self._path(name))
        if current and current.get("expires", 0) > time.time():
            return False
        lease = _holder(label, uuid.uuid4().hex)
        lease.heartbeat = time.time()
        lease.expires = lease.heartbeat + self.ttl
        self._write(self._path(name), lease.as_dict())
        time.sleep(self.settle)  # another writer at the same moment: the last one wins
        back = self._read(self._path(name))
        if not back or back.get("token") != lease.token:
            return False
        with self._guard:
            self._held[name] = lease
        try:
            self.fs.rm(self._path(name, ".failed.json"))
        except (FileNotFoundError, OSError):
            pass
        self._start_heartbeat()
        return True

    def _start_heartbeat(self) -> None:
        if self._beat is None or not self._beat.is_alive():
            self._stop.clear()
            self._beat = threading.Thread(target=self._renew, name="xharness-lease",
                                          daemon=True)
            self._beat.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            with self._guard:
                leases = list(self._held.items())
            for name, lease in leases:
                lease.heartbeat = time.time()
                lease.expires = lease.heartbeat + self.ttl
                try:
                    self._write(self._path(name), lease.as_dict())
                except OSError as exc:  # the next beat retries; the lease outlives one miss
                    log.warning("could not renew the lease of %s: %s", name, exc)

    def release(self, kind: str, key: str) -> None:
        name = unit_name(kind, key)
        with self._guard:
            lease = self._held.pop(name, None)
            if not self._held:
                self._stop.set()
        if lease is None:
            return
        current = self._read(self._path(name))
        if current and current.get("token") == lease.token:
            try:
                self.fs.rm(self._path(name))
            except (FileNotFoundError, OSError):
                pass

    def holder(self, kind: str, key: str) -> Holder | None:
        data = self._read(self._path(unit_name(kind, key)))
        if not data or data.get("expires", 0) <= time.time():
            return None
        try:
            return Holder(**data)
        except TypeError:
            return None

    def failure(self, kind: str, key: str) -> dict[str, Any] | None:
        return self._read(self._path(unit_name(kind, key), ".failed.json"))

    def _write_failure(self, name: str, note: dict[str, Any]) -> None:
        self._write(self._path(name, ".failed.json"), note)

    def listing(self) -> list[str]:
        try:
            entries = self.fs.ls(self.root, detail=False)
        except (FileNotFoundError, OSError):
            return []
        return sorted({e.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0] for e in entries})


@contextmanager
def claimed(claims: Claims, kind: str, key: str, label: str) -> Iterator[None]:
    """Hold a unit's claim while the body trains it, waiting for it if need be. Re-entrant:
    a scheduler that claimed the unit already passes through. Under DDP rank 0 claims for
    all ranks (they train the unit together). A failure is noted for `xharness status`."""
    if claims.holds(kind, key):
        yield
        return
    d = distributed.current()
    if d.is_main:
        claims.claim_blocking(kind, key, label)
    d.barrier()
    try:
        yield
    except Exception as exc:
        if d.is_main:
            claims.fail(kind, key, label, exc)
        raise
    finally:
        if d.is_main:
            claims.release(kind, key)
