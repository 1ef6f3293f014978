"""A transformers seq2seq translator: MarianMT (opus-mt), NLLB-200 and M2M100 by model id.

The three families name the target language differently, and getting it wrong fails
silently (the model translates into whatever language it defaults to), so each has an
explicit convention here and an unsupported language is an error, not a guess:

- MarianMT: one model per language pair; multi-target models (`opus-mt-en-mul`, ...) read a
  `>>xxx<<` prefix, listed in `tokenizer.supported_language_codes`.
- NLLB-200: FLORES-200 codes; `tokenizer.src_lang` prefixes the source, and the first
  generated token is forced to the target code (`forced_bos_token_id`).
- M2M100: its own ISO codes; `tokenizer.src_lang`, `forced_bos_token_id=get_lang_id(tgt)`.

Generation is deterministic (beam search, no sampling) because translations are cached on
disk. Texts are batched by length to waste little compute on padding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from harness.device import autocast, pick_device, use_bf16
from harness.errors import XHarnessError

__all__ = ["FLORES_CODES", "HFTranslator"]

#: FLORES-200 codes (NLLB) of the 40 XTREME languages.
FLORES_CODES: dict[str, str] = {
    "en": "eng_Latn", "af": "afr_Latn", "ar": "arb_Arab", "bg": "bul_Cyrl", "bn": "ben_Beng",
    "de": "deu_Latn", "el": "ell_Grek", "es": "spa_Latn", "et": "est_Latn", "eu": "eus_Latn",
    "fa": "pes_Arab", "fi": "fin_Latn", "fr": "fra_Latn", "he": "heb_Hebr", "hi": "hin_Deva",
    "hu": "hun_Latn", "id": "ind_Latn", "it": "ita_Latn", "ja": "jpn_Jpan", "jv": "jav_Latn",
    "ka": "kat_Geor", "kk": "kaz_Cyrl", "ko": "kor_Hang", "ml": "mal_Mlym", "mr": "mar_Deva",
    "ms": "zsm_Latn", "my": "mya_Mymr", "nl": "nld_Latn", "pt": "por_Latn", "ru": "rus_Cyrl",
    "sw": "swh_Latn", "ta": "tam_Taml", "te": "tel_Telu", "th": "tha_Thai", "tl": "tgl_Latn",
    "tr": "tur_Latn", "ur": "urd_Arab", "vi": "vie_Latn", "yo": "yor_Latn", "zh": "zho_Hans",
}

#: `opus-mt-en-de`: a single-pair Marian model, whose languages its id names.
_OPUS_PAIR = re.compile(r"opus-mt-([a-z]{2,3})-([a-z]{2,3})$")


def model_family(model_id: str, tokenizer: Any) -> str:
    """"m2m100", "nllb", "marian" or "plain" (a seq2seq model with no language handling)."""
    if hasattr(tokenizer, "get_lang_id") and hasattr(tokenizer, "lang_code_to_token"):
        return "m2m100"
    kind = type(tokenizer).__name__.lower()
    if "nllb" in kind or "nllb" in model_id.lower():
        return "nllb"
    if "marian" in kind or "opus-mt" in model_id.lower():
        return "marian"
    return "plain"


@dataclass(frozen=True)
class LanguageSetup:
    """How one model is told the language pair: a text prefix and `generate` arguments."""

    prefix: str = ""
    generate_kwargs: dict[str, Any] = field(default_factory=dict)


def language_setup(model_id: str, tokenizer: Any, src: str, tgt: str) -> LanguageSetup:
    """Configure `tokenizer` for src -> tgt; raise `XHarnessError` for a language the model
    cannot produce (instead of silently translating into another one)."""
    family = model_family(model_id, tokenizer)
    where = f"translator hf:{model_id}"
    if family == "nllb":
        for lang in (src, tgt):
            if lang not in FLORES_CODES:
                raise XHarnessError(f"no FLORES-200 code for language {lang!r}", where=where,
                                    fix=f"use one of {', '.join(sorted(FLORES_CODES))}")
        code = FLORES_CODES[tgt]
        tgt_id = tokenizer.convert_tokens_to_ids(code)
        if tgt_id is None or tgt_id == tokenizer.unk_token_id:
            raise XHarnessError(f"the tokenizer has no language token {code!r} ({tgt})",
                                where=where, fix="use an NLLB-200 checkpoint")
        tokenizer.src_lang = FLORES_CODES[src]
        return LanguageSetup(generate_kwargs={"forced_bos_token_id": tgt_id})
    if family == "m2m100":
        known = tokenizer.lang_code_to_token
        for lang in (src, tgt):
            if lang not in known:
                raise XHarnessError(f"M2M100 does not know language {lang!r}", where=where,
                                    fix=f"use one of {', '.join(sorted(known))}")
        tokenizer.src_lang = src
        return LanguageSetup(generate_kwargs={"forced_bos_token_id": tokenizer.get_lang_id(tgt)})
    if family == "marian":
        codes = list(getattr(tokenizer, "supported_language_codes", None) or [])
        if codes:
            wanted = [f">>{tgt}<<"]
            if tgt in FLORES_CODES:
                flores = FLORES_CODES[tgt]
                wanted += [f">>{flores.split('_')[0]}<<", f">>{flores}<<"]
            for code in wanted:
                if code in codes:
                    return LanguageSetup(prefix=f"{code} ")
            raise XHarnessError(
                f"this multi-target Marian model has no target code for {tgt!r} "
                f"(tried {', '.join(wanted)})", where=where,
                fix=f"pick a model whose codes include it; this one has {', '.join(codes[:20])}")
        pair = _OPUS_PAIR.search(model_id)
        if pair and (pair.group(1), pair.group(2)) != (src, tgt):
            raise XHarnessError(
                f"{model_id} translates {pair.group(1)}->{pair.group(2)}, not {src}->{tgt}",
                where=where, fix=f"use Helsinki-NLP/opus-mt-{src}-{tgt} or an NLLB model")
    return LanguageSetup()


@dataclass
class HFTranslator:
    """Translate with a seq2seq checkpoint; the model loads on first use, once."""

    model: str
    batch_size: int = 16
    num_beams: int = 4
    max_new_tokens: int = 256
    device: str = "auto"
    name: str = field(init=False)
    _loaded: tuple[Any, Any, torch.device] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.name = f"hf:{self.model}"

    def load(self) -> tuple[Any, Any, torch.device]:
        """(tokenizer, model, device), loaded on the first call only."""
        if self._loaded is None:
            from harness.lock import model_revision

            device = pick_device(self.device)
            revision = model_revision(self.model)  # the commit in xharness.lock
            try:
                tokenizer = AutoTokenizer.from_pretrained(self.model, trust_remote_code=False,
                                                          revision=revision)
            except (ImportError, ValueError) as exc:
                if "sentencepiece" not in str(exc).lower():
                    raise
                raise XHarnessError(
                    f"the tokenizer of translator model {self.model!r} needs the "
                    f"sentencepiece package: {exc}", where=f"translator hf:{self.model}",
                    fix="pip install sentencepiece (part of xharness's dependencies; "
                    "reinstall with `pip install -e .`)",
                ) from exc
            model = AutoModelForSeq2SeqLM.from_pretrained(self.model, trust_remote_code=False,
                                                          revision=revision)
            self._loaded = (tokenizer, model.to(device).eval(), device)
        return self._loaded

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        if not texts:
            return []
        tokenizer, model, device = self.load()
        setup = language_setup(self.model, tokenizer, src, tgt)
        bf16 = use_bf16(device, "auto")
        out = [""] * len(texts)
        todo = sorted((i for i, t in enumerate(texts) if t.strip()),
                      key=lambda i: len(texts[i]), reverse=True)
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start:start + self.batch_size]
            inputs = tokenizer([setup.prefix + texts[i] for i in batch], return_tensors="pt",
                               padding=True, truncation=True)
            inputs = {k: v.to(device) for k, v in inputs.items() if k != "token_type_ids"}
            with torch.inference_mode(), autocast(device, bf16):
                generated = model.generate(
                    **inputs, num_beams=self.num_beams, do_sample=False,
                    max_new_tokens=self.max_new_tokens, **setup.generate_kwargs,
                )
            decoded = tokenizer.batch_decode(generated, skip_special_tokens=True)
            for i, text in zip(batch, decoded, strict=True):
                out[i] = text.strip()
        return out
