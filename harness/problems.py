"""Problems found while loading the registry and plugins, collected rather than raised.

`xharness validate` must report every problem at once, and one broken third-party plugin
must not take the others down, so loaders append `Problem`s and carry on.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class Problem:
    where: str  # file[:line] or plugin name
    field: str  # dotted path inside it, "" for the whole thing
    what: str
    fix: str

    def render(self) -> str:
        loc = f"{self.where}: {self.field}" if self.field else self.where
        return f"{loc}: {self.what.rstrip('.')}. Fix: {self.fix.rstrip('.')}."


def closest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The closest valid names, for "did you mean" messages."""
    choices = list(choices)
    found = difflib.get_close_matches(name, choices, n=n, cutoff=0.5)
    return found or [c for c in choices if c.startswith(name[:2])][:n]


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    choices = sorted(choices)
    near = closest(name, choices)
    if near:
        return f"did you mean {', '.join(repr(c) for c in near)}? Valid: {', '.join(choices)}"
    return f"valid names: {', '.join(choices)}"


def from_validation_error(
    err: ValidationError, where: str, prefix: str, lines: dict[str, int] | None = None
) -> list[Problem]:
    """One Problem per pydantic error, with the field path and, when known, the line."""
    out = []
    for e in err.errors():
        path = ".".join(str(p) for p in (prefix, *e["loc"]) if p != "")
        line = _nearest_line(path, lines or {})
        loc = f"{where}:{line}" if line else where
        kind = e["type"]
        if kind == "extra_forbidden":
            what = "unknown key"
            fix = "remove it or correct its spelling (unknown keys are errors, not ignored)"
            known = _fields_at(err.title, e["loc"][:-1])
            near = closest(str(e["loc"][-1]), known, n=1) if known else []
            if near and difflib.SequenceMatcher(None, str(e["loc"][-1]), near[0]).ratio() > .5:
                fix = f"did you mean {near[0]!r}? Otherwise {fix}"
        elif kind == "missing":
            what = "required field is missing"
            fix = "add it"
        else:
            what = e["msg"]
            fix = "correct the value"
        out.append(Problem(loc, path, what, fix))
    return out


def _model_named(title: str) -> type[BaseModel] | None:
    from harness.specs import Strict

    todo: list[type[BaseModel]] = [Strict]
    while todo:
        cls = todo.pop()
        if cls.__name__ == title:
            return cls
        todo.extend(cls.__subclasses__())
    return None


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _fields_at(title: str, loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model an error location points into (for "did you mean")."""
    model = _model_named(title)
    for part in loc:
        if model is None:
            return []
        if str(part) in model.model_fields:  # else a dict key or list index: same model
            model = _inner_model(model.model_fields[str(part)].annotation)
    return list(model.model_fields) if model is not None else []


def _nearest_line(path: str, lines: dict[str, int]) -> int | None:
    parts = path.split(".")
    while parts:
        key = ".".join(parts)
        if key in lines:
            return lines[key]
        parts.pop()
    return None
