"""BUCC-style bitext mining, 10k x 10k sentence vectors: faiss (what xharness uses)
against a NumPy brute force, side by side in one process.

    python benchmarks/retrieval.py [--n 10000] [--dim 1024] [--rounds 3]

Both compute the same thing: k-nearest neighbours by cosine in both directions (k = 4),
the ratio margin of every candidate and the greedy one-to-one selection. The neighbours
must be identical, and so must the mined pairs; their order by margin can swap where two
margins differ by less than float32 rounding (the two sum in different orders). The
NumPy version materialises the full similarity matrix (float32 matmul, then
`argpartition`); faiss searches in blocks without it. The script checks both and reports
the time ratio; the vectors hide `n / 2` planted translation pairs.
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


def numpy_knn(query: np.ndarray, base: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Brute force: the full similarity matrix, then the top k of each row."""
    sims = query @ base.T
    idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(sims, idx, axis=1)
    order = np.argsort(-top, axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1), np.take_along_axis(idx, order, axis=1)


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
    faiss_times, numpy_times = [], []
    for r in range(opts.rounds):
        first = ("faiss", "numpy") if r % 2 == 0 else ("numpy", "faiss")
        for name in first:
            if name == "faiss":
                t, mined_faiss = timed(mining.mine, x, y)
                faiss_times.append(t)
            else:
                original = mining.knn
                mining.knn = numpy_knn  # the same mining code on brute-force neighbours
                try:
                    t, mined_numpy = timed(mining.mine, x, y)
                finally:
                    mining.knn = original
                numpy_times.append(t)
    # the same one-to-one pairs; their order (by margin) may swap where margins tie
    same_pairs = {(i, j) for i, j, _ in mined_faiss} == {(i, j) for i, j, _ in mined_numpy}
    differing = len({(i, j) for i, j, _ in mined_faiss} ^ {(i, j) for i, j, _ in mined_numpy})
    xn, yn = mining.normalized(x), mining.normalized(y)
    same_neighbours = all(
        np.array_equal(mining.knn(q, b, 4)[1], numpy_knn(q, b, 4)[1])
        for q, b in ((xn, yn), (yn, xn)))
    max_score_diff = max(abs(a[2] - b[2]) for a, b in zip(mined_faiss, mined_numpy,
                                                          strict=True))
    f, n = float(np.median(faiss_times)), float(np.median(numpy_times))
    result = {"benchmark": "retrieval", "n": opts.n, "dim": opts.dim, "k": 4,
              "rounds": opts.rounds, "machine": results_file.machine(), "faiss_s": f, "numpy_s": n,
              "speedup": n / f, "identical_neighbours": same_neighbours,
              "identical_pairs": same_pairs, "pairs_in_one_list_only": differing,
              "max_score_difference": max_score_diff, "pairs_mined": len(mined_faiss)}
    print(f"mining {opts.n} x {opts.n} (dim {opts.dim}, k=4, median of {opts.rounds})")
    print(f"  faiss {f:.2f} s   numpy brute force {n:.2f} s   speedup {n / f:.2f}x")
    print(f"  identical k-nearest neighbours (both directions): {same_neighbours}")
    print(f"  identical mined pairs: {same_pairs} ({differing} pairs in one list only; max "
          f"score difference {max_score_diff:.2e})")
    results_file.write(result, "retrieval", opts.out)


if __name__ == "__main__":
    main()
