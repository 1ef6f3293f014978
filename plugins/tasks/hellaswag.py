"""HellaSwag: 4-way commonsense sentence completion (English intermediate task).

Hub: `Rowan/hellaswag` (`ctx`, `endings` (4), `label` a digit string; empty on test).
Embedded: a context ending mid-sentence and four endings, one plausible for the verb.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from datasets import Dataset, DatasetDict

from harness.data.embedded import pick_split
from harness.embedded.choices import build_hellaswag


def adapt(example: dict[str, Any]) -> dict[str, Any]:
    return {"context": example["ctx"], "question": "", "choices": list(example["endings"]),
            "label": example["label"]}


@cache
def _built(split: str, n: int, seed: int) -> Dataset:
    return build_hellaswag(n, f"hellaswag-{split}", seed)


def embedded(split: str, lang: str, n_train: int = 2000, n_dev: int = 300,
             seed: int = 0) -> Dataset:
    sizes = {"train": n_train, "dev": n_dev}
    if split not in sizes:
        return pick_split(DatasetDict(), split, {"train": "", "dev": ""}, "hellaswag")
    return _built(split, sizes[split], seed)
