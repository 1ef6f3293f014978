"""Check before spending: every split a grid will read is loaded and checked (files
present, columns, labels, spans) before the first training step.

Without this, a missing or malformed test file of the last target surfaces after hours
of fine-tuning, and the trained model is thrown away. The checks go through the session's
data store, so what they load is what the run then uses (loaded once, not twice). Only
units that will run are checked (a finished unit reads nothing). A dev split may be
absent (the pipeline then trains without checkpoint selection); a dev split that is there
but malformed is an error like any other.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from harness.data.sources import Split, source_for
from harness.errors import MissingSplit, XHarnessError
from harness.records import RECORD_FILE
from harness.specs import HubSource, LocalSource, TaskSpec

log = logging.getLogger("xharness")


@dataclass(frozen=True)
class Need:
    """One split a unit of the grid will read; `required` unless it may be absent."""

    task: TaskSpec
    split: Split
    lang: str
    required: bool


@dataclass
class Report:
    checked: list[Need] = field(default_factory=list)
    absent: list[Need] = field(default_factory=list)  # optional splits the source lacks
    #: data not at hand (a dry run): need -> why
    not_checked: list[tuple[Need, str]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        tasks = {n.task.name for n in self.checked}
        text = (f"preflight: {len(self.checked)} split(s) of {len(tasks)} task(s) loaded "
                f"and checked in {self.seconds:.1f} s")
        if self.absent:
            text += f"; no dev split (optional): {_names(self.absent)}"
        by_reason: dict[str, list[Need]] = {}
        for need, why in self.not_checked:
            by_reason.setdefault(why, []).append(need)
        for why, group in by_reason.items():
            text += (f"; not checked ({why}): {len(group)} split(s) of {_names(group)}")
        return text


def _names(needs: list[Need]) -> str:
    return ", ".join(sorted({n.task.name for n in needs}))


def needs(session: Any, jobs: list[Any]) -> list[Need]:
    """Every split the units still to run will read, once each, in grid order."""
    from harness import finetuned
    from harness.pipeline import eval_languages, finetune_key, stage_keys, target_key

    out: dict[tuple[str, str, str], Need] = {}

    def add(task: TaskSpec, split: Split, lang: str, required: bool) -> None:
        key = (task.name, split, lang)
        if key not in out or (required and not out[key].required):
            out[key] = Need(task, split, lang, required)

    for job in jobs:
        keys = stage_keys(session, job.stages, job.seed)
        for stage, key in zip(job.stages, keys, strict=True):
            if (session.runs_dir / "intermediate" / key / RECORD_FILE).is_file():
                continue
            for name in stage.tasks:
                spec = session.task(name)
                native = session.train_languages(spec)
                langs = stage.languages.get(name) or native
                for lang in langs:
                    translated = bool(stage.translator) and lang not in native
                    add(spec, "train", "en" if translated else lang, True)
                dev_lang = (native or langs)[0]
                add(spec, "dev", dev_lang, False)
        target = job.target
        if (session.runs_dir / "targets" / target_key(session, job, keys) / RECORD_FILE
                ).is_file():
            continue
        langs = eval_languages(session, target)
        if target.format != "retrieval":
            train_task = session.task(target.train_task) if target.train_task else target
            fkey = finetune_key(session, job, keys)
            reused = fkey is not None and (
                session.runs_dir / "finetuned" / fkey / finetuned.INFO_FILE).is_file()
            if not reused:
                add(train_task, "train", "en", True)
                add(train_task, "dev", "en", False)
        for lang in langs:
            add(target, "test", lang, True)
            add(target, "dev", lang, False)
    return list(out.values())


def _declared(task: TaskSpec, kind: str, split: str) -> bool:
    """False where a hub source lists its splits and this is not one of them."""
    spec = source_for(task, kind)  # type: ignore[arg-type]
    if isinstance(spec, HubSource) and (spec.splits or spec.data_files):
        return split in spec.splits or split in spec.data_files
    return True


def _not_at_hand(session: Any, task: TaskSpec, kind: str) -> str | None:
    """Why a dry run cannot check this source's data without fetching it, if it can't."""
    spec = source_for(task, kind)  # type: ignore[arg-type]
    if kind == "hub":
        return "hub data, loaded when the run starts"
    if isinstance(spec, LocalSource) and "{root}" in spec.path and not session.source(task).root:
        return "local data, no --data-root given"
    return None


def check(session: Any, jobs: list[Any], *, at_hand_only: bool = False) -> Report:
    """Load and check every split the grid's remaining units read; the first bad one
    raises the usual error (file or field, what, fix). `at_hand_only` (a dry run) leaves
    out what is not at hand: hub data (it would be downloaded) and local files without a
    data root; the report names them."""
    report = Report()
    started = time.perf_counter()
    for need in needs(session, jobs):
        kind = session.source(need.task).kind
        if not need.required and not _declared(need.task, kind, need.split):
            report.absent.append(need)
            continue
        why = _not_at_hand(session, need.task, kind) if at_hand_only else None
        if why:
            report.not_checked.append((need, why))
            continue
        try:
            session.store.examples(need.task, need.split, need.lang)
        except MissingSplit:
            if need.required:
                raise
            report.absent.append(need)
            continue
        except XHarnessError:
            raise
        except Exception as exc:  # a plugin's builder or adapter: its message matters
            raise XHarnessError(
                f"loading {need.task.name} ({kind}, {need.split}, {need.lang}) failed before "
                f"any training: {type(exc).__name__}: {exc}",
                where=f"tasks.{need.task.name}.sources.{kind}",
                fix="correct the data or the task's loader; nothing was trained or written",
            ) from exc
        report.checked.append(need)
    report.seconds = time.perf_counter() - started
    return report
