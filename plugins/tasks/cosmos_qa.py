"""Cosmos QA: 4-way multiple-choice reading comprehension (English intermediate task).

Hub: `allenai/cosmos_qa` is script-based on main, which `datasets` 5 cannot run, so the
parquet export is read (`revision: refs/convert/parquet`; columns `id`, `context`,
`question`, `answer0..3`, `label`). Embedded: a paragraph of the world, a question about
one clause's object and four noun phrases.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from datasets import Dataset, DatasetDict

from harness.data.embedded import pick_split
from harness.embedded.choices import build_cosmos


def adapt(example: dict[str, Any]) -> dict[str, Any]:
    return {"context": example["context"], "question": example["question"],
            "choices": [example[f"answer{i}"] for i in range(4)], "label": example["label"]}


@cache
def _built(split: str, n: int, seed: int) -> Dataset:
    return build_cosmos(n, f"cosmos-{split}", seed)


def embedded(split: str, lang: str, n_train: int = 2000, n_dev: int = 300,
             seed: int = 0) -> Dataset:
    sizes = {"train": n_train, "dev": n_dev}
    if split not in sizes:
        return pick_split(DatasetDict(), split, {"train": "", "dev": ""}, "cosmos_qa")
    return _built(split, sizes[split], seed)
