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

import faiss
import numpy as np
import torch

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


#: largest similarity tile (rows x columns) computed at once: 64 MiB of float32 on CPU,
#: 2 GiB on a GPU, so pools of any size mine in bounded memory; wide tiles keep the matrix
#: products efficient
TILE_ROWS, TILE_COLS = 1024, 16384
GPU_TILE_ROWS, GPU_TILE_COLS = 8192, 65536

def _even_tiles(n: int, most: int) -> range:
    """Tile starts splitting n into equal tiles of at most `most` (no small last tile)."""
    size = math.ceil(n / max(1, math.ceil(n / most)))
    return range(0, n, max(1, size))


Neighbours = tuple[np.ndarray, np.ndarray]  # (similarities, indices), best first per row


def knn_both_ways(x: np.ndarray, y: np.ndarray, k: int,
                  device: torch.device | str | None = None) -> tuple[Neighbours, Neighbours]:
    """Inner-product k nearest neighbours of every x row among y, and of every y row among
    x, from one pass over the similarity matrix.

    Margin mining needs both directions; two `knn` searches would compute every x.y
    product twice. Here each tile of x @ y.T is computed once. On the CPU (no device) it
    is NumPy's float32 BLAS and feeds faiss's top-k heaps for both directions (measured
    faster there than torch.topk). With a `device` both directions' top k come from each
    tile with `torch.topk`, merged across tiles (no transposed copy), and the product is
    torch's on that device (a GPU: `harness.device.searching_on` sets it while a GPU
    encoder is evaluated), in fp32 with TF32 off, so results agree
    with faiss's to float32 tolerance; `device="cpu"` runs that torch path on the CPU."""
    dev = torch.device(device) if device is not None else search_device()
    kx, ky = min(k, len(y)), min(k, len(x))
    if not kx or not ky:  # an empty pool: nobody has a neighbour
        return ((np.empty((len(x), 0), np.float32), np.empty((len(x), 0), np.int64)),
                (np.empty((len(y), 0), np.float32), np.empty((len(y), 0), np.int64)))
    if dev is None:  # the CPU: faiss's heaps measured faster than torch.topk there
        return _faiss_heaps(x, y, kx, ky)
    torch_products = True  # a GPU, or the CPU asked for by name (tests)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    if dev is not None and dev.type != "cpu":
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
            xs = x[i : i + rows_at.step]
            best: tuple[torch.Tensor, torch.Tensor] | None = None
            for j in cols_at:
                if torch_products:
                    sims = xt[i : i + rows_at.step] @ yt[j : j + cols_at.step].T
                else:
                    sims = torch.from_numpy(xs @ y[j : j + cols_at.step].T)
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


def _faiss_heaps(x: np.ndarray, y: np.ndarray, kx: int, ky: int
                 ) -> tuple[Neighbours, Neighbours]:
    """Each NumPy tile fed to faiss's top-k heaps: rows, and the transposed tile."""
    fwd, bwd = _TopK(len(x), kx), _TopK(len(y), ky)
    rows_at, cols_at = _even_tiles(len(x), TILE_ROWS), _even_tiles(len(y), TILE_COLS)
    for i in rows_at:
        xs = x[i : i + rows_at.step]
        for j in cols_at:
            sims = np.ascontiguousarray(xs @ y[j : j + cols_at.step].T)
            rows, cols = sims.shape
            fwd.heap.addn(cols, faiss.swig_ptr(sims), j, i, rows)
            sims_t = np.ascontiguousarray(sims.T)
            bwd.heap.addn(rows, faiss.swig_ptr(sims_t), i, j, cols)
    return fwd.result(), bwd.result()


class _TopK:
    """n bounded min-heaps of size k (faiss's), keeping the k largest values per row."""

    def __init__(self, n: int, k: int) -> None:
        self.sims = np.empty((n, k), dtype=np.float32)
        self.ids = np.empty((n, k), dtype=np.int64)
        self.heap = faiss.float_minheap_array_t()
        self.heap.nh, self.heap.k = n, k
        self.heap.val, self.heap.ids = faiss.swig_ptr(self.sims), faiss.swig_ptr(self.ids)
        self.heap.heapify()

    def result(self) -> Neighbours:
        self.heap.reorder()  # heap order -> descending similarity
        return self.sims, self.ids


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
        cos = np.einsum("nd,nkd->nk", q, base[ind])
        scores = cos / ((q_mean[:, None] + b_mean[ind]) / 2)
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
