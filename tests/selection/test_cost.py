"""The selection estimates use the dry run's FLOP model (one model for the whole harness)."""

from __future__ import annotations

import pytest

from harness import flops
from harness.catalog import build_catalog
from harness.selection import cost


def test_selection_hours_are_the_dry_run_s_flop_model() -> None:
    catalog = build_catalog()
    assert cost.paper_model(catalog) == "FacebookAI/xlm-roberta-large"
    cfg = flops.KNOWN_CONFIGS["FacebookAI/xlm-roberta-large"]
    shape = flops.EncoderShape(cfg["num_hidden_layers"], cfg["hidden_size"],
                               cfg["intermediate_size"], "test")
    rows, tokens = 10_000, 128.0
    trained = cost.hours(cost.train_flops(catalog, rows, tokens, 1))
    assert trained == pytest.approx(
        flops.train_seconds(shape, rows * tokens, tokens, flops.DEFAULT_GPU) / 3600)
    # a forward pass is a third of a training step, embeddings excluded
    assert cost.forward_flops(catalog, rows, tokens) == pytest.approx(
        cost.train_flops(catalog, rows, tokens, 1) / 3)
    # XLM-R Large: ~303M non-embedding parameters, not the 560M that include embeddings
    assert 2.9e8 < shape.non_embedding_params < 3.1e8
    assert cost.forward_flops(catalog, 1, 1.0) < 2 * 3.1e8 + 4 * 24 * 1024


def test_every_english_intermediate_task_has_a_size_hint() -> None:
    catalog = build_catalog()
    missing = [t.name for t in catalog.tasks.values()
               if t.role == "english_intermediate" and cost.task_size(t) is None]
    assert missing == []


def test_a_retrieval_row_costs_its_intermediate_training_only() -> None:
    catalog = build_catalog()
    mnli, xnli, bucc = catalog.task("mnli"), catalog.task("xnli"), catalog.task("bucc2018")
    inter = cost.hours(cost.train_flops(catalog, *cost.task_size(mnli),
                                        cost.epochs(catalog, "intermediate", mnli)))
    assert cost.grid_hours(catalog, mnli, bucc, bucc) == pytest.approx(inter)
    assert cost.grid_hours(catalog, mnli, mnli, xnli) > inter  # plus the English fine-tune
