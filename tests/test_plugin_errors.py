"""Plugin code that fails, as a plugin author meets it (plugin-author trial, B-items): one
paragraph naming the plugin, the function and the line of *their* file, exit status 2,
never a traceback; `xharness validate` runs every planner."""

from __future__ import annotations

import logging
import re
import textwrap
from pathlib import Path

import datasets
import pytest
from click.testing import CliRunner, Result

from harness.catalog import build_catalog
from harness.cli import main
from harness.config import Profile
from harness.data.sources import load_raw
from harness.data.store import DataStore
from harness.errors import XHarnessError
from harness.formats.mapping import to_canonical
from harness.registry import default_registry_path
from harness.specs import TaskSpec

TARGET = {
    "name": "toysent", "role": "target", "family": "sentiment", "format": "classification",
    "group": "classification", "languages": ["en", "de"], "labels": ["neg", "pos"],
    "metric": "accuracy",
    "sources": {"embedded": {"builder": "xworld.builders.xnli:embedded", "languages": ["en"]}},
}


def _plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return path


def _registry_with(tmp_path: Path, *modules: str) -> Path:
    """The real registry (tasks, profiles, strategies) plus plugin modules."""
    text = default_registry_path().read_text(encoding="utf-8")
    extra = "".join(f"  - {m}\n" for m in modules)
    text, n = re.subn(r"^plugins:\n", "plugins:\n" + extra, text, count=1, flags=re.M)
    assert n == 1
    path = tmp_path / "registry.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _cli(registry: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--registry", str(registry), *args])


def _refused(result: Result, code: int = 2) -> str:
    """A clean refusal: the exit status, no traceback, the message on one paragraph."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.output


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def _strategy_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan_body: str,
                     name: str) -> Path:
    return _plugin(tmp_path, monkeypatch, name, f"""
        from harness.hookspecs import hookimpl
        from harness.specs import Stage


        def plan(target, options, catalog):
        {textwrap.indent(textwrap.dedent(plan_body), "    ")}

        @hookimpl
        def xharness_strategies():
            return [{{"name": "english-then-sst2", "description": "sst2 first",
                     "planner": "{name}:plan"}}]
    """)


# -- planners (B6, B6b, B6c, F12) -------------------------------------------------------

def test_a_planner_that_raises_names_plugin_function_and_line(tmp_path, monkeypatch) -> None:
    path = _strategy_plugin(tmp_path, monkeypatch, "raise KeyError('no sst2 for you')",
                            "raising_planner")
    registry = _registry_with(tmp_path, "raising_planner")
    out = _refused(_cli(registry, "eval", "-s", "english-then-sst2", "-t", "xnli", "--dry-run"))
    line = _line_of(path, "no sst2 for you")
    assert "plugin raising_planner" in out and "planner of strategy 'english-then-sst2'" in out
    assert "raising_planner:plan raised KeyError" in out and f"{path}:{line}" in out
    assert out.count("Fix:") == 1
    # validate runs the planner too, and names the same line
    report = _refused(_cli(registry, "validate"), code=1)
    assert "strategies.english-then-sst2.planner" in report and f"{path}:{line}" in report


def test_a_planner_returning_dicts_is_refused(tmp_path, monkeypatch) -> None:
    _strategy_plugin(tmp_path, monkeypatch, "return [{'tasks': ['sst2']}]", "dict_planner")
    registry = _registry_with(tmp_path, "dict_planner")
    out = _refused(_cli(registry, "eval", "-s", "english-then-sst2", "-t", "xnli", "--dry-run"))
    assert "returned a dict at position 0, not a list of Stage" in out
    assert "from harness.specs import Stage" in out


def test_validate_runs_every_planner_so_a_typo_in_a_plan_fails_there(
        tmp_path, monkeypatch) -> None:
    _strategy_plugin(tmp_path, monkeypatch, "return [Stage(tasks=['sst-2'])]", "typo_planner")
    registry = _registry_with(tmp_path, "typo_planner")
    report = _refused(_cli(registry, "validate"), code=1)
    assert "planned a stage with unknown task 'sst-2'" in report
    assert "did you mean 'sst2'" in report and report.startswith("1 problem(s)")
    ok = _registry_with(tmp_path, )  # the built-ins alone plan cleanly
    result = _cli(ok, "validate")
    assert result.exit_code == 0 and "plans checked" in result.output


# -- hooks and imports (B0, B4, B9, F7, F10) -------------------------------------------

def test_specs_validated_inside_the_hook_name_the_field_not_pydantic(
        tmp_path, monkeypatch) -> None:
    path = _plugin(tmp_path, monkeypatch, "inside_hook", """
        from harness.hookspecs import hookimpl
        from harness.specs import StrategySpec


        @hookimpl
        def xharness_strategies():
            return [StrategySpec.model_validate(
                {"name": "english-then-sst2", "description": "d", "planer": "x:y"})]
    """)
    registry = _registry_with(tmp_path, "inside_hook")
    report = _refused(_cli(registry, "validate"), code=1)
    assert f"plugin inside_hook ({path}:{_line_of(path, 'model_validate')})" in report
    assert "strategies.english-then-sst2.planner: required field is missing" in report
    assert ("strategies.english-then-sst2.planer: unknown key. Fix: did you mean "
            "'planner'?") in report
    assert "main.py" not in report and "pydantic" not in report
    out = _refused(_cli(registry, "eval", "-s", "english-then-sst2", "-t", "xnli", "--dry-run"))
    assert "strategy 'english-then-sst2' is declared but invalid" in out
    assert "did you mean 'english-only'" not in out and out.count("Fix:") == 1


def test_a_plugin_that_fails_to_import_is_named_with_its_line(tmp_path, monkeypatch) -> None:
    path = _plugin(tmp_path, monkeypatch, "import_boom", """
        import os

        raise RuntimeError("boom: plugin failed to initialise")
    """)
    registry = _registry_with(tmp_path, "import_boom")
    report = _refused(_cli(registry, "validate"), code=1)
    assert (f"plugin import_boom: failed to load: RuntimeError: boom: plugin failed to "
            f"initialise at {path}:{_line_of(path, 'raise')}") in report
    # asking for what it would have provided says so, instead of a bare "unknown"
    out = _refused(_cli(registry, "eval", "-s", "english-then-sst2", "-t", "xnli", "--dry-run"))
    assert "unknown strategy 'english-then-sst2', and 1 plugin(s) that may provide it failed " \
           "to load: plugin import_boom" in out


def test_a_syntax_error_in_a_plugin_names_its_line(tmp_path, monkeypatch) -> None:
    path = _plugin(tmp_path, monkeypatch, "syntax_boom", "x = 1\ndef broken(:\n")
    catalog = build_catalog(_registry_with(tmp_path, "syntax_boom"))
    text = "\n".join(p.render() for p in catalog.problems)
    assert "failed to load: SyntaxError" in text and f"{path}:2" in text


def test_a_hook_that_raises_names_the_hook_and_line(tmp_path, monkeypatch) -> None:
    path = _plugin(tmp_path, monkeypatch, "hook_boom", """
        from harness.hookspecs import hookimpl


        @hookimpl
        def xharness_tasks():
            return [dict(name="t")["missing"]]
    """)
    catalog = build_catalog(_registry_with(tmp_path, "hook_boom"))
    text = "\n".join(p.render() for p in catalog.problems)
    assert (f"hook xharness_tasks raised KeyError: 'missing' at "
            f"{path}:{_line_of(path, 'missing')}") in text


# -- --set (B14) ------------------------------------------------------------------------

def test_a_misspelt_set_key_names_the_closest_field() -> None:
    result = CliRunner().invoke(main, ["eval", "-s", "baseline", "-t", "xnli", "--dry-run",
                                       "--set", "max_step=50"])
    out = _refused(result)
    assert "--set max_step=50: 'max_step' is not a training hyperparameter" in out
    assert "did you mean 'max_steps'" in out
    out = _refused(CliRunner().invoke(main, ["eval", "-s", "baseline", "-t", "xnli",
                                             "--dry-run", "--set", "max_steps=zero"]))
    assert "--set max_steps=zero: max_steps:" in out and "valid integer" in out


# -- builders, adapters, row filters (B7b) ---------------------------------------------

def _task(**update: object) -> TaskSpec:
    return TaskSpec.model_validate({**TARGET, "plugin": "my-dist:toysent", **update})


def test_a_builder_that_raises_names_plugin_function_and_line(tmp_path, monkeypatch) -> None:
    path = _plugin(tmp_path, monkeypatch, "toy_builder", """
        from pathlib import Path


        def build(split, lang, root="nowhere"):
            return Path(root, f"{split}-{lang}.tsv").read_text()
    """)
    monkeypatch.setattr("harness.refs._ALLOWED", {"harness", "plugins", "toy_builder"})
    task = _task(sources={"embedded": {"builder": "toy_builder:build", "languages": ["en"]}})
    with pytest.raises(XHarnessError) as err:
        load_raw(task, "test", "en", "embedded")
    text = str(err.value)
    assert text.startswith("plugin my-dist:toysent: embedded builder of task 'toysent' "
                           "(test, en): toy_builder:build raised FileNotFoundError")
    assert f"{path}:{_line_of(path, 'read_text')}" in text and "test-en.tsv" in text


def test_an_adapter_that_raises_names_its_line(tmp_path, monkeypatch) -> None:
    path = _plugin(tmp_path, monkeypatch, "toy_adapter", """
        def adapt(example):
            return {"text": example["sentence"], "label": int(example["label"])}
    """)
    monkeypatch.setattr("harness.refs._ALLOWED", {"harness", "plugins", "toy_adapter"})
    raw = datasets.Dataset.from_dict({"sentence": ["a", "b"], "label": ["1", "pos"]})
    with pytest.raises(XHarnessError) as err:
        to_canonical(raw, _task(adapter="toy_adapter:adapt"), {}, ["text", "label"], "here")
    text = str(err.value)
    assert "adapter toy_adapter:adapt of task 'toysent'" in text
    assert "toy_adapter:adapt raised ValueError" in text
    assert f"{path}:{_line_of(path, 'int(')}" in text


def test_a_row_filter_that_raises_names_its_line(tmp_path, monkeypatch) -> None:
    path = _plugin(tmp_path, monkeypatch, "toy_filter", """
        def keep(example, lang):
            return example["lang"].startswith(lang)
    """)
    monkeypatch.setattr("harness.refs._ALLOWED", {"harness", "plugins", "toy_filter"})
    data = tmp_path / "rows.jsonl"
    data.write_text('{"text": "a", "label": 0, "lang": "en"}\n'
                    '{"text": "b", "label": 1, "lang": null}\n', encoding="utf-8")
    task = _task(sources={"hub": {"dataset": "json", "data_files": {"test": str(data)},
                                  "row_filter": "toy_filter:keep", "schema_from": "card"}})
    with pytest.raises(XHarnessError) as err:
        load_raw(task, "test", "en", "hub")
    text = str(err.value)
    assert "row filter toy_filter:keep of task 'toysent'" in text
    assert "raised AttributeError" in text and f"{path}:{_line_of(path, 'startswith')}" in text


# -- data rows: --strict lists them by file:line, else a warning (B8b, B8c, B13, F8) ----

def _local_store(tmp_path: Path, strict: bool) -> tuple[DataStore, TaskSpec]:
    lines = ["good text\tpos"] * 3 + [f"bad {i}\tpostive" for i in range(25)] + ["", "x\tneg"]
    (tmp_path / "test-de.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    task = _task(sources={"local": {"path": "{root}/{split}-{lang}.tsv", "file_format": "tsv",
                                    "fields": ["text", "label"]}})
    profile = Profile(name="local", description="d", model="embedded:xlmr-tiny",
                      source="local", data_root=str(tmp_path))
    return DataStore(profile, tokenizer=None, strict=strict), task


def test_strict_names_file_and_line_of_every_bad_row(tmp_path) -> None:
    store, task = _local_store(tmp_path, strict=True)
    with pytest.raises(XHarnessError) as err:
        store.examples(task, "test", "de")
    text = str(err.value)
    path = tmp_path / "test-de.tsv"
    assert "25 bad row(s)" in text
    assert f"{path}:4: label 'postive' (did you mean 'pos'?)" in text  # 1-based line
    assert f"{path}:23:" in text and f"{path}:24:" not in text  # 20 named
    assert "and 5 more bad row(s)" in text


def test_rows_dropped_without_strict_are_a_warning_per_language(tmp_path, caplog) -> None:
    store, task = _local_store(tmp_path, strict=False)
    with caplog.at_level(logging.WARNING, logger="xharness"):
        ex = store.examples(task, "test", "de")
    assert len(ex.examples) == 4
    assert ("toysent (local, test, de): dropped 25 of 29 rows (25 label outside the label "
            "set); scores on the other 4") in caplog.text
