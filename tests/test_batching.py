"""Length-grouped batching and the multi-task samplers."""

from __future__ import annotations

import numpy as np
import pytest

from harness.batching import (
    BatchStream,
    length_grouped_batches,
    mixture,
    mixture_probabilities,
    sorted_batches,
    steps_per_epoch,
    task_probabilities,
)


def test_length_grouped_batches_cover_every_row_once_and_pad_little() -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 200, size=1000).tolist()
    batches = length_grouped_batches(lengths, 16, np.random.default_rng(1))
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(1000))
    grouped = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    order = np.random.default_rng(2).permutation(1000)
    random_batches = [order[i : i + 16] for i in range(0, 1000, 16)]
    naive = sum(len(b) * max(lengths[i] for i in b) for b in random_batches)
    assert grouped < 0.75 * naive  # padding waste falls by more than a quarter


def test_batches_are_seeded() -> None:
    lengths = list(range(100))
    a = length_grouped_batches(lengths, 8, np.random.default_rng(3))
    b = length_grouped_batches(lengths, 8, np.random.default_rng(3))
    assert a == b


def test_sorted_batches_are_longest_first() -> None:
    batches = sorted_batches([3, 9, 1, 7], 2)
    assert batches == [[1, 3], [0, 2]]


def test_batch_stream_resumes_exactly_from_its_state() -> None:
    stream = BatchStream(list(range(50)), 8, seed=4)
    for _ in range(9):
        next(stream)
    state = stream.state_dict()
    expected = [next(stream) for _ in range(10)]
    other = BatchStream(list(range(50)), 8, seed=999)
    other.load_state_dict(state)
    assert [next(other) for _ in range(10)] == expected


def test_sampler_proportions() -> None:
    sizes = {"a": 900, "b": 100}
    assert task_probabilities(sizes, "proportional") == pytest.approx({"a": 0.9, "b": 0.1})
    assert task_probabilities(sizes, "uniform") == pytest.approx({"a": 0.5, "b": 0.5})
    # p ~ n^(1/T): 30 : 10 for T=2
    assert task_probabilities(sizes, "temperature", 2.0) == pytest.approx(
        {"a": 0.75, "b": 0.25})
    # the cap limits a task's weight, not its data: min(900, 300) : 100
    assert task_probabilities(sizes, "proportional", cap=300) == pytest.approx(
        {"a": 0.75, "b": 0.25})


def test_empirical_sampling_matches_probabilities() -> None:
    probs = task_probabilities({"a": 600, "b": 300, "c": 100}, "proportional")
    rng = np.random.default_rng(0)
    names = list(probs)
    draws = rng.choice(len(names), size=20000, p=[probs[n] for n in names])
    freq = np.bincount(draws) / len(draws)
    assert freq == pytest.approx([0.6, 0.3, 0.1], abs=0.01)


def test_mlm_mixed_in_at_a_fixed_ratio() -> None:
    sizes = {"a": 900, "b": 100, "mlm": 10**6}
    probs = mixture_probabilities(sizes, "proportional", 2.0, None, 0.2, ("mlm",))
    assert probs == pytest.approx({"a": 0.72, "b": 0.08, "mlm": 0.2})
    # without a ratio the corpus is just another task, weighted by its size
    assert mixture_probabilities(sizes, "uniform", 2.0, None, 0.0, ("mlm",)) == pytest.approx(
        {"a": 1 / 3, "b": 1 / 3, "mlm": 1 / 3})


def test_steps_per_epoch() -> None:
    assert steps_per_epoch({"a": 65, "b": 32}, 32) == 3 + 1


def test_a_mixed_in_corpus_adds_its_share_of_steps_to_an_epoch() -> None:
    sizes = {"a": 64, "b": 32, "mlm": 10**6}
    mix = mixture(sizes, 32, "proportional", 2.0, None, 0.2, ("mlm",))
    assert mix.epoch_steps == 4  # a and b take 3 updates, 80% of the epoch's
    assert mix.names == ("a", "b", "mlm")
    assert dict(zip(mix.names, mix.weights, strict=True)) == pytest.approx(
        mixture_probabilities(sizes, "proportional", 2.0, None, 0.2, ("mlm",)))
    # a stage of nothing but the corpus passes over the corpus; no ratio, no extra steps
    assert mixture({"mlm": 64}, 32, "uniform", 2.0, None, 0.2, ("mlm",)).epoch_steps == 2
    assert mixture(sizes, 32, "uniform", 2.0, None, 0.0, ("mlm",)).epoch_steps == 3


def test_mixture_draws_like_the_generator_s_choice() -> None:
    mix = mixture({"a": 60, "b": 30, "c": 10}, 8, "proportional", 2.0, None)
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    drawn = [mix.draw(a) for _ in range(50)]
    assert drawn == [mix.names[int(b.choice(3, p=mix.weights))] for _ in range(50)]
    assert set(drawn) == {"a", "b", "c"}
