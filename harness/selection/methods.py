"""The built-in selectors (registered by `plugins.selectors.builtin` on the `selectors`
hook, as any third-party method is).

- `embeddings`: Poth et al.'s text-embedding method: the pretrained encoder's mean-pooled
  vectors of a sample of each task's training data (English where it has English),
  averaged per task; score = cosine similarity of the candidate's mean with the target's
  (its English training data; for a retrieval target, which has none, the unlabelled
  English side of its dev pool, else of its test pool). No training, no intermediate model.
- `logme`: LogME of the target's English training features under each candidate's
  intermediate model (one forward pass over that data per candidate).
- `finetune`: the target's English dev score after a short fine-tune (`budget` updates)
  of each candidate's intermediate model: the expensive reference.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from tqdm.auto import tqdm

from harness.errors import XHarnessError
from harness.formats import get_format
from harness.modeling import MultiTaskModel
from harness.selection import cost as costs
from harness.selection import features
from harness.selection.logme import logme_classification
from harness.selection.run import SelectionRequest
from harness.specs import Stage

log = logging.getLogger("xharness")


def _grid(request: SelectionRequest) -> dict[str, float | None]:
    catalog = request.session.catalog
    train_task = catalog.task(request.target.train_task or request.target.name)
    return {c: costs.grid_hours(catalog, catalog.task(c), train_task, request.target)
            for c in request.candidates}


def _tokens(task: object) -> float | None:
    size = costs.task_size(task)
    return None if size is None else size[1]


# -- embeddings ----------------------------------------------------------------------------

def embeddings(request: SelectionRequest) -> dict[str, float | None]:
    session = request.session
    encoder, pad_id = features.load(session, session.model_ref)
    target = features.task_mean(session, encoder, pad_id, request.train_task, request.sample)
    scores: dict[str, float | None] = {}
    for name in tqdm(request.candidates, desc="embeddings", leave=False):
        try:
            vec = features.task_mean(session, encoder, pad_id, session.task(name),
                                     request.sample)
        except XHarnessError as exc:
            request.notes[name] = f"not scored: {exc}"
            scores[name] = None
            continue
        scores[name] = float(vec @ target / (np.linalg.norm(vec) * np.linalg.norm(target)))
    return scores


def embeddings_cost(request: SelectionRequest) -> costs.Cost:
    catalog = request.session.catalog
    tasks = [catalog.task(c) for c in request.candidates]
    tasks.append(catalog.task(request.target.train_task or request.target.name))
    toks = {t.name: _tokens(t) for t in tasks}
    flops = sum(costs.forward_flops(catalog, request.sample, x) for x in toks.values()
                if x is not None)
    return costs.Cost(request.sample * len(tasks), 0, costs.hours(flops),
                      "the pretrained encoder only",
                      unknown=sorted(n for n, x in toks.items() if x is None),
                      per_candidate_grid_hours=_grid(request))


# -- LogME ---------------------------------------------------------------------------------

def logme(request: SelectionRequest) -> dict[str, float | None]:
    session = request.session
    features.check_logme_format(request.target)
    scores: dict[str, float | None] = {}
    for name in tqdm(request.candidates, desc="logme", leave=False):
        ref = request.intermediate_encoder(name)
        if ref is None:
            scores[name] = None
            continue
        encoder, pad_id = features.load(session, ref)
        pairs = features.logme_inputs(session, encoder, pad_id, request.target,
                                      request.train_task, request.limit, request.seed)
        scores[name] = float(np.mean([logme_classification(f, y) for f, y in pairs]))
        del encoder
    return scores


def logme_cost(request: SelectionRequest) -> costs.Cost:
    train_task = request.session.catalog.task(request.target.train_task
                                              or request.target.name)
    size = costs.task_size(train_task)
    k = len(request.candidates)
    if size is None:
        return costs.Cost(None, 0, None, f"{k} intermediate models",
                          per_candidate_grid_hours=_grid(request))
    rows = min(size[0], request.limit or size[0])
    return costs.Cost(k * rows, 0, costs.hours(k * costs.forward_flops(
                      request.session.catalog, rows, size[1])),
                      f"{k} trained intermediate models (shared by all targets; not "
                      "counted)", per_candidate_grid_hours=_grid(request))


# -- short fine-tune -----------------------------------------------------------------------

def finetune(request: SelectionRequest) -> dict[str, float | None]:
    from harness.pipeline import _dev_set
    from harness.training import Compute, TrainTask, evaluate, train

    session, target = request.session, request.target
    fmt = get_format(target.format)
    if not fmt.trains:
        raise XHarnessError(f"target {target.name!r} ({target.format}) has no training "
                            "data to fine-tune on", fix="use the embeddings method")
    args = session.args("target", target).model_copy(update={
        "max_steps": request.budget, "checkpoint_every": None, "select_on_dev": False,
        "eval_every": None})
    _, feats = session.store.features(request.train_task, "train", "en", args,
                                      args.max_train_examples)
    dev = _dev_set(session, request.train_task, fmt, args, target.name, "en",
                   fallback=target)
    if dev is None:
        raise XHarnessError(f"neither {request.train_task.name!r} nor {target.name!r} has "
                            "an English dev split to score the short fine-tune on")
    scores: dict[str, float | None] = {}
    for name in request.candidates:
        ref = request.intermediate_encoder(name)
        if ref is None:
            scores[name] = None
            continue
        encoder, pad_id = features.load(session, ref)
        encoder.train()
        torch.manual_seed(request.seed)
        dropout = float(getattr(encoder.config, "hidden_dropout_prob", 0.1))
        model = MultiTaskModel(encoder, {target.name: fmt.build_head(
            encoder.config.hidden_size, target, dropout, args)}).to(session.device)
        compute = Compute(session.device, session.bf16, pad_id)
        train(model, [TrainTask(target.name, target, fmt, feats, None)], args,
              Stage(tasks=[target.name]), request.seed, compute, desc=f"finetune {name}")
        _, metrics = evaluate(model, dev, compute)
        scores[name] = float(metrics[fmt.primary_metric])
    return scores


def finetune_cost(request: SelectionRequest) -> costs.Cost:
    session, target = request.session, request.target
    train_task = session.catalog.task(target.train_task or target.name)
    size = costs.task_size(train_task)
    k = len(request.candidates)
    paper = session.catalog.profiles.get(costs.PAPER_PROFILE)
    batch = (paper.args_for("target", target.name, target.format, {}).batch_size
             if paper else None)
    dev = (paper.args_for("target", target.name, target.format, {}).dev_examples
           if paper else None) or 0
    if size is None or batch is None:
        return costs.Cost(None, None, None, f"{k} intermediate models",
                          per_candidate_grid_hours=_grid(request))
    trained = k * request.budget * batch
    catalog = session.catalog
    flops = (costs.train_flops(catalog, trained, size[1], 1)
             + k * costs.forward_flops(catalog, dev, size[1]))
    return costs.Cost(k * dev, trained, costs.hours(flops),
                      f"{k} trained intermediate models (not counted)",
                      per_candidate_grid_hours=_grid(request))
