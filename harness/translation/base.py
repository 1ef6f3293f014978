"""The translator contract.

A translator turns a batch of texts from one language into another. Span labels (QA
answers, entity spans) cross the translation as *markers*: the source text carries
`⟦k⟧ ... ⟦/k⟧` around span k (see `markers.py`), and a translator must return them around
the corresponding words of its output, or drop them; examples whose markers do not come
back intact are dropped and counted by the caller. Neural MT models usually keep such
markers; the embedded world's exact translator keeps them by construction.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Translator(Protocol):
    name: str

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        """One translation per text, in order. Deterministic for the same inputs (results
        are cached on disk), and `None`-free: an untranslatable text comes back as ""."""
        ...
