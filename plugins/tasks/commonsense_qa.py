"""CommonsenseQA: 5-way multiple-choice commonsense questions (English intermediate task).

Hub: `tau/commonsense_qa` (`id`, `question`, `question_concept`, `choices` {label, text},
`answerKey` a letter; empty on test). Embedded: "what does the dog eat ?" with five nouns,
one that the verb's selectional preferences allow.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from datasets import Dataset, DatasetDict

from harness.data.embedded import pick_split
from harness.embedded.choices import build_csqa


def adapt(example: dict[str, Any]) -> dict[str, Any]:
    return {"context": "", "question": example["question"],
            "choices": list(example["choices"]["text"]), "label": example["answerKey"]}


@cache
def _built(split: str, n: int, seed: int) -> Dataset:
    return build_csqa(n, f"csqa-{split}", seed)


def embedded(split: str, lang: str, n_train: int = 2000, n_dev: int = 300,
             seed: int = 0) -> Dataset:
    sizes = {"train": n_train, "dev": n_dev}
    if split not in sizes:
        return pick_split(DatasetDict(), split, {"train": "", "dev": ""}, "commonsense_qa")
    return _built(split, sizes[split], seed)
