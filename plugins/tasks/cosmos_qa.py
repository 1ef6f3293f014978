"""Cosmos QA: 4-way multiple-choice reading comprehension (English intermediate task).

Hub: `allenai/cosmos_qa` is script-based on main, which `datasets` 5 cannot run, so the
parquet export is read (`revision: refs/convert/parquet`; columns `id`, `context`,
`question`, `answer0..3`, `label`). The embedded builder is `xworld.builders.cosmos_qa`.
"""

from __future__ import annotations

from typing import Any


def adapt(example: dict[str, Any]) -> dict[str, Any]:
    return {"context": example["context"], "question": example["question"],
            "choices": [example[f"answer{i}"] for i in range(4)], "label": example["label"]}
