"""Calling plugin code: the one place where a plugin's exception becomes a user error.

Planners, embedded builders, adapters, row filters, translator factories and spec hooks are
plugin code reached through `module:function` references or hooks. When one raises, the
user must learn which plugin, which function and which line of *their* file, in one
paragraph and not as a traceback; `guarded` is the wrapper every such call goes through,
so no call site needs its own try/except.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from harness.errors import XHarnessError

T = TypeVar("T")


def _package_dir(module: str) -> Path | None:
    """The folder (or file) of a module's top-level package, without importing it."""
    top = module.split(".")[0]
    mod = sys.modules.get(top)
    origin = getattr(mod, "__file__", None)
    if origin is None:
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec else None
    if not origin:
        return None
    path = Path(origin).resolve()
    return path.parent if path.name == "__init__.py" else path


def raised_at(exc: BaseException, module: str | None = None) -> str:
    """`file:line` where `exc` was raised, preferring the deepest frame inside `module`'s
    package (the plugin's own code) over library frames it called into."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith("<")]
    if not frames:
        return "?"
    home = _package_dir(module) if module else None
    if home is not None:
        own = [f for f in frames if Path(f.filename).resolve().is_relative_to(home)]
        frames = own or frames
    return f"{frames[-1].filename}:{frames[-1].lineno}"


def defined_at(fn: Callable[..., Any]) -> str:
    """`file:line` of a function's definition."""
    try:
        return f"{inspect.getsourcefile(fn)}:{inspect.getsourcelines(fn)[1]}"
    except (OSError, TypeError):
        return getattr(fn, "__module__", "?")


def qualified(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', repr(fn))}"


def describe(exc: BaseException) -> str:
    """An exception's message on one line; a pydantic error as `field: message` pairs
    (its own rendering points at pydantic's files and documentation URLs)."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        return f"invalid {exc.title}: " + "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(value)'}: {e['msg']}"
            for e in exc.errors())
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def guarded(fn: Callable[..., T], *, what: str, plugin: str = "", fix: str = "",
            code: Callable[..., Any] | None = None) -> Callable[..., T]:
    """`fn`, so that calling it turns any exception but an `XHarnessError` (which already
    speaks to the user) into one naming the plugin, the function and the line that raised.

    `what` says what the function is for ("planner of strategy 'x' for target 'y'");
    `code` is the plugin function when `fn` is a library call that runs it (`Dataset.map`).
    """

    def call(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except XHarnessError:
            raise
        except Exception as exc:
            culprit = code or fn
            module = getattr(culprit, "__module__", None)
            detail = describe(exc)
            raise XHarnessError(
                f"{what}: {qualified(culprit)} raised {type(exc).__name__}"
                + (f": {detail}" if detail else "") + f" at {raised_at(exc, module)}",
                where=f"plugin {plugin}" if plugin else None,
                fix=fix or "fix that function (it is plugin code, not xharness's)",
            ) from exc

    return call
