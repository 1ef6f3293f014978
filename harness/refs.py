"""Lazy `package.module:attribute` references: a plugin costs nothing until it is used."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from harness.errors import XHarnessError
from harness.problems import did_you_mean


def resolve_ref(ref: str, what: str = "reference") -> Callable[..., Any]:
    """Import `package.module:attribute` lazily: plugins cost nothing until used."""
    module_name, _, attr = ref.partition(":")
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
