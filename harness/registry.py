"""Reading `registry.yaml`: the data that says which tasks, strategies and profiles exist.

Entries are validated one by one, so a bad entry is reported (with file, line and field)
without hiding the others. A file that is not a mapping of the expected sections cannot be
partly trusted and is an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from harness.config import Profile
from harness.errors import XHarnessError
from harness.problems import Problem, from_validation_error
from harness.specs import StrategySpec, TaskSpec, TranslatorSpec

SECTIONS: dict[str, type[BaseModel]] = {
    "profiles": Profile,
    "tasks": TaskSpec,
    "strategies": StrategySpec,
    "translators": TranslatorSpec,
}
TOP_LEVEL = {"version", "plugins", *SECTIONS}
REGISTRY_VERSION = 1


@dataclass
class Registry:
    path: Path
    plugins: list[str] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    strategies: dict[str, StrategySpec] = field(default_factory=dict)
    translators: dict[str, TranslatorSpec] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: dotted key path ("tasks.xnli.adapter") -> line, for later checks that point here
    lines: dict[str, int] = field(default_factory=dict)

    def where(self, dotted: str) -> str:
        """`path:line` of a key (or of its nearest enclosing key) in this file."""
        parts = dotted.split(".")
        while parts and ".".join(parts) not in self.lines:
            parts.pop()
        return f"{self.path}:{self.lines['.'.join(parts)]}" if parts else str(self.path)


def default_registry_path() -> Path:
    """`$XHARNESS_REGISTRY`, else the `registry.yaml` of the checkout this package runs from."""
    env = os.environ.get("XHARNESS_REGISTRY")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "registry.yaml"


def load_registry(path: Path | None = None) -> Registry:
    path = Path(path) if path else default_registry_path()
    where = str(path)
    if not path.is_file():
        raise XHarnessError(
            "registry file not found", where=where,
            fix="run xharness from a checkout (pip install -e .) or pass --registry PATH",
        )
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = f"{where}:{mark.line + 1}" if mark else where
        problem = getattr(exc, "problem", None) or str(exc)
        raise XHarnessError(
            f"not valid YAML ({problem})", where=loc, fix="correct the YAML syntax on that line"
        ) from None
    if not isinstance(data, dict):
        raise XHarnessError(
            "the registry must be a mapping with sections " + ", ".join(sorted(TOP_LEVEL)),
            where=where, fix="start from the registry.yaml in the repository",
        )
    lines = _line_map(node)
    reg = Registry(path=path, lines=lines)
    for key in sorted(set(data) - TOP_LEVEL):
        reg.problems.append(Problem(
            f"{where}:{lines.get(key, 0)}", key, "unknown top-level key",
            f"use only {', '.join(sorted(TOP_LEVEL))}",
        ))
    if data.get("version") != REGISTRY_VERSION:
        reg.problems.append(Problem(
            f"{where}:{lines.get('version', 1)}", "version",
            f"unsupported registry version {data.get('version')!r}",
            f"set `version: {REGISTRY_VERSION}`",
        ))
    plugins = data.get("plugins") or []
    if not isinstance(plugins, list) or not all(isinstance(p, str) for p in plugins):
        reg.problems.append(Problem(
            f"{where}:{lines.get('plugins', 0)}", "plugins",
            "must be a list of module names", "write one `package.module` per line",
        ))
    else:
        reg.plugins = plugins
    for section, model in SECTIONS.items():
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            reg.problems.append(Problem(
                f"{where}:{lines.get(section, 0)}", section,
                "must be a mapping of name -> entry", "indent entries under their names",
            ))
            continue
        target: dict[str, Any] = getattr(reg, section)
        for name, entry in entries.items():
            if not isinstance(entry, dict):
                reg.problems.append(Problem(
                    f"{where}:{lines.get(f'{section}.{name}', 0)}", f"{section}.{name}",
                    "entry must be a mapping", "give the entry's fields as `key: value` lines",
                ))
                continue
            try:
                spec = model.model_validate({"name": str(name), **entry})
            except ValidationError as err:
                reg.problems.extend(
                    from_validation_error(err, where, f"{section}.{name}", lines)
                )
                continue
            if "plugin" in model.model_fields and not spec.plugin:
                spec = spec.model_copy(update={"plugin": "registry.yaml"})
            target[str(name)] = spec
    return reg


def _line_map(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    """Dotted key path -> 1-based line number, so errors can point into the file."""
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            out[path] = key_node.start_mark.line + 1
            out.update(_line_map(value_node, path))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = f"{prefix}.{i}"
            out[path] = item.start_mark.line + 1
            out.update(_line_map(item, path))
    return out
