"""Parallel and comparable sentences: stand-ins for Tatoeba and BUCC 2018.

Tatoeba-like data is shaped like `google/xtreme` `tatoeba.<iso3>` (`source_sentence` in the
language, `target_sentence` in English, `source_lang`, `target_lang`), row i translating
row i. BUCC-like data is two sentence pools (the language's and English) in which only
some sentences have a translation on the other side: rows `id`, `text`, `side` ("source"
or "target"), `pair` (the gold partner's id). BUCC's files have no hub mirror with the
full pools, so this stand-in uses the harness's canonical retrieval columns directly.
"""

from __future__ import annotations

from datasets import Dataset, Features, Value

from xworld.world import World

TATOEBA_FEATURES = Features({
    "source_sentence": Value("string"), "target_sentence": Value("string"),
    "source_lang": Value("string"), "target_lang": Value("string"),
})
BUCC_FEATURES = Features({
    "id": Value("string"), "text": Value("string"), "side": Value("string"),
    "pair": Value("string"),
})
ISO3 = {"en": "eng", "de": "deu", "es": "spa", "ru": "rus", "el": "ell", "sw": "swh"}


def distinct_clauses(world: World, n: int, purpose: str, seed: int) -> list:
    """`n` meanings with distinct English renderings (no duplicate sentences)."""
    sampler = world.sampler(world.rng(f"bitext-{purpose}", seed))
    seen: set[str] = set()
    out = []
    while len(out) < n:
        clause = sampler.clause()
        text = world.render(clause, "en").text
        if text not in seen:
            seen.add(text)
            out.append(clause)
    return out


def build_tatoeba(lang: str, n: int = 500, seed: int = 0,
                  world: World | None = None) -> Dataset:
    world = world or World()
    clauses = distinct_clauses(world, n, f"tatoeba-{lang}", seed)
    return Dataset.from_dict({
        "source_sentence": [world.render(c, lang).text for c in clauses],
        "target_sentence": [world.render(c, "en").text for c in clauses],
        "source_lang": [ISO3[lang]] * n, "target_lang": ["eng"] * n,
    }, features=TATOEBA_FEATURES)


def build_bucc(lang: str, n_pairs: int, n_source_only: int, n_target_only: int,
               purpose: str, seed: int = 0, world: World | None = None) -> Dataset:
    """Pools with `n_pairs` translations hidden among unrelated sentences on both sides;
    ids are shuffled so their order reveals nothing."""
    world = world or World()
    total = n_pairs + n_source_only + n_target_only
    clauses = distinct_clauses(world, total, f"bucc-{purpose}-{lang}", seed)
    rng = world.rng(f"bucc-ids-{purpose}-{lang}", seed)
    src_nums = rng.sample(range(10**6), n_pairs + n_source_only)
    tgt_nums = rng.sample(range(10**6), n_pairs + n_target_only)
    rows: dict[str, list[str]] = {k: [] for k in BUCC_FEATURES}

    def add(id_: str, text: str, side: str, pair: str) -> None:
        rows["id"].append(id_)
        rows["text"].append(text)
        rows["side"].append(side)
        rows["pair"].append(pair)

    for k in range(n_pairs + n_source_only):
        sid = f"{lang}-{src_nums[k]:09d}"
        pair = f"en-{tgt_nums[k]:09d}" if k < n_pairs else ""
        add(sid, world.render(clauses[k], lang).text, "source", pair)
    for k in range(n_pairs + n_target_only):
        tid = f"en-{tgt_nums[k]:09d}"
        pair = f"{lang}-{src_nums[k]:09d}" if k < n_pairs else ""
        clause = clauses[k] if k < n_pairs else clauses[n_pairs + n_source_only + k - n_pairs]
        add(tid, world.render(clause, "en").text, "target", pair)
    return Dataset.from_dict(rows, features=BUCC_FEATURES)
