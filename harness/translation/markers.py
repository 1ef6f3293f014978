"""Marker-based span projection: `⟦k⟧ span ⟦/k⟧` in the source, found again in the
translation. Plain brackets collide with real text; these characters do not occur in the
datasets we translate, and MT models copy them through like other rare symbols."""

from __future__ import annotations

import re

OPEN, CLOSE = "⟦{}⟧", "⟦/{}⟧"
_MARK = re.compile(r"\s*⟦(/?)(\d+)⟧\s*")


def mark(text: str, spans: list[tuple[int, int]]) -> str:
    """Insert markers around non-overlapping character spans."""
    out, pos = [], 0
    for k, (start, end) in sorted(enumerate(spans), key=lambda kv: kv[1][0]):
        if start < pos:
            raise ValueError("marked spans overlap")
        out += [text[pos:start], f" {OPEN.format(k)} ", text[start:end],
                f" {CLOSE.format(k)} "]
        pos = end
    out.append(text[pos:])
    return re.sub(r" {2,}", " ", "".join(out)).strip()


def unmark(text: str, n_spans: int) -> tuple[str, list[tuple[int, int]]] | None:
    """The clean text and the character span of each marker pair, or None if any pair is
    missing, duplicated, out of order or empty."""
    clean: list[str] = []
    opened: dict[int, int] = {}
    spans: dict[int, tuple[int, int]] = {}
    pos = 0
    length = 0
    for m in _MARK.finditer(text):
        piece = text[pos:m.start()]
        if piece:
            if clean and not clean[-1].endswith(" ") and length:
                clean.append(" ")
                length += 1
            clean.append(piece)
            length += len(piece)
        closing, k = m.group(1) == "/", int(m.group(2))
        if closing:
            if k not in opened or k in spans:
                return None
            start = opened.pop(k)
            if length <= start:
                return None
            spans[k] = (start, length)
        else:
            if k in opened or k in spans:
                return None
            opened[k] = length + (1 if length else 0)
        pos = m.end()
    tail = text[pos:]
    if tail:
        if clean and length:
            clean.append(" ")
            length += 1
        clean.append(tail)
    if opened or sorted(spans) != list(range(n_spans)):
        return None
    return "".join(clean), [spans[k] for k in range(n_spans)]
