"""How aligned an encoder's languages are: the checks behind `pretrain_report.json`.

- Sentence retrieval@1: mean-pooled last-layer vectors of held-out parallel sentences; for each
  English sentence, is the nearest foreign sentence (cosine) its translation? (A retrieved
  sentence with identical text counts as correct: short sentences can repeat.)
- Word translation P@1: static input embeddings (mean over a word's pieces) of every content
  word's citation form; is the nearest foreign word the translation? 0-14% in the prototype
  without an alignment objective, which is why transfer failed there.
"""

from __future__ import annotations

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from xworld.world import World


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average of `hidden` [B, T, H] over positions where `mask` [B, T] is 1."""
    mask = mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)


@torch.no_grad()
def sentence_vectors(encoder: PreTrainedModel, tokenizer: PreTrainedTokenizerBase,
                     texts: list[str], batch_size: int = 128) -> torch.Tensor:
    """L2-normalised mean-pooled last-layer vectors (special tokens excluded)."""
    encoder.eval()
    out = []
    for i in range(0, len(texts), batch_size):
        enc = tokenizer(texts[i:i + batch_size], padding=True, truncation=True,
                        max_length=128, return_tensors="pt", return_special_tokens_mask=True)
        hidden = encoder(input_ids=enc["input_ids"],
                         attention_mask=enc["attention_mask"]).last_hidden_state
        mask = enc["attention_mask"] * (1 - enc["special_tokens_mask"])
        out.append(torch.nn.functional.normalize(mean_pool(hidden, mask), dim=-1))
    return torch.cat(out)


def retrieval_at_1(encoder: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, world: World,
                   langs: tuple[str, ...], n: int = 500, seed: int = 12345) -> dict[str, float]:
    """English -> foreign retrieval@1 over `n` held-out parallel sentences, per language."""
    rng = world.rng("eval-retrieval", seed)
    sampler = world.sampler(rng)
    clauses = [sampler.clause() for _ in range(n)]
    en_texts = [world.render(c, "en").text for c in clauses]
    en = sentence_vectors(encoder, tokenizer, en_texts)
    scores = {}
    for lang in langs:
        texts = [world.render(c, lang).text for c in clauses]
        best = (en @ sentence_vectors(encoder, tokenizer, texts).T).argmax(dim=1).tolist()
        scores[lang] = sum(texts[j] == texts[i] for i, j in enumerate(best)) / n
    return scores


@torch.no_grad()
def word_translation_p_at_1(encoder: PreTrainedModel, tokenizer: PreTrainedTokenizerBase,
                            world: World, langs: tuple[str, ...]) -> dict[str, float]:
    """English -> foreign nearest-neighbour word translation from input embeddings."""
    table = encoder.get_input_embeddings().weight
    concepts = world.lexicon.content_concepts()

    def vectors(lang: str) -> torch.Tensor:
        rows = []
        for concept in concepts:
            ids = tokenizer(world.vocab.word_of(lang, concept), add_special_tokens=False)
            rows.append(table[ids["input_ids"]].mean(0))
        return torch.nn.functional.normalize(torch.stack(rows), dim=-1)

    en = vectors("en")
    scores = {}
    for lang in langs:
        best = (en @ vectors(lang).T).argmax(dim=1)
        scores[lang] = float((best == torch.arange(len(concepts))).float().mean())
    return scores
