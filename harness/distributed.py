"""Data-parallel runs with PyTorch DDP, launched by `torchrun` or `accelerate launch`.

Every rank runs the same pipeline with the same seeds, so all ranks draw the same task and
the same global batch at every step; each rank computes its slice of the batch and DDP
averages the gradients, so the effective batch (and the recipe) is the single-process one.
Evaluation is sharded by batch and gathered. Only rank 0 writes records, encoders,
predictions and checkpoints; the others wait at a barrier and read what it wrote.
Without the launcher's environment (`WORLD_SIZE` unset or 1) all of this is a no-op.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, items: list[Any]) -> list[Any]:
        """This rank's share of a list (round robin, so shares differ by at most one)."""
        return items[self.rank :: self.world] if self.enabled else items

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()

    def gather(self, part: list[Any]) -> list[Any]:
        """Every rank's list, concatenated in rank order, on every rank."""
        if not self.enabled:
            return part
        parts: list[list[Any]] = [[] for _ in range(self.world)]
        dist.all_gather_object(parts, part)
        return [x for p in parts for x in p]


_CURRENT = Dist()


def current() -> Dist:
    return _CURRENT


def init_from_env() -> Dist:
    """Join the process group the launcher describes (gloo on CPU, NCCL on GPUs)."""
    global _CURRENT
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return _CURRENT
    rank = int(os.environ["RANK"])
    local = int(os.environ.get("LOCAL_RANK", rank))
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(local)
        dist.init_process_group(backend=backend)
    _CURRENT = Dist(rank, world, local)
    return _CURRENT


def device_for(name: str) -> torch.device:
    """`auto` on a multi-GPU launch means this rank's GPU."""
    d = current()
    if name == "auto" and d.enabled and torch.cuda.is_available():
        return torch.device("cuda", d.local_rank)
    from harness.device import pick_device

    return pick_device(name)
