"""The embedded world's xharness plugin: its translator and its shipped model.

Registered like any third-party plugin, through the `xharness` entry-point group in
pyproject.toml (`world = "xworld.plugin"`), so the core reaches the world only through the
hooks. The world's tasks stay entries of registry.yaml whose `embedded` sources name builders
in `xworld.builders`; the entry point also lets those references import (`harness.refs`).
"""

from __future__ import annotations

from typing import Any

from harness.hookspecs import hookimpl
from xworld import ASSETS_DIR


@hookimpl
def xharness_translators() -> list[dict[str, Any]]:
    return [{
        "name": "world",
        "description": "The embedded world's exact translator: parses an English sentence "
        "of the world back into its meaning and renders it in the target language; spans "
        "follow the meaning's alignment.",
        "factory": "xworld.translator:WorldTranslator",
    }]


@hookimpl
def xharness_models() -> list[dict[str, Any]]:
    return [{
        "name": "embedded:xlmr-tiny",
        "path": str(ASSETS_DIR),
        "description": "a 4-layer XLM-R (hidden 128, vocabulary 2,000) and its BPE tokenizer, "
        "pretrained on the world's six languages by `python -m xworld.pretrain`",
    }]
