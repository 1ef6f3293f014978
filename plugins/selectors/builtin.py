"""The built-in intermediate-task selectors, registered like any plugin's."""

from __future__ import annotations

from typing import Any

from harness.hookspecs import hookimpl

_M = "harness.selection.methods"


@hookimpl
def xharness_selectors() -> list[dict[str, Any]]:
    return [
        {"name": "embeddings", "scorer": f"{_M}:embeddings", "cost": f"{_M}:embeddings_cost",
         "description": "cosine similarity of the pretrained encoder's mean-pooled "
         "vectors of each task's training sample (Poth et al., 2021); no training"},
        {"name": "logme", "scorer": f"{_M}:logme", "cost": f"{_M}:logme_cost",
         "needs_intermediate_models": True,
         "description": "LogME (You et al., 2021) of the target's English training "
         "features under each intermediate model; one forward pass each"},
        {"name": "finetune", "scorer": f"{_M}:finetune", "cost": f"{_M}:finetune_cost",
         "needs_intermediate_models": True, "trains_on_target": True,
         "description": "English dev score after a short fine-tune (--budget updates) of "
         "each intermediate model: the expensive reference"},
    ]
