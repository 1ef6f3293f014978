"""The shipped tokenizer and encoder: load like XLM-R's, and the report shows alignment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModel, AutoModelForMaskedLM, AutoTokenizer

from xworld.languages import TARGET_LANGUAGES
from xworld.world import World

ASSETS = Path(__file__).resolve().parents[2] / "xworld" / "assets" / "xlmr-tiny"


@pytest.fixture(scope="module")
def tokenizer():  # type: ignore[no-untyped-def]
    return AutoTokenizer.from_pretrained(str(ASSETS))


def test_files_are_shipped() -> None:
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "pretrain_report.json"):
        assert (ASSETS / name).is_file(), name
    assert (ASSETS / "model.safetensors").stat().st_size < 10_000_000


def test_tokenizer_is_fast_with_xlmr_conventions(tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert tokenizer.is_fast
    assert [tokenizer.convert_ids_to_tokens(i) for i in range(5)] == [
        "<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    assert (tokenizer.cls_token, tokenizer.sep_token, tokenizer.pad_token_id) == ("<s>", "</s>", 1)
    enc = tokenizer("the dog sleeps .", "the animal sleeps .")
    toks = tokenizer.convert_ids_to_tokens(enc["input_ids"])
    assert toks[0] == "<s>" and toks[-1] == "</s>"
    assert toks.count("</s>") == 3 and "</s></s>" in "".join(toks)
    assert all(t.startswith("▁") for t in toks[1:3])  # Metaspace word-initial marking


def test_offsets_and_word_ids(tokenizer) -> None:  # type: ignore[no-untyped-def]
    text = "Анна не видела Acme ."
    enc = tokenizer(text, return_offsets_mapping=True)
    spans = [text[a:b] for a, b in enc["offset_mapping"] if b > a]
    assert "".join(spans).replace(" ", "") == text.replace(" ", "")
    words = ["Vista", "Air", "devoured", "the", "sandwiches", "."]
    enc = tokenizer(words, is_split_into_words=True)
    ids = [w for w in enc.word_ids() if w is not None]
    assert sorted(set(ids)) == list(range(len(words))) and ids == sorted(ids)


def test_world_text_has_no_unknown_pieces(tokenizer) -> None:  # type: ignore[no-untyped-def]
    world = World()
    for lang in world.languages:
        texts = [s.text for s in world.corpus(lang, 100, seed=99)]
        ids = tokenizer(texts)["input_ids"]
        assert all(tokenizer.unk_token_id not in row for row in ids), lang


def test_model_loads_with_auto_classes() -> None:
    encoder, info = AutoModel.from_pretrained(str(ASSETS), add_pooling_layer=False,
                                              output_loading_info=True)
    assert not info["missing_keys"]
    _, info = AutoModelForMaskedLM.from_pretrained(str(ASSETS), output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    cfg = encoder.config
    assert cfg.model_type == "xlm-roberta" and cfg.max_position_embeddings >= 130
    ids = torch.tensor([[0] + [5] * 126 + [2]])  # 128 tokens fit
    assert encoder(input_ids=ids).last_hidden_state.shape == (1, 128, cfg.hidden_size)
    plain = AutoModel.from_pretrained(str(ASSETS))  # with XLM-R's (untrained) pooler
    assert plain.config.hidden_size == cfg.hidden_size


def test_the_shipped_encoder_is_aligned_and_its_report_says_so(tokenizer) -> None:  # type: ignore[no-untyped-def]
    """Measured here on the shipped weights (the checks `pretrain.py` runs), not read from
    the report: the report must agree with them."""
    from xworld.alignment_eval import retrieval_at_1, word_translation_p_at_1

    encoder = AutoModel.from_pretrained(str(ASSETS), add_pooling_layer=False)
    world = World()
    retrieval = retrieval_at_1(encoder, tokenizer, world, TARGET_LANGUAGES)
    words = word_translation_p_at_1(encoder, tokenizer, world, TARGET_LANGUAGES)
    # The prototype without an alignment objective: retrieval 0-17%, word P@1 0-14%.
    for lang in TARGET_LANGUAGES:
        assert retrieval[lang] >= 0.8, (lang, retrieval)
        assert words[lang] >= 0.5, (lang, words)
    report = json.loads((ASSETS / "pretrain_report.json").read_text())
    assert report["sentence_retrieval_at_1"] == pytest.approx(retrieval, abs=0.01)
    assert report["word_translation_p_at_1"] == pytest.approx(words, abs=0.01)


def test_tokenizer_training_is_deterministic() -> None:
    from xworld.tokenizer import tokenizer_corpus, train_tokenizer

    texts = tokenizer_corpus(World(), n_per_language=300, seed=0)
    first, second = train_tokenizer(texts, 400), train_tokenizer(texts, 400)
    assert first.get_vocab() == second.get_vocab()
    assert first.encode("the dog sleeps .").ids == second.encode("the dog sleeps .").ids


def test_the_pretraining_defaults_are_the_shipped_recipe() -> None:
    """`python -m xworld.pretrain --out DIR` (no flags) must reproduce the shipped encoder:
    its defaults are the configuration the shipped report records."""
    from dataclasses import asdict

    from xworld.pretrain import PretrainConfig

    report = json.loads((ASSETS / "pretrain_report.json").read_text())
    defaults = json.loads(json.dumps(asdict(PretrainConfig())))  # tuples as lists, as saved
    assert report["config"] == defaults
