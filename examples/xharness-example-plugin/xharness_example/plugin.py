"""The plugin module named by the `xharness` entry point.

A task is a spec (validated by xharness) plus, for the embedded source, a builder that
returns a `datasets.Dataset` in the task's source schema. Nothing in xharness changes.
"""

from __future__ import annotations

import json
import os
from typing import Any

import datasets

from harness.hookspecs import hookimpl
from harness.specs import TaskSpec

LABELS = ["affirmative", "negated"]
WORLD_LANGUAGES = ["en", "de", "es", "ru", "el", "sw"]
SIZES = {"train": 1500, "dev": 200, "test": 400}


@hookimpl
def xharness_tasks() -> list[TaskSpec]:
    return [TaskSpec.model_validate({
        "name": "negation",
        "description": "Is the sentence negated? (example third-party target)",
        "role": "target",
        "family": "negation",
        "format": "classification",
        "languages": WORLD_LANGUAGES,
        "labels": LABELS,
        "metric": "accuracy",
        "sources": {
            "embedded": {
                "builder": "xharness_example.plugin:build",
                "languages": WORLD_LANGUAGES,
                "columns": {"text": "sentence", "label": "label"},
            },
        },
    })]


@hookimpl
def xharness_unit_finished(unit: dict[str, Any], record: Any) -> None:
    path = os.environ.get("XHARNESS_EXAMPLE_LOG")
    if not path:
        return
    line = {"kind": unit["kind"], "label": unit["label"],
            "average": getattr(record, "average", None)}
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")


def build(split: str, lang: str, seed: int = 0) -> datasets.Dataset:
    """Sentences of the embedded world; the label is the meaning's negation flag, so every
    language gets the translation of the same examples."""
    from dataclasses import replace

    from harness.embedded.world import World

    world = World()
    rng = world.rng(f"negation-{split}", seed)
    sampler = world.sampler(rng)
    sentences, labels = [], []
    for i in range(SIZES[split]):
        clause = sampler.clause()
        negated = i % 2 == 1
        clause = replace(clause, negated=negated)
        sentences.append(world.render(clause, lang).text)
        labels.append(int(negated))
    features = datasets.Features({"sentence": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=LABELS)})
    return datasets.Dataset.from_dict({"sentence": sentences, "label": labels},
                                      features=features)
