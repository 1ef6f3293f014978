"""Problems found while loading the registry and plugins, collected rather than raised.

`xharness validate` must report every problem at once, and one broken third-party plugin
must not take the others down, so loaders append `Problem`s and carry on.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError


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
        elif kind == "missing":
            what = "required field is missing"
            fix = "add it"
        else:
            what = e["msg"]
            fix = "correct the value"
        out.append(Problem(loc, path, what, fix))
    return out


def _nearest_line(path: str, lines: dict[str, int]) -> int | None:
    parts = path.split(".")
    while parts:
        key = ".".join(parts)
        if key in lines:
            return lines[key]
        parts.pop()
    return None
