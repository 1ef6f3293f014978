"""The sentence(-pair) classification recipe the harness uses, as a small readable loop.

Head: RobertaClassificationHead-style on the `<s>` token (dropout -> Linear(h, h) -> tanh ->
dropout -> Linear(h, n_labels)) on top of `AutoModel.from_pretrained(dir,
add_pooling_layer=False)`. Inputs: `tokenizer(a, b, truncation=True, max_length=L)` with
dynamic padding. AdamW (weight decay on weights, not on biases and LayerNorm, as the HF
Trainer does; eps 1e-8), linear warmup over 10% of the steps then linear decay, gradient
clipping at 1.0, cross-entropy. `transfer_check.py` measures it on the embedded world.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from transformers import AutoModel, PreTrainedModel, PreTrainedTokenizerBase


class ClassificationHead(nn.Module):
    """RobertaClassificationHead: the `<s>` vector through dense+tanh, dropout around it."""

    def __init__(self, hidden: int, n_labels: int, dropout: float) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Linear(hidden, hidden)
        self.out_proj = nn.Linear(hidden, n_labels)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        x = self.dropout(hidden_states[:, 0])
        x = torch.tanh(self.dense(x))
        return self.out_proj(self.dropout(x))


class Classifier(nn.Module):
    """Encoder plus one head; heads can be swapped between stages (intermediate -> target)."""

    def __init__(self, encoder: PreTrainedModel, n_labels: int) -> None:
        super().__init__()
        self.encoder = encoder
        cfg = encoder.config
        dropout = cfg.classifier_dropout if cfg.classifier_dropout is not None else (
            cfg.hidden_dropout_prob)
        self.head = ClassificationHead(cfg.hidden_size, n_labels, dropout)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return self.head(hidden.last_hidden_state)


@dataclass
class FinetuneConfig:
    """Defaults: the embedded profile's measured recipe (see `transfer_check.RECOMMENDED`)."""

    lr: float = 5e-4
    epochs: float = 1.0
    batch_size: int = 32
    max_length: int = 128
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    eps: float = 1e-8
    max_grad_norm: float = 1.0
    seed: int = 0
    threads: int = 2


def load_encoder(model_dir: str) -> PreTrainedModel:
    """The bare encoder. Its load report lists the checkpoint's `lm_head.*` as unexpected:
    the shipped checkpoint is an `XLMRobertaForMaskedLM`, as XLM-R's own are."""
    return AutoModel.from_pretrained(model_dir, add_pooling_layer=False)


def encode(tokenizer: PreTrainedTokenizerBase, a: list[str], b: list[str] | None,
           max_length: int) -> list[list[int]]:
    return tokenizer(a, b, truncation=True, max_length=max_length)["input_ids"]


def collate(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Dynamic padding to the longest row of the batch."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
    return ids, (ids != pad_id).long()


def _optimizer(model: nn.Module, cfg: FinetuneConfig, total: int) -> tuple[
        torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim < 2 or "LayerNorm" in name else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=cfg.lr, eps=cfg.eps)
    warm = max(1, round(cfg.warmup_ratio * total))

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, factor)


def train_classifier(model: Classifier, inputs: list[list[int]], labels: list[int],
                     cfg: FinetuneConfig, pad_id: int) -> dict[str, float]:
    """Fine-tune in place for `cfg.epochs` epochs (fractions allowed); returns stats."""
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    steps_per_epoch = (len(inputs) + cfg.batch_size - 1) // cfg.batch_size
    total = max(1, round(cfg.epochs * steps_per_epoch))
    opt, sched = _optimizer(model, cfg, total)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    start = time.time()
    order: list[int] = []
    losses: list[float] = []
    for _ in range(total):
        if not order:
            order = list(range(len(inputs)))
            rng.shuffle(order)
        batch, order = order[:cfg.batch_size], order[cfg.batch_size:]
        ids, mask = collate([inputs[i] for i in batch], pad_id)
        logits = model(ids, mask)
        loss = loss_fn(logits, torch.tensor([labels[i] for i in batch]))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
        opt.step()
        sched.step()
        losses.append(loss.item())
    return {"steps": total, "seconds": time.time() - start,
            "final_loss": float(np.mean(losses[-20:]))}


@torch.no_grad()
def predict(model: Classifier, inputs: list[list[int]], pad_id: int,
            batch_size: int = 256) -> np.ndarray:
    model.eval()
    out = []
    order = sorted(range(len(inputs)), key=lambda i: len(inputs[i]))  # less padding
    for i in range(0, len(order), batch_size):
        idx = order[i:i + batch_size]
        ids, mask = collate([inputs[j] for j in idx], pad_id)
        out.append((idx, model(ids, mask).argmax(-1).numpy()))
    preds = np.zeros(len(inputs), dtype=np.int64)
    for idx, p in out:
        preds[idx] = p
    return preds
