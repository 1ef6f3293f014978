"""Run records: the JSON that says what was run, with what, and what came out.

A record carries the resolved configuration and its hash, the versions of every library
and the git commit, so a number in a leaderboard can be traced to what produced it.
Records are written atomically and only after everything they describe is on disk; a
folder without `record.json` is unfinished, never mistaken for a result.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from harness.atomic import write_json_atomic
from harness.errors import XHarnessError

#: 2: target records carry `system` (the hash of `config["system"]`, the run configuration's
#: identity of the system; see harness/run_config.py). A schema-1 record has none: the
#: leaderboard skips it, and the `xharness eval` that reproduces it upgrades it in place.
SCHEMA_VERSION = 2
RECORD_FILE = "record.json"
#: per-language, per-example metric statistics of a target run (for the paired bootstrap)
EXAMPLE_STATS = "example_stats.npz"


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    key: str
    seed: int
    profile: str
    model: str
    source: str
    config: dict[str, Any]
    timings: dict[str, float]
    versions: dict[str, str]
    created: str
    #: `kind:repo@requested` -> the hub commit read (xharness.lock's, or resolved at run
    #: time; None where unknown, e.g. offline without a lock)
    hub_revisions: dict[str, str | None] = {}
    #: the process that trained the unit (`host`, `pid`), when several share a runs folder
    trained_by: dict[str, Any] | None = None


class IntermediateRecord(Record):
    kind: Literal["intermediate"] = "intermediate"
    stage_index: int
    stages: list[dict[str, Any]]
    parent: str | None
    dev_metrics: dict[str, dict[str, float]]
    train: dict[str, Any]
    data: dict[str, Any]


class TargetRecord(Record):
    kind: Literal["target"] = "target"
    strategy: str
    target: str
    plan: list[dict[str, Any]]
    intermediate: list[str]
    intermediate_dev: dict[str, dict[str, float]]
    zero_shot: bool
    primary_metric: str
    metrics: dict[str, dict[str, float]]
    n_examples: dict[str, int]
    average: float
    dev: dict[str, float]
    train: dict[str, Any] | None
    data: dict[str, Any]
    predictions_dir: str | None
    system: str | None = None  # None: a schema-1 record (before systems had an identity)


RunRecord = TargetRecord


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@cache
def versions() -> dict[str, str]:
    """Library versions and the git commit, for reproducing a number."""
    import importlib.metadata as md

    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for dist in ("xharness", "torch", "transformers", "datasets", "tokenizers", "pluggy",
                 "pydantic", "numpy", "seqeval", "faiss-cpu", "sacrebleu"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            continue
    out["git_commit"] = git_commit()
    try:
        import torch

        out["cuda"] = torch.version.cuda or "none"
    except ImportError:  # pragma: no cover
        pass
    return out


def git_commit() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
            capture_output=True, text=True, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if not sha:
        return "unknown"
    return sha + ("-dirty" if dirty else "")


def write_record(folder: Path, record: Record) -> Path:
    path = Path(folder) / RECORD_FILE
    write_json_atomic(path, record.model_dump(mode="json"))
    return path


def read_record(path: Path, model: type[Record]) -> Record:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return model.model_validate(data)
    except (json.JSONDecodeError, ValidationError, UnicodeDecodeError) as exc:
        raise XHarnessError(
            f"run record is unreadable ({type(exc).__name__}: {str(exc)[:200]})",
            where=str(path),
            fix="delete that run's folder to recompute it (finished records are written "
            "atomically, so this file was edited or damaged outside xharness)",
        ) from exc


def read_finished(folder: Path, model: type[Record]) -> Record | None:
    path = Path(folder) / RECORD_FILE
    return read_record(path, model) if path.is_file() else None


def save_example_stats(path: Path, stats: dict[str, Any]) -> None:
    """Per-language arrays of per-example statistics, written atomically."""
    import io

    import numpy as np

    from harness.atomic import write_bytes_atomic

    buf = io.BytesIO()
    np.savez_compressed(buf, **{lang: np.asarray(rows, dtype=np.float64)
                                for lang, rows in stats.items()})
    write_bytes_atomic(path, buf.getvalue())


def load_example_stats(folder: Path) -> dict[str, Any]:
    import numpy as np

    with np.load(Path(folder) / EXAMPLE_STATS) as data:
        return {lang: data[lang] for lang in data.files}
