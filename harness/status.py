"""`xharness status`: where a grid (or everything in a runs folder) stands, while other
processes work on it.

A unit is *done* (its record is there), *running* (a live claim: who, since when, and the
step, planned steps and ETA of its latest checkpoint), *failed* (it left a failure note
and nobody holds it), or *waiting*. The expected time left is the remaining work (ETAs of
running units, plus the mean duration of finished units of the same kind for each
waiting one) divided by the number of processes at work now; it is only as good as the
units already finished, and is left open when none of a kind has finished yet.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from harness import checkpoints, finetuned
from harness.claims import Claims
from harness.records import RECORD_FILE

KINDS = {"intermediate": RECORD_FILE, "finetune": finetuned.INFO_FILE, "target": RECORD_FILE}
FOLDERS = {"intermediate": "intermediate", "finetune": "finetuned", "target": "targets"}


@dataclass
class UnitStatus:
    kind: str
    key: str
    label: str
    state: str  # done, running, waiting, failed
    who: str | None = None
    since: str | None = None
    step: int | None = None
    total: int | None = None
    eta_s: float | None = None
    seconds: float | None = None  # how long it took (done units)
    error: str | None = None
    note: str | None = None


@dataclass
class Where:
    """A runs folder as status reads it: the local folder (or mirror), the shared storage
    behind it if any, and its claims."""

    runs_dir: Path
    remote: Any
    claims: Claims

    def finished(self, kind: str, key: str) -> bool:
        folder = self.runs_dir / FOLDERS[kind] / key
        if (folder / KINDS[kind]).is_file():
            return True
        return self.remote is not None and self.remote.has(folder, KINDS[kind])

    def read(self, kind: str, key: str) -> dict[str, Any] | None:
        folder = self.runs_dir / FOLDERS[kind] / key
        if self.remote is not None and not (folder / KINDS[kind]).is_file():
            return self.remote.read_json(folder, KINDS[kind])
        try:
            return json.loads((folder / KINDS[kind]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def keys(self, kind: str) -> list[str]:
        found = set()
        base = self.runs_dir / FOLDERS[kind]
        if base.is_dir():
            found |= {p.name for p in base.iterdir() if not p.name.startswith(".")}
        if self.remote is not None:
            found |= set(self.remote.names(FOLDERS[kind]))
        return sorted(found)


def _label(kind: str, key: str, data: dict[str, Any] | None) -> str:
    if data and kind == "target":
        return f"{data['strategy']} -> {data['target']} seed {data['seed']}"
    if data and kind == "intermediate":
        tasks = "+".join(data["stages"][-1]["tasks"])
        return f"stage {data['stage_index'] + 1}: {tasks} seed {data['seed']}"
    return f"{kind} {key}"


def _duration(kind: str, data: dict[str, Any] | None) -> float | None:
    if not data:
        return None
    if kind == "finetune":
        return (data.get("train") or {}).get("seconds")
    return (data.get("timings") or {}).get("total_s")


def unit_status(where: Where, kind: str, key: str, label: str | None = None) -> UnitStatus:
    if where.finished(kind, key):
        data = where.read(kind, key)
        by = (data or {}).get("trained_by")
        return UnitStatus(kind, key, label or _label(kind, key, data), "done",
                          who=f"{by['host']}:{by['pid']}" if by else None,
                          seconds=_duration(kind, data))
    holder = where.claims.holder(kind, key)
    progress = checkpoints.progress(where.runs_dir / "checkpoints" / key)
    step = progress["step"] if progress else None
    total = progress["total"] if progress else None
    if holder is not None:
        eta = None
        if progress and total and step and progress["seconds"]:
            rate = progress["seconds"] / step
            eta = max(0.0, (total - step) * rate - (time.time() - progress["written"]))
        return UnitStatus(kind, key, label or holder.label, "running", who=holder.who(),
                          since=holder.since, step=step, total=total, eta_s=eta)
    failure = where.claims.failure(kind, key)
    if failure is not None:
        return UnitStatus(kind, key, label or failure.get("label", key), "failed",
                          who=f"{failure.get('host')}:{failure.get('pid')}",
                          since=failure.get("since"), error=failure.get("error"))
    note = f"interrupted at step {step}; resumes from there" if step else None
    return UnitStatus(kind, key, label or f"{kind} {key}", "waiting", step=step, total=total,
                      note=note)


def grid_status(where: Where, nodes: list[Any]) -> list[UnitStatus]:
    """The units of a planned grid (`harness.schedule.grid_units`), in grid order."""
    return [unit_status(where, n.kind, n.key, n.label) for n in nodes]


def folder_status(where: Where) -> list[UnitStatus]:
    """Every unit the runs folder knows: finished ones, and any that was ever claimed."""
    seen: dict[tuple[str, str], UnitStatus] = {}
    for kind in KINDS:
        for key in where.keys(kind):
            seen[(kind, key)] = unit_status(where, kind, key)
    for name in where.claims.listing():
        kind, _, key = name.partition("-")
        if kind in KINDS and (kind, key) not in seen:
            seen[(kind, key)] = unit_status(where, kind, key)
    return list(seen.values())


def summary(units: list[UnitStatus]) -> dict[str, Any]:
    counts = {s: sum(u.state == s for u in units) for s in ("done", "running", "waiting",
                                                            "failed")}
    means: dict[str, float] = {}
    for kind in KINDS:
        took = [u.seconds for u in units if u.kind == kind and u.state == "done" and u.seconds]
        if took:
            means[kind] = sum(took) / len(took)
    work, unknown = 0.0, 0
    for u in units:
        if u.state == "running":
            if u.eta_s is not None:
                work += u.eta_s
            elif u.kind in means:
                work += means[u.kind]
            else:
                unknown += 1
        elif u.state == "waiting":
            if u.kind in means:
                work += means[u.kind]
            else:
                unknown += 1
    workers = len({u.who for u in units if u.state == "running"}) or 1
    return {"counts": counts, "work_left_s": work, "workers": workers,
            "time_left_s": work / workers, "units_without_estimate": unknown}


def as_json(units: list[UnitStatus]) -> str:
    return json.dumps({"summary": summary(units), "units": [asdict(u) for u in units]},
                      indent=2)


def _hms(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _ago(stamp: str | None) -> str:
    if not stamp:
        return "?"
    try:
        then = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return f"{stamp} ({_hms((datetime.now(then.tzinfo) - then).total_seconds())} ago)"


def as_text(units: list[UnitStatus]) -> str:
    from tabulate import tabulate

    s = summary(units)
    c = s["counts"]
    lines = [f"{len(units)} units: {c['done']} done, {c['running']} running, "
             f"{c['waiting']} waiting, {c['failed']} failed"]
    running = [u for u in units if u.state == "running"]
    if running:
        rows = [[u.kind, u.label, u.who, _ago(u.since),
                 f"{u.step}/{u.total}" if u.step else "starting", _hms(u.eta_s)]
                for u in running]
        lines += ["", "running:", tabulate(rows, headers=["unit", "what", "who", "since",
                                                          "step", "ETA"])]
    failed = [u for u in units if u.state == "failed"]
    if failed:
        rows = [[u.kind, u.label, u.who, u.since, u.error] for u in failed]
        lines += ["", "failed:", tabulate(rows, headers=["unit", "what", "where", "when",
                                                         "error"], maxcolwidths=[None] * 4
                                          + [60])]
    waiting = [u for u in units if u.state == "waiting"]
    if waiting:
        rows = [[u.kind, u.label, u.note or ""] for u in waiting]
        lines += ["", "waiting:", tabulate(rows, headers=["unit", "what", ""])]
    done = [u for u in units if u.state == "done"]
    if done:
        rows = [[u.kind, u.label, u.who or "", _hms(u.seconds)] for u in done]
        lines += ["", "done:", tabulate(rows, headers=["unit", "what", "trained by", "took"])]
    if c["running"] or c["waiting"]:
        unknown = s["units_without_estimate"]
        extra = (f" ({unknown} unit(s) of a kind none of which has finished yet left out)"
                 if unknown else "")
        lines += ["", f"expected time left: {_hms(s['time_left_s'])} with {s['workers']} "
                  f"process(es) at work ({_hms(s['work_left_s'])} of work){extra}"]
    return "\n".join(lines)
