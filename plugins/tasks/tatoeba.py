"""Tatoeba sentence retrieval (target, no training): for each English sentence, find its
translation among the language's sentences; accuracy of the nearest neighbour.

Hub: `google/xtreme` config `tatoeba.{iso3}`, split `validation` (XTREME's test):
`source_sentence` (the language), `target_sentence` (English), row i translating row i.
`to_sentences` turns those pairs into the retrieval format's sentence rows. The embedded
builder is `xworld.builders.tatoeba`.
"""

from __future__ import annotations

from typing import Any


def to_sentences(batch: dict[str, list[Any]], indices: list[int]) -> dict[str, list[str]]:
    """Batched adapter: each (source, target) row becomes two sentence rows. The hub's
    sentences keep a trailing newline, hence the strip."""
    out: dict[str, list[str]] = {"id": [], "text": [], "side": [], "pair": []}
    for k, i in enumerate(indices):
        out["id"] += [f"src-{i}", f"tgt-{i}"]
        out["text"] += [batch["source_sentence"][k].strip(), batch["target_sentence"][k].strip()]
        out["side"] += ["source", "target"]
        out["pair"] += [f"tgt-{i}", f"src-{i}"]
    return out
