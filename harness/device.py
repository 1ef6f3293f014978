"""Where tensors live and in which precision: bf16 autocast on GPUs that support it, fp32
master weights everywhere."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Literal

import torch


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def use_bf16(device: torch.device, precision: Literal["auto", "fp32", "bf16"]) -> bool:
    if precision == "fp32" or device.type != "cuda":
        return False
    return torch.cuda.is_bf16_supported()


@contextlib.contextmanager
def autocast(device: torch.device, bf16: bool) -> Iterator[None]:
    if bf16:
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
            yield
    else:
        yield


def to_device(batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    return {k: v.to(device, non_blocking=True) for k, v in batch.items()}


#: where nearest-neighbour search runs (`harness.mining`): the evaluated encoder's GPU
#: while `searching_on` is active, else None (the CPU)
_SEARCH_DEVICE: contextvars.ContextVar[torch.device | None] = contextvars.ContextVar(
    "xharness_search_device", default=None)


def search_device() -> torch.device | None:
    return _SEARCH_DEVICE.get()


@contextlib.contextmanager
def searching_on(device: torch.device | str | None) -> Iterator[None]:
    """Mine sentence vectors on `device` inside this block when it is a GPU (vectors of
    an encoder on a GPU mine there in seconds, where a CPU takes minutes); the CPU
    otherwise."""
    dev = torch.device(device) if device is not None else None
    token = _SEARCH_DEVICE.set(dev if dev is not None and dev.type != "cpu" else None)
    try:
        yield
    finally:
        _SEARCH_DEVICE.reset(token)
