"""The pretraining corpus: short documents rendered in all six languages and tokenised once.

Every document (one or two clauses about a shared cast) exists in all languages, encoded as a
single sequence or a sentence pair (`<s> A </s></s> B </s>`, the format NLI fine-tuning uses).
Each token carries an alignment id: the meaning slot of its word, offset by
`len(SLOTS)` for the second sentence, -1 for special tokens. Masked language modelling reads
documents one language at a time; the alignment objectives read the English and a foreign
rendering of the same document side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from transformers import PreTrainedTokenizerBase

from xworld.meaning import SLOTS, slot_id
from xworld.world import World

N_SLOTS = len(SLOTS)


@dataclass
class EncodedCorpus:
    """`ids[lang][i]` and `align[lang][i]` are int arrays for document i (same length)."""

    ids: dict[str, list[np.ndarray]]
    align: dict[str, list[np.ndarray]]

    @property
    def n_documents(self) -> int:
        return len(next(iter(self.ids.values())))


def encode_sentences(tokenizer: PreTrainedTokenizerBase,
                     docs: list[list[tuple[tuple[str, ...], tuple[str, ...]]]],
                     max_length: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Tokenise documents given as 1-2 (words, slots) sentences; return ids and align ids."""
    firsts = [list(d[0][0]) for d in docs]
    seconds = [list(d[1][0]) if len(d) > 1 else None for d in docs]
    ids_out: list[np.ndarray] = []
    align_out: list[np.ndarray] = []
    singles = [i for i, s in enumerate(seconds) if s is None]
    pairs = [i for i, s in enumerate(seconds) if s is not None]
    results: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for group, is_pair in ((singles, False), (pairs, True)):
        if not group:
            continue
        a = [firsts[i] for i in group]
        b = [seconds[i] for i in group] if is_pair else None
        enc = tokenizer(a, b, is_split_into_words=True, truncation=True, max_length=max_length)
        for j, i in enumerate(group):
            word_ids = enc.word_ids(j)
            seq_ids = enc.sequence_ids(j)
            align = np.full(len(word_ids), -1, dtype=np.int64)
            for t, (w, s) in enumerate(zip(word_ids, seq_ids, strict=True)):
                if w is not None and s is not None:
                    align[t] = slot_id(docs[i][s][1][w]) + s * N_SLOTS
            results[i] = (np.asarray(enc["input_ids"][j], dtype=np.int64), align)
    for i in range(len(docs)):
        ids_out.append(results[i][0])
        align_out.append(results[i][1])
    return ids_out, align_out


def build_corpus(world: World, tokenizer: PreTrainedTokenizerBase, n_documents: int,
                 seed: int, max_length: int = 64, p_question: float = 0.1) -> EncodedCorpus:
    """`n_documents` parallel documents, tokenised in every language."""
    rng = world.rng("pretrain-corpus", seed)
    sampler = world.sampler(rng)
    documents = []
    for _ in range(n_documents):
        doc = sampler.document(n_clauses=rng.choice([1, 2]))
        documents.append([world.maybe_question(c, rng, p_question) for c in doc.clauses])
    ids: dict[str, list[np.ndarray]] = {}
    align: dict[str, list[np.ndarray]] = {}
    for lang in world.languages:
        rendered = [[(r.tokens, r.slots) for r in (world.render(c, lang) for c in doc)]
                    for doc in documents]
        ids[lang], align[lang] = encode_sentences(tokenizer, rendered, max_length)
    return EncodedCorpus(ids, align)
