"""The cost of claiming: a grid of 30 short units (baseline on xnli, pawsx and udpos, ten
seeds, a few steps each) run by 1 process, then by 3 processes on one runs folder, on
this machine. Prints both wall times and their ratio; with P cores the ideal 3-process
time is the 1-process time / min(3, P), so on a 2-core machine the ratio to look at is
against 1/2, and the claim and polling overhead is what remains beyond it.

    python benchmarks/claims.py [--steps 5] [--seeds 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(n: int, runs: Path, args: list[str]) -> float:
    cmd = [sys.executable, "-m", "harness.cli", "eval", *args, "--runs-dir", str(runs)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(n)]
    codes = [p.wait() for p in procs]
    took = time.perf_counter() - start
    if any(codes):
        sys.exit(f"a process failed ({codes}): {' '.join(cmd)}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=10)
    a = ap.parse_args()
    args = ["-s", "baseline", "-t", "xnli,pawsx,udpos", "--seeds", str(a.seeds),
            "--threads", "1", "--set", f"max_steps={a.steps}"]
    units = 3 * a.seeds
    with tempfile.TemporaryDirectory() as tmp:
        one = run(1, Path(tmp) / "one", args)
        three = run(3, Path(tmp) / "three", args)
    cores = len(os.sched_getaffinity(0))
    print(f"{units} units, {a.steps} steps each, {cores} cores")
    print(f"1 process:   {one:.1f} s")
    print(f"3 processes: {three:.1f} s (ratio {three / one:.2f}; ideal {1 / min(3, cores):.2f})")


if __name__ == "__main__":
    main()
