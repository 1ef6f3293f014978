"""Claims: one holder per unit; a dead holder's claim is free (flock at once, a lease at
its expiry)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import fsspec

from harness.claims import LeaseClaims, LocalClaims

HOLD = """
import sys, time
from pathlib import Path
from harness.claims import LocalClaims
claims = LocalClaims(Path(sys.argv[1]))  # kept: a lock is released with its object
assert claims.try_claim("target", "k1", "a unit")
print("held", flush=True)
time.sleep(600)
"""


def test_a_local_claim_is_exclusive_and_freed_when_its_process_is_killed(tmp_path: Path
                                                                         ) -> None:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], text=True,
                            stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == "held"
    mine = LocalClaims(tmp_path)
    assert not mine.try_claim("target", "k1", "a unit")
    assert mine.holder("target", "k1").pid == proc.pid
    assert mine.try_claim("target", "k2", "another unit")  # other units stay free
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert mine.holder("target", "k1") is None
    assert mine.try_claim("target", "k1", "a unit")  # taken over at once
    mine.release("target", "k1")
    other = LocalClaims(tmp_path)
    assert other.try_claim("target", "k1", "a unit")


def test_a_lease_is_exclusive_until_it_expires(tmp_path: Path) -> None:
    fs = fsspec.filesystem("file")
    a = LeaseClaims(fs, str(tmp_path), ttl=1.5, settle=0.05)
    b = LeaseClaims(fs, str(tmp_path), ttl=1.5, settle=0.05)
    assert a.try_claim("intermediate", "k", "stage 1")
    time.sleep(2.0)  # a's heartbeat (every ttl / 3) keeps it alive past its first expiry
    assert not b.try_claim("intermediate", "k", "stage 1")
    assert b.holder("intermediate", "k").token == a._held["intermediate-k"].token
    a._stop.set()  # a's process dies: no more heartbeats
    a._beat.join()
    time.sleep(1.6)
    assert b.holder("intermediate", "k") is None
    assert b.try_claim("intermediate", "k", "stage 1")
    b.release("intermediate", "k")
    assert b.holder("intermediate", "k") is None
