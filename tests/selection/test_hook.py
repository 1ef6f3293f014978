"""A third-party selector on the `xharness_selectors` hook: registered, validated, run by
`xharness select` like the built-ins."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main

ROOT = Path(__file__).resolve().parents[2]
TOY = """
    from harness.hookspecs import hookimpl
    from harness.selection.cost import Cost

    @hookimpl
    def xharness_selectors():
        return [{"name": "by-length", "description": "longest name first",
                 "scorer": "toy_selector:score", "cost": "toy_selector:cost"},
                {"name": "Bad Name", "description": "x", "scorer": "a:b", "cost": "a:c"},
                {"name": "cheater", "description": "scores a task it was not asked about",
                 "scorer": "toy_selector:cheat", "cost": "toy_selector:cost"}]

    def score(request):
        return {c: float(len(c)) for c in request.candidates}

    def cheat(request):
        return {"not-a-candidate": 1.0}

    def cost(request):
        return Cost(0, 0, 0.0, "nothing")
"""


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "toy_selector.py").write_text(textwrap.dedent(TOY), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    text = (ROOT / "registry.yaml").read_text(encoding="utf-8")
    path = tmp_path / "registry.yaml"
    path.write_text(text.replace("plugins:\n", "plugins:\n  - toy_selector\n", 1),
                    encoding="utf-8")
    return path


def test_a_plugin_selector_runs_and_a_bad_spec_is_named(registry: Path, tmp_path: Path
                                                        ) -> None:
    from harness.catalog import build_catalog

    catalog = build_catalog(registry)
    assert catalog.selectors["by-length"].plugin == "toy_selector"
    assert any("Bad Name" in p.render() for p in catalog.problems)
    runs = tmp_path / "runs"
    result = CliRunner().invoke(main, ["--registry", str(registry), "select", "--target",
                                       "xnli", "--candidates", "sst2,commonsense_qa",
                                       "--method", "by-length", "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    saved = json.loads((runs / "selection/embedded/xnli.by-length.seed0.json").read_text())
    assert saved["ranking"] == ["commonsense_qa", "sst2"]
    bad = CliRunner().invoke(main, ["--registry", str(registry), "select", "--target",
                                    "xnli", "--candidates", "sst2", "--method", "cheater",
                                    "--runs-dir", str(runs)])
    assert bad.exit_code == 2 and "scored unknown candidates" in bad.output
    assert not (runs / "selection/embedded/xnli.cheater.seed0.json").exists()
