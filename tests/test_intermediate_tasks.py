"""Every registered intermediate task trains on the embedded profile, alone and all of
them together in one multi-task stage (a few updates: this checks the wiring of data,
head, loss and dev metric per task, not quality)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.catalog import build_catalog
from harness.pipeline import ensure_intermediate
from harness.session import Session
from harness.specs import Stage

CATALOG = build_catalog()
INTERMEDIATE = sorted(n for n, t in CATALOG.tasks.items() if t.role != "target")
FEW = {"max_steps": 3, "checkpoint_every": 1000, "dev_examples": 16, "eval_every": 1000}


def _session(runs: Path) -> Session:
    return Session.create(CATALOG, "embedded", runs, device="cpu", overrides=FEW,
                          allow_non_zero_shot=True)


@pytest.mark.parametrize("name", INTERMEDIATE)
def test_each_intermediate_task_trains_alone(name: str, tmp_path: Path) -> None:
    encoder, keys, dev = ensure_intermediate(_session(tmp_path), [Stage(tasks=[name])], 0)
    assert Path(encoder, "config.json").is_file() and len(keys) == 1
    # a dev metric where the task has a dev split (translate-train data has none)
    assert all(v == v for v in dev.get(name, {}).values())  # numbers, not NaN


def test_all_intermediate_tasks_train_in_one_multi_task_stage(tmp_path: Path) -> None:
    stage = Stage(tasks=INTERMEDIATE, sampler="uniform", mlm_ratio=0.2)
    _, _, dev = ensure_intermediate(_session(tmp_path), [stage], 0)
    english = {n for n in INTERMEDIATE if CATALOG.task(n).role == "english_intermediate"}
    assert english | {"massive_intent", "multilingual_sentiment"} <= set(dev)
