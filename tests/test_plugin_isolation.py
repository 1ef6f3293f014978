"""Installing a plugin never changes a built-in result: a plugin target whose family
(`sentiment`) is that of a default multilingual task leaves every built-in unit key as it
was, and only its own plan goes without that task."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import yaml

from harness.catalog import build_catalog
from harness.pipeline import plan_grid, stage_keys, target_key
from harness.session import Session

ROOT = Path(__file__).resolve().parent.parent


def _unit_keys(catalog, runs: Path, targets: list[str]) -> dict[str, list[str]]:
    session = Session.create(catalog, "embedded", runs, device="cpu", dry_run=True,
                             strategies=list(build_catalog().strategies))
    out = {}
    for job in plan_grid(session, targets, [0]):
        keys = stage_keys(session, job.stages, 0)
        out[job.label] = [*keys, target_key(session, job, keys)]
    return out


@pytest.fixture(scope="module")
def with_plugin(tmp_path_factory: pytest.TempPathFactory):
    """A registry copy that also loads a plugin module declaring target `toysent`."""
    folder = tmp_path_factory.mktemp("plugin")
    spec = build_catalog().task("multilingual_sentiment").model_dump(
        mode="json", exclude={"plugin"})
    spec.update(name="toysent", role="target", languages=["en", "de", "es"])
    (folder / "toysent_plugin.py").write_text(
        "import json\n\nfrom harness.hookspecs import hookimpl\n\n\n@hookimpl\n"
        f"def xharness_tasks():\n    return [json.loads({json.dumps(spec)!r})]\n")
    registry = yaml.safe_load((ROOT / "registry.yaml").read_text())
    registry["plugins"] = [*(registry["plugins"] or []), "toysent_plugin"]
    path = folder / "registry.yaml"
    path.write_text(yaml.safe_dump(registry, sort_keys=False))
    mp = pytest.MonkeyPatch()
    mp.syspath_prepend(str(folder))
    yield build_catalog(path)
    mp.undo()


def test_a_sentiment_target_plugin_changes_no_built_in_unit_key(with_plugin, tmp_path) -> None:
    assert with_plugin.task("toysent").family == "sentiment" and not with_plugin.problems
    builtin = build_catalog().targets()
    before = _unit_keys(build_catalog(), tmp_path / "a", builtin)
    after = _unit_keys(with_plugin, tmp_path / "b", builtin)
    assert len(before) == 6 * len(builtin) and before == after


def test_its_own_plan_leaves_out_its_family_and_says_so(with_plugin, tmp_path, caplog) -> None:
    session = Session.create(with_plugin, "embedded", tmp_path, device="cpu", dry_run=True,
                             strategies=["multilingual-only", "combined"])
    with caplog.at_level(logging.INFO, logger="xharness"):
        jobs = {j.strategy: j for j in plan_grid(session, ["toysent"], [0])}
    assert jobs["multilingual-only"].stages[0].tasks == ["massive_intent"]
    assert jobs["combined"].stages[1].tasks == ["massive_intent"]
    said = [r.message for r in caplog.records if "leaving multilingual_sentiment" in r.message]
    assert len(said) == 1 and "toysent" in said[0]
    # xnli's plan is the built-in one
    [xnli] = plan_grid(session, ["xnli"], [0])[:1]
    assert xnli.stages[0].tasks == ["massive_intent", "multilingual_sentiment"]
