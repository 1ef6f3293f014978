"""Transliteration from a Latin romanisation into Cyrillic or Greek letters.

The derived languages `ru` and `el` are generated in a Latin romanisation and written in their
own script, so they share no characters (and hence no word pieces) with English. Proper names
go through the same mapping: `Anna` is `Анна` in `ru` and `Αννα` in `el`, which is what makes
NER and name-anchored alignment non-trivial there, as in the real languages.
"""

from __future__ import annotations

_CYRILLIC: dict[str, str] = {
    "shch": "щ", "zh": "ж", "sh": "ш", "ch": "ч", "ts": "ц", "kh": "х", "ya": "я", "yu": "ю",
    "a": "а", "b": "б", "c": "к", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х", "i": "и",
    "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "к", "r": "р",
    "s": "с", "t": "т", "u": "у", "v": "в", "w": "в", "x": "кс", "y": "ы", "z": "з",
}

_GREEK: dict[str, str] = {
    "th": "θ", "ch": "χ", "ps": "ψ", "ph": "φ", "ou": "ου", "ks": "ξ",
    "a": "α", "b": "β", "c": "κ", "d": "δ", "e": "ε", "f": "φ", "g": "γ", "h": "χ", "i": "ι",
    "j": "ι", "k": "κ", "l": "λ", "m": "μ", "n": "ν", "o": "ο", "p": "π", "q": "κ", "r": "ρ",
    "s": "σ", "t": "τ", "u": "ου", "v": "β", "w": "β", "x": "ξ", "y": "ι", "z": "ζ",
}

SCRIPTS: tuple[str, ...] = ("Latin", "Cyrillic", "Greek")


def _map(word: str, table: dict[str, str]) -> str:
    keys = sorted(table, key=len, reverse=True)
    out: list[str] = []
    i = 0
    lower = word.lower()
    while i < len(lower):
        for key in keys:
            if lower.startswith(key, i):
                out.append(table[key])
                i += len(key)
                break
        else:  # letters outside the romanisation pass through unchanged
            out.append(lower[i])
            i += 1
    text = "".join(out)
    if word[:1].isupper():
        text = text[:1].upper() + text[1:]
    return text


def transliterate(word: str, script: str) -> str:
    """Write a romanised word in `script` ("Latin" returns it unchanged)."""
    if script == "Latin":
        return word
    if script == "Cyrillic":
        return _map(word, _CYRILLIC)
    if script == "Greek":
        text = _map(word, _GREEK)
        # Greek writes sigma as ς at the end of a word.
        return text[:-1] + "ς" if text.endswith("σ") else text
    raise ValueError(f"unknown script {script!r}; expected one of {SCRIPTS}")
