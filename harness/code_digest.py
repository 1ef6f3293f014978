"""What a plugin's code is, for cache keys: the source files a reference (`module:attr`)
runs, and their digest.

A result made by plugin code (an embedded builder's data, a translator's translations) is
stale when that code changes, and only then. The core's own code is versioned by hand
(`harness.hashing.CODE_VERSIONS`); plugin code has no such discipline, so its keys carry a
digest of what it imports. Only modules reached through `import` statements count: a module
loaded by name at run time (`importlib.import_module("pkg." + x)`) is not seen, so a plugin
that dispatches that way should import its modules plainly.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.machinery
import importlib.util
from functools import cache
from pathlib import Path

__all__ = ["code_digest", "plugin_code"]

#: the core: its changes are versioned by CODE_VERSIONS, not by the bytes of its files
CORE = "harness"


def plugin_code(ref: str) -> tuple[str, ...]:
    """The source files of `ref`'s module and of every module of its own top-level package
    that it imports, directly or through another (each package's `__init__.py` included:
    importing a submodule runs it). Sibling modules it never imports (a pretraining script, a
    calibration check) are not part of it: editing them keeps every cached result. Nothing
    for a reference into the core."""
    module = importlib.import_module(ref.partition(":")[0])
    top = module.__name__.partition(".")[0]
    if top == CORE:
        return ()
    found: dict[str, str] = {}
    todo = [module.__name__]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        spec = _spec(name)
        origin = str(spec.origin) if spec is not None else ""
        found[name] = origin if origin.endswith(".py") else ""  # namespace package, attribute
        if not found[name]:
            continue
        parent = name.rpartition(".")[0]
        todo += [parent] if parent else []
        todo += [n for n in _imported(Path(origin), name, spec)
                 if n.partition(".")[0] == top]
    return tuple(sorted(path for path in found.values() if path))


@cache
def code_digest(ref: str) -> str:
    """A short sha256 over the contents of `plugin_code(ref)` (read once per process)."""
    h = hashlib.sha256()
    for path in plugin_code(ref):
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]


def _spec(name: str) -> importlib.machinery.ModuleSpec | None:
    try:
        return importlib.util.find_spec(name)
    except (ModuleNotFoundError, ValueError):  # `pkg.module.attr`: an attribute, not a module
        return None


def _imported(path: Path, name: str, spec: importlib.machinery.ModuleSpec) -> list[str]:
    """The absolute names a module's `import` statements may load, wherever they stand (in a
    function too): `from a import b` names `a` and `a.b`, since `b` may be a submodule."""
    package = name if spec.submodule_search_locations is not None else name.rpartition(".")[0]
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level and not package:
                continue  # a relative import in a top-level module: Python refuses it too
            base = (importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                    if node.level else node.module or "")
            out += [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return out
