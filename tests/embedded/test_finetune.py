"""The fine-tuning recipe's pieces run on the shipped encoder (a few steps, no claims)."""

from __future__ import annotations

from dataclasses import replace

import torch

from harness.embedded import ASSETS_DIR
from harness.embedded.finetune import (
    ClassificationHead,
    Classifier,
    FinetuneConfig,
    collate,
    encode,
    load_encoder,
    predict,
    train_classifier,
)
from harness.embedded.nli import build_mnli
from harness.embedded.tokenizer import load_tokenizer


def test_head_reads_the_first_token() -> None:
    head = ClassificationHead(8, 3, dropout=0.0)
    x = torch.randn(2, 5, 8)
    y = x.clone()
    y[:, 1:] = 0
    assert torch.equal(head(x), head(y))
    assert head(x).shape == (2, 3)


def test_collate_pads_dynamically() -> None:
    ids, mask = collate([[0, 7, 2], [0, 2]], pad_id=1)
    assert ids.tolist() == [[0, 7, 2], [0, 2, 1]]
    assert mask.tolist() == [[1, 1, 1], [1, 1, 0]]


def test_a_few_steps_of_the_recipe() -> None:
    tokenizer = load_tokenizer(ASSETS_DIR)
    data = build_mnli(n_train=40, n_dev=8)["train"]
    inputs = encode(tokenizer, list(data["premise"]), list(data["hypothesis"]), 128)
    assert all(row[0] == tokenizer.cls_token_id for row in inputs)
    model = Classifier(load_encoder(str(ASSETS_DIR)), 3)
    cfg = replace(FinetuneConfig(), epochs=0.5, batch_size=8)
    stats = train_classifier(model, inputs, list(data["label"]), cfg, tokenizer.pad_token_id)
    assert stats["steps"] == 2
    preds = predict(model, inputs, tokenizer.pad_token_id)
    assert preds.shape == (40,) and set(preds.tolist()) <= {0, 1, 2}
