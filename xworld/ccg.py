"""CCG-like supertags for English sentences of the world: a stand-in for CCGbank.

CCGbank is licensed (LDC2005T13) and not on the hub, so its real source is local files in
jiant's format (one sentence per line: space-separated tokens, a tab, space-separated
supertags). This stand-in writes the same line format, with categories derived from each
token's part of speech and syntactic role (a transitive verb is `(S[dcl]\\NP)/NP`, an
attributive adjective `N/N`, ...): a lexical-category tagging task with the shape of
CCGbank's, far smaller and regular.
"""

from __future__ import annotations

from dataclasses import replace

from datasets import Dataset, Features, Value

from xworld.grammar import RenderedSentence
from xworld.world import World

CCG_FEATURES = Features({"text": Value("string"), "tags": Value("string")})
VP = "S\\NP"


def supertags(sentence: RenderedSentence, transitive: bool) -> list[str]:
    out = []
    for i, (upos, slot) in enumerate(zip(sentence.upos, sentence.slots, strict=True)):
        nxt = sentence.slots[i + 1] if i + 1 < len(sentence.slots) else ""
        if upos == "DET":
            out.append("NP[nb]/N")
        elif upos == "NUM":
            out.append("N/N")
        elif upos == "ADJ":
            out.append("S[adj]\\NP" if slot == "pred" else "N/N")
        elif upos == "PROPN":
            out.append("N/N" if nxt == slot else "N")
        elif upos == "NOUN":
            out.append("N")
        elif upos == "VERB":
            out.append(f"({VP})/NP" if transitive else VP)
        elif upos == "AUX":
            out.append(f"({VP})/({VP})")
        elif upos == "PART":
            out.append(f"({VP})\\({VP})")
        elif upos == "ADP":
            out.append(f"(({VP})\\({VP}))/NP")
        elif upos in ("PRON", "ADV"):
            out.append("S[wq]/(S[q]/NP)")
        else:
            out.append(".")
    return out


TAGS: tuple[str, ...] = (
    "NP[nb]/N", "N/N", "S[adj]\\NP", "N", f"({VP})/NP", VP, f"({VP})/({VP})",
    f"({VP})\\({VP})", f"(({VP})\\({VP}))/NP", "S[wq]/(S[q]/NP)", ".",
)


def build_ccg(n: int, purpose: str, seed: int = 0, world: World | None = None) -> Dataset:
    world = world or World()
    sampler = world.sampler(world.rng(f"ccg-{purpose}", seed))
    texts, tags = [], []
    for _ in range(n):
        clause = replace(sampler.clause(), location_first=False)
        sentence = world.render(clause, "en")
        texts.append(" ".join(sentence.tokens))
        tags.append(" ".join(supertags(sentence, clause.obj is not None)))
    return Dataset.from_dict({"text": texts, "tags": tags}, features=CCG_FEATURES)
