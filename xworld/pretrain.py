"""Pretrain the embedded profile's tiny XLM-R encoder (a one-off; the result is shipped).

    python -m xworld.pretrain --out xworld/assets/xlmr-tiny   # the defaults are the shipped recipe

Objectives, summed every step over one concatenated batch:
- masked language modelling on documents of all six languages (XLM-R's 15% / 80-10-10);
- word alignment: InfoNCE between the pooled last-layer vectors of the words that realise
  the same meaning slot (the world's alignment ids) in an English document and its
  translation, in-batch negatives, so that token representations agree across languages;
- sentence alignment (off by default, `--sentence-weight`): the same loss between
  mean-pooled document vectors (LaBSE-style). The prototype found it decisive for transfer,
  but it also makes sentence retrieval nearly perfect, a saturated starting point; with
  word alignment alone transfer stays real and retrieval is left room to move both ways.

The alignment pairs are masked for MLM too (masked positions are left out of the alignment
losses), plus a few MLM-only documents: one forward pass per step. `sw` gets half the
parallel pairs the other languages get, like a low-resource language: it ends up less
aligned (its fused negation prefix barely transfers), which leaves multilingual intermediate
tasks something to fix. Measured on this project's 2-core machine, one thread: ~0.25 s/step,
16 minutes (2026-12-02).

Deterministic for a seed on a given machine and thread count. Writes `config.json`,
`model.safetensors` (an `XLMRobertaForMaskedLM`), the tokenizer and `pretrain_report.json`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from transformers import XLMRobertaConfig, XLMRobertaForMaskedLM

from xworld.alignment_eval import mean_pool, retrieval_at_1, word_translation_p_at_1
from xworld.languages import TARGET_LANGUAGES
from xworld.pretrain_data import N_SLOTS, EncodedCorpus, build_corpus
from xworld.tokenizer import save_tokenizer, tokenizer_corpus, train_tokenizer, wrap
from xworld.world import World

MASK_ID, PAD_ID, FIRST_REGULAR_ID = 4, 1, 5


@dataclass
class PretrainConfig:
    seed: int = 0
    steps: int = 3600
    #: extra documents per step for MLM only (any language, uniformly)
    mlm_batch: int = 8
    #: English/foreign document pairs per step; they are masked for MLM as well, with the
    #: masked positions left out of the alignment losses (one forward pass does both)
    align_batch: int = 24
    lr: float = 1e-3
    warmup: float = 0.05
    weight_decay: float = 0.01
    hidden: int = 128
    layers: int = 4
    heads: int = 4
    intermediate: int = 512
    vocab_size: int = 2000
    max_length: int = 64
    max_positions: int = 130  # 128 tokens + XLM-R's position offset of 2
    n_documents: int = 30_000
    mlm_probability: float = 0.15
    #: off: with it (weight 1, the previous encoder) pooled sentence vectors aligned almost
    #: perfectly and the retrieval targets started saturated (BUCC 91.1, Tatoeba 92.3 at
    #: layer 2); word alignment alone leaves them aligned but not perfectly (76.9, 79.1)
    sentence_weight: float = 0.0
    word_weight: float = 1.0
    sentence_temperature: float = 0.05
    word_temperature: float = 0.1
    #: hidden-state layers the alignment losses apply to (-1: last; 0: embeddings)
    align_layers: tuple[int, ...] = (-1,)
    #: foreign languages paired with English in alignment batches, and their weights: sw, the
    #: low-resource stand-in, gets half the parallel data, so it ends up less aligned (30%,
    #: the encoder shipped before, kept TyDiQA's sw at 0.46-0.48 of English; half, 0.49)
    align_languages: tuple[str, ...] = TARGET_LANGUAGES
    align_weights: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 0.5)
    #: the shipped encoder was trained with one (results are deterministic per thread count)
    threads: int = 1
    log_every: int = 100


def _pad(rows: list[np.ndarray], value: int) -> torch.Tensor:
    width = max(len(r) for r in rows)
    out = np.full((len(rows), width), value, dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return torch.from_numpy(out)


def mask_tokens(ids: torch.Tensor, vocab_size: int, p: float,
                gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """XLM-R masking: p of the regular tokens; of those 80% <mask>, 10% random, 10% kept."""
    labels = ids.clone()
    regular = ids >= FIRST_REGULAR_ID
    chosen = (torch.rand(ids.shape, generator=gen) < p) & regular
    labels[~chosen] = -100
    inputs = ids.clone()
    r = torch.rand(ids.shape, generator=gen)
    inputs[chosen & (r < 0.8)] = MASK_ID
    rand_pos = chosen & (r >= 0.8) & (r < 0.9)
    inputs[rand_pos] = torch.randint(FIRST_REGULAR_ID, vocab_size, ids.shape, generator=gen)[
        rand_pos]
    return inputs, labels


def info_nce(a: torch.Tensor, b: torch.Tensor, temperature: float) -> torch.Tensor:
    """Symmetric in-batch contrastive loss between matching rows of a and b."""
    a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    logits = a @ b.T / temperature
    target = torch.arange(len(a))
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def slot_vectors(hidden: torch.Tensor, align: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean hidden state per alignment id: [B, K, H] and counts [B, K]."""
    k = 2 * N_SLOTS
    onehot = F.one_hot(align.clamp(min=0), k).to(hidden.dtype) * (align >= 0).unsqueeze(-1)
    counts = onehot.sum(1)
    pooled = torch.einsum("btk,bth->bkh", onehot, hidden) / counts.clamp(min=1).unsqueeze(-1)
    return pooled, counts


class Batcher:
    """Draws MLM documents (any language) and English/foreign alignment pairs."""

    def __init__(self, corpus: EncodedCorpus, cfg: PretrainConfig, languages: tuple[str, ...]):
        self.corpus, self.cfg, self.languages = corpus, cfg, languages
        self.rng = random.Random(cfg.seed)

    def mlm(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        if not self.cfg.mlm_batch:
            return [], []
        n = self.corpus.n_documents
        picks = [(self.rng.choice(self.languages), self.rng.randrange(n))
                 for _ in range(self.cfg.mlm_batch)]
        return ([self.corpus.ids[lang][i] for lang, i in picks],
                [self.corpus.align[lang][i] for lang, i in picks])

    def pairs(self) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray],
                             list[np.ndarray]]:
        n = self.corpus.n_documents
        docs = self.rng.sample(range(n), self.cfg.align_batch)
        langs = self.rng.choices(self.cfg.align_languages, weights=self.cfg.align_weights,
                                 k=len(docs))
        c = self.corpus
        return ([c.ids["en"][i] for i in docs], [c.align["en"][i] for i in docs],
                [c.ids[lang][i] for lang, i in zip(langs, docs, strict=True)],
                [c.align[lang][i] for lang, i in zip(langs, docs, strict=True)])


def make_model(cfg: PretrainConfig, vocab_size: int) -> XLMRobertaForMaskedLM:
    config = XLMRobertaConfig(
        vocab_size=vocab_size, hidden_size=cfg.hidden, num_hidden_layers=cfg.layers,
        num_attention_heads=cfg.heads, intermediate_size=cfg.intermediate,
        max_position_embeddings=cfg.max_positions, type_vocab_size=1, pad_token_id=PAD_ID,
        bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5,
    )
    return XLMRobertaForMaskedLM(config)


def train(cfg: PretrainConfig, out: Path) -> dict[str, object]:
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    start = time.time()
    world = World()
    backend = train_tokenizer(tokenizer_corpus(world, seed=cfg.seed), cfg.vocab_size)
    tokenizer = wrap(backend)
    corpus = build_corpus(world, tokenizer, cfg.n_documents, cfg.seed, cfg.max_length)
    prep_seconds = time.time() - start
    print(f"data ready in {prep_seconds:.0f}s: {corpus.n_documents} documents x "
          f"{len(world.languages)} languages, vocab {len(tokenizer)}", flush=True)

    vocab = len(tokenizer)
    model = make_model(cfg, vocab)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1 and "embeddings" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim > 1 and
                                                                  "embeddings" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=cfg.lr, betas=(0.9, 0.98), eps=1e-6)
    warm = max(1, int(cfg.warmup * cfg.steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (cfg.steps - s) / (cfg.steps - warm))))
    gen = torch.Generator().manual_seed(cfg.seed)
    batcher = Batcher(corpus, cfg, world.languages)
    history: list[dict[str, float]] = []
    running: dict[str, float] = {"mlm": 0.0, "sentence": 0.0, "word": 0.0}
    train_start = time.time()
    model.train()
    for step in range(cfg.steps):
        mlm_ids, _ = batcher.mlm()
        en_ids, en_align, fr_ids, fr_align = batcher.pairs()
        bm, ba = len(mlm_ids), len(en_ids)
        ids = _pad(mlm_ids + en_ids + fr_ids, PAD_ID)
        align = _pad([np.full(len(r), -1) for r in mlm_ids] + en_align + fr_align, -1)
        attention = (ids != PAD_ID).long()
        ids, labels = mask_tokens(ids, vocab, cfg.mlm_probability, gen)
        align[labels != -100] = -1  # align only what the model can see
        need_layers = any(layer != -1 for layer in cfg.align_layers)
        outputs = model.roberta(input_ids=ids, attention_mask=attention,
                                output_hidden_states=need_layers)
        hidden = outputs.last_hidden_state
        selected = labels != -100
        logits = model.lm_head(hidden[selected])
        loss_mlm = F.cross_entropy(logits, labels[selected])
        loss_sent = torch.zeros(())
        loss_word = torch.zeros(())
        for layer in cfg.align_layers:
            h = hidden if layer == -1 else outputs.hidden_states[layer]
            h_en, h_fr = h[bm:bm + ba], h[bm + ba:]
            a_en, a_fr = align[bm:bm + ba], align[bm + ba:]
            if cfg.sentence_weight:
                loss_sent = loss_sent + info_nce(mean_pool(h_en, a_en >= 0),
                                                 mean_pool(h_fr, a_fr >= 0),
                                                 cfg.sentence_temperature)
            if cfg.word_weight:
                v_en, c_en = slot_vectors(h_en, a_en)
                v_fr, c_fr = slot_vectors(h_fr, a_fr)
                both = (c_en > 0) & (c_fr > 0)
                loss_word = loss_word + info_nce(v_en[both], v_fr[both], cfg.word_temperature)
        n_layers = len(cfg.align_layers)
        loss = (loss_mlm + cfg.sentence_weight * loss_sent / n_layers
                + cfg.word_weight * loss_word / n_layers)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running["mlm"] += loss_mlm.item()
        running["sentence"] += loss_sent.item() / n_layers
        running["word"] += loss_word.item() / n_layers
        if (step + 1) % cfg.log_every == 0 or step + 1 == cfg.steps:
            n = cfg.log_every if (step + 1) % cfg.log_every == 0 else (step + 1) % cfg.log_every
            row = {k: v / n for k, v in running.items()}
            row["step"] = step + 1
            row["seconds"] = time.time() - train_start
            history.append(row)
            print(json.dumps({k: round(v, 4) for k, v in row.items()}), flush=True)
            running = dict.fromkeys(running, 0.0)
    train_seconds = time.time() - train_start

    model.eval()
    retrieval = retrieval_at_1(model.roberta, tokenizer, world, TARGET_LANGUAGES)
    words = word_translation_p_at_1(model.roberta, tokenizer, world, TARGET_LANGUAGES)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    save_tokenizer(backend, out, model_max_length=cfg.max_positions - 2)
    report: dict[str, object] = {
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()},
        "steps": cfg.steps,
        "seconds": round(time.time() - start, 1),
        "train_seconds": round(train_seconds, 1),
        "data_seconds": round(prep_seconds, 1),
        "parameters": sum(p.numel() for p in model.parameters()),
        "vocab_size": vocab,
        "final_losses": {k: round(v, 4) for k, v in history[-1].items()
                         if k in ("mlm", "sentence", "word")},
        "sentence_retrieval_at_1": {k: round(v, 4) for k, v in retrieval.items()},
        "word_translation_p_at_1": {k: round(v, 4) for k, v in words.items()},
        "history": history,
        "torch": torch.__version__,
        "threads": cfg.threads,
        # other work on the machine slows the run down: the 1/5/15-minute load at the end
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    (out / "pretrain_report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in ("seconds", "final_losses",
                                             "sentence_retrieval_at_1",
                                             "word_translation_p_at_1")}), flush=True)
    return report


def _parse(argv: list[str] | None = None) -> tuple[PretrainConfig, Path]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    defaults = PretrainConfig()
    for name, value in asdict(defaults).items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, tuple):
            kind = float if name == "align_weights" else (
                int if name == "align_layers" else str)
            parser.add_argument(flag, type=kind, nargs="+", default=None)
        else:
            parser.add_argument(flag, type=type(value), default=None)
    args = parser.parse_args(argv)
    overrides = {k: (tuple(v) if isinstance(v, list) else v) for k, v in vars(args).items()
                 if k != "out" and v is not None}
    cfg = PretrainConfig(**{**asdict(defaults), **overrides})
    if len(cfg.align_weights) != len(cfg.align_languages):
        parser.error("--align-weights needs one weight per --align-languages entry")
    if math.isclose(sum(cfg.align_weights), 0.0):
        parser.error("--align-weights must not all be zero")
    return cfg, args.out


def main(argv: list[str] | None = None) -> None:
    cfg, out = _parse(argv)
    train(cfg, out)


if __name__ == "__main__":
    main()
