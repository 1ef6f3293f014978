"""Masked language modelling mixed into a stage: dynamic, reproducible masking and a head
tied to the encoder's embeddings."""

from __future__ import annotations

import numpy as np
import torch

from harness.config import TrainArgs
from harness.formats import get_format
from harness.formats.padding import pad_sequences
from harness.specs import TaskSpec

SPEC = TaskSpec.model_validate({
    "name": "corpus", "role": "multilingual_intermediate", "family": "mlm", "format": "mlm",
    "languages": ["en"], "metric": "none",
    "sources": {"embedded": {"builder": "xworld.builders.mlm_corpus:embedded",
                             "languages": ["en"]}},
})


def _features(tokenizer, n: int = 200):
    from xworld.builders.mlm_corpus import embedded

    fmt = get_format("mlm")
    ds, _ = fmt.canonicalize(embedded("train", "en", n_train=n), SPEC, {}, False, "t")
    return fmt, fmt.featurize(ds, tokenizer, SPEC, TrainArgs(max_length=64))


def test_masking_rate_specials_and_determinism(embedded_tokenizer) -> None:
    fmt, feats = _features(embedded_tokenizer)
    pad = embedded_tokenizer.pad_token_id
    rows = feats[list(range(64))]
    a = fmt.collate(rows, pad)
    b = fmt.collate(rows, pad)
    assert torch.equal(a["input_ids"], b["input_ids"])  # same examples, same masks
    other = fmt.collate(feats[list(range(1, 65))], pad)
    assert not torch.equal(other["labels"][:63], a["labels"][1:])  # other batch, other masks
    labels = a["labels"]
    original, _ = pad_sequences(rows["input_ids"], pad)
    masked = labels != -100
    special = torch.isin(original, torch.tensor(embedded_tokenizer.all_special_ids))
    assert not (masked & special).any()
    assert torch.equal(labels[masked], original[masked])
    rate = masked.sum().item() / (~special & (a["attention_mask"] == 1)).sum().item()
    assert 0.11 < rate < 0.19
    mask_id = embedded_tokenizer.mask_token_id
    share_mask_token = (a["input_ids"][masked] == mask_id).float().mean()
    assert 0.7 < share_mask_token < 0.9


def test_head_is_tied_and_loss_falls(embedded_tokenizer) -> None:
    from transformers import AutoModel, XLMRobertaConfig

    from harness.modeling import MultiTaskModel
    from harness.specs import Stage
    from harness.training import Compute, TrainTask, train

    fmt, feats = _features(embedded_tokenizer, 400)
    torch.manual_seed(0)
    cfg = XLMRobertaConfig(vocab_size=len(embedded_tokenizer), hidden_size=32,
                           num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                           max_position_embeddings=80,
                           pad_token_id=embedded_tokenizer.pad_token_id)
    encoder = AutoModel.from_config(cfg, add_pooling_layer=False)
    model = MultiTaskModel(encoder, {"corpus": fmt.build_head(32, SPEC, 0.0, TrainArgs())})
    head = model.heads["corpus"]
    assert head.decoder.weight is encoder.get_input_embeddings().weight
    args = TrainArgs(learning_rate=3e-3, batch_size=32, max_steps=60, warmup_ratio=0.1,
                     select_on_dev=False, checkpoint_every=None)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        result = train(model, [TrainTask("corpus", SPEC, fmt, feats)], args,
                       Stage(tasks=["corpus"]), 0,
                       Compute(torch.device("cpu"), False, embedded_tokenizer.pad_token_id))
    finally:
        torch.set_num_threads(threads)
    assert result.final_loss is not None
    assert result.final_loss < np.log(len(embedded_tokenizer)) - 1.0  # well below uniform
