"""Extractive QA over paragraphs of the world: stand-ins for SQuAD, XQuAD, MLQA, TyDiQA.

Shaped like the hub's SQuAD schema (`id`, `title`, `context`, `question`, `answers` with
`text` and `answer_start` lists). A paragraph is a few clauses about a shared cast; a
question asks for the subject or object of one clause (`wh` rendering) and its answer is
that noun phrase's character span in the context, in any language. Questions whose clause
is not the only one with its verb (or predicate) are skipped: they would be ambiguous.
"""

from __future__ import annotations

from dataclasses import replace

from datasets import Dataset, Features, Sequence, Value

from xworld.meaning import Clause, Document
from xworld.world import World

QA_FEATURES = Features({
    "id": Value("string"),
    "title": Value("string"),
    "context": Value("string"),
    "question": Value("string"),
    "answers": Sequence({"text": Value("string"), "answer_start": Value("int32")}),
})


def _head(clause: Clause) -> str | None:
    return clause.verb or clause.predicate


def questions(world: World, n: int, purpose: str, seed: int,
              n_clauses: int = 4) -> list[tuple[Document, int, str]]:
    """`n` (paragraph, clause index, questioned role) triples, unambiguous by construction."""
    rng = world.rng(f"qa-{purpose}", seed)
    sampler = world.sampler(rng)
    out: list[tuple[Document, int, str]] = []
    while len(out) < n:
        doc = sampler.document(n_clauses)
        index = rng.randrange(len(doc.clauses))
        clause = doc.clauses[index]
        heads = [_head(c) for c in doc.clauses]
        if heads.count(_head(clause)) > 1:
            continue
        roles = [r for r in ("subj", "obj") if clause.noun_phrase(r) is not None]
        out.append((doc, index, rng.choice(roles)))
    return out


def build_qa(lang: str, n: int, purpose: str, seed: int = 0,
             world: World | None = None) -> Dataset:
    """`n` QA examples in `lang`. Ids depend on `purpose` and position only, so the same
    purpose gives parallel examples with equal ids in every language (as XQuAD's)."""
    world = world or World()
    rows: dict[str, list] = {k: [] for k in QA_FEATURES}
    for i, (doc, index, role) in enumerate(questions(world, n, purpose, seed)):
        rendered = world.render_document(doc, lang)
        start, end = rendered.char_span(index, role)  # type: ignore[misc]
        rows["id"].append(f"{purpose}-{i:05d}")
        rows["title"].append(f"{purpose}-{i // 10:04d}")
        rows["context"].append(rendered.text)
        rows["question"].append(world.render(replace(doc.clauses[index], wh=role), lang).text)
        rows["answers"].append({"text": [rendered.text[start:end]], "answer_start": [start]})
    return Dataset.from_dict(rows, features=QA_FEATURES)
