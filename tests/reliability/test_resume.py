"""`kill -9` in the middle of training, then the same command again: the run resumes from
its last checkpoint and ends with exactly the metrics of an uninterrupted run (CPU)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
CMD = [sys.executable, "-m", "harness.cli", "eval", "-s", "english-only", "-t", "xnli",
       "--intermediate", "mnli", "--threads", "1", "--set", "max_steps=150",
       "--set", "checkpoint_every=25", "--set", "eval_every=50"]


def _metrics(runs: Path) -> dict:
    [path] = (runs / "targets").glob("*/record.json")
    record = json.loads(path.read_text())
    return {"metrics": record["metrics"], "dev": record["dev"],
            "intermediate_dev": record["intermediate_dev"]}


def test_killed_run_resumes_to_identical_metrics(tmp_path: Path) -> None:
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    subprocess.run([*CMD, "--runs-dir", str(clean)], cwd=ROOT, check=True,
                   capture_output=True, timeout=900)

    proc = subprocess.Popen([*CMD, "--runs-dir", str(killed)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # wait until the target fine-tune (the second unit) has written a checkpoint, then kill
    deadline = time.time() + 600
    while time.time() < deadline:
        done = {p.parent.name for p in (killed / "intermediate").glob("*/record.json")}
        # a checkpoint of the fine-tune, not the intermediate one (removed just after its
        # record is written), and one swapped in: a `.KEY.*` folder is one still being
        # written, which a kill leaves behind unread
        ckpts = [p for p in (killed / "checkpoints").glob("*/trainer.json")
                 if p.parent.name not in done and not p.parent.name.startswith(".")]
        if done and ckpts:
            break
        if proc.poll() is not None:
            raise AssertionError("the run finished before it could be killed")
        time.sleep(0.2)
    else:
        raise AssertionError("no checkpoint appeared")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not list((killed / "targets").glob("*/record.json"))

    result = subprocess.run([*CMD, "--runs-dir", str(killed)], cwd=ROOT, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "resumed from the checkpoint" in result.stderr
    assert _metrics(killed) == _metrics(clean)  # bitwise: the same floats
    assert not list((killed / "checkpoints").glob("*/trainer.json"))  # cleaned up


def test_same_config_and_seed_give_the_same_metrics(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "harness.cli", "eval", "-s", "baseline", "-t", "pawsx",
           "--threads", "1", "--set", "max_steps=40"]
    for name in ("a", "b"):
        subprocess.run([*cmd, "--runs-dir", str(tmp_path / name)], cwd=ROOT, check=True,
                       capture_output=True, timeout=600)
    assert _metrics(tmp_path / "a") == _metrics(tmp_path / "b")
