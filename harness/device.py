"""Where tensors live and in which precision: bf16 autocast on GPUs that support it, fp32
master weights everywhere."""

from __future__ import annotations

import contextlib
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
