"""Length-grouped batches and multi-task sampling.

Length grouping sorts examples by length inside large random pools, so batches pad little
while their order stays random. The task sampler decides which task the next batch comes
from; every batch holds one task (one head, one loss).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

POOL_BATCHES = 50  # a pool holds this many batches before sorting


def length_grouped_batches(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator,
    pool_batches: int = POOL_BATCHES,
) -> list[list[int]]:
    """One epoch of batches (lists of row indices), each of similar lengths."""
    order = rng.permutation(len(lengths))
    pool = batch_size * pool_batches
    lengths = np.asarray(lengths)
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(-lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size].tolist() for i in range(0, len(chunk),
                                                                           batch_size))
    rng.shuffle(batches)  # type: ignore[arg-type]
    return batches


def sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Inference batches: longest first, so the first batch shows the peak memory."""
    order = np.argsort(-np.asarray(lengths), kind="stable")
    return [order[i : i + batch_size].tolist() for i in range(0, len(order), batch_size)]


class BatchStream:
    """Endless length-grouped batches over one dataset, reshuffled each epoch."""

    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int) -> None:
        self.lengths = [int(x) for x in lengths]
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.epoch = 0
        self._queue: list[list[int]] = []

    def __iter__(self) -> Iterator[list[int]]:
        return self

    def __next__(self) -> list[int]:
        if not self._queue:
            self._queue = length_grouped_batches(self.lengths, self.batch_size, self.rng)
            self.epoch += 1
        return self._queue.pop(0)

    def state_dict(self) -> dict:
        return {"rng": self.rng.bit_generator.state, "epoch": self.epoch,
                "queue": [list(b) for b in self._queue]}

    def load_state_dict(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]
        self.epoch = state["epoch"]
        self._queue = [list(b) for b in state["queue"]]


Sampler = Literal["proportional", "temperature", "uniform"]


def task_probabilities(
    sizes: dict[str, int], sampler: Sampler, temperature: float = 2.0, cap: int | None = None
) -> dict[str, float]:
    """Mixing weights: proportional (p ~ n), temperature (p ~ n^(1/T)) or uniform.

    `cap` limits each task's size in the weights (jiant's examples cap), so one huge task
    cannot drown the rest; it does not remove data.
    """
    if not sizes:
        raise ValueError("no tasks to sample from")
    n = {k: float(min(v, cap) if cap else v) for k, v in sizes.items()}
    if sampler == "uniform":
        w = {k: 1.0 for k in n}
    elif sampler == "proportional":
        w = n
    elif sampler == "temperature":
        if temperature <= 0:
            raise ValueError("temperature must be positive")
        w = {k: v ** (1.0 / temperature) for k, v in n.items()}
    else:
        raise ValueError(f"unknown sampler {sampler!r}")
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}


def mixture_probabilities(
    sizes: dict[str, int], sampler: Sampler, temperature: float, cap: int | None,
    fixed_share: float = 0.0, fixed: tuple[str, ...] = (),
) -> dict[str, float]:
    """The sampler's weights over the tasks not in `fixed`, scaled to `1 - fixed_share`;
    the `fixed` tasks (MLM streams mixed in at a ratio) share `fixed_share` equally."""
    fixed = tuple(k for k in fixed if k in sizes)
    rest = {k: v for k, v in sizes.items() if k not in fixed}
    if not fixed or not fixed_share or not rest:
        return task_probabilities(sizes, sampler, temperature, cap)
    probs = {k: p * (1 - fixed_share)
             for k, p in task_probabilities(rest, sampler, temperature, cap).items()}
    probs.update({k: fixed_share / len(fixed) for k in fixed})
    return probs


def steps_per_epoch(sizes: dict[str, int], batch_size: int) -> int:
    """Updates in one pass over every task's data."""
    return sum(math.ceil(n / batch_size) for n in sizes.values())


@dataclass(frozen=True, eq=False)
class Mixture:
    """One stage's task mixture: which task each update draws its batch from, and how many
    updates make an epoch."""

    names: tuple[str, ...]
    weights: np.ndarray
    epoch_steps: int

    def draw(self, rng: np.random.Generator) -> str:
        return self.names[int(rng.choice(len(self.names), p=self.weights))]


def mixture(
    sizes: dict[str, int], batch_size: int, sampler: Sampler, temperature: float,
    cap: int | None, fixed_share: float = 0.0, fixed: tuple[str, ...] = (),
) -> Mixture:
    """The mixture over `sizes` (examples per task), weighted as `mixture_probabilities`.

    An epoch is a pass over the tasks not in `fixed`: corpora mixed in at a ratio (MLM
    streams) only add steps, `fixed_share` of the epoch's updates, so a stage with MLM
    mixed in sees its tasks as often as one without."""
    probs = mixture_probabilities(sizes, sampler, temperature, cap, fixed_share, fixed)
    epoch = steps_per_epoch({k: v for k, v in sizes.items() if k not in fixed} or sizes,
                            batch_size)
    if fixed and fixed_share and len(fixed) < len(sizes):
        epoch = math.ceil(epoch / (1 - fixed_share))
    return Mixture(tuple(probs), np.array(list(probs.values())), epoch)
