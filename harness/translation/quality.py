"""Round-trip translation quality: translate, translate back, compare with the source.

Translate-train has no references in the target language, but a translation that loses
content rarely survives the way back, so chrF/BLEU of the back-translations against the
sources is a cheap, reference-free signal to compare translators and to spot examples to
drop. chrF (character n-grams) is the per-example score: it works on short sentences and on
any script, where sentence BLEU is mostly zero. Markers (`⟦k⟧`) are not text: they are
removed before scoring, so a translator is not rewarded for copying them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sacrebleu

from harness.translation.base import Translator

__all__ = ["RoundTrip", "round_trip", "strip_markers"]

_MARKER = re.compile(r"\s*⟦/?\d+⟧\s*")


def strip_markers(text: str) -> str:
    """The text without span markers, single-spaced where they stood."""
    return _MARKER.sub(" ", text).strip()


@dataclass(frozen=True)
class RoundTrip:
    """Forward and back translations with chrF/BLEU (0-100) of the way back."""

    src: str
    tgt: str
    translations: list[str]
    back_translations: list[str]
    chrf: list[float]  # per example: sentence chrF of the back-translation vs its source
    corpus_chrf: float
    corpus_bleu: float

    @property
    def untranslated(self) -> int:
        """Examples the forward translator could not translate (returned "")."""
        return sum(1 for t in self.translations if not t)


def round_trip(
    translator: Translator, sources: list[str], src: str, tgt: str,
    translations: list[str] | None = None,
) -> RoundTrip:
    """Translate `sources` (unless their `translations` are given) and back, and score the
    back-translations against the sources."""
    if translations is None:
        translations = translator.translate(sources, src, tgt)
    back = translator.translate(translations, tgt, src)
    refs = [strip_markers(s) for s in sources]
    hyps = [strip_markers(b) for b in back]
    chrf = [sacrebleu.sentence_chrf(h, [r]).score for h, r in zip(hyps, refs, strict=True)]
    return RoundTrip(
        src=src, tgt=tgt, translations=translations, back_translations=back, chrf=chrf,
        corpus_chrf=sacrebleu.corpus_chrf(hyps, [refs]).score if refs else 0.0,
        # force: both sides come from the same tokenisation (the embedded world's text is
        # space-tokenised), so sacrebleu's detokenisation warning says nothing here
        corpus_bleu=sacrebleu.corpus_bleu(hyps, [refs], force=True).score if refs else 0.0,
    )
