"""The MT translators' tokenizer classes build from a sentencepiece model trained here.

facebook/m2m100_418M and the Marian opus-mt models ship sentencepiece models only (no
tokenizer.json), so their tokenizers need the `sentencepiece` package, which is part of
the install. Nothing is downloaded: the model is trained on a few sentences.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

spm = pytest.importorskip("sentencepiece", reason="sentencepiece is a dependency of xharness")

SENTENCES = [
    "the cat sat on the mat", "a dog runs in the park", "die Katze sitzt auf der Matte",
    "ein Hund läuft im Park", "le chat est sur le tapis", "un chien court dans le parc",
] * 20


def _train(folder: Path, name: str) -> Path:
    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join(SENTENCES), encoding="utf-8")
    prefix = folder / name
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(prefix),
                                   vocab_size=60, character_coverage=1.0, model_type="bpe",
                                   bos_id=-1, eos_id=-1, pad_id=-1, unk_id=0)
    return Path(f"{prefix}.model")


def _vocab(model: Path, folder: Path, specials: list[str]) -> Path:
    proc = spm.SentencePieceProcessor(model_file=str(model))
    pieces = specials + [proc.id_to_piece(i) for i in range(proc.get_piece_size())]
    vocab = {p: i for i, p in enumerate(dict.fromkeys(pieces))}
    path = folder / "vocab.json"
    path.write_text(json.dumps(vocab), encoding="utf-8")
    return path


def test_m2m100_tokenizer_builds_and_loads_like_the_hub_repo(tmp_path: Path) -> None:
    from transformers import AutoTokenizer, M2M100Tokenizer

    model = _train(tmp_path, "sentencepiece.bpe")
    vocab = _vocab(model, tmp_path, ["<s>", "<pad>", "</s>", "<unk>"])
    tok = M2M100Tokenizer(vocab_file=str(vocab), spm_file=str(model), src_lang="en",
                          tgt_lang="de")
    ids = tok("the cat sat")["input_ids"]
    assert ids[0] == tok.get_lang_id("en") and ids[-1] == tok.eos_token_id
    assert "cat" in tok.decode(ids, skip_special_tokens=True)
    # the way HFTranslator loads it: a folder like facebook/m2m100_418M, no tokenizer.json
    saved = tmp_path / "m2m100"
    tok.save_pretrained(saved)
    (saved / "config.json").write_text(json.dumps({"model_type": "m2m_100"}))
    assert not (saved / "tokenizer.json").exists()
    again = AutoTokenizer.from_pretrained(saved)
    assert type(again).__name__ == "M2M100Tokenizer"
    again.src_lang = "en"
    assert again("the cat sat")["input_ids"] == ids


def test_marian_tokenizer_builds_and_loads_like_an_opus_mt_repo(tmp_path: Path) -> None:
    from transformers import AutoTokenizer, MarianTokenizer

    model = _train(tmp_path, "source")
    vocab = _vocab(model, tmp_path, ["</s>", "<unk>", "<pad>"])
    tok = MarianTokenizer(source_spm=str(model), target_spm=str(model), vocab=str(vocab))
    ids = tok("the cat sat")["input_ids"]
    assert ids[-1] == tok.eos_token_id and tok.unk_token_id not in ids[:-1]
    assert tok.decode(ids, skip_special_tokens=True).replace(" ", "") == "thecatsat"
    saved = tmp_path / "opus-mt"
    tok.save_pretrained(saved)
    (saved / "config.json").write_text(json.dumps({"model_type": "marian"}))
    again = AutoTokenizer.from_pretrained(saved)
    assert type(again).__name__ == "MarianTokenizer"
    assert again("the cat sat")["input_ids"] == ids
