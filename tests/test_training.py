"""The training loop's bookkeeping: padded tokens per rank and micro-batch, the best dev
state and patience."""

from __future__ import annotations

import numpy as np
import torch

from harness.batching import BatchStream
from harness.checkpoints import LoopState, TrainResult
from harness.config import TrainArgs
from harness.training import _count_tokens, _keep_best


def test_padded_tokens_are_counted_per_rank_and_micro_batch() -> None:
    lengths = np.array([5, 1, 3, 2])
    one = TrainResult()
    _count_tokens(one, [0, 1, 2, 3], lengths, micro=2, world=1)
    assert (one.examples, one.tokens, one.padded_tokens) == (4, 11, 2 * 5 + 2 * 3)
    # two ranks: rank 0 trains on rows 0 and 2, rank 1 on rows 1 and 3
    two = TrainResult()
    _count_tokens(two, [0, 1, 2, 3], lengths, micro=2, world=2)
    assert (two.examples, two.tokens, two.padded_tokens) == (4, 11, 2 * 5 + 2 * 2)


def _evaluated(state: LoopState, step: int, mean: float) -> None:
    state.result.dev_history.append({"step": step, "mean": mean})


def test_the_best_dev_state_is_kept_and_patience_counts_evaluations_since_it() -> None:
    model = torch.nn.Linear(2, 1)
    args = TrainArgs(select_on_dev=True, patience=2)
    state = LoopState(0, np.random.default_rng(0), {"a": BatchStream([1], 1, 0)}, [],
                      TrainResult())
    _evaluated(state, 10, 0.5)
    assert not _keep_best(state, model, args, last=False)
    with torch.no_grad():
        model.weight.fill_(1.0)
    _evaluated(state, 20, 0.7)
    assert not _keep_best(state, model, args, last=False)
    assert (state.result.best_step, state.result.best_dev) == (20, 0.7)
    with torch.no_grad():
        model.weight.fill_(2.0)  # the kept copy does not follow the model
    assert state.best_state is not None
    assert torch.equal(state.best_state["weight"], torch.ones(1, 2))
    _evaluated(state, 30, 0.6)
    assert not _keep_best(state, model, args, last=False)  # one evaluation without a gain
    _evaluated(state, 40, 0.7)  # a tie is no gain
    assert _keep_best(state, model, args, last=False)
    assert state.result.best_step == 20


def test_a_best_final_state_needs_no_copy() -> None:
    model = torch.nn.Linear(2, 1)
    state = LoopState(0, np.random.default_rng(0), {}, [], TrainResult())
    _evaluated(state, 10, 0.5)
    _keep_best(state, model, TrainArgs(select_on_dev=True), last=False)
    assert state.best_state is not None
    _evaluated(state, 20, 0.6)
    assert not _keep_best(state, model, TrainArgs(select_on_dev=True), last=True)
    assert state.best_state is None and state.result.best_step == 20
