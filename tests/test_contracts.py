"""The plugin contract as code: referenced callables are checked against the Protocols of
`harness.contracts` by `xharness validate`; observers get a frozen Unit; the pluggy
features `hookspecs.py` says are honoured (and those it says are not) behave so."""

from __future__ import annotations

import dataclasses
import re
import textwrap
import types
from pathlib import Path

import pluggy
import pytest
from click.testing import CliRunner

from harness import hookspecs, observers
from harness.catalog import build_catalog, check_imports
from harness.cli import main
from harness.contracts import Adapter, EmbeddedBuilder, Planner, Unit, signature_problem
from harness.registry import default_registry_path

TASK = {
    "name": "plug_task", "role": "target", "family": "toy", "format": "classification",
    "languages": ["en"], "labels": ["a", "b"], "metric": "accuracy",
    "sources": {"embedded": {"builder": "xworld.builders.xnli:embedded", "languages": ["en"]}},
}


def _module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, body: str) -> None:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))


def _registry_with(tmp_path: Path, *modules: str, edit: tuple[str, str] | None = None) -> Path:
    """The shipped registry plus local plugin modules (and one text edit)."""
    text = default_registry_path().read_text(encoding="utf-8")
    text = text.replace("plugins:\n", "plugins:\n" + "".join(f"  - {m}\n" for m in modules), 1)
    if edit:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1], 1)
    path = tmp_path / "registry.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


# -- signatures -------------------------------------------------------------------------

def test_signature_problem_binds_the_call_xharness_makes() -> None:
    def plan(target, options, catalog): ...
    def plan_kw_only(target, *, options, catalog): ...
    def plan_varargs(*args): ...
    def build(split, lang, n_train=1, seed=0): ...
    def build_any(split, lang, **options): ...

    assert signature_problem(plan, Planner) is None
    assert signature_problem(plan_varargs, Planner) is None
    assert signature_problem(plan_kw_only, Planner) == "too many positional arguments"
    assert signature_problem(build, EmbeddedBuilder, {"n_train": 5}) is None
    assert "n_tran" in signature_problem(build, EmbeddedBuilder, {"n_tran": 5})
    assert signature_problem(build_any, EmbeddedBuilder, {"anything": 1}) is None
    assert "missing a required argument: 'options'" in signature_problem(plan, Adapter)


def test_a_plugin_planner_with_the_wrong_signature_fails_validate(
        tmp_path, monkeypatch) -> None:
    _module(tmp_path, monkeypatch, "two_arg_planner", """
        from harness.hookspecs import hookimpl
        from harness.specs import Stage

        def plan(target, options):
            return [Stage(tasks=["mnli"])]

        @hookimpl
        def xharness_strategies():
            return [{"name": "two-args", "description": "d",
                     "planner": "two_arg_planner:plan"}]
    """)
    catalog = build_catalog(_registry_with(tmp_path, "two_arg_planner"))
    [problem] = check_imports(catalog)
    assert problem.where == "plugin two_arg_planner"
    assert problem.field == "strategies.two-args.planner"
    assert "def plan(target, options, catalog)" in problem.what
    assert "harness.contracts.Planner" in problem.what
    assert "catalog" in problem.what  # what is missing
    assert "give plan that signature" in problem.fix
    # the CLI: one problem, one paragraph (the planner is not also run and failed again)
    result = CliRunner().invoke(
        main, ["--registry", str(_registry_with(tmp_path, "two_arg_planner")), "validate"])
    assert result.exit_code == 1 and result.output.startswith("1 problem(s)")
    assert result.output.count("Fix:") == 1


def test_a_registry_adapter_with_the_wrong_signature_names_registry_yaml_and_line(
        tmp_path) -> None:
    # hellaswag's adapter takes one example; point it at a two-argument function
    path = _registry_with(tmp_path, edit=("adapter: plugins.tasks.hellaswag:adapt",
                                          "adapter: plugins.tasks.tydiqa:in_language"))
    problems = check_imports(build_catalog(path))
    [problem] = [p for p in problems if p.field.endswith(".adapter")]
    assert problem.where == f"{path}:{_line_of(path, 'adapter: plugins.tasks.tydiqa:in_language')}"
    assert problem.field == "tasks.hellaswag.adapter"
    assert "def in_language(example)" in problem.what and "Adapter" in problem.what
    assert "missing a required argument: 'lang'" in problem.what


def test_a_batched_adapter_needs_batch_and_indices(tmp_path, monkeypatch) -> None:
    _module(tmp_path, monkeypatch, "batched", f"""
        from harness.hookspecs import hookimpl

        def adapt(batch):
            return batch

        @hookimpl
        def xharness_tasks():
            return [{{**{TASK!r}, "adapter": "batched:adapt",
                     "options": {{"adapter_batched": True}}}}]
    """)
    [problem] = check_imports(build_catalog(_registry_with(tmp_path, "batched")))
    assert problem.field == "tasks.plug_task.adapter"
    assert "def adapt(batch, indices)" in problem.what and "BatchedAdapter" in problem.what


def test_builder_options_of_a_profile_are_checked_where_they_are_written(tmp_path) -> None:
    path = _registry_with(tmp_path, edit=("tydiqa: {n_train:", "tydiqa: {n_trian:"))
    [problem] = check_imports(build_catalog(path))
    assert problem.where == f"{path}:{_line_of(path, 'n_trian')}"
    assert problem.field == "profiles.embedded.data_options.tydiqa"
    assert "unexpected keyword argument 'n_trian'" in problem.what
    assert "tasks.tydiqa.sources.embedded.builder" in problem.what


def test_the_shipped_references_all_fit_their_contracts() -> None:
    assert check_imports(build_catalog()) == []


# -- observers and the frozen Unit ------------------------------------------------------

def _observer(seen: list[str], name: str, **opts: bool) -> object:
    """A plugin object whose one observer records its name and the unit it saw."""

    @hookspecs.hookimpl(**opts)
    def xharness_unit_started(unit: Unit) -> None:
        seen.append(f"{name}:{unit.kind}:{unit.key}:{unit.label}")

    return types.SimpleNamespace(xharness_unit_started=xharness_unit_started)


def _pm() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def test_observers_get_a_frozen_unit_in_pluggys_order() -> None:
    seen: list[str] = []
    pm = _pm()
    pm.register(_observer(seen, "last", trylast=True), name="last")
    pm.register(_observer(seen, "plain1"), name="plain1")
    pm.register(_observer(seen, "first", tryfirst=True), name="first")
    pm.register(_observer(seen, "plain2"), name="plain2")
    unit = Unit("target", "abc123", "combined -> xnli seed 0")
    observers.notify(pm, "xharness_unit_started", unit=unit)
    assert [s.split(":")[0] for s in seen] == ["first", "plain2", "plain1", "last"]
    assert seen[0] == "first:target:abc123:combined -> xnli seed 0"
    # the order pluggy itself would call them in
    seen.clear()
    pm.hook.xharness_unit_started(unit=unit)
    assert [s.split(":")[0] for s in seen] == ["first", "plain2", "plain1", "last"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        unit.key = "other"  # type: ignore[misc]
    assert dataclasses.asdict(unit) == {"kind": "target", "key": "abc123",
                                        "label": "combined -> xnli seed 0"}


def test_the_pipeline_hands_observers_the_contracts_unit() -> None:
    import harness.pipeline

    assert harness.pipeline.Unit is Unit and hookspecs.Unit is Unit


# -- registration order, wrappers -------------------------------------------------------

def test_trylast_cannot_let_a_plugin_override_a_builtin_task(tmp_path, monkeypatch) -> None:
    _module(tmp_path, monkeypatch, "usurper", f"""
        from harness.hookspecs import hookimpl

        @hookimpl(trylast=True)
        def xharness_tasks():
            return [{{**{TASK!r}, "name": "xnli"}}]
    """)
    catalog = build_catalog(_registry_with(tmp_path, "usurper"))
    assert catalog.tasks["xnli"].plugin == "xworld.builders.xnli"
    [problem] = catalog.problems
    assert problem.render().startswith(
        "plugin usurper: tasks.xnli: name collides with the one from xworld.builders.xnli")


def test_hook_wrappers_are_reported_and_never_called(tmp_path, monkeypatch) -> None:
    _module(tmp_path, monkeypatch, "wrapping", f"""
        from harness.hookspecs import hookimpl

        CALLED = []

        @hookimpl(wrapper=True)
        def xharness_tasks():
            CALLED.append("tasks")
            return (yield) + [{TASK!r}]

        @hookimpl(hookwrapper=True)
        def xharness_unit_started(unit):
            CALLED.append("started")
            yield
    """)
    catalog = build_catalog(_registry_with(tmp_path, "wrapping"))
    text = "\n".join(p.render() for p in catalog.problems)
    assert re.search(r"plugin wrapping: xharness_tasks is a hook wrapper .* not support", text)
    assert "plugin wrapping: xharness_unit_started is a hook wrapper" in text
    assert "plug_task" not in catalog.tasks
    observers.notify(catalog.pm, "xharness_unit_started", unit=Unit("target", "k", "l"))
    import wrapping

    assert wrapping.CALLED == []


def test_every_hook_is_grouped_and_none_is_firstresult_or_historic() -> None:
    pm = _pm()
    declared = {name for name in dir(pm.hook) if name.startswith("xharness_")}
    assert declared == {*hookspecs.REGISTRATION_HOOKS, *hookspecs.OBSERVATION_HOOKS}
    for name in declared:
        spec = getattr(pm.hook, name).spec
        assert not spec.opts.get("firstresult") and not spec.opts.get("historic"), name


def test_a_registry_reference_that_does_not_import_names_registry_yaml_and_line(
        tmp_path) -> None:
    path = _registry_with(tmp_path, edit=("planner: plugins.strategies.combined:plan",
                                          "planner: plugins.strategies.combined:plam"))
    [problem] = check_imports(build_catalog(path))
    assert problem.where == f"{path}:{_line_of(path, 'combined:plam')}"
    assert problem.field == "strategies.combined.planner"
    assert "has no attribute 'plam'" in problem.what and "plan" in problem.fix
