"""CommonsenseQA: 5-way multiple-choice commonsense questions (English intermediate task).

Hub: `tau/commonsense_qa` (`id`, `question`, `question_concept`, `choices` {label, text},
`answerKey` a letter; empty on test). The embedded builder is
`xworld.builders.commonsense_qa`.
"""

from __future__ import annotations

from typing import Any


def adapt(example: dict[str, Any]) -> dict[str, Any]:
    return {"context": "", "question": example["question"],
            "choices": list(example["choices"]["text"]), "label": example["answerKey"]}
