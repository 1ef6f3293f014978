"""The benchmarks run: each script end to end at a toy size (the figures themselves are
measured by running them, never in tests). The GPU-scale throughput path is exercised on
CPU with a tiny config, so it stays runnable on machines that never had a GPU."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e


def _run(script: str, *args: str) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]


def test_gpu_scale_throughput_runs_on_cpu_with_a_tiny_config(tmp_path: Path) -> None:
    _run("train_throughput.py", "--gpu-scale", "--tiny-config", "--steps", "4",
         "--batch-size", "4", "--out", str(tmp_path))
    result = json.loads((tmp_path / "train_throughput-gpu-mnli-tiny.json").read_text())
    assert (result["steps"], result["batch_size"]) == (4, 4)  # the flags reached the loops
    ours, trainer = result["results"]["xharness"], result["results"]["trainer_dynamic"]
    assert ours["seconds"] > 0 and trainer["seconds"] > 0
    assert 0 < trainer["xharness_speedup"] < math.inf
    assert ours["model_tflops"] > 0 and result["parameters"] > 0


def test_cpu_throughput_compares_the_loops_over_seeds(tmp_path: Path) -> None:
    _run("train_throughput.py", "--steps", "3", "--batch-size", "8", "--n-train", "200",
         "--rounds", "2", "--out", str(tmp_path))
    result = json.loads((tmp_path / "train_throughput-cpu.json").read_text())
    assert result["seeds"] == [0, 1] and (result["steps"], result["batch_size"]) == (3, 8)
    # every loop ran once per seed, was timed and was scored on dev
    for name in ("xharness", "trainer_dynamic", "trainer_max_length"):
        run = result["results"][name]
        assert run["seconds"] > 0, name
        assert len(run["dev_accuracy"]) == 2, name
        assert all(0 <= acc <= 100 for acc in run["dev_accuracy"]), run
        if name != "xharness":
            assert 0 < run["xharness_speedup"] < math.inf


def test_retrieval_benchmark_finds_identical_pairs(tmp_path: Path) -> None:
    _run("retrieval.py", "--n", "400", "--dim", "32", "--rounds", "1", "--out", str(tmp_path))
    result = json.loads((tmp_path / "retrieval.json").read_text())
    assert result["identical_neighbours"] is True and result["identical_pairs"] is True
    assert result["pairs_mined"] > 200  # the 200 planted pairs and more
    assert result["xharness_over_product"] > 0 and result["torch_topk_s"] > 0
    assert result["bucc_400k"]["product_flops"] == 2 * 400_000 ** 2 * 32
