"""The three phases: intermediate stages -> target fine-tune on English -> zero-shot
evaluation on every language of the target.

Work is split into *units* that are pure functions of their configuration and the
checkpoints they depend on: an intermediate unit (model, plan prefix, seed) and a target
unit (encoder, target, seed). Each unit's folder is named by the hash of its inputs and
holds a `record.json` once finished, so a finished unit is never recomputed and an
intermediate model is shared by every target and every plan with the same prefix.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import torch

from harness import checkpoints, distributed, finetuned, observers
from harness.claims import claimed, me
from harness.config import TrainArgs
from harness.contracts import Unit
from harness.data.sources import source_languages
from harness.data.store import Untranslatable
from harness.errors import XHarnessError
from harness.formats import get_format
from harness.guard import check_zero_shot
from harness.modeling import MultiTaskModel, load_encoder, save_encoder
from harness.plugin_calls import defined_at, guarded, qualified
from harness.predictions import write_target_predictions
from harness.records import (
    EXAMPLE_STATS,
    RECORD_FILE,
    SCHEMA_VERSION,
    IntermediateRecord,
    TargetRecord,
    now,
    read_finished,
    save_example_stats,
    versions,
    write_record,
)
from harness.refs import resolve_ref
from harness.run_config import resolve_strategies, system_id
from harness.session import Session
from harness.specs import Stage, TaskSpec
from harness.training import Compute, EvalSet, TrainTask, evaluate, train

log = logging.getLogger("xharness")


def planner_options(session: Session, strategy: str, target: TaskSpec,
                    options: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a planner receives: the strategy's validated options as a dict (every declared
    option; unset ones left out), its registry `default_tasks`, and what the session knows
    that a planner may need: the languages this data source can evaluate the target in,
    and the profile's default translator. `options` (validated here) plans with other
    options than the session's run configuration, as `xharness select` does per candidate."""
    if options is not None:
        choice = resolve_strategies(session.catalog, [strategy], options)[strategy]
    else:
        choice = session.config.strategies[strategy]
    context = {"target_languages": [x for x in eval_languages(session, target) if x != "en"],
               "all_target_languages": session.all_target_languages(),
               "translator": session.config.profile_spec.translator,
               "default_tasks": choice.plan_data["default_tasks"]}
    return {**context, **{k: v for k, v in choice.options.items() if v is not None}}


def plan_for(session: Session, strategy: str, target: TaskSpec,
             options: dict[str, Any] | None = None) -> list[Stage]:
    spec = session.catalog.strategy(strategy)
    planner = resolve_ref(spec.planner, f"strategies.{strategy}.planner")
    what = f"planner of strategy {strategy!r} for target {target.name!r}"
    stages = guarded(planner, what=what, plugin=spec.plugin)(
        target, planner_options(session, strategy, target, options), session.catalog)
    check_plan(stages, what, planner, spec.plugin, session.catalog)
    return list(stages)


def check_plan(stages: Any, what: str, planner: Any, plugin: str, catalog: Any) -> None:
    """A planner's output is plugin data too: a list of `Stage`s naming known tasks."""
    where = f"plugin {plugin}" if plugin else None
    bad = (f"a {type(stages).__name__}" if not isinstance(stages, list | tuple) else next(
        (f"a {type(s).__name__} at position {i}" for i, s in enumerate(stages)
         if not isinstance(s, Stage)), None))
    if bad:
        raise XHarnessError(
            f"{what}: {qualified(planner)} ({defined_at(planner)}) returned {bad}, "
            "not a list of Stage", where=where,
            fix="return [Stage(tasks=[...]), ...] with `from harness.specs import Stage`",
        )
    for stage in stages:
        for name in stage.tasks:
            try:
                catalog.task(name)
            except XHarnessError as exc:
                raise XHarnessError(
                    f"{what}: {qualified(planner)} ({defined_at(planner)}) planned a stage "
                    f"with {exc.what}", where=where, fix=exc.fix,
                ) from None


def check_plans(catalog: Any, skip: set[str] | frozenset[str] = frozenset()
                ) -> tuple[list[Any], int]:
    """`xharness validate`: run every planner on every target each profile can serve, with
    the strategy's default options, so a typo'd task name in a plan, a planner that raises
    or one that returns the wrong type fails here and not at `eval`."""
    from harness.data.choice import choose
    from harness.problems import Problem

    failed: dict[str, list[tuple[str, XHarnessError]]] = {}
    planned = 0
    for profile in catalog.profiles.values():
        session = Session.create(catalog, profile.name, "runs", device="cpu", dry_run=True,
                                 strategies=[s for s in catalog.strategies if s not in skip])
        for strategy in [s for s in catalog.strategies if s not in skip]:
            for name in catalog.targets():
                target = catalog.tasks[name]
                try:
                    choose(target, profile)
                except XHarnessError:
                    continue  # this profile cannot serve the target: nothing to plan
                planned += 1
                try:
                    plan_for(session, strategy, session.task(name))
                except XHarnessError as exc:
                    failed.setdefault(strategy, []).append((f"{name}/{profile.name}", exc))
    problems = []
    for strategy, errors in failed.items():  # one problem per strategy: the first failure
        where, exc = errors[0]
        others = sorted({w for w, _ in errors[1:]})
        more = (f" (also for {len(others)} other target/profile pair(s): "
                f"{', '.join(others[:6])}{', ...' if len(others) > 6 else ''})"
                if others else "")
        problems.append(Problem(
            exc.where or f"plugin {catalog.strategies[strategy].plugin}",
            f"strategies.{strategy}.planner", f"{exc.what} (profile {where.split('/')[1]!r})"
            + more, exc.fix or "fix the planner"))
    return problems, planned


@dataclass(frozen=True)
class Job:
    """One cell of the grid: a strategy's plan for a target, with one seed."""

    strategy: str
    options: dict[str, Any]  # the options that differ from the strategy's defaults
    target: TaskSpec
    stages: list[Stage]
    seed: int
    zero_shot: bool
    system: dict[str, Any] = field(default_factory=dict)  # RunConfig.system(strategy)

    @property
    def label(self) -> str:
        return f"{self.strategy} -> {self.target.name} seed {self.seed}"


def plan_grid(session: Session, targets: list[str], seeds: list[int]) -> list[Job]:
    """Every (seed, strategy, target) with its plan, for the strategies of the session's
    run configuration; plans are checked before anything trains (unknown tasks, the
    zero-shot guard), so a bad grid fails in seconds."""
    jobs = []
    for seed in seeds:
        for strategy, choice in session.config.strategies.items():
            system = session.config.system(strategy)
            for name in targets:
                target = session.task(name)
                stages = plan_for(session, strategy, target)
                zero_shot = check_zero_shot(session.catalog, stages, target,
                                            session.config.runtime.allow_non_zero_shot)
                jobs.append(Job(strategy, choice.changed, target, stages, seed, zero_shot,
                                system))
    return jobs


def run_job(session: Session, job: Job) -> TargetRecord:
    encoder, inter_keys, inter_dev = ensure_intermediate(session, job.stages, job.seed)
    return ensure_target(session, job, encoder, inter_keys, inter_dev)


# -- intermediate units -------------------------------------------------------------------

def stage_key(session: Session, parent: str | None, stage: Stage, seed: int) -> str:
    """An intermediate unit's key: the run config's, over the parent unit, the seed, the
    stage, its translator, and each task as served with its arguments and data."""
    config = session.config
    tasks = {name: session.task(name) for name in stage.tasks}
    return config.unit_key("intermediate", {
        "parent": parent, "seed": seed,
        "stage": stage.model_dump(mode="json", exclude={"name"}),
        "translator": (session.translator_identity(stage.translator)
                       if stage.translator else None),
        "stage_args": config.stage_args().model_dump(),
        "tasks": {n: {"spec": t.model_dump(mode="json", exclude={"plugin"}),
                      "args": config.args("intermediate", t).model_dump(),
                      "data": session.data_fingerprint(
                          t, ["train", "dev"],
                          stage.languages.get(n) or session.train_languages(t))}
                  for n, t in tasks.items()},
    })


def ensure_intermediate(
    session: Session, stages: list[Stage], seed: int
) -> tuple[str, list[str], dict[str, dict[str, float]]]:
    """Train (or reuse) each stage in turn; returns the final encoder's path, the stage
    keys and the dev metrics of every intermediate task."""
    path, parent, keys = session.config.model, None, []
    dev: dict[str, dict[str, float]] = {}
    for i, stage in enumerate(stages):
        key, trained = stage_key(session, parent, stage, seed), False
        folder = session.runs_dir / "intermediate" / key
        session.pull(folder)
        record = read_finished(folder, IntermediateRecord)
        if record is None:
            with claimed(session.claims, "intermediate", key, stage_label(stage, i, seed)):
                session.pull(folder)  # another process may have finished it meanwhile
                record = read_finished(folder, IntermediateRecord)
                if record is None:
                    record = _train_stage(session, stages, i, path, parent, key, folder,
                                          seed)
                    trained = True
        if not trained:
            session.say_once(key, "reusing intermediate model %s (stage %d: %s)", key, i + 1,
                             "+".join(stage.tasks))
            checkpoints.remove(session.checkpoint_dir(key))  # a kill after the record
        dev.update(record.dev_metrics)  # type: ignore[attr-defined]
        path, parent = str(folder / "encoder"), key
        keys.append(key)
    return path, keys, dev


def stage_label(stage: Stage, index: int, seed: int) -> str:
    return f"stage {index + 1}: {'+'.join(stage.tasks)} seed {seed}"


def _train_stage(
    session: Session, stages: list[Stage], index: int, encoder_path: str, parent: str | None,
    key: str, folder: Path, seed: int,
) -> IntermediateRecord:
    stage = stages[index]
    unit = Unit("intermediate", key, stage_label(stage, index, seed))
    log.info("training %s (unit %s)", unit.label, unit.key)
    observers.notify(session.catalog.pm, "xharness_unit_started", unit=unit)
    started = time.perf_counter()
    encoder, tokenizer = load_encoder(encoder_path, session.trusts(session.config.model))
    torch.manual_seed(seed)
    pad_id = tokenizer.pad_token_id
    dropout = float(getattr(encoder.config, "hidden_dropout_prob", 0.1))
    tasks, heads, data = [], {}, {}
    for name in stage.tasks:
        spec = session.task(name)
        fmt = get_format(spec.format)
        args = session.args("intermediate", spec)
        native = session.train_languages(spec)
        langs = stage.languages.get(name) or native
        feats, data[name] = [], {}
        for lang in langs:
            if stage.translator and lang not in native:  # translate-train
                try:
                    e, f, stats = session.store.translated_features(
                        spec, lang, args, session.translator(stage.translator),
                        stage.min_chrf, args.max_train_examples)
                except Untranslatable as exc:
                    if session.config.runtime.strict:
                        raise
                    # recorded and left out (--strict refuses): the translator cannot
                    # render this task's texts (the world translator and sentence fragments)
                    session.say_once(f"untranslatable {name} {lang}", "leaving out %s in %s: %s",
                                     name, lang, exc.what, level=logging.WARNING)
                    data[name][lang] = {"left_out": exc.what}
                    continue
                data[name][lang] = {**e.report.as_dict(), "translation": stats}
            else:
                e, f = session.store.features(spec, "train", lang, args,
                                              args.max_train_examples)
                data[name][lang] = e.report.as_dict()
            feats.append(f)
        train_feats = datasets.concatenate_datasets(feats)
        dev_set = _dev_set(session, spec, fmt, args, name, (native or langs)[0])
        tasks.append(TrainTask(name, spec, fmt, train_feats, dev_set))
        heads[name] = fmt.build_head(encoder.config.hidden_size, spec, dropout, args)
    model = MultiTaskModel(encoder, heads)
    stage_args = session.config.stage_args()

    def on_log(step: int, metrics: dict[str, float]) -> None:
        observers.notify(session.catalog.pm, "xharness_train_log", unit=unit,
                         step=step, metrics=metrics)

    result = train(model, tasks, stage_args, stage, seed,
                   Compute(session.device, session.bf16, pad_id), on_log, desc=unit.label,
                   checkpoint=session.checkpointing(key, stage_args))
    dev_metrics = {}
    for t in tasks:
        if t.dev is not None:
            _, metrics = evaluate(model, t.dev, Compute(session.device, session.bf16, pad_id))
            dev_metrics[t.head] = {**metrics, "lang": t.dev.lang}  # type: ignore[dict-item]
    record = IntermediateRecord(
        key=key, seed=seed, profile=session.config.profile, model=session.config.model,
        source=session.config.source,
        config={"stage_args": stage_args.model_dump(), "base": session.config.base_key()},
        timings={"train_s": round(result.seconds, 3),
                 "total_s": round(time.perf_counter() - started, 3)},
        versions=versions(), created=now(), stage_index=index,
        stages=[s.model_dump(mode="json") for s in stages[: index + 1]], parent=parent,
        dev_metrics={k: {m: v for m, v in d.items() if m != "lang"}
                     for k, d in dev_metrics.items()},
        train=result.summary(), data=data, trained_by=me(),
        hub_revisions=session.hub_revisions([t.task for t in tasks]),
    )
    if distributed.current().is_main:  # under DDP, rank 0 writes; the others wait
        publish_folder(folder, record,
                       lambda staging: save_encoder(model.encoder, tokenizer,
                                                    staging / "encoder"))
        session.push(folder)
        checkpoints.remove(session.checkpoint_dir(key))
    distributed.current().barrier()
    observers.notify(session.catalog.pm, "xharness_unit_finished", unit=unit,
                     record=None)
    return record


def _dev_set(
    session: Session, spec: TaskSpec, fmt: Any, args: TrainArgs, head: str, lang: str,
    fallback: TaskSpec | None = None, whole: bool = False,
) -> EvalSet | None:
    """The task's dev split in `lang` (English for English tasks), if it has one; a
    subset of `dev_examples` unless `whole` (a mining pool must stay complete)."""
    for candidate in (spec, fallback):
        if candidate is None:
            continue
        try:
            ex, feats = session.store.features(candidate, "dev", lang, args,
                                               None if whole else args.dev_examples)
        except XHarnessError as exc:
            log.debug("no dev split for %s/%s: %s", candidate.name, lang, exc)
            continue
        return EvalSet(head, spec, fmt, lang, ex.examples, feats, args)
    return None


# -- target units --------------------------------------------------------------------------

def eval_languages(session: Session, target: TaskSpec) -> list[str]:
    langs = source_languages(target, session.source(target).kind)
    chosen = session.config.languages
    if chosen:
        unknown = [x for x in chosen if x not in target.languages]
        if unknown and len(unknown) == len(chosen):
            from harness.problems import did_you_mean

            raise XHarnessError(
                f"target {target.name!r} has none of the languages {unknown}",
                fix=did_you_mean(unknown[0], target.languages),
            )
        langs = [x for x in langs if x in chosen]
    return langs


def target_key(session: Session, job: Job, inter_keys: list[str]) -> str:
    """A target unit's key: the run config's, over the strategy and its changed options,
    the encoder's unit, the seed, the target with its arguments, languages and data."""
    target = job.target
    train_task = session.task(target.train_task) if target.train_task else target
    langs = eval_languages(session, target)
    return session.config.unit_key("target", {
        "strategy": job.strategy,
        "options": job.options, "encoder": inter_keys[-1] if inter_keys else "base",
        "seed": job.seed, "target": target.model_dump(mode="json", exclude={"plugin"}),
        "args": session.config.args("target", target).model_dump(), "languages": langs,
        "data": [session.data_fingerprint(train_task, ["train", "dev"], ["en"]),
                 session.data_fingerprint(target, ["dev", "test"], langs)],
    })


def stage_keys(session: Session, stages: list[Stage], seed: int) -> list[str]:
    keys: list[str] = []
    for stage in stages:
        keys.append(stage_key(session, keys[-1] if keys else None, stage, seed))
    return keys


def ensure_target(
    session: Session, job: Job, encoder_path: str, inter_keys: list[str],
    inter_dev: dict[str, dict[str, float]],
) -> TargetRecord:
    strategy, target, seed = job.strategy, job.target, job.seed
    key = target_key(session, job, inter_keys)
    folder = session.runs_dir / "targets" / key
    session.pull(folder)
    record = read_finished(folder, TargetRecord)
    if record is not None:
        log.info("reusing finished run %s (%s on %s, seed %d)", key, strategy, target.name,
                 seed)
        return _upgraded(folder, record, job)  # type: ignore[arg-type]
    unit = Unit("target", key, job.label)
    with claimed(session.claims, "target", key, unit.label):
        session.pull(folder)  # another process may have finished it meanwhile
        record = read_finished(folder, TargetRecord)
        if record is not None:
            return _upgraded(folder, record, job)  # type: ignore[arg-type]
        return _train_target(session, job, encoder_path, inter_keys, inter_dev, unit, folder)


def _train_target(
    session: Session, job: Job, encoder_path: str, inter_keys: list[str],
    inter_dev: dict[str, dict[str, float]], unit: Unit, folder: Path,
) -> TargetRecord:
    strategy, target, stages, seed, key = job.strategy, job.target, job.stages, job.seed, unit.key
    args = session.args("target", target)
    langs = eval_languages(session, target)
    train_task = session.task(target.train_task) if target.train_task else target
    log.info("training %s (unit %s)", unit.label, unit.key)
    observers.notify(session.catalog.pm, "xharness_unit_started", unit=unit)
    started = time.perf_counter()
    fmt = get_format(target.format)
    encoder, tokenizer = load_encoder(encoder_path, session.trusts(session.config.model))
    pad_id = tokenizer.pad_token_id
    torch.manual_seed(seed)
    dropout = float(getattr(encoder.config, "hidden_dropout_prob", 0.1))
    model = MultiTaskModel(encoder, {target.name: fmt.build_head(
        encoder.config.hidden_size, target, dropout, args)})
    train_summary, dev, data = None, {}, {}
    if fmt.trains:
        if train_task.labels != target.labels:
            raise XHarnessError(
                f"target {target.name!r} trains on {train_task.name!r} but their label sets "
                f"differ ({target.labels} vs {train_task.labels})",
                where=f"tasks.{target.name}.train_task", fix="give both the same `labels`",
            )
        tuned = _finetune(session, job, model, unit, train_task, fmt, args, key, inter_keys,
                          pad_id)
        train_summary, dev, data = tuned.train, tuned.dev, dict(tuned.data)
    metrics, n_examples, predictions, stats = {}, {}, {}, {}
    for lang in langs:
        ex, feats = session.store.features(target, "test", lang, args)
        data[f"test-{lang}"] = ex.report.as_dict()
        ev = EvalSet(target.name, target, fmt, lang, ex.examples, feats, args)
        cal = (_dev_set(session, target, fmt, args, target.name, lang, whole=True)
               if fmt.calibrates else None)
        preds, scores = evaluate(model, ev, Compute(session.device, session.bf16, pad_id), cal)
        metrics[lang], n_examples[lang] = scores, len(ex.examples)
        predictions[lang] = preds
        stats[lang] = fmt.example_stats(preds, ex.examples, target, lang)
    primary = fmt.primary_key(target)
    record = TargetRecord(
        key=key, seed=seed, profile=session.config.profile, model=session.config.model,
        source=session.source(target).kind,
        config={"target_args": args.model_dump(), "base": session.config.base_key(),
                "languages": langs, "options": job.options,
                "target_spec": target.model_dump(mode="json"), "system": job.system},
        timings={"total_s": round(time.perf_counter() - started, 3),
                 **({"train_s": train_summary["seconds"]} if train_summary else {})},
        versions=versions(), created=now(), strategy=strategy, target=target.name,
        plan=[s.model_dump(mode="json") for s in stages], intermediate=inter_keys,
        intermediate_dev=inter_dev, zero_shot=job.zero_shot, primary_metric=primary,
        metrics=metrics, n_examples=n_examples,
        average=sum(m[primary] for m in metrics.values()) / max(1, len(metrics)),
        dev=dev, train=train_summary, data=data,
        predictions_dir="predictions" if predictions else None, trained_by=me(),
        system=system_id(job.system),
        hub_revisions=session.hub_revisions(
            [target, session.task(target.train_task) if target.train_task else target]),
    )
    if distributed.current().is_main:  # under DDP, rank 0 writes; the others wait
        _publish_unit(folder, record, target, fmt, predictions, stats)
        session.push(folder)
        checkpoints.remove(session.checkpoint_dir(key))
    distributed.current().barrier()
    observers.notify(session.catalog.pm, "xharness_unit_finished", unit=unit,
                     record=record)
    return record


def _upgraded(folder: Path, record: TargetRecord, job: Job) -> TargetRecord:
    """A schema-1 record found under this unit's key gets the system identity of the job:
    the key covers every input of the unit, so the record's system is this job's. The
    upgraded record is written atomically (rank 0 only)."""
    if record.system is not None or not job.system:
        return record
    record = record.model_copy(update={
        "schema_version": SCHEMA_VERSION, "system": system_id(job.system),
        "config": {**record.config, "system": job.system}})
    if distributed.current().is_main:
        write_record(folder, record)
        log.info("upgraded the record of %s to schema %d (system identity added)",
                 folder.name, SCHEMA_VERSION)
    return record


def finetune_key(session: Session, job: Job, inter_keys: list[str]) -> str | None:
    """What a target's fine-tune depends on: never the target itself beyond its head, so
    targets that train alike (XQuAD and MLQA on SQuAD) share it; None when no other
    registered target trains alike (the fine-tune is then not kept)."""
    if not finetuned.shared(session.catalog, job.target):
        return None
    train_task = session.task(job.target.train_task or job.target.name)
    return session.config.unit_key("finetune", {
        "seed": job.seed,
        "encoder": inter_keys[-1] if inter_keys else "base",
        "head": finetuned.head_fields(job.target),
        "args": session.config.args("target", job.target).model_dump(),
        "data": session.data_fingerprint(train_task, ["train", "dev"], ["en"]),
    })


def _finetune(
    session: Session, job: Job, model: MultiTaskModel, unit: Unit, train_task: TaskSpec,
    fmt: Any, args: TrainArgs, key: str, inter_keys: list[str], pad_id: int,
) -> finetuned.Finetuned:
    """Fine-tune on English (checkpoint chosen on the training task's English dev), or
    load the fine-tune another target saved."""
    target = job.target
    shared_key = finetune_key(session, job, inter_keys)
    if shared_key is None:
        return _train_finetune(session, job, model, unit, train_task, fmt, args, key, pad_id,
                               None)
    folder = session.runs_dir / "finetuned" / shared_key
    with contextlib.ExitStack() as stack:
        for attempt in range(2):  # before the claim, and once it is ours (done meanwhile?)
            session.pull(folder, finetuned.INFO_FILE)
            found = finetuned.load(folder, model, target.name)
            if found is not None:
                log.info("reusing the fine-tune %s (%s)", folder.name, train_task.name)
                return found
            if attempt == 0:
                stack.enter_context(claimed(session.claims, "finetune", shared_key,
                                            finetune_label(job, train_task)))
        return _train_finetune(session, job, model, unit, train_task, fmt, args, key,
                               pad_id, folder)


def finetune_label(job: Job, train_task: TaskSpec) -> str:
    return f"fine-tune on {train_task.name} seed {job.seed}"


def _train_finetune(
    session: Session, job: Job, model: MultiTaskModel, unit: Unit, train_task: TaskSpec,
    fmt: Any, args: TrainArgs, key: str, pad_id: int, folder: Path | None,
) -> finetuned.Finetuned:
    target = job.target
    ex, feats = session.store.features(train_task, "train", "en", args, args.max_train_examples)
    dev_set = _dev_set(session, train_task, fmt, args, target.name, "en", fallback=target)
    result = train(model, [TrainTask(target.name, target, fmt, feats, dev_set)], args,
                   Stage(tasks=[target.name]), job.seed,
                   Compute(session.device, session.bf16, pad_id),
                   lambda s, m: observers.notify(
                       session.catalog.pm, "xharness_train_log", unit=unit,
                       step=s, metrics=m),
                   desc=unit.label, checkpoint=session.checkpointing(key, args))
    tuned = finetuned.Finetuned(
        train=result.summary(), data={"train": ex.report.as_dict()},
        dev={fmt.primary_key(train_task): result.best_dev} if result.best_dev is not None else {})
    if folder is not None and distributed.current().is_main:
        finetuned.save(folder, model, target.name, tuned)
        session.push(folder, finetuned.INFO_FILE)
    return tuned


def _publish_unit(folder: Path, record: TargetRecord, target: TaskSpec, fmt: Any,
                  predictions: dict[str, Any], stats: dict[str, Any]) -> None:
    def fill(staging: Path) -> None:
        write_target_predictions(target, fmt, predictions, staging / "predictions")
        save_example_stats(staging / EXAMPLE_STATS, stats)

    publish_folder(folder, record, fill)


def publish_folder(folder: Path, record: Any, fill: Callable[[Path], None]) -> None:
    """A unit's files and its record go into a staging folder of its own (unique, so
    concurrent writers never share one) that becomes the unit's folder in one rename: a
    unit folder is complete or absent, never half-written. If another writer published the
    same unit first, its copy is kept (the two are the same computation)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial",
                                    dir=folder.parent))
    try:
        os.chmod(staging, 0o755)  # mkdtemp makes folders private; results are for sharing
        fill(staging)
        write_record(staging, record)
        for _ in range(5):
            if (folder / RECORD_FILE).is_file():
                return
            if folder.exists():  # leftovers of an interrupted attempt (or of a pull)
                aside = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:8]}.stale"
                with contextlib.suppress(FileNotFoundError):
                    os.rename(folder, aside)
                shutil.rmtree(aside, ignore_errors=True)
            try:
                os.rename(staging, folder)
                return
            except OSError as exc:  # someone else's folder landed in between: look again
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
        raise XHarnessError(f"could not publish {folder}: other writers keep replacing it",
                            fix="run one process per runs folder, or check the storage")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
