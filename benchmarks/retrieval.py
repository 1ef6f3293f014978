"""BUCC-style bitext mining, 10k x 10k sentence vectors: xharness's faiss-based mining
against a NumPy brute force, side by side in one process.

    python benchmarks/retrieval.py [--n 10000] [--dim 1024] [--rounds 3]

All run the same mining code (`harness.mining.mine`: k-nearest neighbours by cosine in
both directions, k = 4, the ratio margin of every candidate, the greedy one-to-one
selection) and differ only in how the neighbours are found:

- xharness: one pass over tiles of the similarity matrix, each tile fed to faiss's top-k
  heaps for both directions (`mining.knn_both_ways`);
- NumPy brute force (the baseline): for each direction the full similarity matrix
  (float32 matmul), then `argpartition` per row;
- NumPy, one matrix: the full matrix once, `argpartition` along rows and along columns
  (reported for reference: how much of the gain a NumPy user gets by sharing the matrix).

The neighbours must be identical, and so must the mined pairs; their order by margin can
swap where two margins differ by less than float32 rounding. The vectors hide `n / 2`
planted translation pairs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import results_file  # noqa: E402  (beside this script)

from harness import mining  # noqa: E402


def top_k_rows(sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest entries of each row of a full similarity matrix, best first."""
    idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(sims, idx, axis=1)
    order = np.argsort(-top, axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1), np.take_along_axis(idx, order, axis=1)


def numpy_both_ways(x: np.ndarray, y: np.ndarray, k: int) -> tuple[tuple, tuple]:
    """Brute force: per direction, the full similarity matrix, then the top k per row."""
    return top_k_rows(x @ y.T, k), top_k_rows(y @ x.T, k)


def numpy_one_matrix(x: np.ndarray, y: np.ndarray, k: int) -> tuple[tuple, tuple]:
    """The full matrix once, its top k along rows and along columns."""
    sims = x @ y.T
    return top_k_rows(sims, k), top_k_rows(sims.T, k)


CONTENDERS = {"xharness": mining.knn_both_ways, "numpy": numpy_both_ways,
              "numpy_one_matrix": numpy_one_matrix}


def vectors(n: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim)).astype(np.float32)
    y = rng.normal(size=(n, dim)).astype(np.float32)
    half = n // 2
    perm = rng.permutation(n)[:half]
    y[perm] = x[:half] + 0.3 * rng.normal(size=(half, dim)).astype(np.float32)
    return x, y


def timed(fn: object, *args: object) -> tuple[float, list]:
    start = time.perf_counter()
    out = fn(*args)  # type: ignore[operator]
    return time.perf_counter() - start, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--dim", type=int, default=1024)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", type=Path, default=results_file.RESULTS,
                   help="folder for the JSON result")
    opts = p.parse_args()
    x, y = vectors(opts.n, opts.dim, 0)
    times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    mined: dict[str, list] = {}
    names = list(CONTENDERS)
    for r in range(opts.rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            t, mined[name] = timed(mining.mine, x, y, 4, CONTENDERS[name])
            times[name].append(t)
    ours = {(i, j) for i, j, _ in mined["xharness"]}
    # the same one-to-one pairs; their order (by margin) may swap where margins tie
    same_pairs = all({(i, j) for i, j, _ in m} == ours for m in mined.values())
    differing = max(len({(i, j) for i, j, _ in m} ^ ours) for m in mined.values())
    xn, yn = mining.normalized(x), mining.normalized(y)
    (_, fwd), (_, bwd) = mining.knn_both_ways(xn, yn, 4)
    same_neighbours = all(np.array_equal(fwd, f) and np.array_equal(bwd, b)
                          for name, search in CONTENDERS.items() if name != "xharness"
                          for (_, f), (_, b) in [search(xn, yn, 4)])
    max_score_diff = max(abs(a[2] - b[2]) for m in mined.values()
                         for a, b in zip(mined["xharness"], m, strict=False))
    f, n, one = (float(np.median(times[k])) for k in names)
    result = {"benchmark": "retrieval", "n": opts.n, "dim": opts.dim, "k": 4,
              "rounds": opts.rounds, "machine": results_file.machine(),
              "xharness_s": f, "numpy_s": n,
              "speedup": n / f, "numpy_one_matrix_s": one, "speedup_vs_one_matrix": one / f,
              "identical_neighbours": same_neighbours,
              "identical_pairs": same_pairs, "pairs_in_one_list_only": differing,
              "max_score_difference": max_score_diff, "pairs_mined": len(mined["xharness"])}
    print(f"mining {opts.n} x {opts.n} (dim {opts.dim}, k=4, median of {opts.rounds})")
    print(f"  xharness (faiss heaps, one pass) {f:.2f} s   numpy brute force {n:.2f} s   "
          f"speedup {n / f:.2f}x")
    print(f"  numpy, one matrix for both directions {one:.2f} s   speedup {one / f:.2f}x")
    print(f"  identical k-nearest neighbours (both directions): {same_neighbours}")
    print(f"  identical mined pairs: {same_pairs} ({differing} pairs in one list only; max "
          f"score difference {max_score_diff:.2e})")
    results_file.write(result, "retrieval", opts.out)


if __name__ == "__main__":
    main()
