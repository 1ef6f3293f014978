"""The dry run's GPU-hour estimate: measured throughput only for the model and device it
was measured on, else a FLOP model (checked against a hand computation and against the
parameters of a model transformers builds from the same config)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from harness import flops
from harness.cli import main
from harness.dryrun import Rate, UnitEstimate, choose_rate, totals

LARGE = flops.EncoderShape(layers=24, hidden=1024, intermediate=4096, source="test")


def test_non_embedding_parameters_of_xlmr_large_by_hand() -> None:
    # per layer: 4 projections 4 * (1024 * 1024 + 1024); feed-forward 1024 * 4096 + 4096 +
    # 4096 * 1024 + 1024; two layer norms 2 * 2 * 1024
    per_layer = 4 * (1024 * 1024 + 1024) + (1024 * 4096 + 4096) + (4096 * 1024 + 1024) \
        + 2 * 2 * 1024
    assert per_layer == 12_596_224
    assert LARGE.non_embedding_params == 24 * 12_596_224 == 302_309_376


def test_parameter_count_matches_the_model_transformers_builds() -> None:
    from transformers import XLMRobertaConfig, XLMRobertaModel

    cfg = XLMRobertaConfig(vocab_size=500, hidden_size=64, num_hidden_layers=3,
                           num_attention_heads=4, intermediate_size=256,
                           max_position_embeddings=40)
    model = XLMRobertaModel(cfg, add_pooling_layer=False)
    body = sum(p.numel() for n, p in model.named_parameters() if not n.startswith("embeddings"))
    assert flops.EncoderShape(3, 64, 256, "test").non_embedding_params == body


def test_training_time_from_flops_by_hand() -> None:
    tokens, length = 1e6, 100.0
    per_token = 6 * 302_309_376 + 12 * 24 * 1024 * 100  # 1,843,347,456
    seconds = tokens * per_token / (989e12 * 0.40)
    assert flops.train_seconds(LARGE, tokens, length, "h100") == pytest.approx(seconds)
    assert seconds == pytest.approx(4.6596, abs=1e-3)
    a100 = flops.train_seconds(LARGE, tokens, length, "a100")
    assert a100 == pytest.approx(seconds * 989 / 312)


def test_known_config_and_gpu_names() -> None:
    shape = flops.shape_of("FacebookAI/xlm-roberta-large")
    assert shape is not None and shape.non_embedding_params == 302_309_376
    assert flops.shape_of("no-such/model-anywhere") is None
    assert flops.gpu_named("NVIDIA H100 80GB HBM3") == "h100"
    assert flops.gpu_named("NVIDIA A100-SXM4-40GB") == "a100"
    assert flops.gpu_named("Tesla V100") is None


def test_a_measurement_is_used_only_for_its_own_model() -> None:
    cpu = torch.device("cpu")
    tiny = choose_rate("embedded:xlmr-tiny", cpu)
    assert tiny.tokens_per_s and not tiny.estimated  # benchmarks/results measured it
    large = choose_rate("xlm-roberta-large", cpu)
    assert large.estimated and large.gpu == flops.DEFAULT_GPU and large.tokens_per_s is None
    assert "not a measurement" in large.describe() and "40%" in large.describe()
    forced = choose_rate("xlm-roberta-large", cpu, throughput=5000.0)
    assert forced.tokens_per_s == 5000.0 and not forced.estimated
    assert choose_rate("embedded:xlmr-tiny", cpu, gpu="a100").estimated


def test_naive_and_shared_totals_from_the_flop_model() -> None:
    rate = Rate(source="test", shape=LARGE, gpu="h100")
    stage = UnitEstimate("intermediate", "s", "stage", None, False, 1000, 1e6, 100.0)
    targets = [UnitEstimate("target", f"t{i}", "t", "s", False, 10, 1e6, 100.0)
               for i in range(3)]
    t = totals([stage, *targets], rate)
    one = flops.train_seconds(LARGE, 1e6, 100.0, "h100") / 3600
    assert t["shared"] == pytest.approx(4 * one)  # the stage once, three targets
    assert t["no_reuse"] == pytest.approx(6 * one)  # the stage once per target


def test_paper_dry_run_prints_the_estimate_side_by_side(tmp_path: Path) -> None:
    args = ["eval", "-s", "english-only", "-t", "xnli", "--profile", "paper", "--dry-run",
            "--runs-dir", str(tmp_path / "runs")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "estimate from a FLOP model, not a measurement" in result.output
    assert "GPU-hours (estimate)" in result.output
    assert "naive grid" in result.output and "xharness (shared units)" in result.output
    assert "H100 dense bf16 peak 989 TFLOP/s" in result.output
    a100 = CliRunner().invoke(main, [*args, "--gpu", "a100"])
    assert "A100 dense bf16 peak 312 TFLOP/s" in a100.output
    measured = CliRunner().invoke(main, [*args, "--throughput", "20000"])
    assert measured.exit_code == 0, measured.output
    assert "20000 real tokens/s (--throughput)" in measured.output
    assert "FLOP model" not in measured.output
