"""HellaSwag: 4-way commonsense sentence completion (English intermediate task).

Hub: `Rowan/hellaswag` (`ctx`, `endings` (4), `label` a digit string; empty on test). The
embedded builder is `xworld.builders.hellaswag`.
"""

from __future__ import annotations

from typing import Any


def adapt(example: dict[str, Any]) -> dict[str, Any]:
    return {"context": example["ctx"], "question": "", "choices": list(example["endings"]),
            "label": example["label"]}
