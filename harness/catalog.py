"""The catalog: every task, strategy, translator, metric, selector, shipped model and
profile, from all plugins.

Everything but the profiles comes from hook results: the built-in plugins
(`harness.builtin_plugins`, which serve `registry.yaml`'s entries and the built-in metrics
and selectors), then the modules under `plugins:` in `registry.yaml`, then the `xharness`
entry-point group. Each plugin is imported and each hook implementation called on its own,
in that order, so one that fails is reported by name and the rest still load.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy
from pydantic import BaseModel, ValidationError

from harness import contracts, hookspecs, shipped_models
from harness.builtin_plugins import DEFAULT_PLUGINS, REGISTRY_PLUGIN, RegistryEntries
from harness.config import Profile
from harness.errors import XHarnessError
from harness.metrics import registry as metric_registry
from harness.metrics.registry import BUILTIN
from harness.plugin_calls import describe, raised_at
from harness.problems import Problem, did_you_mean, from_validation_error
from harness.refs import allow_package, resolve_ref
from harness.registry import Registry, load_registry
from harness.selection.spec import SelectorSpec
from harness.specs import MetricSpec, ModelSpec, StrategySpec, TaskSpec, TranslatorSpec

ENTRY_POINT_GROUP = "xharness"

_HOOKS: dict[str, tuple[str, type[BaseModel]]] = {
    "tasks": ("xharness_tasks", TaskSpec),
    "strategies": ("xharness_strategies", StrategySpec),
    "translators": ("xharness_translators", TranslatorSpec),
    "metrics": ("xharness_metrics", MetricSpec),
    "selectors": ("xharness_selectors", SelectorSpec),
    "models": ("xharness_models", ModelSpec),
}


@dataclass
class Catalog:
    registry: Registry
    pm: pluggy.PluginManager
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    strategies: dict[str, StrategySpec] = field(default_factory=dict)
    translators: dict[str, TranslatorSpec] = field(default_factory=dict)
    metrics: dict[str, MetricSpec] = field(default_factory=dict)
    selectors: dict[str, SelectorSpec] = field(default_factory=dict)
    models: dict[str, ModelSpec] = field(default_factory=dict)  # shipped `embedded:` models
    problems: list[Problem] = field(default_factory=list)

    @property
    def profiles(self) -> dict[str, Profile]:
        return self.registry.profiles

    def task(self, name: str) -> TaskSpec:
        return self._get("task", self.tasks, name)

    def strategy(self, name: str) -> StrategySpec:
        return self._get("strategy", self.strategies, name)

    def translator(self, name: str) -> TranslatorSpec:
        return self._get("translator", self.translators, name)

    def selector(self, name: str) -> SelectorSpec:
        return self._get("selector", self.selectors, name)

    def profile(self, name: str) -> Profile:
        return self._get("profile", self.profiles, name)

    def targets(self) -> list[str]:
        return [n for n, t in self.tasks.items() if t.role == "target"]

    def _get(self, kind: str, table: dict[str, Any], name: str) -> Any:
        if name in table:
            return table[name]
        broken = [p for p in self.problems if p.field.split(".")[:2][-1:] == [name]]
        if broken:
            p = broken[0]
            raise XHarnessError(
                f"{kind} {name!r} is declared but invalid: {p.where}: {p.field}: "
                f"{p.what.rstrip('.')}",
                fix=f"{p.fix.rstrip('.')}; `xharness validate` lists every problem",
            )
        # a plugin that failed to load, or whose hook failed, may be where it comes from
        section = {"task": "tasks", "strategy": "strategies", "translator": "translators"}
        failed = [p for p in self.problems
                  if p.field in ("", section.get(kind)) and p.where.startswith("plugin ")]
        if failed:
            names = "; ".join(f"{p.where}: {p.what.rstrip('.')}" for p in failed)
            raise XHarnessError(
                f"unknown {kind} {name!r}, and {len(failed)} plugin(s) that may provide it "
                f"failed to load: {names}",
                fix="fix or uninstall that plugin (`xharness validate` lists every problem); "
                + did_you_mean(name, table),
            )
        raise XHarnessError(f"unknown {kind} {name!r}", fix=did_you_mean(name, table))


def build_catalog(registry_path: Path | None = None) -> Catalog:
    registry = load_registry(registry_path)
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    catalog = Catalog(registry=registry, pm=pm, problems=list(registry.problems))

    _register(catalog, REGISTRY_PLUGIN, lambda: RegistryEntries(registry), __name__)
    for module_name in (*DEFAULT_PLUGINS, *registry.plugins):
        allow_package(module_name)
        _register(catalog, module_name, lambda m=module_name: importlib.import_module(m),
                  module_name)
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist else "?"
        allow_package(ep.module)
        _register(catalog, f"{dist}:{ep.name}", ep.load, ep.module)

    _reject_wrappers(catalog)
    order = [name for name, _ in pm.list_name_plugin()]  # registration order
    for section, (hook_name, model) in _HOOKS.items():
        table: dict[str, Any] = getattr(catalog, section)
        impls = [i for i in getattr(pm.hook, hook_name).get_hookimpls() if not _is_wrapper(i)]
        for impl in sorted(impls, key=lambda i: order.index(i.plugin_name)):
            _collect(catalog, table, section, impl, model)
    _check_references(catalog)
    metric_registry.install(catalog.metrics.values())
    shipped_models.install(catalog.models.values())
    return catalog


def _is_wrapper(impl: pluggy.HookImpl) -> bool:
    return bool(impl.hookwrapper or impl.wrapper)


def _reject_wrappers(catalog: Catalog) -> None:
    """Wrappers need pluggy's own call loop, which xharness does not use (hookspecs.py)."""
    for hook_name in (*hookspecs.REGISTRATION_HOOKS, *hookspecs.OBSERVATION_HOOKS):
        for impl in getattr(catalog.pm.hook, hook_name).get_hookimpls():
            if _is_wrapper(impl):
                catalog.problems.append(Problem(
                    f"plugin {impl.plugin_name}", "",
                    f"{hook_name} is a hook wrapper (hookwrapper/wrapper=True), which xharness "
                    "does not support; it is ignored",
                    "make it a plain @hookimpl (see the top of harness/hookspecs.py)",
                ))


def _register(catalog: Catalog, name: str, load: Callable[[], Any], module: str) -> None:
    try:
        plugin = load()
        catalog.pm.register(plugin, name=name)
    except Exception as exc:
        catalog.problems.append(Problem(
            f"plugin {name}", "",
            f"failed to load: {type(exc).__name__}: {describe(exc)} at "
            f"{raised_at(exc, module)}",
            "fix or uninstall the plugin; the other plugins are unaffected",
        ))


def _collect(
    catalog: Catalog, table: dict[str, Any], section: str,
    impl: pluggy.HookImpl, model: type[BaseModel],
) -> None:
    plugin = impl.plugin_name
    try:
        items = impl.function()
    except ValidationError as err:  # a spec validated inside the hook: name its fields
        at = raised_at(err, impl.function.__module__)
        label = _spec_name(err)
        found = from_validation_error(err, f"plugin {plugin} ({at})",
                                      f"{section}.{label}" if label else section)
        if not label:  # pydantic kept no name: say how to get one
            found = [Problem(p.where, p.field, p.what, f"{p.fix.rstrip('.')} (return a dict "
                             "from the hook instead of validating it there, and xharness "
                             "names the spec)") for p in found]
        catalog.problems.extend(found)
        return
    except Exception as exc:
        catalog.problems.append(Problem(
            f"plugin {plugin}", section,
            f"hook {impl.function.__name__} raised {type(exc).__name__}: {describe(exc)} at "
            f"{raised_at(exc, impl.function.__module__)}",
            "fix the plugin's hook implementation",
        ))
        return
    if not isinstance(items, list | tuple):
        catalog.problems.append(Problem(
            f"plugin {plugin}", section, f"hook returned {type(items).__name__}, not a list",
            "return a list of specs",
        ))
        return
    for i, item in enumerate(items):
        if isinstance(item, model):  # validated already (registry.yaml's, with its lines)
            spec = item if item.plugin else item.model_copy(update={"plugin": plugin})
            _add(catalog, table, section, plugin, spec)
            continue
        data = item.model_dump() if isinstance(item, BaseModel) else item
        if not isinstance(data, dict):
            catalog.problems.append(Problem(
                f"plugin {plugin}", f"{section}.{i}", f"item is a {type(item).__name__}",
                f"return {model.__name__} objects or dicts",
            ))
            continue
        try:
            spec = model.model_validate({**data, "plugin": data.get("plugin") or plugin})
        except ValidationError as err:
            label = data.get("name", i)
            catalog.problems.extend(
                from_validation_error(err, f"plugin {plugin}", f"{section}.{label}")
            )
            continue
        _add(catalog, table, section, plugin, spec)


def _add(catalog: Catalog, table: dict[str, Any], section: str, plugin: str, spec: Any) -> None:
    if spec.name in table:
        catalog.problems.append(Problem(
            f"plugin {plugin}", f"{section}.{spec.name}",
            f"name collides with the one from {table[spec.name].plugin}",
            "rename it (names are unique across plugins)",
        ))
        return
    table[spec.name] = spec


def _spec_name(err: ValidationError) -> str | None:
    """The `name` of the spec a ValidationError was raised for, where pydantic kept it
    (a missing field's error carries the whole input)."""
    for e in err.errors():
        data = e.get("input")
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            return data["name"]
    return None


def _check_references(catalog: Catalog) -> None:
    """Cross-entry checks: names that must exist, refs that must import."""
    where = str(catalog.registry.path)
    for name, task in list(catalog.tasks.items()):
        if task.train_task and task.train_task not in catalog.tasks:
            catalog.problems.append(Problem(
                f"{where} or plugin {task.plugin}", f"tasks.{name}.train_task",
                f"names unknown task {task.train_task!r}", did_you_mean(task.train_task,
                                                                       catalog.tasks),
            ))
    for name, metric in list(catalog.metrics.items()):
        if metric.plugin != BUILTIN and not metric.compute:
            catalog.problems.append(Problem(
                f"plugin {metric.plugin}", f"metrics.{name}.compute",
                "a plugin metric needs `compute` (only built-in metrics are implemented by "
                "their formats)", "add `compute: module:function(gold, predictions)`"))
            del catalog.metrics[name]
    for name, task in list(catalog.tasks.items()):
        try:
            metric_registry.check(task, catalog.metrics)
        except XHarnessError as exc:
            origin = where if name in catalog.registry.tasks else f"plugin {task.plugin}"
            catalog.problems.append(Problem(origin, f"tasks.{name}.metric", exc.what,
                                            exc.fix or ""))
            del catalog.tasks[name]  # scoring it by another metric would be silently wrong
    for name, profile in catalog.profiles.items():
        for task_name in profile.tasks:
            if task_name not in catalog.tasks:
                catalog.problems.append(Problem(
                    where, f"profiles.{name}.tasks.{task_name}", "names an unknown task",
                    did_you_mean(task_name, catalog.tasks),
                ))


@dataclass(frozen=True)
class _Reference:
    """One `module:attr` a spec names, and the call xharness makes with it."""

    section: str
    name: str
    field: str  # dotted, after `section.name`
    ref: str
    plugin: str
    protocol: type  # the `harness.contracts` Protocol of the call
    #: the keyword sets `**options` stands for: (options, where they come from or "")
    options: tuple[tuple[dict[str, Any], str], ...] = (({}, ""),)
    role: str = ""  # "planner", "embedded builder", ...: what the message calls it


def _references(catalog: Catalog) -> list[_Reference]:
    refs: list[_Reference] = []
    for name, task in catalog.tasks.items():
        if task.adapter:
            batched = bool(task.options.get("adapter_batched"))
            refs.append(_Reference(
                "tasks", name, "adapter", task.adapter, task.plugin,
                contracts.BatchedAdapter if batched else contracts.Adapter,
                role="batched adapter" if batched else "adapter"))
        if task.sources.embedded:
            spec = task.sources.embedded
            # a profile's data_options for this task join the source's options
            sets = [({**spec.options, **p.data_options[name]},
                     f"profiles.{pname}.data_options.{name}")
                    for pname, p in catalog.profiles.items() if name in p.data_options]
            refs.append(_Reference(
                "tasks", name, "sources.embedded.builder", spec.builder, task.plugin,
                contracts.EmbeddedBuilder, ((dict(spec.options), ""), *sets),
                role="embedded builder"))
        if task.sources.hub and task.sources.hub.row_filter:
            refs.append(_Reference("tasks", name, "sources.hub.row_filter",
                                   task.sources.hub.row_filter, task.plugin,
                                   contracts.RowFilter, role="row filter"))
    for name, strat in catalog.strategies.items():
        refs.append(_Reference("strategies", name, "planner", strat.planner, strat.plugin,
                               contracts.Planner, role="planner"))
    for name, tr in catalog.translators.items():
        refs.append(_Reference("translators", name, "factory", tr.factory, tr.plugin,
                               contracts.TranslatorFactory, ((dict(tr.options), ""),),
                               role="translator factory"))
    for name, metric in catalog.metrics.items():
        if metric.compute:
            refs.append(_Reference("metrics", name, "compute", metric.compute, metric.plugin,
                                   contracts.MetricCompute, role="metric"))
    for name, sel in catalog.selectors.items():
        refs += [_Reference("selectors", name, "scorer", sel.scorer, sel.plugin,
                            contracts.SelectorScorer, role="selector scorer"),
                 _Reference("selectors", name, "cost", sel.cost, sel.plugin,
                            contracts.SelectorCost, role="selector cost")]
    return refs


def _origin(catalog: Catalog, ref: _Reference) -> str:
    """registry.yaml and the line for the registry's own entries, else the plugin."""
    entries = getattr(catalog.registry, ref.section, {})
    if entries.get(ref.name) is getattr(catalog, ref.section).get(ref.name):
        return catalog.registry.where(f"{ref.section}.{ref.name}.{ref.field}")
    return f"plugin {ref.plugin}"


def check_imports(catalog: Catalog) -> list[Problem]:
    """Resolve every `module:attr` reference and check that each fits the call xharness
    makes with it (`harness.contracts`); used by `xharness validate`, which may import."""
    problems = []
    for ref in _references(catalog):
        fld = f"{ref.section}.{ref.name}.{ref.field}"
        try:
            fn = resolve_ref(ref.ref)
        except XHarnessError as exc:
            problems.append(Problem(_origin(catalog, ref), fld, exc.what, exc.fix or ""))
            continue
        for options, source in ref.options:
            why = contracts.signature_problem(fn, ref.protocol, options)
            if why is None:
                continue
            attr = ref.ref.partition(":")[2]
            where, fld_at = _origin(catalog, ref), fld
            if source:  # the options that do not fit are a profile's: point there
                where, fld_at = catalog.registry.where(source), source
            article = "an" if ref.role[0] in "aeiou" else "a"
            problems.append(Problem(
                where, fld_at,
                f"{ref.ref}" + (f" (`{fld}`)" if source else "")
                + f" cannot be called the way xharness calls {article} "
                f"{ref.role}, as {contracts.expected_call(ref.protocol, attr, options)} "
                f"(harness.contracts.{ref.protocol.__name__})"
                + (f" with the options of `{source}`" if source else "") + f": {why}",
                f"give {attr} that signature ({contracts.call_note(ref.protocol)})"
                + (f", or correct the option names in `{source}`" if source else
                   f", or point `{ref.field}` at a function that has it"),
            ))
            break
    for name, model in catalog.models.items():  # a shipped model's folder must be there
        if not (Path(model.path) / "config.json").is_file():
            problems.append(Problem(f"plugin {model.plugin}", f"models.{name}.path",
                                    f"no config.json in {model.path}",
                                    "reinstall the plugin from a full checkout"))
    return problems
