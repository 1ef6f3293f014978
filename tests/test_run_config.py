"""The resolved run configuration: declared strategy options, validated once, and the
system identity derived from it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.catalog import build_catalog
from harness.cli import main
from harness.errors import XHarnessError
from harness.run_config import resolve, resolve_strategies


@pytest.fixture(scope="module")
def catalog():
    return build_catalog()


def test_identity_is_everything_but_the_seed(catalog) -> None:
    profile = catalog.profile("embedded")
    base = resolve(catalog, profile, strategies=["english-only"])
    same = resolve(catalog, profile, strategies=["english-only"],
                   options={"sampler": "proportional"})  # the default, spelled out
    steps = resolve(catalog, profile, strategies=["english-only"], overrides={"max_steps": 50})
    option = resolve(catalog, profile, strategies=["english-only"], options={"cap": 100})
    langs = resolve(catalog, profile, strategies=["english-only"], languages=["de"])
    ids = [c.system_id("english-only") for c in (base, steps, option, langs)]
    assert base.system_id("english-only") == same.system_id("english-only")
    assert len(set(ids)) == 4
    # cache keys share the same base as before RunConfig existed
    assert set(base.base_key()) == {"model", "source", "code"}


def test_an_option_goes_only_to_the_strategies_that_declare_it(catalog) -> None:
    choices = resolve_strategies(catalog, ["baseline", "english-only"],
                                 {"intermediate": "sst2"})
    assert choices["baseline"].options == {}
    assert choices["english-only"].changed == {"intermediate": ["sst2"]}


def test_a_misspelt_option_names_the_closest(catalog) -> None:
    with pytest.raises(XHarnessError, match="did you mean 'sampler'"):
        resolve_strategies(catalog, ["english-only"], {"sampelr": "uniform"})
    with pytest.raises(XHarnessError, match="unknown option 'intermediate'"):
        resolve_strategies(catalog, ["baseline"], {"intermediate": "sst2"})
    with pytest.raises(XHarnessError, match="option sampler='unifrom'"):
        resolve_strategies(catalog, ["english-only"], {"sampler": "unifrom"})


def _eval(tmp_path: Path, *args: str):
    return CliRunner().invoke(main, ["eval", "--target", "xnli", "--dry-run", "--runs-dir",
                                     str(tmp_path), *args])


def test_cli_option_and_set_typos_exit_2_with_one_paragraph(tmp_path: Path) -> None:
    result = _eval(tmp_path, "--strategy", "english-only", "--option", "sampelr=uniform")
    assert result.exit_code == 2
    assert "did you mean 'sampler'" in result.output and "Traceback" not in result.output
    result = _eval(tmp_path, "--strategy", "combined", "--variant", "parallel")
    assert result.exit_code == 2 and "variant" in result.output
    result = _eval(tmp_path, "--strategy", "baseline", "--set", "max_step=50")
    assert result.exit_code == 2 and "'max_steps'" in result.output


def test_list_strategies_shows_each_option_with_default_and_help() -> None:
    result = CliRunner().invoke(main, ["list", "strategies"])
    assert result.exit_code == 0
    text = result.output
    assert "mlm_ratio" in text and "0.2" in text and "the share of updates spent on MLM" in text
    assert "options: none" in text  # baseline


def test_how_a_run_runs_is_not_what_it_is(catalog, tmp_path: Path) -> None:
    """Runs folder, device, lock and loggers are the runtime: the same system, the same
    cache keys; the config survives JSON (what a Ray worker receives) unchanged."""
    from harness.run_config import RunConfig, Runtime

    here = resolve(catalog, "embedded", strategies=["english-only"], overrides={"max_steps": 5})
    there = resolve(catalog, "embedded", strategies=["english-only"], overrides={"max_steps": 5},
                    runtime=Runtime(runs_dir="s3://bucket/runs", device="cuda:1", strict=True,
                                    lock=str(tmp_path / "x.lock"), report_to=["tensorboard"]))
    assert here.runtime != there.runtime
    assert here.system_id("english-only") == there.system_id("english-only")
    assert here.unit_key("target", {"seed": 0}) == there.unit_key("target", {"seed": 0})
    assert RunConfig.model_validate_json(there.model_dump_json()) == there
    rooted = resolve(catalog, "embedded", strategies=["english-only"],
                     overrides={"max_steps": 5}, data_root=str(tmp_path))
    assert rooted.profile_spec.data_root == str(tmp_path)
    assert rooted.system_id("english-only") != here.system_id("english-only")


def test_training_arguments_come_from_the_config(catalog) -> None:
    config = resolve(catalog, "embedded", overrides={"max_steps": 7, "learning_rate": 3e-5})
    xnli = catalog.task("xnli")
    assert config.args("target", xnli).max_steps == 7
    assert config.args("intermediate", xnli).learning_rate == 3e-5
    assert config.stage_args().max_steps == 7


def test_eval_fetch_and_status_share_the_selection_flags() -> None:
    from harness.cli import Selection, eval_, fetch, status

    def flags(command) -> dict[str, tuple[str, ...]]:
        return {p.name: tuple(p.opts) for p in command.params if p.name in Selection.model_fields}

    assert set(flags(eval_)) == set(Selection.model_fields)
    assert flags(fetch) == {k: v for k, v in flags(eval_).items() if k != "strict"}
    assert flags(status) == flags(eval_)
    assert all(p.required for p in eval_.params if p.name in ("strategy", "target"))
    assert not any(p.required for p in status.params)


def test_the_cli_resolves_paths_once_so_workers_elsewhere_read_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import click

    from harness.cli import Selection, _plan_selection
    from harness.cli import main as group

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XHARNESS_LOCK", "restored after the test")  # the session sets it
    (tmp_path / "x.lock").write_text("{}")
    ctx = click.Context(group, obj={"registry": None})
    with ctx:
        session, jobs = _plan_selection(
            ctx, Selection(strategy="baseline,english-only", target="xnli", seeds=2,
                           runs_dir="runs", sets=("max_steps=3",), variant=None),
            device="cpu", dry_run=True, lock="x.lock")
    runtime = session.config.runtime
    assert runtime.runs_dir == str(tmp_path / "runs") and session.runs_dir == tmp_path / "runs"
    assert runtime.lock == str(tmp_path / "x.lock") and runtime.dry_run
    assert os.environ["XHARNESS_LOCK"] == runtime.lock  # what harness.lock reads
    assert session.config.overrides == {"max_steps": 3}
    assert [(j.strategy, j.seed) for j in jobs] == [
        ("baseline", 0), ("english-only", 0), ("baseline", 1), ("english-only", 1)]
