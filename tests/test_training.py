"""The training loop's bookkeeping: padded tokens per rank and micro-batch, the best dev
state and patience, and which parameters a phase freezes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import XLMRobertaConfig, XLMRobertaModel

from harness.batching import BatchStream
from harness.checkpoints import LoopState, TrainResult
from harness.config import TrainArgs
from harness.errors import XHarnessError
from harness.modeling import MultiTaskModel
from harness.training import _count_tokens, _keep_best, _optimizer


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


def _tiny_model() -> MultiTaskModel:
    config = XLMRobertaConfig(vocab_size=50, hidden_size=16, num_hidden_layers=3,
                              num_attention_heads=2, intermediate_size=32,
                              max_position_embeddings=40)
    torch.manual_seed(0)
    return MultiTaskModel(XLMRobertaModel(config), {})


def _trained(model: MultiTaskModel) -> set[str]:
    return {n for n, p in model.named_parameters() if p.requires_grad}


def test_freeze_layers_freezes_the_bottom_hidden_state_producers_and_adamw_skips_them() -> None:
    model = _tiny_model()
    optimizer, _ = _optimizer(model, TrainArgs(freeze_layers=2), torch.device("cpu"), 10)
    trained = _trained(model)
    assert not any(n.startswith(("encoder.embeddings.", "encoder.encoder.layer.0."))
                   for n in trained)
    assert any(n.startswith("encoder.encoder.layer.1.") for n in trained)
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    assert held == {id(p) for p in model.parameters() if p.requires_grad}
    frozen = model.encoder.encoder.layer[0].attention.self.query.weight.detach().clone()
    free = model.encoder.encoder.layer[2].attention.self.query.weight.detach().clone()
    ids = torch.randint(5, 50, (4, 7))
    loss = model.hidden({"input_ids": ids, "attention_mask": torch.ones_like(ids)}).sum()
    loss.backward()
    optimizer.step()
    assert torch.equal(model.encoder.encoder.layer[0].attention.self.query.weight, frozen)
    assert not torch.equal(model.encoder.encoder.layer[2].attention.self.query.weight, free)


def test_a_freeze_does_not_leak_into_the_next_phase_of_the_same_model() -> None:
    model = _tiny_model()
    _optimizer(model, TrainArgs(freeze_embeddings=True), torch.device("cpu"), 10)
    assert "encoder.embeddings.word_embeddings.weight" not in _trained(model)
    assert "encoder.embeddings.position_embeddings.weight" in _trained(model)
    _optimizer(model, TrainArgs(), torch.device("cpu"), 10)
    assert _trained(model) == {n for n, _ in model.named_parameters()}


def test_freezing_more_than_the_model_has_is_an_error_that_names_the_range() -> None:
    with pytest.raises(XHarnessError, match="between 0 and 3"):
        _optimizer(_tiny_model(), TrainArgs(freeze_layers=5), torch.device("cpu"), 10)
    with pytest.raises(XHarnessError, match="BERT family"):
        _optimizer(MultiTaskModel(torch.nn.Linear(2, 2), {}), TrainArgs(freeze_layers=1),
                   torch.device("cpu"), 10)
