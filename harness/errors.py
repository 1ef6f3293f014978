"""One error type for everything a user can fix.

Every message names where the problem is (file, field or name), what is wrong, and
how to fix it, so the CLI can print it as one paragraph and exit non-zero.
"""

from __future__ import annotations


class XHarnessError(Exception):
    """A problem the user can fix: bad input, an unknown name, a missing file."""

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        parts = []
        if self.where:
            parts.append(f"{self.where}:")
        parts.append(self.what.rstrip("."))
        text = " ".join(parts) + "."
        if self.fix:
            text += f" Fix: {self.fix.rstrip('.')}."
        return text


class MissingSplit(XHarnessError):
    """A source has no such split (a file that is not there, a split it does not have):
    for an optional split (dev) that is an absence, not a malformed file."""
