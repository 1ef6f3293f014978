"""Bitext mining and nearest-neighbour retrieval on sentence vectors, with faiss.

The semantics follow what XTREME's retrieval scripts (derived from LASER) do: cosine
similarity on L2-normalised vectors; BUCC scores a candidate pair by the *ratio margin*
cos(x, y) / ((mean_k cos(x, NN_k(x)) + mean_k cos(y, NN_k(y))) / 2) with k = 4 in both
directions, pools forward and backward best candidates and keeps them greedily one-to-one
("max" retrieval); the decision threshold is the one that maximises F1 on the dev gold.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import faiss
import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

from harness.device import search_device


def normalized(x: np.ndarray) -> np.ndarray:
    out = np.ascontiguousarray(x, dtype=np.float32).copy()
    faiss.normalize_L2(out)
    return out


def knn(query: np.ndarray, base: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Inner-product k nearest neighbours of each query row among `base` rows."""
    index = faiss.IndexFlatIP(base.shape[1])
    index.add(base)
    return index.search(query, min(k, base.shape[0]))


#: largest similarity tile (rows x columns) computed at once. On the CPU tall tiles (many
#: x rows against few y rows, 16 MiB of float32): OpenBLAS's sgemm ran as fast on them
#: as on one whole product, where tiles of fewer x rows (256-1024) ran up to 2x slower;
#: 2 GiB on a GPU. Pools of any size mine in bounded memory.
TILE_ROWS, TILE_COLS = 4096, 1024
GPU_TILE_ROWS, GPU_TILE_COLS = 8192, 65536
#: the column direction's pre-filter (CPU): rows of a tile in groups of GROUP, their
#: maxima over SUPER disjoint sets give each column a lower bound of its k-th best
GROUP, SUPER = 16, 16


def _even_tiles(n: int, most: int, multiple_of: int = 1) -> range:
    """Tile starts splitting n into equal tiles of at most `most` (no small last tile),
    their number a multiple of `multiple_of` where n allows (one per worker thread)."""
    count = max(1, math.ceil(n / most))
    count = min(max(1, n), -(-count // multiple_of) * multiple_of)
    size = math.ceil(n / count)
    return range(0, n, max(1, size))


Neighbours = tuple[np.ndarray, np.ndarray]  # (similarities, indices), best first per row


def knn_both_ways(x: np.ndarray, y: np.ndarray, k: int,
                  device: torch.device | str | None = None) -> tuple[Neighbours, Neighbours]:
    """Inner-product k nearest neighbours of every x row among y, and of every y row among
    x, from one pass over the similarity matrix.

    Margin mining needs both directions; two `knn` searches would compute every x.y
    product twice. Here each tile of x @ y.T is computed once. On the CPU (no device) it
    is one single-threaded NumPy float32 sgemm per tile, in one worker thread per BLAS
    thread (`_cpu_tiles`), into a reused buffer; each x row's top k comes
    from faiss's heaps on the tile's rows, each y row's from a pre-filter over the tile's
    columns (`_add_columns`: no transposed copy). With a `device` both directions' top k
    come from each tile with `torch.topk`, merged across tiles, and the product is
    torch's on that device (a GPU: `harness.device.searching_on` sets it while a GPU
    encoder is evaluated), in fp32 with TF32 off, so results agree
    with faiss's to float32 tolerance; `device="cpu"` runs that torch path on the CPU.
    Among exactly equal similarities either index may be kept, as with faiss."""
    dev = torch.device(device) if device is not None else search_device()
    kx, ky = min(k, len(y)), min(k, len(x))
    if not kx or not ky:  # an empty pool: nobody has a neighbour
        return ((np.empty((len(x), 0), np.float32), np.empty((len(x), 0), np.int64)),
                (np.empty((len(y), 0), np.float32), np.empty((len(y), 0), np.int64)))
    if dev is None:  # the CPU: one BLAS product per tile, faiss heaps, a column filter
        return _cpu_tiles(x, y, kx, ky)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    if dev.type != "cpu":
        xt, yt = xt.to(dev), yt.to(dev)
        rows_at = _even_tiles(len(x), GPU_TILE_ROWS)
        cols_at = _even_tiles(len(y), GPU_TILE_COLS)
    else:
        rows_at, cols_at = _even_tiles(len(x), TILE_ROWS), _even_tiles(len(y), TILE_COLS)
    target = xt.device
    row_sims = torch.empty((len(x), kx), dtype=torch.float32, device=target)
    row_ids = torch.empty((len(x), kx), dtype=torch.int64, device=target)
    col_sims = torch.full((ky, len(y)), -math.inf, dtype=torch.float32, device=target)
    col_ids = torch.full((ky, len(y)), -1, dtype=torch.int64, device=target)
    with _fp32_products():
        for i in rows_at:
            best: tuple[torch.Tensor, torch.Tensor] | None = None
            for j in cols_at:
                sims = xt[i : i + rows_at.step] @ yt[j : j + cols_at.step].T
                rows, cols = sims.shape
                v, ix = sims.topk(min(kx, cols), dim=1)
                best = (v, ix + j) if best is None else _merge(best, (v, ix + j), kx, 1)
                v, ix = sims.topk(min(ky, rows), dim=0)
                col_sims[:, j : j + cols], col_ids[:, j : j + cols] = _merge(
                    (col_sims[:, j : j + cols], col_ids[:, j : j + cols]), (v, ix + i), ky, 0)
            assert best is not None
            row_sims[i : i + rows_at.step], row_ids[i : i + rows_at.step] = best
    return ((row_sims.cpu().numpy(), row_ids.cpu().numpy()),
            (col_sims.T.contiguous().cpu().numpy(), col_ids.T.contiguous().cpu().numpy()))


def _cpu_tiles(x: np.ndarray, y: np.ndarray, kx: int, ky: int
               ) -> tuple[Neighbours, Neighbours]:
    """Both directions on the CPU, in as many worker threads as BLAS has threads.

    Each worker runs single-threaded sgemm on its own row tiles (every W-th: the tile count
    is a multiple of W, so they finish together) and does their bookkeeping itself, so
    the heaps and the column filter use every core the product uses; with one multi-
    threaded sgemm per tile that bookkeeping ran on one core while the other waited
    (1.4x the bare product at 10k x 10k, idle machine). Rows are disjoint per worker, so
    the x heaps are shared; each worker keeps its own y heaps, merged at the end. The
    neighbours do not depend on W; the similarities only to float32 rounding (tile
    heights change sgemm's rounding, as they do between BLAS builds)."""
    workers = max(1, min(_blas_threads(), len(x)))
    fwd = _TopK(len(x), kx)
    rows_at = _even_tiles(len(x), TILE_ROWS, multiple_of=workers)
    cols_at = _even_tiles(len(y), TILE_COLS)
    starts = list(rows_at)

    def work(mine_: list[int]) -> _TopK:
        faiss.omp_set_num_threads(1)  # this thread's OpenMP: the workers are the threads
        bwd = _TopK(len(y), ky)
        buf = np.empty(-(-rows_at.step // GROUP) * GROUP * cols_at.step, dtype=np.float32)
        for i in mine_:
            xs = x[i : i + rows_at.step]
            rows = len(xs)
            padded = -(-rows // GROUP) * GROUP
            for j in cols_at:
                ys = y[j : j + cols_at.step]
                cols = len(ys)
                sims = buf[: padded * cols].reshape(padded, cols)
                np.matmul(xs, ys.T, out=sims[:rows])
                fwd.heap.addn(cols, faiss.swig_ptr(sims), j, i, rows)
                sims[rows:] = -np.inf
                _add_columns(bwd, sims, i, j)
        return bwd

    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(work, [starts[w::workers] for w in range(workers)]))
    return fwd.result(), _merged(parts, ky)


def _blas_threads() -> int:
    """The threads BLAS would use for one product (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS
    or the cores), which is what one multi-threaded sgemm would occupy."""
    return max((info["num_threads"] for info in threadpool_info()
                if info["user_api"] == "blas"), default=1)


def _merged(parts: list[_TopK], k: int) -> Neighbours:
    """The k best of the workers' heaps for the same rows, best first, ties by index."""
    if len(parts) == 1:
        return parts[0].result()
    sims = np.concatenate([p.sims for p in parts], axis=1)
    ids = np.concatenate([p.ids for p in parts], axis=1)
    order = np.lexsort((ids, -sims), axis=1)[:, :k]
    return np.take_along_axis(sims, order, axis=1), np.take_along_axis(ids, order, axis=1)


def _add_columns(top: _TopK, sims: np.ndarray, i: int, j: int) -> None:
    """Offer column c of the tile `sims` (rows i.., y rows j..) to y row j + c's heap,
    after a pre-filter that drops what cannot make its top k.

    A bound on each column's final k-th best: its heap top (the k-th best of the rows
    seen so far), or the k-th largest of the maxima of SUPER disjoint sets of the tile's
    rows (k distinct entries at least as large). The rows form groups of GROUP (group m:
    rows m, m + G, m + 2G, ... for G = rows / GROUP, so its max is a max over contiguous
    slabs, the cheapest reduction); only groups whose max reaches the bound are read, and
    only their entries that reach it are offered, each column's in row order. One
    reduction pass over the tile, where the transposed copy it replaces cost about a third
    of the product's time (4k x 4k, profiled)."""
    padded, cols = sims.shape
    groups = padded // GROUP
    group_max = sims.reshape(GROUP, groups, cols).max(axis=0)
    bound = top.sims[j : j + cols, 0].copy()  # the min-heaps' tops
    per_set = groups // SUPER
    if per_set and SUPER >= top.heap.k:
        set_max = group_max[: SUPER * per_set].reshape(SUPER, per_set, cols).max(axis=1)
        np.maximum(bound, np.partition(set_max, SUPER - top.heap.k, axis=0)[SUPER - top.heap.k],
                   out=bound)
    group, col = np.nonzero(group_max >= bound)
    if not len(col):
        return
    # the groups' entries in memory order (ascending `at`; gathered in column order they
    # missed the cache on every entry: 2.6x slower in the search), then those that reach
    # the bound, by column
    at = (((groups * np.arange(GROUP))[:, None] + group) * cols + col).ravel()
    vals = sims.ravel().take(at)
    keep = vals >= bound[at % cols]
    vals, at = vals[keep], at[keep]
    row, col = np.divmod(at, cols)
    order = np.argsort(col, kind="stable")  # `at` ascending: rows ascending per column
    vals, row, col = vals[order], row[order], col[order]
    counts = np.bincount(col, minlength=cols)
    width = int(counts.max())
    slot = np.arange(len(col)) - np.repeat(np.cumsum(counts) - counts, counts)
    dense = np.full((cols, width), -np.inf, dtype=np.float32)  # never enters a heap
    ids = np.full((cols, width), -1, dtype=np.int64)
    dense[col, slot], ids[col, slot] = vals, row + i
    top.heap.addn_with_ids(width, faiss.swig_ptr(dense), faiss.swig_ptr(ids), width, j, cols)


class _TopK:
    """n bounded min-heaps of size k (faiss's), keeping the k largest values per row.
    Filled and sorted with NumPy: faiss's `heapify` and `reorder` took 30 ms each for
    4k heaps of 4 on the loaded 2-core machine (OpenMP start-up), NumPy well under 1 ms."""

    def __init__(self, n: int, k: int) -> None:
        # the heaps' neutral element (faiss's CMin: lowest float, id -1): a valid heap
        self.sims = np.full((n, k), np.finfo(np.float32).min, dtype=np.float32)
        self.ids = np.full((n, k), -1, dtype=np.int64)
        self.heap = faiss.float_minheap_array_t()
        self.heap.nh, self.heap.k = n, k
        self.heap.val, self.heap.ids = faiss.swig_ptr(self.sims), faiss.swig_ptr(self.ids)

    def result(self) -> Neighbours:
        """Best first; equal similarities by index."""
        order = np.lexsort((self.ids, -self.sims), axis=1)
        return (np.take_along_axis(self.sims, order, axis=1),
                np.take_along_axis(self.ids, order, axis=1))


def _merge(a: tuple[torch.Tensor, torch.Tensor], b: tuple[torch.Tensor, torch.Tensor],
           k: int, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The k best of two candidate lists along `dim`, best first."""
    sims, ids = torch.cat([a[0], b[0]], dim=dim), torch.cat([a[1], b[1]], dim=dim)
    top, at = sims.topk(min(k, sims.shape[dim]), dim=dim)
    return top, ids.gather(dim, at)


@contextlib.contextmanager
def _fp32_products() -> Iterator[None]:
    """Full float32 matrix products (no TF32) for the span of the search."""
    before = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = before


def faiss_both_ways(x: np.ndarray, y: np.ndarray, k: int) -> tuple[Neighbours, Neighbours]:
    """The same neighbours from two faiss flat-index searches (each computes the product
    once): the reference the tiled search is tested against."""
    return knn(x, y, k), knn(y, x, k)


def nearest(query: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Index of the cosine-nearest `base` row for every `query` row."""
    _, ind = knn(normalized(query), normalized(base), 1)
    return ind[:, 0]


#: query rows per gather of their candidates' vectors: 256 x k x dim floats stay in cache,
#: where one gather of all of them (10k x 4 x 1024: 160 MB, written then read) cost a
#: fifth of the whole mining's time at 10k x 10k
GATHER_ROWS = 256


def _candidate_cosines(q: np.ndarray, base: np.ndarray, ind: np.ndarray) -> np.ndarray:
    """cos(q_n, base[ind[n, c]]) for every query row n and candidate c, recomputed from the
    vectors as XTREME's (LASER's) scorer does; in row chunks, the same arithmetic per entry
    as one einsum over all rows (bit-identical: tested)."""
    out = np.empty(ind.shape, dtype=np.float32)
    for s in range(0, len(q), GATHER_ROWS):
        out[s : s + GATHER_ROWS] = np.einsum(
            "nd,nkd->nk", q[s : s + GATHER_ROWS], base[ind[s : s + GATHER_ROWS]])
    return out


def mine(x: np.ndarray, y: np.ndarray, k: int = 4,
         search: Callable[[np.ndarray, np.ndarray, int], tuple[Neighbours, Neighbours]]
         = knn_both_ways) -> list[tuple[int, int, float]]:
    """Candidate pairs (i in x, j in y, ratio-margin score), one-to-one, best first.
    `search` finds both directions' neighbours (the benchmark swaps in a brute force)."""
    x, y = normalized(x), normalized(y)
    (fwd_sim, fwd_ind), (bwd_sim, bwd_ind) = search(x, y, k)
    fwd_mean, bwd_mean = fwd_sim.mean(axis=1), bwd_sim.mean(axis=1)

    def best(q: np.ndarray, base: np.ndarray, ind: np.ndarray, q_mean: np.ndarray,
             b_mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = _candidate_cosines(q, base, ind) / ((q_mean[:, None] + b_mean[ind]) / 2)
        arg = scores.argmax(axis=1)
        rows = np.arange(len(q))
        return ind[rows, arg], scores[rows, arg]

    fwd_best, fwd_score = best(x, y, fwd_ind, fwd_mean, bwd_mean)
    bwd_best, bwd_score = best(y, x, bwd_ind, bwd_mean, fwd_mean)
    pairs = np.concatenate([
        np.stack([np.arange(len(x)), fwd_best], axis=1),
        np.stack([bwd_best, np.arange(len(y))], axis=1),
    ])
    scores = np.concatenate([fwd_score, bwd_score])
    seen_x: set[int] = set()
    seen_y: set[int] = set()
    out = []
    for n in np.argsort(-scores, kind="stable"):
        i, j = int(pairs[n, 0]), int(pairs[n, 1])
        if i not in seen_x and j not in seen_y:
            seen_x.add(i)
            seen_y.add(j)
            out.append((i, j, float(scores[n])))
    return out


def best_threshold(candidates: dict[tuple[str, str], float],
                   gold: Iterable[tuple[str, str]]) -> float:
    """The score threshold that maximises F1 of `candidates` against `gold`: halfway
    between the last kept and the first dropped candidate, as XTREME's BUCC script."""
    gold = set(gold)
    items = sorted(candidates.items(), key=lambda kv: -kv[1])
    best_f1, threshold = 0.0, 0.0
    correct = 0
    for n, (pair, score) in enumerate(items, 1):
        correct += pair in gold
        if not correct:
            continue
        precision, recall = correct / n, correct / len(gold)
        f1 = 2 * precision * recall / (precision + recall)
        if f1 > best_f1:
            best_f1 = f1
            nxt = items[n][1] if n < len(items) else score
            threshold = (score + nxt) / 2
    return threshold
