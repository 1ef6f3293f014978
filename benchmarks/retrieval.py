"""BUCC-style bitext mining, 10k x 10k sentence vectors: xharness's mining against the
floor (one bare float32 product of the pools) and other searches, side by side in one
process, with a 400k x 400k estimate.

    python benchmarks/retrieval.py [--n 10000] [--dim 1024] [--rounds 3]
    python benchmarks/retrieval.py --n 50000 --rounds 1 --only xharness   # 400k estimate

All run the same mining code (`harness.mining.mine`: k-nearest neighbours by cosine in
both directions, k = 4, the ratio margin of every candidate, the greedy one-to-one
selection) and differ only in how the neighbours are found:

- xharness on the CPU (`mining.knn_both_ways`): one pass over tiles of the similarity
  matrix, one sgemm per tile into a reused buffer; the tile's rows feed faiss's top-k
  heaps, its columns a pre-filter (group maxima against a bound on the k-th best), so
  no transposed copy;
- faiss: two exact searches of a flat inner-product index, one per direction (each
  computes the whole product);
- torch top-k (xharness's GPU path, run on the CPU): both directions' top k taken from
  each tile with `torch.topk` and merged across tiles;
- NumPy brute force: for each direction the full similarity matrix (float32 matmul),
  then `argpartition` per row;
- NumPy, one matrix: the full matrix once, `argpartition` along rows and along columns.

The bare product (`x @ y.T`, NumPy float32, what any exact search must compute) is timed
beside them: mining / product is what the bookkeeping costs. Where the whole matrix
would not fit in `--product-memory` (50k x 50k is 10 GB), the product is timed in column
blocks into one reused buffer instead, and the output says so. The neighbours must be
identical, and so must the mined pairs; their order by margin can swap where two margins
differ by less than float32 rounding. The vectors hide `n / 2` planted translation pairs.

The 400k estimate: one product of two 400k pools is 2 * 400k^2 * dim FLOPs (xharness
computes it once for both directions); the CPU time measured here scaled by
(400k / n)^2; and a GPU's time at an *assumed* sustained fp32 throughput (`--gpu-tflops`,
TF32 off as xharness runs it), stated as an assumption, not a measurement.
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

BUCC_POOL = 400_000  # sentences per side of a real BUCC pair, roughly


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


def torch_topk_both_ways(x: np.ndarray, y: np.ndarray, k: int) -> tuple[tuple, tuple]:
    """xharness's GPU path (torch products, `torch.topk` per tile) run on the CPU."""
    return mining.knn_both_ways(x, y, k, device="cpu")


def bare_product(x: np.ndarray, y: np.ndarray, memory: int) -> None:
    """The floor: one float32 product of the (normalised) pools, nothing kept; in column
    blocks into one buffer where the whole matrix would exceed `memory` bytes."""
    if len(x) * len(y) * 4 <= memory:
        x @ y.T
        return
    cols = max(1, memory // (4 * len(x)))
    out = np.empty((len(x), cols), dtype=np.float32)
    for j in range(0, len(y), cols):
        part = y[j : j + cols]
        np.matmul(x, part.T, out=out[:, : len(part)] if len(part) < cols else out)


CONTENDERS = {"xharness": mining.knn_both_ways, "faiss": mining.faiss_both_ways,
              "torch_topk": torch_topk_both_ways, "numpy": numpy_both_ways,
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
    p.add_argument("--n", type=int, default=10_000, help="sentences per side")
    p.add_argument("--dim", type=int, default=1024)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--only", choices=list(CONTENDERS), action="append",
                   help="run only these contenders (the bare product always runs)")
    p.add_argument("--out", type=Path, default=results_file.RESULTS,
                   help="folder for the JSON result")
    p.add_argument("--name", default="retrieval", help="the JSON file's name")
    p.add_argument("--product-memory", type=float, default=2.0,
                   help="GiB the bare product may fill at once (else it runs in blocks)")
    p.add_argument("--gpu-tflops", type=float, default=40.0,
                   help="assumed sustained fp32 TFLOP/s of a GPU for the 400k estimate "
                        "(40: about 60%% of an H100's 67 TFLOP/s fp32 peak; an assumption)")
    opts = p.parse_args()
    x, y = vectors(opts.n, opts.dim, 0)
    names = opts.only or list(CONTENDERS)
    times: dict[str, list[float]] = {name: [] for name in ["product", *names]}
    mined: dict[str, list] = {}
    xn, yn = mining.normalized(x), mining.normalized(y)
    memory = int(opts.product_memory * 2**30)
    blocked = opts.n * opts.n * 4 > memory
    for r in range(opts.rounds):
        order = ["product", *names]
        for name in order if r % 2 == 0 else order[::-1]:
            if name == "product":
                t, _ = timed(bare_product, xn, yn, memory)
            else:
                t, mined[name] = timed(mining.mine, x, y, 4, CONTENDERS[name])
            times[name].append(t)
    med = {k: float(np.median(v)) for k, v in times.items()}
    ref = names[0]
    ours = {(i, j) for i, j, _ in mined[ref]}
    # the same one-to-one pairs; their order (by margin) may swap where margins tie
    same_pairs = all({(i, j) for i, j, _ in m} == ours for m in mined.values())
    differing = max(len({(i, j) for i, j, _ in m} ^ ours) for m in mined.values())
    same_neighbours = None
    if len(names) > 1:
        (_, fwd), (_, bwd) = CONTENDERS[ref](xn, yn, 4)
        same_neighbours = all(np.array_equal(fwd, f) and np.array_equal(bwd, b)
                              for name in names[1:]
                              for (_, f), (_, b) in [CONTENDERS[name](xn, yn, 4)])
    max_score_diff = max(abs(a[2] - b[2]) for m in mined.values()
                         for a, b in zip(mined[ref], m, strict=False))
    flops = 2 * opts.n * opts.n * opts.dim
    bucc_flops = 2 * BUCC_POOL * BUCC_POOL * opts.dim
    scale = (BUCC_POOL / opts.n) ** 2  # = bucc_flops / flops
    gpu_s = bucc_flops / (opts.gpu_tflops * 1e12)
    result = {"benchmark": "retrieval", "n": opts.n, "dim": opts.dim, "k": 4,
              "rounds": opts.rounds, "machine": results_file.machine(),
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "product_s": med["product"], "product_gflops": flops / med["product"] / 1e9,
              "product_in_blocks": blocked,
              **{f"{k}_s": v for k, v in med.items() if k != "product"},
              **{f"{k}_over_product": med[k] / med["product"] for k in names},
              "identical_neighbours": same_neighbours,
              "identical_pairs": same_pairs, "pairs_in_one_list_only": differing,
              "max_score_difference": max_score_diff, "pairs_mined": len(mined[ref]),
              "bucc_400k": {"pool": BUCC_POOL, "product_flops": bucc_flops,
                            "product_s_extrapolated": med["product"] * scale,
                            f"{ref}_s_extrapolated": med[ref] * scale,
                            "gpu_assumed_tflops": opts.gpu_tflops,
                            "gpu_product_s_assumed": gpu_s,
                            "from": f"{opts.n} x {opts.n}, scaled by (400k / n)^2 "
                                    f"({scale:.0f}x)"}}
    if "numpy" in med and "xharness" in med:
        result["speedup_vs_numpy"] = med["numpy"] / med["xharness"]
    print(f"mining {opts.n} x {opts.n} (dim {opts.dim}, k=4, median of {opts.rounds}; "
          f"{result['machine']}, {result['date']})")
    print(f"  bare float32 product x @ y.T{' (in column blocks)' if blocked else ''}: "
          f"{med['product']:.2f} s ({flops / med['product'] / 1e9:.0f} GFLOP/s)")
    for name in names:
        print(f"  {name:17s} {med[name]:.2f} s   {med[name] / med['product']:.2f}x the product")
    if "speedup_vs_numpy" in result:
        print(f"  xharness vs numpy brute force: {result['speedup_vs_numpy']:.2f}x faster")
    if same_neighbours is not None:
        print(f"  identical k-nearest neighbours (both directions): {same_neighbours}")
    print(f"  identical mined pairs: {same_pairs} ({differing} pairs in one list only; max "
          f"score difference {max_score_diff:.2e})")
    print(f"  BUCC-scale estimate, {BUCC_POOL} x {BUCC_POOL} x {opts.dim}: one product "
          f"{bucc_flops:.2e} FLOPs (computed once for both directions)")
    print(f"    this CPU, measured here x {scale:.0f}: product {med['product'] * scale / 60:.1f}"
          f" min, {ref} {med[ref] * scale / 60:.1f} min per language pair")
    print(f"    a GPU at an assumed {opts.gpu_tflops:.0f} TFLOP/s sustained fp32 (TF32 off): "
          f"{gpu_s:.1f} s for the product (an assumption, not measured)")
    results_file.write(result, opts.name, opts.out)


if __name__ == "__main__":
    main()
