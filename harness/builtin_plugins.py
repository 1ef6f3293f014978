"""xharness's own plugins: the built-ins reach the catalog through the same hooks as a
third party's (as datasette's `DEFAULT_PLUGINS`), so there is one path to read and to test.

`RegistryEntries` serves the tasks, strategies and translators of `registry.yaml` (already
validated, with file and line, by `harness.registry`); the modules of `DEFAULT_PLUGINS`
serve the built-in metrics and selectors. The task and strategy modules under `plugins/`
implement no hook: they hold the code that the entries reference (`module:function`),
imported only when used.
"""

from __future__ import annotations

from harness.hookspecs import hookimpl
from harness.registry import Registry
from harness.specs import StrategySpec, TaskSpec, TranslatorSpec

#: the name `RegistryEntries` is registered under (and shown as a spec's origin)
REGISTRY_PLUGIN = "registry.yaml"

#: built-in plugin modules, registered (in this order) after `RegistryEntries`
DEFAULT_PLUGINS = ("plugins.metrics.builtin", "plugins.selectors.builtin")


class RegistryEntries:
    """The entries of one `registry.yaml` (the file a catalog is built from)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    @hookimpl
    def xharness_tasks(self) -> list[TaskSpec]:
        return list(self.registry.tasks.values())

    @hookimpl
    def xharness_strategies(self) -> list[StrategySpec]:
        return list(self.registry.strategies.values())

    @hookimpl
    def xharness_translators(self) -> list[TranslatorSpec]:
        return list(self.registry.translators.values())
