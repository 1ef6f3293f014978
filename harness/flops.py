"""A FLOP model of fine-tuning a transformer encoder, for the dry run's GPU-hour estimate
where no throughput was measured for this model on this device.

Training FLOPs per real token are 6 x the non-embedding parameters (forward and backward
matrix products; the embedding lookup is not a product) plus 12 x layers x hidden x the
sequence length for attention's two products (scores and the weighted values), as in
Kaplan et al. 2020 (arXiv 2001.08361, Table 1) and Chowdhery et al. 2022 (PaLM, arXiv
2204.02311, Appendix B). Heads, layer norms' elementwise work and optimizer steps are
left out; lengths are real tokens (length-grouped batches pad little). Time is FLOPs over
the device's dense bf16 peak times an assumed utilisation: an estimate, never a
measurement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: dense bf16 tensor-core peaks (TFLOP/s, without sparsity), from NVIDIA's datasheets:
#: H100 SXM5 and H200 SXM "989 TFLOPS BF16 dense", A100 SXM4 "312 TFLOPS BF16"
BF16_PEAK_TFLOPS: dict[str, float] = {"h100": 989.0, "h200": 989.0, "a100": 312.0}
DEFAULT_GPU = "h100"
#: the share of the peak a well-fed fine-tune sustains on these models: an assumption
#: (stated with every estimate), not a measurement
ASSUMED_UTILISATION = 0.40

#: encoder shapes read from the hub's config.json, for models whose config is not at hand
#: offline (source: config.json of FacebookAI/xlm-roberta-large on the Hugging Face hub)
KNOWN_CONFIGS: dict[str, dict[str, int]] = {
    "FacebookAI/xlm-roberta-large": {
        "num_hidden_layers": 24, "hidden_size": 1024, "intermediate_size": 4096,
        "num_attention_heads": 16, "vocab_size": 250002, "max_position_embeddings": 514,
        "type_vocab_size": 1},
    "FacebookAI/xlm-roberta-base": {
        "num_hidden_layers": 12, "hidden_size": 768, "intermediate_size": 3072,
        "num_attention_heads": 12, "vocab_size": 250002, "max_position_embeddings": 514,
        "type_vocab_size": 1},
}
KNOWN_CONFIGS["xlm-roberta-large"] = KNOWN_CONFIGS["FacebookAI/xlm-roberta-large"]
KNOWN_CONFIGS["xlm-roberta-base"] = KNOWN_CONFIGS["FacebookAI/xlm-roberta-base"]


@dataclass(frozen=True)
class EncoderShape:
    layers: int
    hidden: int
    intermediate: int
    source: str  # where the numbers came from

    @property
    def non_embedding_params(self) -> int:
        """Per layer: Q, K, V and output projections (4 h^2 + 4 h), the feed-forward
        pair (2 h i + i + h) and two layer norms (4 h)."""
        h, i = self.hidden, self.intermediate
        return self.layers * (4 * h * h + 4 * h + 2 * h * i + i + h + 4 * h)

    def train_flops_per_token(self, seq_len: float) -> float:
        return 3 * self.forward_flops_per_token(seq_len)

    def forward_flops_per_token(self, seq_len: float) -> float:
        """A forward pass is a third of a training step: 2 x the non-embedding parameters,
        plus 4 x layers x hidden x the sequence length for attention."""
        return 2 * self.non_embedding_params + 4 * self.layers * self.hidden * seq_len


def shape_of(model_ref: str) -> EncoderShape | None:
    """The encoder's shape from its config (transformers AutoConfig: a local folder, the
    shipped model, or the hub cache), else from KNOWN_CONFIGS; None if neither has it."""
    from harness.modeling import resolve_model

    try:
        from transformers import AutoConfig

        cfg: Any = AutoConfig.from_pretrained(resolve_model(model_ref))
        values = {k: getattr(cfg, k) for k in
                  ("num_hidden_layers", "hidden_size", "intermediate_size")}
        source = f"config of {model_ref}"
    except Exception:  # offline, or not a transformers folder: fall back to the table
        if model_ref not in KNOWN_CONFIGS:
            return None
        values = KNOWN_CONFIGS[model_ref]
        source = f"config.json of {model_ref} (stored in harness/flops.py)"
    return EncoderShape(values["num_hidden_layers"], values["hidden_size"],
                        values["intermediate_size"], source)


def gpu_named(name: str) -> str | None:
    """The table's key for a device name such as 'NVIDIA H100 80GB HBM3'."""
    lowered = name.lower()
    return next((k for k in BF16_PEAK_TFLOPS if k in lowered), None)


def seconds(flops: float, gpu: str = DEFAULT_GPU,
            utilisation: float = ASSUMED_UTILISATION) -> float:
    """Seconds for `flops` on one `gpu` at the assumed utilisation (an estimate)."""
    return flops / (BF16_PEAK_TFLOPS[gpu] * 1e12 * utilisation)


def train_seconds(shape: EncoderShape, tokens: float, seq_len: float, gpu: str,
                  utilisation: float = ASSUMED_UTILISATION) -> float:
    """Seconds to train on `tokens` real tokens of mean length `seq_len`."""
    return seconds(tokens * shape.train_flops_per_token(seq_len), gpu, utilisation)
