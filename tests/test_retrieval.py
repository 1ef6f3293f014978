"""Mining and retrieval: faiss neighbours, ratio margin, greedy one-to-one, threshold."""

from __future__ import annotations

import datasets
import numpy as np
import pytest

from harness import mining
from harness.config import TrainArgs
from harness.formats.retrieval import Retrieval
from harness.mining import best_threshold, knn_both_ways, mine, nearest, normalized
from harness.specs import TaskSpec


def _spec(metric: str) -> TaskSpec:
    return TaskSpec.model_validate({
        "name": "ret", "role": "target", "family": "retrieval", "format": "retrieval",
        "languages": ["de"], "metric": metric,
        "sources": {"embedded": {"builder": "xworld.builders.xnli:embedded",
                                 "languages": ["de"]}},
    })


def test_nearest_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    q, b = rng.normal(size=(50, 16)), rng.normal(size=(80, 16))
    cos = normalized(q) @ normalized(b).T
    assert nearest(q, b).tolist() == cos.argmax(axis=1).tolist()


@pytest.mark.parametrize("device", [None, "cpu"])
@pytest.mark.parametrize("tile", [(1024, 16384), (7, 11), (3, 2)])
def test_knn_both_ways_is_brute_force_in_both_directions(
        tile: tuple[int, int], device: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """One pass over the similarity tiles gives each direction's exact top k (small tiles
    exercise the tiling: rows and columns split, top k merged across tiles, tiles with
    fewer rows or columns than k); `device="cpu"` is the torch product a GPU runs."""
    monkeypatch.setattr(mining, "TILE_ROWS", tile[0])
    monkeypatch.setattr(mining, "TILE_COLS", tile[1])
    rng = np.random.default_rng(3)
    x, y = normalized(rng.normal(size=(60, 16))), normalized(rng.normal(size=(45, 16)))
    cos = x.astype(np.float64) @ y.T.astype(np.float64)
    (fwd_sim, fwd_ind), (bwd_sim, bwd_ind) = knn_both_ways(x, y, 4, device)
    assert fwd_ind.tolist() == np.argsort(-cos, axis=1)[:, :4].tolist()
    assert bwd_ind.tolist() == np.argsort(-cos.T, axis=1)[:, :4].tolist()
    assert np.allclose(fwd_sim, np.sort(cos, axis=1)[:, ::-1][:, :4], atol=1e-6)
    assert np.allclose(bwd_sim, np.sort(cos.T, axis=1)[:, ::-1][:, :4], atol=1e-6)


def test_torch_search_agrees_with_faiss() -> None:
    """The tiled torch search (a GPU's path, run here on the CPU, and the CPU default with
    NumPy's product) finds faiss's neighbours, similarities within float32 tolerance, and
    mining on top of either gives the same pairs."""
    rng = np.random.default_rng(5)
    x = normalized(rng.normal(size=(700, 64)))
    y = normalized(rng.normal(size=(500, 64)))
    (ff_sim, ff_ind), (fb_sim, fb_ind) = mining.faiss_both_ways(x, y, 4)
    for device in (None, "cpu"):
        (f_sim, f_ind), (b_sim, b_ind) = knn_both_ways(x, y, 4, device)
        assert np.array_equal(f_ind, ff_ind) and np.array_equal(b_ind, fb_ind)
        assert np.allclose(f_sim, ff_sim, atol=1e-5) and np.allclose(b_sim, fb_sim, atol=1e-5)
    reference = {(i, j) for i, j, _ in mine(x, y, 4, mining.faiss_both_ways)}
    on_torch = mine(x, y, 4, lambda a, b, k: knn_both_ways(a, b, k, "cpu"))
    assert {(i, j) for i, j, _ in on_torch} == reference
    assert {(i, j) for i, j, _ in mine(x, y, 4)} == reference


def _brute_force(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return x.astype(np.float64) @ y.T.astype(np.float64)


def _assert_valid_top_k(sims: np.ndarray, ids: np.ndarray, cos: np.ndarray, k: int) -> None:
    """Each row holds k distinct indices whose similarities are that row's k largest,
    best first (to float32 tolerance): what an exact search must return when some
    similarities tie (duplicates may then swap indices)."""
    expected = np.sort(cos, axis=1)[:, ::-1][:, :k]
    assert sims.shape == ids.shape == expected.shape
    assert np.allclose(sims, expected, atol=1e-6)
    assert np.allclose(np.take_along_axis(cos, ids, axis=1), sims, atol=1e-6)
    assert all(len(set(row)) == k for row in ids.tolist())


@pytest.mark.parametrize(("tile", "group", "sets"), [
    ((4096, 1024), 16, 16),  # the defaults: one tile, the set bound active
    ((64, 48), 4, 4),  # row tiles: heap tops from earlier tiles bound later ones
    ((7, 5), 4, 2),  # tiles smaller than k and than a group, rows padded
])
def test_cpu_search_is_brute_force_in_both_directions(
        tile: tuple[int, int], group: int, sets: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CPU path (one product per tile, faiss heaps for rows, the column pre-filter)
    returns exactly the brute force's neighbours in both directions, for k from 1 to
    larger than a tile; with exact duplicate vectors (tied similarities) it returns a
    valid top k."""
    monkeypatch.setattr(mining, "TILE_ROWS", tile[0])
    monkeypatch.setattr(mining, "TILE_COLS", tile[1])
    monkeypatch.setattr(mining, "GROUP", group)
    monkeypatch.setattr(mining, "SUPER", sets)
    rng = np.random.default_rng(11)
    x, y = normalized(rng.normal(size=(300, 24))), normalized(rng.normal(size=(230, 24)))
    cos = _brute_force(x, y)
    for k in (1, 4, 9):
        (fwd_sim, fwd_ind), (bwd_sim, bwd_ind) = knn_both_ways(x, y, k)
        assert fwd_ind.tolist() == np.argsort(-cos, axis=1, kind="stable")[:, :k].tolist()
        assert bwd_ind.tolist() == np.argsort(-cos.T, axis=1, kind="stable")[:, :k].tolist()
        assert np.allclose(fwd_sim, np.sort(cos, axis=1)[:, ::-1][:, :k], atol=1e-6)
        assert np.allclose(bwd_sim, np.sort(cos.T, axis=1)[:, ::-1][:, :k], atol=1e-6)
    # duplicates on both sides, some rows copied several times, and a near-copy
    x[10:20], x[40:45], y[5:15], y[100:103] = x[0], x[1], y[0], y[200]
    x[50] = normalized(x[2:3] + 1e-4)[0]
    cos = _brute_force(x, y)
    for k in (1, 4, 12):
        (fwd_sim, fwd_ind), (bwd_sim, bwd_ind) = knn_both_ways(x, y, k)
        _assert_valid_top_k(fwd_sim, fwd_ind, cos, k)
        _assert_valid_top_k(bwd_sim, bwd_ind, cos.T, k)
        (ref_f, _), (ref_b, _) = mining.faiss_both_ways(x, y, k)
        assert np.allclose(fwd_sim, ref_f, atol=1e-6) and np.allclose(bwd_sim, ref_b, atol=1e-6)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_cpu_search_splits_rows_across_workers(workers: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Row tiles shared among worker threads (each with its own y heaps, merged): the
    neighbours of the brute force in both directions, whatever the number of workers,
    and the same similarities to fp32 tolerance (tile heights change sgemm's rounding)."""
    monkeypatch.setattr(mining, "TILE_ROWS", 64)
    monkeypatch.setattr(mining, "TILE_COLS", 48)
    rng = np.random.default_rng(13)
    x, y = normalized(rng.normal(size=(301, 24))), normalized(rng.normal(size=(230, 24)))
    cos = _brute_force(x, y)
    monkeypatch.setattr(mining, "_blas_threads", lambda: 1)
    one = knn_both_ways(x, y, 4)
    monkeypatch.setattr(mining, "_blas_threads", lambda: workers)
    assert len(mining._even_tiles(301, 64, multiple_of=workers)) % workers == 0
    (fwd_sim, fwd_ind), (bwd_sim, bwd_ind) = knn_both_ways(x, y, 4)
    assert fwd_ind.tolist() == np.argsort(-cos, axis=1, kind="stable")[:, :4].tolist()
    assert bwd_ind.tolist() == np.argsort(-cos.T, axis=1, kind="stable")[:, :4].tolist()
    assert np.array_equal(fwd_ind, one[0][1]) and np.array_equal(bwd_ind, one[1][1])
    assert np.allclose(fwd_sim, one[0][0], atol=1e-6)
    assert np.allclose(bwd_sim, one[1][0], atol=1e-6)


def test_cpu_search_agrees_with_faiss_on_many_tiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Against faiss's exact flat-index search, tiles and groups small enough that every
    filter path runs many times: identical neighbours, similarities to fp32 tolerance,
    identical mined pairs."""
    monkeypatch.setattr(mining, "TILE_ROWS", 256)
    monkeypatch.setattr(mining, "TILE_COLS", 96)
    monkeypatch.setattr(mining, "GROUP", 8)
    monkeypatch.setattr(mining, "SUPER", 8)
    rng = np.random.default_rng(12)
    x, y = normalized(rng.normal(size=(1500, 48))), normalized(rng.normal(size=(1100, 48)))
    (ff_sim, ff_ind), (fb_sim, fb_ind) = mining.faiss_both_ways(x, y, 4)
    (f_sim, f_ind), (b_sim, b_ind) = knn_both_ways(x, y, 4)
    assert np.array_equal(f_ind, ff_ind) and np.array_equal(b_ind, fb_ind)
    assert np.allclose(f_sim, ff_sim, atol=1e-6) and np.allclose(b_sim, fb_sim, atol=1e-6)
    assert ({(i, j) for i, j, _ in mine(x, y, 4)}
            == {(i, j) for i, j, _ in mine(x, y, 4, mining.faiss_both_ways)})


def test_topk_starts_as_faiss_heapify() -> None:
    """The heaps are filled with NumPy; what they start from must be faiss's own empty
    heap (its neutral element), or the heap code would read garbage."""
    ours = mining._TopK(5, 3)
    theirs = mining._TopK(5, 3)
    theirs.sims[:], theirs.ids[:] = 7.0, 7
    theirs.heap.heapify()
    assert np.array_equal(ours.sims, theirs.sims) and np.array_equal(ours.ids, theirs.ids)


def test_search_runs_where_the_encoder_runs() -> None:
    """Evaluation sets the search device to the encoder's GPU; the CPU means faiss's
    NumPy product (no device)."""
    import torch

    from harness.device import search_device, searching_on

    assert search_device() is None
    with searching_on(torch.device("cuda:1")):
        assert search_device() == torch.device("cuda:1")
        with searching_on("cpu"):
            assert search_device() is None
    assert search_device() is None


def test_knn_both_ways_with_fewer_candidates_than_k() -> None:
    rng = np.random.default_rng(4)
    x, y = normalized(rng.normal(size=(5, 8))), normalized(rng.normal(size=(2, 8)))
    (_fwd_sim, fwd_ind), (_bwd_sim, bwd_ind) = knn_both_ways(x, y, 4)
    assert fwd_ind.shape == (5, 2) and bwd_ind.shape == (2, 4)
    assert sorted(fwd_ind[0].tolist()) == [0, 1]
    (_f, fi), (_b, bi) = knn_both_ways(x, y[:0], 4)
    assert fi.shape == (5, 0) and bi.shape == (0, 0)


def _margin_reference(x: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """All-pairs ratio margin, computed directly from its definition."""
    x, y = normalized(x), normalized(y)
    cos = x @ y.T
    fwd = np.sort(cos, axis=1)[:, -k:].mean(axis=1)
    bwd = np.sort(cos, axis=0)[-k:, :].mean(axis=0)
    return cos / ((fwd[:, None] + bwd[None, :]) / 2)


def test_mine_scores_are_the_ratio_margin_and_one_to_one() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(30, 8)), rng.normal(size=(40, 8))
    ref = _margin_reference(x, y, 4)
    pairs = mine(x, y, k=4)
    assert len({i for i, _, _ in pairs}) == len(pairs) == len({j for _, j, _ in pairs})
    for i, j, score in pairs:
        assert score == pytest.approx(ref[i, j], rel=1e-5)
    scores = [s for _, _, s in pairs]
    assert scores == sorted(scores, reverse=True)


def test_candidate_cosines_in_chunks_are_one_einsum_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    n = 2 * mining.GATHER_ROWS + 37  # a short last chunk
    q = normalized(rng.normal(size=(n, 64)))
    base = normalized(rng.normal(size=(90, 64)))
    ind = rng.integers(0, 90, size=(n, 4))
    whole = np.einsum("nd,nkd->nk", q, base[ind])
    assert np.array_equal(mining._candidate_cosines(q, base, ind), whole)


def test_mine_recovers_a_hidden_permutation() -> None:
    rng = np.random.default_rng(2)
    base = rng.normal(size=(60, 32))
    perm = rng.permutation(60)
    y = np.concatenate([base[perm] + 0.05 * rng.normal(size=(60, 32)),
                        rng.normal(size=(40, 32))])  # 40 distractors
    found = {(i, j) for i, j, _ in mine(base, y)[:60]}
    assert found == {(int(perm[j]), j) for j in range(60)}


def test_best_threshold_hand_cases() -> None:
    cands = {("a", "1"): 0.9, ("b", "2"): 0.8, ("c", "3"): 0.7}
    # F1 over prefixes: 0.5, 0.4, 2/3 -> best keeps all three; threshold = last score
    assert best_threshold(cands, {("a", "1"), ("c", "3"), ("d", "4")}) == pytest.approx(0.7)
    # best is the first candidate alone: halfway to the next one
    assert best_threshold(cands, {("a", "1")}) == pytest.approx(0.85)
    assert best_threshold(cands, {("z", "9")}) == 0.0


def _sentences(n_pairs: int, n_noise: int) -> datasets.Dataset:
    rows = {"id": [], "text": [], "side": [], "pair": []}
    for i in range(n_pairs):
        rows["id"] += [f"de-{i}", f"en-{i}"]
        rows["text"] += [f"satz {i}", f"sentence {i}"]
        rows["side"] += ["source", "target"]
        rows["pair"] += [f"en-{i}", f"de-{i}"]
    for i in range(n_noise):
        rows["id"].append(f"en-x{i}")
        rows["text"].append(f"noise {i}")
        rows["side"].append("target")
        rows["pair"].append("")
    return datasets.Dataset.from_dict(rows)


def test_tatoeba_decoding_and_accuracy() -> None:
    fmt, spec = Retrieval(), _spec("tatoeba")
    ex = _sentences(5, 0)
    rng = np.random.default_rng(3)
    pair_vecs = rng.normal(size=(5, 8))
    vecs = [pair_vecs[i // 2] + 0.01 * rng.normal(size=8) for i in range(10)]
    vecs[9] = pair_vecs[0]  # the last English sentence now retrieves source 0: one error
    preds = fmt.decode(vecs, ex, ex, spec, TrainArgs())
    assert preds == [0, 1, 2, 3, 0]
    assert fmt.score(preds, ex, spec, "de")["accuracy"] == pytest.approx(80.0)


def test_bucc_threshold_is_tuned_then_applied() -> None:
    fmt, spec = Retrieval(), _spec("bucc")
    ex = _sentences(8, 6)
    rng = np.random.default_rng(4)
    pair_vecs = rng.normal(size=(8, 16))
    vecs = [pair_vecs[i // 2] + 0.05 * rng.normal(size=16) for i in range(16)]
    vecs += [rng.normal(size=16) for _ in range(6)]
    cands = fmt.decode(vecs, ex, ex, spec, TrainArgs())
    assert all((f"de-{i}", f"en-{i}") in cands for i in range(8))
    calibration = fmt.calibrate(cands, ex, spec)
    mined = fmt.finalize(cands, calibration)
    assert set(mined) == {(f"de-{i}", f"en-{i}") for i in range(8)}
    assert fmt.score(mined, ex, spec, "de")["f1"] == pytest.approx(100.0)


def test_duplicate_texts_are_mined_once_and_dropped() -> None:
    fmt, spec = Retrieval(), _spec("bucc")
    ex = datasets.Dataset.from_dict({
        "id": ["de-1", "de-2", "en-1"], "text": ["gleich", "gleich", "same"],
        "side": ["source", "source", "target"], "pair": ["en-1", "", "de-1"]})
    v = np.ones(4)
    cands = fmt.decode([v, v, v], ex, ex, spec, TrainArgs())
    assert cands == {}  # the source text occurs twice: XTREME drops such candidates
