"""Cooperative scheduling: many processes on one runs folder split a grid between them.

The grid is a graph of units: intermediate models (each stage depends on the previous
one), fine-tunes shared by targets that train alike, and target runs (depending on their
last stage and their shared fine-tune). A process repeatedly takes the first unit, in grid
order, whose dependencies are finished and whose claim it gets (`harness.claims`), trains
it and releases it; a unit claimed by another process is passed over, and the process
waits only when nothing else is runnable. So N identical commands (a Slurm job array) each
train a share of the grid, every unit once, and all end when the grid is done. One
process alone runs the units in the order the grid lists them, as before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import distributed, finetuned
from harness.records import RECORD_FILE, TargetRecord, read_finished

log = logging.getLogger("xharness")
POLL_S = 2.0


@dataclass
class Node:
    """One unit of the grid, with what it needs finished before it can run."""

    kind: str  # intermediate, finetune, target
    key: str
    label: str
    folder: Path
    marker: str
    deps: list[str] = field(default_factory=list)  # keys of units that must be finished
    shares: str | None = None  # the key of the shared fine-tune a target trains if need be
    run: Callable[[], Any] | None = None
    job: int | None = None  # index of the job whose target this is

    def finished(self, session: Any) -> bool:
        session.pull(self.folder, self.marker)
        return (self.folder / self.marker).is_file()


def grid_units(session: Any, jobs: list[Any]) -> list[Node]:
    """The grid's units in order, each once (shared intermediate models and fine-tunes)."""
    from harness.pipeline import (
        ensure_intermediate,
        finetune_key,
        finetune_label,
        run_job,
        stage_keys,
        stage_label,
        target_key,
    )

    nodes: dict[str, Node] = {}
    for j, job in enumerate(jobs):
        keys = stage_keys(session, job.stages, job.seed)
        for i, key in enumerate(keys):
            if key not in nodes:
                nodes[key] = Node(
                    "intermediate", key, stage_label(job.stages[i], i, job.seed),
                    session.runs_dir / "intermediate" / key, RECORD_FILE,
                    deps=[keys[i - 1]] if i else [],
                    run=lambda s=job.stages[: i + 1], seed=job.seed: ensure_intermediate(
                        session, s, seed))
        fkey = finetune_key(session, job, keys) if job.target.format != "retrieval" else None
        if fkey and fkey not in nodes:
            train_task = session.task(job.target.train_task or job.target.name)
            nodes[fkey] = Node("finetune", fkey, finetune_label(job, train_task),
                               session.runs_dir / "finetuned" / fkey, finetuned.INFO_FILE,
                               deps=keys[-1:])
        tkey = target_key(session, job, keys)
        nodes[tkey] = Node("target", tkey, job.label, session.runs_dir / "targets" / tkey,
                           RECORD_FILE, deps=keys[-1:], shares=fkey,
                           run=lambda job=job: run_job(session, job), job=j)
    return list(nodes.values())


def run_cooperatively(session: Any, jobs: list[Any], poll: float = POLL_S
                      ) -> list[TargetRecord]:
    """Run the grid's units, sharing them with any other process on the same runs folder;
    returns the target records in job order (including those other processes trained)."""
    from harness.pipeline import run_job

    if distributed.current().enabled:  # ranks train each unit together, in lockstep
        return [run_job(session, job) for job in jobs]
    nodes = grid_units(session, jobs)
    by_key = {n.key: n for n in nodes}
    done: set[str] = set()
    records: dict[int, TargetRecord] = {}
    claims = session.claims
    waiting_for: str | None = None
    while len(done) < len(nodes):
        ran = False
        for node in nodes:
            if node.key in done or not all(d in done for d in node.deps):
                continue
            if node.finished(session):
                done.add(node.key)
                ran = True  # new dependencies may be ready: scan again from the top
                break
            if node.run is None:  # a shared fine-tune: trained by the first target needing it
                continue
            held = _claim(claims, node, by_key, done, session)
            if held is None:
                continue
            try:
                result = node.run()
            except Exception as exc:
                for kind, key, label in held:
                    claims.fail(kind, key, label, exc)
                raise
            finally:
                for kind, key, _ in held:
                    claims.release(kind, key)
            if node.job is not None:
                records[node.job] = result
            done.add(node.key)
            ran, waiting_for = True, None
            break
        if not ran and len(done) < len(nodes):
            busy = _busy(claims, nodes, done)
            if busy != waiting_for:
                log.info("waiting: every runnable unit is being trained elsewhere (%s)", busy)
                waiting_for = busy
            time.sleep(poll)
    out = []
    for j, job in enumerate(jobs):
        if j not in records:
            node = next(n for n in nodes if n.job == j)
            records[j] = read_finished(node.folder, TargetRecord)  # type: ignore[assignment]
            if records[j] is None:  # pragma: no cover - finished() said it was there
                records[j] = run_job(session, job)
        out.append(records[j])
    return out


def _claim(claims: Any, node: Node, by_key: dict[str, Node], done: set[str], session: Any
           ) -> list[tuple[str, str, str]] | None:
    """Claim `node` (and the shared fine-tune it would train); None if another process
    holds either."""
    if not claims.try_claim(node.kind, node.key, node.label):
        return None
    held = [(node.kind, node.key, node.label)]
    shared = by_key.get(node.shares) if node.shares else None
    if shared is not None and shared.key not in done and not shared.finished(session):
        if not claims.try_claim(shared.kind, shared.key, shared.label):
            claims.release(node.kind, node.key)  # its fine-tune is being trained elsewhere
            return None
        held.append((shared.kind, shared.key, shared.label))
    return held


def _busy(claims: Any, nodes: list[Node], done: set[str]) -> str:
    who = []
    for n in nodes:
        if n.key in done:
            continue
        holder = claims.holder(n.kind, n.key)
        if holder is not None:
            who.append(f"{n.label} on {holder.who()}")
    return "; ".join(who) or "nothing claimed yet"
