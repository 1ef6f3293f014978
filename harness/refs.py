"""Lazy `package.module:attribute` references: a plugin costs nothing until it is used.

References may only point into xharness itself or into the packages of registered plugins
(the modules `registry.yaml` lists and those of installed `xharness` entry points): a
registry or a third-party spec cannot make xharness import arbitrary modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from harness.errors import XHarnessError
from harness.problems import did_you_mean

#: top-level packages references may import from (xharness's own are always allowed)
_ALLOWED: set[str] = {"harness", "plugins"}


def allow_package(module_name: str) -> None:
    """Allow references into the top-level package of a registered plugin module."""
    _ALLOWED.add(module_name.split(".")[0])


def _allow_installed_plugins() -> None:
    """Allow the packages of installed `xharness` entry points (the embedded world's
    `xworld` among them) without importing them."""
    import importlib.metadata

    for ep in importlib.metadata.entry_points(group="xharness"):
        allow_package(ep.module)


def resolve_ref(ref: str, what: str = "reference") -> Callable[..., Any]:
    """Import `package.module:attribute` lazily: plugins cost nothing until used."""
    module_name, _, attr = ref.partition(":")
    if module_name.split(".")[0] not in _ALLOWED:
        _allow_installed_plugins()  # no catalog built in this process yet (a test, a script)
    if module_name.split(".")[0] not in _ALLOWED:
        raise XHarnessError(
            f"{what} {ref!r} points outside xharness and the registered plugins "
            f"({', '.join(sorted(_ALLOWED))})",
            fix="list the module under `plugins:` in registry.yaml or install it as a "
            "package with an `xharness` entry point",
        )
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise XHarnessError(
            f"cannot import module {module_name!r} named by {what} {ref!r} ({exc})",
            fix="install the package that provides it or correct the module path",
        ) from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise XHarnessError(
            f"module {module_name!r} has no attribute {attr!r} (named by {what} {ref!r})",
            fix=did_you_mean(attr, [n for n in dir(module) if not n.startswith("_")]),
        ) from None
