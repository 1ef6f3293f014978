"""End to end: the wall time of the embedded demo, `xharness eval --strategy combined
--target all`, from an empty runs folder, and of the same command again (everything
cached), each as a fresh `xharness` process.

    python benchmarks/end_to_end.py [--strategy combined] [--target all] [--seeds 1]

The runs go to a temporary folder that is removed afterwards; the JSON result lands in
`benchmarks/results/end_to_end.json`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import results_file

ROOT = Path(__file__).resolve().parent.parent


def xharness(*args: str) -> float:
    """Seconds one `xharness` process takes; its output is kept only if it fails."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=ROOT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"xharness {' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    return seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--strategy", default="combined")
    p.add_argument("--target", default="all")
    p.add_argument("--seeds", default="1")
    p.add_argument("--profile", default="embedded")
    p.add_argument("--out", type=Path, default=results_file.RESULTS,
                   help="folder for the JSON result")
    p.add_argument("--extra", nargs=argparse.REMAINDER, default=[],
                   help="further `xharness eval` arguments (e.g. --set max_steps=20)")
    opts = p.parse_args()
    runs = Path(tempfile.mkdtemp(prefix="xharness-e2e-"))
    try:
        command = ["eval", "--strategy", opts.strategy, "--target", opts.target,
                   "--seeds", opts.seeds, "--profile", opts.profile, *opts.extra]
        first = xharness(*command, "--runs-dir", str(runs))
        second = xharness(*command, "--runs-dir", str(runs))
        units = len(list((runs / "targets").glob("*/record.json")))
    finally:
        shutil.rmtree(runs, ignore_errors=True)
    result = {"benchmark": "end_to_end", "command": "xharness " + " ".join(command),
              "machine": results_file.machine(),
              "first_s": first, "cached_s": second, "target_runs": units}
    print(f"xharness eval --strategy {opts.strategy} --target {opts.target} "
          f"({units} target runs) on {result['machine']}")
    print(f"  from scratch {first:.1f} s   again (cached) {second:.1f} s")
    results_file.write(result, "end_to_end", opts.out)


if __name__ == "__main__":
    main()
