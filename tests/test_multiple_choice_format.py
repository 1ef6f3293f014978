"""The multiple-choice format: one score per choice, softmax over the example's choices."""

from __future__ import annotations

import datasets
import numpy as np
import pytest
import torch

from harness.config import TrainArgs
from harness.errors import XHarnessError
from harness.formats import get_format
from harness.specs import Stage, TaskSpec

SPEC = TaskSpec.model_validate({
    "name": "mc", "role": "english_intermediate", "family": "mc", "format": "multiple_choice",
    "languages": ["en"], "metric": "accuracy",
    "sources": {"embedded": {"builder": "xworld.builders.xnli:embedded", "languages": ["en"]}},
})


def _raw() -> datasets.Dataset:
    return datasets.Dataset.from_list([
        {"context": "the dog", "question": "what does it eat ?",
         "choices": ["meat", "a car", "stone"], "label": "A"},
        {"context": "", "question": "pick one", "choices": ["yes", "no"], "label": "1"},
        {"context": "a cat sleeps", "question": "", "choices": ["soundly .", "a truck ."],
         "label": "0"},
    ])


def test_canonical_labels_from_letters_digits_and_bad_rows() -> None:
    fmt = get_format("multiple_choice")
    ds, report = fmt.canonicalize(_raw(), SPEC, {}, False, "t")
    assert ds["label"] == [0, 1, 0]
    bad = datasets.Dataset.from_list([
        {"context": "", "question": "q", "choices": ["a", "b"], "label": "C"},
        {"context": "", "question": "q", "choices": ["a"], "label": "0"},
        {"context": "", "question": "q", "choices": ["a", ""], "label": "0"},
    ])
    ds, report = fmt.canonicalize(bad, SPEC, {}, False, "t")
    assert len(ds) == 0 and sum(report.dropped.values()) == 3
    with pytest.raises(XHarnessError, match=r"3 bad row.*row 1: .*row 2: .*row 3: "):
        fmt.canonicalize(bad, SPEC, {}, True, "t")


def test_features_pair_context_with_each_choice_and_mask_missing_ones(
    embedded_tokenizer,
) -> None:
    fmt = get_format("multiple_choice")
    ds, _ = fmt.canonicalize(_raw(), SPEC, {}, False, "t")
    feats = fmt.featurize(ds, embedded_tokenizer, SPEC, TrainArgs(max_length=32))
    first = feats[0]["choice_ids"]
    assert len(first) == 3
    text = embedded_tokenizer.decode(first[1], skip_special_tokens=False)
    assert "the dog what does it eat ?" in text.replace("  ", " ") and "a car" in text
    batch = fmt.collate(feats[[0, 1]], embedded_tokenizer.pad_token_id)
    assert batch["input_ids"].shape[0] == 2 * 3
    assert batch["choice_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    head = fmt.build_head(16, SPEC, 0.0, TrainArgs())
    hidden = torch.randn(batch["input_ids"].shape[0], batch["input_ids"].shape[1], 16)
    logits = head(hidden, batch)
    assert logits.shape == (2, 3) and logits[1, 2] < -1000  # the filler choice is masked
    preds = fmt.decode([np.array([0.1, 2.0, 0.3]), np.array([0.5, 0.1, 9.0])], feats, ds,
                       SPEC, TrainArgs())
    assert preds == [1, 0]  # the masked third score of example 2 is never chosen
    assert fmt.score([0, 0, 0], ds, SPEC, "en")["accuracy"] == pytest.approx(200 / 3)


@pytest.mark.e2e
def test_a_tiny_model_learns_to_pick_the_choice_named_in_the_context(
    embedded_tokenizer,
) -> None:
    """Catches choices scored against the wrong context or labels off by one."""
    from transformers import AutoModel, XLMRobertaConfig

    from harness.modeling import MultiTaskModel
    from harness.training import Compute, EvalSet, TrainTask, evaluate, train

    words = ["dog", "cat", "car", "tree", "house", "bird"]
    rng = np.random.default_rng(0)

    def make(n: int) -> datasets.Dataset:
        rows = []
        for _ in range(n):
            choices = list(rng.choice(words, size=4, replace=False))
            label = int(rng.integers(4))
            rows.append({"context": f"the {choices[label]} is here", "question": "",
                         "choices": choices, "label": label})
        return datasets.Dataset.from_list(rows)

    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        fmt = get_format("multiple_choice")
        # 400 steps: with 200 the model stood at exactly 60.0 once the shipped tokenizer
        # was retrained (the same pieces under other ids, so another random start)
        args = TrainArgs(learning_rate=2e-3, batch_size=16, max_steps=400, max_length=24,
                         warmup_ratio=0.1, select_on_dev=False)
        train_ds, _ = fmt.canonicalize(make(600), SPEC, {}, False, "t")
        dev_ds, _ = fmt.canonicalize(make(100), SPEC, {}, False, "t")
        cfg = XLMRobertaConfig(vocab_size=len(embedded_tokenizer), hidden_size=64,
                               num_hidden_layers=2, num_attention_heads=2,
                               intermediate_size=128, max_position_embeddings=64,
                               pad_token_id=embedded_tokenizer.pad_token_id)
        model = MultiTaskModel(AutoModel.from_config(cfg, add_pooling_layer=False),
                               {"mc": fmt.build_head(64, SPEC, 0.0, args)})
        feats = fmt.featurize(train_ds, embedded_tokenizer, SPEC, args)
        dev = EvalSet("mc", SPEC, fmt, "en", dev_ds,
                      fmt.featurize(dev_ds, embedded_tokenizer, SPEC, args), args)
        cpu = Compute(torch.device("cpu"), False, embedded_tokenizer.pad_token_id)
        train(model, [TrainTask("mc", SPEC, fmt, feats)], args, Stage(tasks=["mc"]), 0, cpu)
        _, metrics = evaluate(model, dev, cpu)
    finally:
        torch.set_num_threads(threads)
    assert metrics["accuracy"] > 60  # chance is 25
