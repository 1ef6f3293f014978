"""Mid-training checkpoints: everything needed to continue a killed run exactly.

A checkpoint holds the model (encoder and heads, safetensors), the optimizer and the
scheduler, the task sampler's and every batch stream's random state, torch's random
state, the step, and the running results (including the best dev state, if kept). It is
written to a temporary folder, fsynced and renamed over the previous one, so a kill at any
moment leaves either the old or the new checkpoint. The swap (two renames) is done under
a file lock next to the folder: two writers of one checkpoint (a unit trained twice at
once, claims or not) would otherwise interleave their renames and fail on each other's
`.old` folder; under the lock each swap is whole and the last one wins. Optimizer and
scheduler states are loaded with `torch.load(weights_only=True)`: no pickle is ever executed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from filelock import FileLock
from safetensors.torch import load_file, save_file

from harness.batching import BatchStream

STATE_FILE = "trainer.json"


@dataclass
class TrainResult:
    """What a training run reports; saved whole in every checkpoint, so a resumed run
    continues its counts, its dev history and its best step."""

    steps: int = 0
    seconds: float = 0.0
    examples: int = 0
    tokens: int = 0
    padded_tokens: int = 0
    best_step: int | None = None
    best_dev: float | None = None
    dev_history: list[dict[str, Any]] = field(default_factory=list)
    final_loss: float | None = None
    task_batches: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "steps": self.steps, "seconds": round(self.seconds, 3), "examples": self.examples,
            "tokens": self.tokens, "padded_tokens": self.padded_tokens,
            "best_step": self.best_step, "best_dev": self.best_dev,
            "dev_history": self.dev_history, "final_loss": self.final_loss,
            "task_batches": self.task_batches,
        }


@dataclass
class LoopState:
    """What changes in the loop besides the model, optimizer and scheduler."""

    step: int
    rng: np.random.Generator
    streams: dict[str, BatchStream]
    running: list[float]
    result: TrainResult
    best_state: dict[str, torch.Tensor] | None = None
    total: int | None = None  # the run's planned steps (for `xharness status`)


def _tensors(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    # clones break weight sharing (tied LM heads), which safetensors refuses to store
    return {k: v.detach().to("cpu").contiguous().clone() for k, v in state.items()}


def save(folder: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
         scheduler: Any, state: LoopState) -> None:
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        save_file(_tensors(model.state_dict()), tmp / "model.safetensors")
        if state.best_state is not None:
            save_file(_tensors(state.best_state), tmp / "best.safetensors")
        rng = {"torch": torch.get_rng_state()}
        if torch.cuda.is_available():
            for i, s in enumerate(torch.cuda.get_rng_state_all()):
                rng[f"cuda{i}"] = s
        save_file(rng, tmp / "rng.safetensors")
        torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
        torch.save(scheduler.state_dict(), tmp / "scheduler.pt")
        result = dict(vars(state.result))
        trainer = {"step": state.step, "total": state.total,
                   "rng": state.rng.bit_generator.state,
                   "streams": {k: s.state_dict() for k, s in state.streams.items()},
                   "running": state.running, "result": result}
        (tmp / STATE_FILE).write_text(json.dumps(trainer), encoding="utf-8")
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        old = folder.parent / f".{folder.name}.old"
        with _swap_lock(folder):
            shutil.rmtree(old, ignore_errors=True)  # a kill between the renames left it
            if folder.exists():
                os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _swap_lock(folder: Path) -> FileLock:
    return FileLock(folder.parent / f".{folder.name}.lock", thread_local=False)


def load(folder: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
         scheduler: Any, state: LoopState) -> bool:
    """Restore a checkpoint into the given objects; False if there is none."""
    folder = Path(folder)
    if not folder.parent.is_dir():
        return False
    with _swap_lock(folder):  # not in the middle of another process's swap
        return _load(folder, model, optimizer, scheduler, state)


def _load(folder: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
          scheduler: Any, state: LoopState) -> bool:
    if not (folder / STATE_FILE).is_file():
        old = folder.parent / f".{folder.name}.old"  # killed between the two renames
        if not (old / STATE_FILE).is_file():
            return False
        folder = old
    trainer = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    model.load_state_dict(load_file(folder / "model.safetensors"))
    best = folder / "best.safetensors"
    state.best_state = load_file(best) if best.is_file() else None
    optimizer.load_state_dict(torch.load(folder / "optimizer.pt", weights_only=True))
    scheduler.load_state_dict(torch.load(folder / "scheduler.pt", weights_only=True))
    rng = load_file(folder / "rng.safetensors")
    torch.set_rng_state(rng["torch"])
    cuda = [rng[k] for k in sorted(rng) if k.startswith("cuda")]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda)
    state.step = trainer["step"]
    state.rng.bit_generator.state = trainer["rng"]
    for k, s in trainer["streams"].items():
        state.streams[k].load_state_dict(s)
    state.running = trainer["running"]
    for k, v in trainer["result"].items():
        setattr(state.result, k, v)
    return True


def progress(folder: Path) -> dict[str, Any] | None:
    """Step, planned steps and training seconds of the checkpoint in `folder`, if any."""
    try:
        trainer = json.loads((Path(folder) / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {"step": trainer["step"], "total": trainer.get("total"),
            "seconds": trainer.get("result", {}).get("seconds"),
            "written": os.path.getmtime(Path(folder) / STATE_FILE)}


def remove(folder: Path) -> None:
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(folder.parent / f".{folder.name}.old", ignore_errors=True)
    # the swap lock stays: unlinking a lock file another process may hold breaks it
