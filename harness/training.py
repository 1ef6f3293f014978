"""The training loop: one shared encoder, one head per task, a task mixture, read top to
bottom.

Each update draws a task from the stage's sampler, takes that task's next length-grouped
batch (split into `grad_accum` micro-batches), and steps AdamW under a linear warmup/decay
schedule. Dev evaluation happens once per epoch-equivalent (or every `eval_every` steps);
with `select_on_dev` the best state is kept and restored at the end.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import torch
from tqdm.auto import tqdm

from harness import checkpoints, distributed
from harness.batching import BatchStream, mixture, sorted_batches
from harness.checkpoints import LoopState, TrainResult
from harness.config import TrainArgs
from harness.device import autocast, searching_on, to_device
from harness.errors import XHarnessError
from harness.formats.base import Format
from harness.modeling import MultiTaskModel
from harness.specs import Stage, TaskSpec

LOG_EVERY = 10
log = logging.getLogger("xharness")


@dataclass
class EvalSet:
    """Canonical examples and their features for one task in one language."""

    head: str
    task: TaskSpec
    fmt: Format
    lang: str
    examples: datasets.Dataset
    features: datasets.Dataset
    args: TrainArgs


@dataclass
class TrainTask:
    head: str
    task: TaskSpec
    fmt: Format
    features: datasets.Dataset
    dev: EvalSet | None = None


@dataclass(frozen=True)
class Checkpointing:
    folder: Path
    every: int


@dataclass(frozen=True)
class Compute:
    """Where and how batches run: the device, bf16 autocast or not, and the token id the
    collator pads with (the tokenizer's)."""

    device: torch.device
    bf16: bool
    pad_id: int

    def batch(self, fmt: Format, rows: dict[str, list[Any]]) -> dict[str, torch.Tensor]:
        """`rows` (a slice of features) collated into tensors on the device."""
        return to_device(fmt.collate(rows, self.pad_id), self.device)


@torch.inference_mode()
def predict(model: MultiTaskModel, ev: EvalSet, compute: Compute) -> list[np.ndarray]:
    """Logits per feature, in feature order; batches sorted by length (little padding)."""
    was_training = model.training
    model.eval()
    out: list[np.ndarray | None] = [None] * len(ev.features)
    lengths = ev.features["length"]
    mine = []  # under DDP each rank scores a share of the batches, then all are gathered
    for idx in distributed.current().shard(sorted_batches(lengths, ev.args.eval_batch_size)):
        batch = compute.batch(ev.fmt, ev.features[idx])
        with autocast(compute.device, compute.bf16):
            logits = model(ev.head, batch)
        logits = logits.float().cpu().numpy()
        mine += [(i, logits[j]) for j, i in enumerate(idx)]
    for i, x in distributed.current().gather(mine):
        out[i] = x
    model.train(was_training)
    return out  # type: ignore[return-value]


def evaluate(
    model: MultiTaskModel, ev: EvalSet, compute: Compute, calibration_set: EvalSet | None = None,
) -> tuple[Any, dict[str, float]]:
    """Predictions and metrics; a `calibrates` format first fits its decision rule (e.g.
    BUCC's threshold) on `calibration_set`."""
    calibration = None
    if calibration_set is not None and ev.fmt.calibrates:
        cal = calibration_set
        logits = predict(model, cal, compute)
        with searching_on(compute.device):  # retrieval mines where the encoder runs
            dev_preds = cal.fmt.decode(logits, cal.features, cal.examples, cal.task,
                                       cal.args)
        calibration = cal.fmt.calibrate(dev_preds, cal.examples, cal.task)
    logits = predict(model, ev, compute)
    with searching_on(compute.device):
        preds = ev.fmt.decode(logits, ev.features, ev.examples, ev.task, ev.args)
    preds = ev.fmt.finalize(preds, calibration)
    return preds, ev.fmt.score(preds, ev.examples, ev.task, ev.lang)


def train(
    model: MultiTaskModel,
    tasks: list[TrainTask],
    args: TrainArgs,
    stage: Stage,
    seed: int,
    compute: Compute,
    on_log: Callable[[int, dict[str, float]], None] | None = None,
    desc: str = "train",
    checkpoint: Checkpointing | None = None,
) -> TrainResult:
    """Train `model` on the task mixture; with `checkpoint`, save every `every` steps and
    resume from the folder's checkpoint if there is one (bitwise identical on CPU)."""
    torch.manual_seed(seed)
    # the tasks, their mixture, and the run's length in updates
    mix = mixture({t.head: len(t.features) for t in tasks}, args.batch_size, stage.sampler,
                  stage.temperature, stage.cap, stage.mlm_ratio,
                  tuple(t.head for t in tasks if t.fmt.name == "mlm"))
    total = args.max_steps or max(1, math.ceil(mix.epoch_steps * args.epochs))
    eval_every = args.eval_every or mix.epoch_steps
    by_head = {t.head: t for t in tasks}
    devs = [t.dev for t in tasks if t.dev is not None]
    # a batch stream per task; lengths read once, as arrays: a dataset column read per
    # example costs more than the tiny model's step
    lengths_of = {t.head: np.asarray(t.features["length"]) for t in tasks}
    micro = args.batch_size // args.grad_accum
    streams = {t.head: BatchStream(lengths_of[t.head], args.batch_size, seed + i)
               for i, t in enumerate(tasks)}
    # optimizer, schedule and placed model; resume from the checkpoint if there is one
    state = LoopState(0, np.random.default_rng(seed), streams, [],
                      TrainResult(task_batches=dict.fromkeys(mix.names, 0)), total=total)
    optimizer, scheduler = _optimizer(model, args, compute.device, total)
    d = distributed.current()
    net = _place(model, args, compute.device, d)
    if checkpoint and checkpoints.load(checkpoint.folder, model, optimizer, scheduler, state):
        log.info("%s: resumed from the checkpoint at step %d", desc, state.step)
    result, running, on_log = state.result, state.running, on_log or _no_log
    start, before = time.perf_counter(), result.seconds
    bar = tqdm(total=total, initial=state.step, desc=desc, unit="step", leave=False,
               dynamic_ncols=True, disable=not d.is_main)
    step = state.step
    for step in range(state.step + 1, total + 1):
        # draw a task from the mixture, then that task's next length-grouped batch
        head = mix.draw(state.rng)
        t, idx = by_head[head], next(streams[head])
        result.task_batches[head] += 1
        # forward backward, with gradient accumulation over micro-batches; count tokens
        optimizer.zero_grad(set_to_none=True)
        step_loss = _forward_backward(net, t, idx, micro, compute, d)
        _count_tokens(result, idx, lengths_of[head], micro, d.world)
        # clip the gradient, update, and set the next step's learning rate
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
        optimizer.step()
        scheduler.step()
        # logging: the mean loss of the last LOG_EVERY steps
        running.append(step_loss)
        bar.update(1)
        if step % LOG_EVERY == 0 or step == total:
            avg = float(np.mean(running[-LOG_EVERY:]))
            bar.set_postfix(loss=f"{avg:.3f}")
            on_log(step, {"loss": avg, "lr": scheduler.get_last_lr()[0]})
        # evaluate on dev and keep the best state; stop when patience has run out
        if devs and (step % eval_every == 0 or step == total):
            scores = {ev.head: _dev_score(model, ev, compute) for ev in devs}
            mean = float(np.mean(list(scores.values())))
            result.dev_history.append({"step": step, "mean": mean, **scores})
            on_log(step, {f"dev/{k}": v for k, v in scores.items()})
            if _keep_best(state, model, args, last=step == total):
                break
        # checkpoint (not at the last step: the caller saves the trained model)
        if checkpoint and step % checkpoint.every == 0 and step != total:
            state.step, result.seconds = step, before + time.perf_counter() - start
            _save(checkpoint, model, optimizer, scheduler, state, d)
    # termination: end at `total` or on patience, with the best dev state if one was kept
    bar.close()
    result.steps, result.seconds = step, before + time.perf_counter() - start
    result.final_loss = float(np.mean(running[-LOG_EVERY:])) if running else None
    if state.best_state is not None and result.best_step != step:
        model.load_state_dict(state.best_state)
    return result


def _forward_backward(net: torch.nn.Module, t: TrainTask, idx: list[int], micro: int,
                      compute: Compute, d: distributed.Dist) -> float:
    """Gradients of this rank's share of the batch `idx`, accumulated over micro-batches of
    `micro` rows (under DDP all-reduced once, after the last); the step's loss."""
    step_loss = 0.0
    share = d.shard(idx)
    parts = [share[m : m + micro] for m in range(0, len(share), micro)]
    for n, part in enumerate(parts):
        batch = compute.batch(t.fmt, t.features[part])
        sync = n == len(parts) - 1 or not d.enabled
        with autocast(compute.device, compute.bf16), (
                contextlib.nullcontext() if sync else net.no_sync()):
            logits = net(t.head, batch)
            loss = t.fmt.loss(logits, batch) * (len(part) / len(share))
            loss.backward()
        step_loss += float(loss.detach())
    return step_loss


def _dev_score(model: MultiTaskModel, ev: EvalSet, compute: Compute) -> float:
    _, metrics = evaluate(model, ev, compute)
    return metrics[ev.fmt.primary_key(ev.task)]


def _count_tokens(result: TrainResult, idx: list[int], lengths: np.ndarray, micro: int,
                  world: int) -> None:
    """Examples, real and padded tokens of one global batch, counted from lengths alone so
    every rank counts the same: rank r trains on `idx[r::world]`, padded per micro-batch
    to its longest row."""
    result.examples += len(idx)
    result.tokens += int(lengths[idx].sum())
    for r in range(world):
        share = idx[r::world]
        for m in range(0, len(share), micro):
            piece = share[m : m + micro]
            result.padded_tokens += len(piece) * int(lengths[piece].max())


def _keep_best(state: LoopState, model: torch.nn.Module, args: TrainArgs, last: bool) -> bool:
    """Take the latest dev evaluation as the best if it beats the best so far; True when
    `patience` evaluations have passed without one.

    With `select_on_dev` a copy of the best state is kept (on the CPU, and in checkpoints)
    to restore at the end; a best final state needs none, it is what the model holds."""
    result, latest = state.result, state.result.dev_history[-1]
    if result.best_dev is None or latest["mean"] > result.best_dev:
        result.best_dev, result.best_step = latest["mean"], latest["step"]
        if args.select_on_dev:
            state.best_state = None if last else copy.deepcopy(
                {k: v.detach().to("cpu") for k, v in model.state_dict().items()})
        return False
    return bool(args.patience) and _since_best(result) >= args.patience


def _since_best(result: TrainResult) -> int:
    """Dev evaluations since the best one."""
    steps = [h["step"] for h in result.dev_history]
    return len(steps) - 1 - steps.index(result.best_step) if result.best_step in steps else 0


def _optimizer(
    model: MultiTaskModel, args: TrainArgs, device: torch.device, total: int,
) -> tuple[torch.optim.AdamW, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW under a linear warmup (`warmup_ratio` of `total`) and a linear decay to zero
    at `total`; frozen parameters are frozen first, so AdamW never holds them."""
    freeze(model, args)
    optimizer = _adamw(model, args, device)
    warmup = int(args.warmup_ratio * total)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: (s + 1) / max(1, warmup) if s < warmup
        else max(0.0, (total - s) / max(1, total - warmup)),
    )
    return optimizer, scheduler


def freeze(model: MultiTaskModel, args: TrainArgs) -> None:
    """Set which parameters this phase trains. Every phase sets all of them, so a freeze in
    one stage never leaks into the next stage that trains the same model object."""
    for p in model.parameters():
        p.requires_grad_(True)
    frozen: list[torch.nn.Module] = []
    if args.freeze_embeddings:
        frozen.append(model.encoder.get_input_embeddings())
    if args.freeze_layers:
        frozen += _bottom_modules(model.encoder, args.freeze_layers)
    for module in frozen:
        for p in module.parameters():
            p.requires_grad_(False)


def _bottom_modules(encoder: torch.nn.Module, n: int) -> list[torch.nn.Module]:
    """The modules computing hidden states 0..n-1: the embedding layer, then transformer
    layers (the BERT family's `embeddings` and `encoder.layer`, XLM-R's included)."""
    base = getattr(encoder, "base_model", encoder)
    embeddings = getattr(base, "embeddings", None)
    layers = getattr(getattr(base, "encoder", None), "layer", None)
    if embeddings is None or layers is None:
        raise XHarnessError(
            f"freeze_layers needs an encoder with `embeddings` and `encoder.layer` modules "
            f"(the BERT family); {type(encoder).__name__} has not got them",
            fix="set freeze_layers to 0 for this model (use freeze_embeddings instead)")
    if n > len(layers):
        raise XHarnessError(
            f"freeze_layers {n} would freeze every transformer layer of the model (its "
            f"embedding layer and {len(layers)} layers): no encoder layer would train",
            fix=f"set freeze_layers between 0 and {len(layers)}")
    return [embeddings, *list(layers)[:n - 1]]


def _save(checkpoint: Checkpointing, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
          scheduler: Any, state: LoopState, d: distributed.Dist) -> None:
    """Written by the main rank; the others wait, so no rank runs ahead of a checkpoint."""
    if d.is_main:
        checkpoints.save(checkpoint.folder, model, optimizer, scheduler, state)
    d.barrier()


def _no_log(step: int, metrics: dict[str, float]) -> None:
    """The `on_log` of a caller that logs nothing."""


def _place(model: MultiTaskModel, args: TrainArgs, device: torch.device,
           d: distributed.Dist) -> torch.nn.Module:
    """The model on `device` in training mode, compiled if asked; under DDP, the wrapper
    that all-reduces gradients (the model itself is what is saved and evaluated)."""
    model.to(device).train()
    if args.compile:  # in place: parameter names (checkpoints, state dicts) stay the same
        model.encoder.compile(dynamic=True)
    if d.enabled:  # heads of tasks absent from a step get no gradient: allow that
        return torch.nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)
    return model


def _adamw(model: torch.nn.Module, args: TrainArgs, device: torch.device) -> torch.optim.AdamW:
    """AdamW without decay on biases and LayerNorm weights. Fused (one kernel over all
    parameters) on CUDA and CPU: on CPU the per-parameter loop of the default
    implementation is a measurable share of a small model's step, and the `Trainer`
    we are measured against uses the fused one too."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim < 2 or "LayerNorm" in name else decay).append(p)
    groups = [{"params": decay, "weight_decay": args.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    kwargs: dict[str, Any] = {"lr": args.learning_rate, "eps": args.adam_epsilon}
    if device.type in ("cuda", "cpu"):
        kwargs["fused"] = True
    return torch.optim.AdamW(groups, **kwargs)
