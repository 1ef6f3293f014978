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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import torch
from tqdm.auto import tqdm

from harness import checkpoints, distributed
from harness.batching import BatchStream, mixture_probabilities, sorted_batches, steps_per_epoch
from harness.config import TrainArgs
from harness.device import autocast, searching_on, to_device
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


@dataclass
class TrainResult:
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


@torch.inference_mode()
def predict(
    model: MultiTaskModel, ev: EvalSet, device: torch.device, bf16: bool, pad_id: int
) -> list[np.ndarray]:
    """Logits per feature, in feature order; batches sorted by length (little padding)."""
    was_training = model.training
    model.eval()
    out: list[np.ndarray | None] = [None] * len(ev.features)
    lengths = ev.features["length"]
    mine = []  # under DDP each rank scores a share of the batches, then all are gathered
    for idx in distributed.current().shard(sorted_batches(lengths, ev.args.eval_batch_size)):
        batch = to_device(ev.fmt.collate(ev.features[idx], pad_id), device)
        with autocast(device, bf16):
            logits = model(ev.head, batch)
        logits = logits.float().cpu().numpy()
        mine += [(i, logits[j]) for j, i in enumerate(idx)]
    for i, x in distributed.current().gather(mine):
        out[i] = x
    model.train(was_training)
    return out  # type: ignore[return-value]


def evaluate(
    model: MultiTaskModel, ev: EvalSet, device: torch.device, bf16: bool, pad_id: int,
    calibration_set: EvalSet | None = None,
) -> tuple[Any, dict[str, float]]:
    """Predictions and metrics; a `calibrates` format first fits its decision rule (e.g.
    BUCC's threshold) on `calibration_set`."""
    calibration = None
    if calibration_set is not None and ev.fmt.calibrates:
        cal = calibration_set
        logits = predict(model, cal, device, bf16, pad_id)
        with searching_on(device):  # retrieval mines where the encoder runs
            dev_preds = cal.fmt.decode(logits, cal.features, cal.examples, cal.task,
                                       cal.args)
        calibration = cal.fmt.calibrate(dev_preds, cal.examples, cal.task)
    logits = predict(model, ev, device, bf16, pad_id)
    with searching_on(device):
        preds = ev.fmt.decode(logits, ev.features, ev.examples, ev.task, ev.args)
    preds = ev.fmt.finalize(preds, calibration)
    return preds, ev.fmt.score(preds, ev.examples, ev.task, ev.lang)


def train(
    model: MultiTaskModel,
    tasks: list[TrainTask],
    args: TrainArgs,
    stage: Stage,
    seed: int,
    device: torch.device,
    bf16: bool,
    pad_id: int,
    on_log: Callable[[int, dict[str, float]], None] | None = None,
    desc: str = "train",
    checkpoint: Checkpointing | None = None,
) -> TrainResult:
    """Train `model` on the task mixture; with `checkpoint`, save every `every` steps and
    resume from the folder's checkpoint if there is one (bitwise identical on CPU)."""
    torch.manual_seed(seed)
    sizes = {t.head: len(t.features) for t in tasks}
    mlm = tuple(t.head for t in tasks if t.fmt.name == "mlm")
    probs = mixture_probabilities(sizes, stage.sampler, stage.temperature, stage.cap,
                                  stage.mlm_ratio, mlm)
    names = list(probs)
    weights = np.array([probs[n] for n in names])
    by_head = {t.head: t for t in tasks}
    # once, as arrays: a dataset column read per example costs more than the tiny model's step
    lengths_of = {t.head: np.asarray(t.features["length"]) for t in tasks}
    micro = args.batch_size // args.grad_accum
    streams = {t.head: BatchStream(lengths_of[t.head], args.batch_size, seed + i)
               for i, t in enumerate(tasks)}
    # an epoch is a pass over the tasks; a corpus mixed in at a ratio only adds steps
    epoch_steps = steps_per_epoch({k: v for k, v in sizes.items() if k not in mlm} or sizes,
                                  args.batch_size)
    if mlm and stage.mlm_ratio and len(mlm) < len(sizes):
        epoch_steps = math.ceil(epoch_steps / (1 - stage.mlm_ratio))
    total = args.max_steps or max(1, math.ceil(epoch_steps * args.epochs))
    eval_every = args.eval_every or epoch_steps
    rng = np.random.default_rng(seed)

    if args.freeze_embeddings:
        for p in model.encoder.get_input_embeddings().parameters():
            p.requires_grad_(False)
    optimizer = _adamw(model, args, device)
    warmup = int(args.warmup_ratio * total)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: (s + 1) / max(1, warmup) if s < warmup
        else max(0.0, (total - s) / max(1, total - warmup)),
    )
    model.to(device).train()
    if args.compile:  # in place: parameter names (checkpoints, state dicts) stay the same
        model.encoder.compile(dynamic=True)
    d = distributed.current()
    net: torch.nn.Module = model
    if d.enabled:  # heads of tasks absent from a step get no gradient: allow that
        net = torch.nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)
    state = checkpoints.LoopState(0, rng, streams, [],
                                  TrainResult(task_batches=dict.fromkeys(names, 0)),
                                  total=total)
    if checkpoint and checkpoints.load(checkpoint.folder, model, optimizer, scheduler, state):
        log.info("%s: resumed from the checkpoint at step %d", desc, state.step)
    result, running = state.result, state.running
    devs = [t.dev for t in tasks if t.dev is not None]
    start, before = time.perf_counter(), result.seconds
    bar = tqdm(total=total, initial=state.step, desc=desc, unit="step", leave=False,
               dynamic_ncols=True, disable=not d.is_main)
    step = state.step
    for step in range(state.step + 1, total + 1):
        head = names[int(rng.choice(len(names), p=weights))]
        t = by_head[head]
        idx = next(streams[head])
        result.task_batches[head] += 1
        optimizer.zero_grad(set_to_none=True)
        step_loss = 0.0
        share = d.shard(idx)  # this rank's slice of the global batch
        parts = [share[m : m + micro] for m in range(0, len(share), micro)]
        for n, part in enumerate(parts):
            batch = to_device(t.fmt.collate(t.features[part], pad_id), device)
            sync = n == len(parts) - 1 or not d.enabled  # all-reduce once per update
            with autocast(device, bf16), (contextlib.nullcontext() if sync else net.no_sync()):
                logits = net(head, batch)
                loss = t.fmt.loss(logits, batch) * (len(part) / len(share))
                loss.backward()
            step_loss += float(loss.detach())
        # counted for the global batch, from lengths alone: the same on every rank
        lengths = lengths_of[head]
        result.examples += len(idx)
        result.tokens += int(lengths[idx].sum())
        for r in range(d.world):
            share_r = idx[r :: d.world]
            for m in range(0, len(share_r), micro):
                piece = share_r[m : m + micro]
                result.padded_tokens += len(piece) * int(lengths[piece].max())
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
        optimizer.step()
        scheduler.step()
        running.append(step_loss)
        bar.update(1)
        if step % LOG_EVERY == 0 or step == total:
            avg = float(np.mean(running[-LOG_EVERY:]))
            bar.set_postfix(loss=f"{avg:.3f}")
            if on_log:
                on_log(step, {"loss": avg, "lr": scheduler.get_last_lr()[0]})
        if devs and (step % eval_every == 0 or step == total):
            scores = {}
            for ev in devs:
                _, metrics = evaluate(model, ev, device, bf16, pad_id)
                scores[ev.head] = metrics[ev.fmt.primary_key(ev.task)]
            mean = float(np.mean(list(scores.values())))
            result.dev_history.append({"step": step, "mean": mean, **scores})
            if on_log:
                on_log(step, {f"dev/{k}": v for k, v in scores.items()})
            if result.best_dev is None or mean > result.best_dev:
                result.best_dev, result.best_step = mean, step
                if args.select_on_dev and step != total:
                    state.best_state = copy.deepcopy(
                        {k: v.detach().to("cpu") for k, v in model.state_dict().items()}
                    )
                elif args.select_on_dev:
                    state.best_state = None  # the final state is the best one
            elif args.patience and _since_best(result) >= args.patience:
                break
        if checkpoint and step % checkpoint.every == 0 and step != total:
            state.step = step
            result.seconds = before + time.perf_counter() - start
            if d.is_main:
                checkpoints.save(checkpoint.folder, model, optimizer, scheduler, state)
            d.barrier()
    bar.close()
    result.steps = step
    result.seconds = before + time.perf_counter() - start
    result.final_loss = float(np.mean(running[-LOG_EVERY:])) if running else None
    if state.best_state is not None and result.best_step != step:
        model.load_state_dict(state.best_state)
    return result


def _since_best(result: TrainResult) -> int:
    steps = [h["step"] for h in result.dev_history]
    return len(steps) - 1 - steps.index(result.best_step) if result.best_step in steps else 0


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
