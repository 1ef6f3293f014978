"""The plugin module named by the `xharness` entry point.

It adds two targets and one strategy; nothing in xharness changes:

- `negation` (embedded source): a builder generates the data from the embedded world;
- `tense` (local source): TSV files shipped in this package under `data/tense/`, found
  through the source's `default_root`, so it runs with no flags under any profile;
- `english-pair` (strategy): one English intermediate stage, honouring the same
  `--intermediate` and `--option sampler/temperature/cap` as the built-in strategies.

The hooks return plain dicts, not `TaskSpec(...)` objects: xharness validates them and a
mistake is reported as one line naming the plugin and the field.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import datasets

from harness.hookspecs import Unit, hookimpl

LABELS = ["affirmative", "negated"]
WORLD_LANGUAGES = ["en", "de", "es", "ru", "el", "sw"]
SIZES = {"train": 1500, "dev": 200, "test": 400}
DATA = Path(__file__).resolve().parent / "data"


@hookimpl
def xharness_tasks() -> list[dict[str, Any]]:
    return [
        {
            "name": "negation",
            "description": "Is the sentence negated? (example third-party target)",
            "role": "target",
            "family": "negation",
            "format": "classification",
            "group": "classification",
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
        },
        {
            "name": "tense",
            "description": "Past or present? Local TSV files (example third-party target)",
            "role": "target",
            "family": "tense",
            "format": "classification",
            "group": "classification",
            "languages": ["en", "de", "es"],
            "labels": ["present", "past"],
            "metric": "accuracy",
            "sources": {
                "local": {
                    "path": "{root}/tense/{split}-{lang}.tsv",
                    "file_format": "tsv",
                    "header": True,  # the files' first line is `text<TAB>label`
                    "fields": ["text", "label"],
                    "default_root": str(DATA),  # --data-root DIR overrides it
                    "layout": "{root}/tense/{train,dev,test}-en.tsv, test-{de,es}.tsv; "
                    "UTF-8, a header line `text<TAB>label`, labels by name",
                },
            },
        },
    ]


@hookimpl
def xharness_strategies() -> list[dict[str, Any]]:
    return [{
        "name": "english-pair",
        "description": "Example plugin strategy: one English stage on MNLI and SST-2 "
        "(--intermediate picks others)",
        "planner": "xharness_example.strategy:plan",
        # the options it accepts (`--option`, `--intermediate`): validated, listed by
        # `xharness list strategies`, part of a row's identity on the leaderboard
        "options_model": "xharness_example.strategy:Options",
    }]


@hookimpl
def xharness_unit_finished(unit: Unit, record: Any) -> None:
    path = os.environ.get("XHARNESS_EXAMPLE_LOG")
    if not path:
        return
    line = {"kind": unit.kind, "label": unit.label,
            "average": getattr(record, "average", None)}
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")


def build(split: str, lang: str, seed: int = 0) -> datasets.Dataset:
    """Sentences of the embedded world; the label is the meaning's negation flag, so every
    language gets the translation of the same examples."""
    from dataclasses import replace

    from xworld.world import World

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
