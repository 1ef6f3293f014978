"""Fine-tuned target models shared between targets that train on the same task.

XQuAD and MLQA both fine-tune on SQuAD: with the same encoder, recipe and seed the two
fine-tunes are the same computation, so the first target to need it trains and saves the
model (encoder and head, safetensors) here and the other loads it. Only fine-tunes that
another registered target could reuse are kept: a saved XLM-R Large is 2.2 GB. The folder
is a cache: deleting `runs/finetuned/` costs retraining, never a result.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from harness.catalog import Catalog
from harness.claims import me
from harness.modeling import MultiTaskModel, head_key
from harness.specs import TaskSpec

MODEL_FILE = "model.safetensors"
INFO_FILE = "finetune.json"
HEAD = "heads.target."


@dataclass
class Finetuned:
    """What a target record needs from the fine-tune besides the weights."""

    train: dict[str, Any] | None
    dev: dict[str, float]
    data: dict[str, Any]


def head_fields(target: TaskSpec) -> dict[str, Any]:
    """The parts of a target's spec that shape its head and its training."""
    return {"format": target.format, "labels": target.labels, "train_task": target.train_task,
            "options": {k: v for k, v in target.options.items() if k != "estimate"}}


def shared(catalog: Catalog, target: TaskSpec) -> bool:
    """Whether another registered target fine-tunes the same way (same task, same head)."""
    if not target.train_task:
        return False
    mine = head_fields(target)
    return any(t.name != target.name and t.role == "target" and head_fields(t) == mine
               for t in catalog.tasks.values())


def _portable(model: MultiTaskModel, name: str) -> dict[str, torch.Tensor]:
    """The state with the head under a name that does not depend on the target."""
    own = f"heads.{head_key(name)}."
    return {(HEAD + k[len(own):] if k.startswith(own) else k): v.detach().cpu().contiguous()
            .clone() for k, v in model.state_dict().items()}


def save(folder: Path, model: MultiTaskModel, name: str, info: Finetuned) -> None:
    """Written to a temporary folder and renamed into place; if another worker published
    the same fine-tune first, its copy is kept (the two are the same computation)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        save_file(_portable(model, name), tmp / MODEL_FILE)
        text = json.dumps({"train": info.train, "dev": info.dev, "data": info.data,
                           "trained_by": me()}, indent=2)
        with open(tmp / INFO_FILE, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / INFO_FILE).exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def load(folder: Path, model: MultiTaskModel, name: str) -> Finetuned | None:
    """Loads the weights into `model` (head renamed for `name`); None if not finished."""
    if not (folder / INFO_FILE).exists():
        return None
    own = f"heads.{head_key(name)}."
    state = {(own + k[len(HEAD):] if k.startswith(HEAD) else k): v
             for k, v in load_file(folder / MODEL_FILE).items()}
    model.load_state_dict(state)
    info = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
    return Finetuned(train=info["train"], dev=info["dev"], data=info["data"])
