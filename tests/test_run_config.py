"""The resolved run configuration: declared strategy options, validated once, and the
system identity derived from it."""

from __future__ import annotations

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
