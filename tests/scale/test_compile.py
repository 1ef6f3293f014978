"""`--set compile=true`: the encoder runs under `torch.compile` (dynamic shapes) for
training and evaluation, checkpoints keep their parameter names, and the run ends with a
record like any other. Slow (the compilation takes about half a minute on CPU)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_compiled_encoder_trains_checkpoints_and_evaluates(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "harness.cli", "eval", "-s", "baseline", "-t", "pawsx",
           "--threads", "2", "--set", "max_steps=12", "--set", "checkpoint_every=5",
           "--set", "compile=true", "--runs-dir", str(tmp_path)]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]
    [path] = (tmp_path / "targets").glob("*/record.json")
    record = json.loads(path.read_text())
    assert record["config"]["target_args"]["compile"] is True
    assert record["train"]["steps"] == 12
    langs = set(record["metrics"])
    assert {"en", "de", "es"} <= langs
    assert all(0 <= m["accuracy"] <= 100 for m in record["metrics"].values())
