"""Every registered intermediate task trains on the embedded profile, alone and all of
them together in one multi-task stage (a few updates: this checks the wiring of data,
head, loss and dev metric per task, not quality)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from harness.catalog import Catalog, build_catalog
from harness.pipeline import ensure_intermediate
from harness.session import Session
from harness.specs import Stage

pytestmark = pytest.mark.e2e

# Named here, not read from the catalog at import (collection would pay for building it);
# the first test fails if the catalog's intermediate tasks ever differ from this list.
INTERMEDIATE = sorted([
    "anli", "ccg", "commonsense_qa", "cosmos_qa", "hellaswag", "mnli", "qqp", "squad", "sst2",
    "massive_intent", "mlm_corpus", "multilingual_sentiment", "panx_ml", "pawsx_mt",
    "squad_mt", "tydiqa_ml", "udpos_ml", "xnli_mt",
])
# The embedded data of these has no dev split (MLM has no labels to score; the
# translate-train stand-ins and TyDiQA-GoldP ship train only): no dev metric expected.
NO_DEV = {"mlm_corpus", "squad_mt", "tydiqa_ml", "xnli_mt"}
FEW = {"max_steps": 3, "checkpoint_every": 1000, "dev_examples": 16, "eval_every": 1000}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return build_catalog()


def _session(catalog: Catalog, runs: Path) -> Session:
    return Session.create(catalog, "embedded", runs, device="cpu", overrides=FEW,
                          allow_non_zero_shot=True)


def test_every_intermediate_task_of_the_catalog_is_tested_here(catalog: Catalog) -> None:
    assert sorted(n for n, t in catalog.tasks.items() if t.role != "target") == INTERMEDIATE


@pytest.mark.parametrize("name", INTERMEDIATE)
def test_each_intermediate_task_trains_alone(name: str, catalog: Catalog,
                                             tmp_path: Path) -> None:
    encoder, keys, dev = ensure_intermediate(_session(catalog, tmp_path),
                                             [Stage(tasks=[name])], 0)
    assert Path(encoder, "config.json").is_file() and len(keys) == 1
    if name in NO_DEV:
        assert name not in dev, dev
    else:  # a dev metric, and a number (not NaN, not inf)
        assert dev.get(name), dev
        assert all(math.isfinite(v) for v in dev[name].values()), dev[name]


def test_all_intermediate_tasks_train_in_one_multi_task_stage(catalog: Catalog,
                                                              tmp_path: Path) -> None:
    stage = Stage(tasks=INTERMEDIATE, sampler="uniform", mlm_ratio=0.2)
    _, _, dev = ensure_intermediate(_session(catalog, tmp_path), [stage], 0)
    assert set(dev) == set(INTERMEDIATE) - NO_DEV
