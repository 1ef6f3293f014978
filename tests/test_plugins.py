"""Plugin discovery: built-ins (registry.yaml's entries among them) and third parties on
the same hooks; one broken plugin is named and the others still load."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from harness.builtin_plugins import DEFAULT_PLUGINS, REGISTRY_PLUGIN
from harness.catalog import build_catalog, check_imports
from harness.errors import XHarnessError
from harness.refs import resolve_ref

ROOT = Path(__file__).resolve().parent.parent

TASK = {
    "name": "plug_task", "role": "target", "family": "toy", "format": "classification",
    "languages": ["en"], "labels": ["a", "b"], "metric": "accuracy",
    "sources": {"embedded": {"builder": "xworld.builders.xnli:embedded", "languages": ["en"]}},
}


def _module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, body: str) -> None:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))


def _registry(registry_file, plugins: list[str]) -> Path:
    return registry_file("version: 1\nplugins: [" + ", ".join(plugins) + "]\n")


def test_builtins_arrive_through_the_hooks_like_any_plugin() -> None:
    catalog = build_catalog()
    names = [n for n, _ in catalog.pm.list_name_plugin() if ":" not in n]  # no entry points
    assert names == [REGISTRY_PLUGIN, *DEFAULT_PLUGINS]
    entries = catalog.pm.get_plugin(REGISTRY_PLUGIN)
    hooked = {s.name for result in catalog.pm.hook.xharness_tasks() for s in result}
    assert set(catalog.tasks) == hooked and "xnli" in hooked  # the catalog is hook results
    assert catalog.tasks["xnli"] is entries.registry.tasks["xnli"]
    assert catalog.tasks["tydiqa"].plugin == "plugins.tasks.tydiqa"  # the module with its code
    assert {n for n, m in catalog.metrics.items() if m.plugin == "harness.metrics"} >= {
        "accuracy", "seqeval", "squad", "mlqa", "bucc", "tatoeba", "none"}
    assert set(catalog.selectors) >= {"embeddings", "logme", "finetune"}
    assert catalog.registry.plugins == []  # registry.yaml lists no built-in module
    assert check_imports(catalog) == []


def test_builtin_entries_reach_their_code_and_a_broken_reference_is_named(
    registry_file,
) -> None:
    catalog = build_catalog()
    assert check_imports(catalog) == []  # every built-in builder, adapter, planner imports
    ref = catalog.task("xnli").sources.embedded.builder
    assert callable(resolve_ref(ref))
    # the same registry with that entry's function misspelt: named, with field and fix
    text = (ROOT / "registry.yaml").read_text(encoding="utf-8")
    broken = text.replace(f"builder: {ref}\n", f"builder: {ref}x\n", 1)
    assert broken != text
    [problem] = check_imports(build_catalog(registry_file(broken)))
    assert problem.field == "tasks.xnli.sources.embedded.builder"
    assert f"has no attribute '{ref.partition(':')[2]}x'" in problem.what, problem.what
    assert ref.partition(":")[2] in problem.fix


def test_task_and_strategy_modules_implement_no_hook() -> None:
    """They hold only the code registry entries reference; the entries are data."""
    import importlib
    import pkgutil

    import plugins.strategies
    import plugins.tasks

    for package in (plugins.tasks, plugins.strategies):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            hooks = [n for n in vars(module) if n.startswith("xharness_")]
            assert hooks == [], f"{module.__name__} implements {hooks}"


def test_hook_provided_task_appears_with_its_plugin(tmp_path, monkeypatch, registry_file) -> None:
    _module(tmp_path, monkeypatch, "good_plugin", f"""
        from harness.hookspecs import hookimpl
        @hookimpl
        def xharness_tasks():
            return [{TASK!r}]
    """)
    catalog = build_catalog(_registry(registry_file, ["good_plugin"]))
    assert catalog.problems == []
    assert catalog.tasks["plug_task"].plugin == "good_plugin"


def test_broken_plugins_are_named_and_isolated(tmp_path, monkeypatch, registry_file) -> None:
    _module(tmp_path, monkeypatch, "good_plugin", f"""
        from harness.hookspecs import hookimpl
        @hookimpl
        def xharness_tasks():
            return [{TASK!r}]
    """)
    _module(tmp_path, monkeypatch, "import_fails", "raise RuntimeError('boom at import')\n")
    _module(tmp_path, monkeypatch, "hook_raises", """
        from harness.hookspecs import hookimpl
        @hookimpl
        def xharness_tasks():
            raise ValueError("boom in hook")
    """)
    bad = {**TASK, "name": "bad_task", "format": "poetry"}
    _module(tmp_path, monkeypatch, "invalid_spec", f"""
        from harness.hookspecs import hookimpl
        @hookimpl
        def xharness_tasks():
            return [{bad!r}]
    """)
    _module(tmp_path, monkeypatch, "collides", f"""
        from harness.hookspecs import hookimpl
        @hookimpl
        def xharness_tasks():
            return [{TASK!r}]
    """)
    path = _registry(registry_file, ["good_plugin", "import_fails", "hook_raises",
                                     "invalid_spec", "collides"])
    catalog = build_catalog(path)
    assert "plug_task" in catalog.tasks and catalog.tasks["plug_task"].plugin == "good_plugin"
    text = "\n".join(p.render() for p in catalog.problems)
    assert "plugin import_fails: failed to load: RuntimeError: boom at import" in text
    assert "plugin hook_raises" in text and "boom in hook" in text
    assert "plugin invalid_spec: tasks.bad_task.format" in text
    assert "plugin collides: tasks.plug_task: name collides with the one from good_plugin" in text
    with pytest.raises(XHarnessError, match="declared but invalid"):
        catalog.task("bad_task")


def test_refs_resolve_lazily_with_clear_errors() -> None:
    assert callable(resolve_ref("xworld.builders.xnli:embedded"))
    with pytest.raises(XHarnessError, match=r"cannot import module 'plugins\.no_such_mod'"):
        resolve_ref("plugins.no_such_mod:f")


def test_refs_may_not_point_outside_xharness_and_registered_plugins() -> None:
    with pytest.raises(XHarnessError, match="points outside xharness"):
        resolve_ref("os:system")
    with pytest.raises(XHarnessError, match="points outside"):
        resolve_ref("subprocess:run", "tasks.x.adapter")
    with pytest.raises(XHarnessError, match=r"has no attribute 'embeded'.*embedded"):
        resolve_ref("xworld.builders.xnli:embeded")
