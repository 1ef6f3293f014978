"""The tagging format: label resolution, first-subword alignment, splitting of long
sentences and stitching them back, decoding, seqeval scoring, and that a tiny model can
learn a toy tagging task through the real training loop (misalignment would stop it)."""

from __future__ import annotations

import random
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch
from seqeval.metrics import f1_score

from harness.config import TrainArgs
from harness.errors import XHarnessError
from harness.formats import get_format
from harness.formats.tagging import IGNORE, Tagging, split_words
from harness.specs import Stage, TaskSpec
from harness.xtreme.writer import write_predictions

NER = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
FMT = Tagging()


def _spec(labels: list[str] = NER, **options: object) -> TaskSpec:
    return TaskSpec.model_validate({
        "name": "toy_ner", "role": "target", "family": "ner", "format": "tagging",
        "languages": ["en"], "labels": labels, "metric": "seqeval", "options": options,
        "sources": {"embedded": {"builder": "xworld.builders.xnli:embedded", "languages": ["en"]}},
    })


def _canonical(tokens: list[list[str]], tags: list[list[str]], spec: TaskSpec | None = None
               ) -> datasets.Dataset:
    raw = datasets.Dataset.from_dict({"tokens": tokens, "tags": tags})
    ds, report = FMT.canonicalize(raw, spec or _spec(), {}, strict=True, where="test")
    assert report.rows_out == len(tokens)
    return ds


def _names(tags: list[int]) -> list[str]:
    return [NER[t] for t in tags]


def _stitched_labels(features: datasets.Dataset, n_words: list[int]) -> list[list[int]]:
    """Per example, the label each word received on its first subword; -1 where none."""
    out = [[-1] * n for n in n_words]
    for feat in features:
        for w, label in zip(feat["word_index"], feat["labels"], strict=True):
            if label != IGNORE:
                assert out[feat["example_id"]][w] == -1, "a word was labelled twice"
                out[feat["example_id"]][w] = label
    return out


def _oracle_logits(features: datasets.Dataset, n_labels: int, pad_to: int) -> list[np.ndarray]:
    """Logits that pick the gold label on labelled subwords and label 1 everywhere else,
    padded to `pad_to` like a batch, so decode must read exactly the first subwords."""
    logits = []
    for labels in features["labels"]:
        x = np.zeros((pad_to, n_labels), dtype=np.float32)
        x[:, 1] = 5.0
        for j, label in enumerate(labels):
            if label != IGNORE:
                x[j, label] = 10.0
        logits.append(x)
    return logits


def test_registered_under_its_name() -> None:
    assert isinstance(get_format("tagging"), Tagging)


def test_classlabel_ints_map_by_name_not_position() -> None:
    source = ["I-PER", "B-LOC", "O", "B-PER", "I-LOC"]  # another order than NER
    features = datasets.Features({
        "words": datasets.Sequence(datasets.Value("string")),
        "ner": datasets.Sequence(datasets.ClassLabel(names=source)),
    })
    raw = datasets.Dataset.from_dict(
        {"words": [["Ann", "Lee", "in", "Rome"]], "ner": [[3, 0, 2, 1]]}, features=features
    )
    ds, _ = FMT.canonicalize(raw, _spec(), {"tokens": "words", "tags": "ner"}, True, "test")
    assert _names(ds[0]["tags"]) == ["B-PER", "I-PER", "O", "B-LOC"]


def test_label_map_and_names_resolve() -> None:
    spec = _spec(label_map={"7": "B-LOC", "9": "O"})
    ds = _canonical([["in", "Rome"]], [[9, 7]], spec)  # ints without ClassLabel names
    assert _names(ds[0]["tags"]) == ["O", "B-LOC"]
    assert _names(_canonical([["Rome"]], [["B-LOC"]])[0]["tags"]) == ["B-LOC"]


def test_bad_rows_are_counted_or_raise_under_strict() -> None:
    raw = datasets.Dataset.from_dict({
        "tokens": [["Ann", "sings"], ["too", "few"], ["odd"], [], ["Rome"]],
        "tags": [["B-PER", "O"], ["O"], ["B-MISC"], [], ["B-LOC"]],
    })
    ds, report = FMT.canonicalize(raw, _spec(), {}, strict=False, where="test")
    assert ds["tokens"] == [["Ann", "sings"], ["Rome"]]
    assert report.as_dict() == {"rows_in": 5, "rows_out": 2, "dropped": {
        "tag count differs from token count": 1, "tag outside the label set": 1,
        "empty sentence": 1,
    }}
    with pytest.raises(XHarnessError, match=r"3 bad row.*row 2: .*row 3: .*row 4: "):
        FMT.canonicalize(raw, _spec(), {}, strict=True, where="test")


def test_first_subword_gets_the_label(embedded_tokenizer) -> None:
    tokens = ["Ann", "extraordinarily", "sings", "in", "Rome"]
    tags = ["B-PER", "I-PER", "O", "O", "B-LOC"]
    ds = _canonical([tokens], [tags])
    feats = FMT.featurize(ds, embedded_tokenizer, _spec(), TrainArgs(max_length=64))
    assert len(feats) == 1
    word_ids = embedded_tokenizer(tokens, is_split_into_words=True).word_ids()
    assert word_ids.count(1) > 1, "the test needs a word that splits into several subwords"
    expected, previous = [], None
    for w in word_ids:
        expected.append(IGNORE if w is None or w == previous else NER.index(tags[w]))
        previous = w
    feat = feats[0]
    assert feat["labels"] == expected
    assert feat["word_index"] == [-1 if w is None else w for w in word_ids]
    assert feat["input_ids"] == embedded_tokenizer(tokens, is_split_into_words=True)["input_ids"]
    assert (feat["length"], feat["example_id"], feat["first_word"]) == (len(word_ids), 0, 0)


def test_words_that_tokenise_to_nothing_keep_their_prediction(embedded_tokenizer) -> None:
    tokens = ["Ann", "\xa0", "", "Rome"]
    tags = ["B-PER", "O", "O", "B-LOC"]
    assert embedded_tokenizer(tokens, is_split_into_words=True).word_ids().count(1) == 0
    ds = _canonical([tokens], [tags])
    feats = FMT.featurize(ds, embedded_tokenizer, _spec(), TrainArgs(max_length=64))
    assert _stitched_labels(feats, [4]) == [[NER.index(t) for t in tags]]
    preds = FMT.decode(_oracle_logits(feats, len(NER), 20), feats, ds, _spec(), TrainArgs())
    assert preds == [tags]


def test_split_words_never_exceeds_the_budget() -> None:
    assert split_words([1, 2, 3, 1, 1], 4) == [(0, 2), (2, 4), (4, 5)]
    assert split_words([9, 1], 4) == [(0, 1), (1, 2)]  # an overlong word stands alone
    assert split_words([0, 0, 1], 2) == [(0, 2), (2, 3)]  # empty words count as <unk>


def test_long_sentences_are_split_and_stitched_back(embedded_tokenizer) -> None:
    rng = random.Random(0)
    words = ["Ann", "sings", "in", "Rome", "extraordinarily", "a", "tomorrow", "Lee"]
    sentences = [["a", "in"]] + [[rng.choice(words) for _ in range(n)] for n in (17, 25)]
    tags = [[rng.choice(NER) for _ in s] for s in sentences]
    assert "extraordinarily" in sentences[1]  # 10 subwords: longer than a whole feature
    ds = _canonical(sentences, tags)
    args = TrainArgs(max_length=8)
    feats = FMT.featurize(ds, embedded_tokenizer, _spec(), args)

    counts = [0, 0, 0]
    for feat in feats:
        counts[feat["example_id"]] += 1
        assert len(feat["input_ids"]) <= args.max_length
        assert feat["input_ids"][0] == embedded_tokenizer.cls_token_id
        assert feat["input_ids"][-1] == embedded_tokenizer.sep_token_id
        assert feat["first_word"] == min(w for w in feat["word_index"] if w >= 0)
    assert counts[0] == 1 and counts[1] > 2 and counts[2] > 2
    gold = [[NER.index(t) for t in s] for s in tags]
    assert _stitched_labels(feats, [len(s) for s in sentences]) == gold

    preds = FMT.decode(_oracle_logits(feats, len(NER), 12), feats, ds, _spec(), args)
    assert preds == tags


def test_decode_reads_hand_made_logits(embedded_tokenizer) -> None:
    ds = _canonical([["Ann", "extraordinarily", "sings"]], [["O", "O", "O"]])
    feats = FMT.featurize(ds, embedded_tokenizer, _spec(), TrainArgs(max_length=64))
    word_index = feats[0]["word_index"]
    logits = np.zeros((len(word_index) + 3, len(NER)), dtype=np.float32)  # batch padding
    wanted = {0: "B-PER", 1: "I-PER", 2: "B-LOC"}
    seen = set()
    for j, w in enumerate(word_index):
        if w >= 0 and w not in seen:
            logits[j, NER.index(wanted[w])] = 1.0
            seen.add(w)
        elif w >= 0:
            logits[j, NER.index("I-LOC")] = 9.0  # later subwords must be ignored
    assert FMT.decode([logits], feats, ds, _spec(), TrainArgs()) == [["B-PER", "I-PER", "B-LOC"]]


def test_collate_pads_ids_and_labels() -> None:
    rows = {"input_ids": [[0, 5, 6, 2], [0, 7, 2]], "labels": [[IGNORE, 1, 2, IGNORE],
                                                              [IGNORE, 3, IGNORE]]}
    batch = FMT.collate(rows, pad_id=1)
    assert batch["input_ids"].tolist() == [[0, 5, 6, 2], [0, 7, 2, 1]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
    assert batch["labels"].tolist() == [[IGNORE, 1, 2, IGNORE], [IGNORE, 3, IGNORE, IGNORE]]


def test_head_scores_every_token_and_loss_ignores_unlabelled() -> None:
    torch.manual_seed(0)
    head = FMT.build_head(16, _spec(), 0.1, TrainArgs()).eval()
    batch = FMT.collate({"input_ids": [[0, 5, 6, 2], [0, 7, 2]],
                         "labels": [[IGNORE, 1, 2, IGNORE], [IGNORE, 3, IGNORE]]}, pad_id=1)
    logits = head(torch.randn(2, 4, 16), batch)
    assert logits.shape == (2, 4, len(NER))
    picked = torch.stack([logits[0, 1], logits[0, 2], logits[1, 1]])
    expected = torch.nn.functional.cross_entropy(picked, torch.tensor([1, 2, 3]))
    assert torch.allclose(FMT.loss(logits, batch), expected)


def test_score_is_seqeval_span_f1() -> None:
    gold = [["I-PER", "I-PER", "O", "B-LOC"], ["B-PER", "O"]]  # a span may start with I-
    pred = [["B-PER", "I-PER", "O", "O"], ["B-PER", "B-LOC"]]
    # gold spans: PER(0-1), LOC(3), PER(0); predicted: PER(0-1), PER(0), LOC(1); 2 correct
    ds = _canonical([["w"] * 4, ["w"] * 2], gold)
    scores = FMT.score(pred, ds, _spec(), "en")
    assert scores["precision"] == pytest.approx(200 / 3)
    assert scores["recall"] == pytest.approx(200 / 3)
    assert scores["f1"] == pytest.approx(200 / 3)
    assert scores["f1"] == pytest.approx(100 * f1_score(gold, pred))


def test_submission_rows_feed_the_xtreme_writer(tmp_path: Path) -> None:
    rows = FMT.submission_rows([["B-PER", "O"], ["B-LOC"]], _spec())
    path = write_predictions("panx", "en", rows, tmp_path)
    assert path.read_text(encoding="utf-8") == "B-PER\nO\n\nB-LOC\n\n"


# -- learnability ---------------------------------------------------------------------

FIRST = ["alvoren", "bastimo", "corvella", "dunesk"]
LAST = ["ostrava", "pelmutin", "quarrel", "rintosh"]
PLACES = ["sevrano", "tolmark", "ubrecht", "valdosa"]
FILLER = ["and", "the", "walked", "near", "with", "saw", "quietly", "of"]


def _toy_sentence(rng: random.Random) -> tuple[list[str], list[str]]:
    """Persons (two words), places and filler: each word's tag follows from the word."""
    tokens, tags = [], []
    for _ in range(rng.randint(3, 8)):
        kind = rng.random()
        if kind < 0.25:
            tokens += [rng.choice(FIRST), rng.choice(LAST)]
            tags += ["B-PER", "I-PER"]
        elif kind < 0.45:
            tokens.append(rng.choice(PLACES))
            tags.append("B-LOC")
        else:
            tokens.append(rng.choice(FILLER))
            tags.append("O")
    return tokens, tags


def _toy_split(rng: random.Random, n: int) -> datasets.Dataset:
    tokens, tags = zip(*(_toy_sentence(rng) for _ in range(n)), strict=True)
    return _canonical(list(tokens), list(tags))


@pytest.mark.e2e
def test_tiny_model_learns_a_toy_tagging_task(embedded_tokenizer) -> None:
    from transformers import AutoModel, XLMRobertaConfig

    from harness.modeling import MultiTaskModel
    from harness.training import Compute, EvalSet, TrainTask, evaluate, train

    rng = random.Random(0)
    spec = _spec()
    args = TrainArgs(learning_rate=5e-3, batch_size=16, max_steps=60, warmup_ratio=0.0,
                     weight_decay=0.0, max_length=16, eval_batch_size=64)
    train_ex, dev_ex = _toy_split(rng, 240), _toy_split(rng, 60)
    train_feats = FMT.featurize(train_ex, embedded_tokenizer, spec, args)
    dev_feats = FMT.featurize(dev_ex, embedded_tokenizer, spec, args)
    assert len(dev_feats) > len(dev_ex), "some dev sentences should be split"

    torch.manual_seed(0)
    tok = embedded_tokenizer
    config = XLMRobertaConfig(
        vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=args.max_length + tok.pad_token_id + 2,
        pad_token_id=tok.pad_token_id, bos_token_id=tok.cls_token_id,
        eos_token_id=tok.sep_token_id, hidden_dropout_prob=0.0,
    )
    encoder = AutoModel.from_config(config, add_pooling_layer=False)
    model = MultiTaskModel(encoder, {spec.name: FMT.build_head(32, spec, 0.0, args)})
    dev = EvalSet(spec.name, spec, FMT, "en", dev_ex, dev_feats, args)
    cpu = Compute(torch.device("cpu"), False, tok.pad_token_id)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model on a shared CPU: more threads only contend
    try:
        result = train(model, [TrainTask(spec.name, spec, FMT, train_feats, dev)], args,
                       Stage(tasks=[spec.name]), seed=0, compute=cpu)
        preds, scores = evaluate(model, dev, cpu)
    finally:
        torch.set_num_threads(threads)

    assert [len(p) for p in preds] == [len(t) for t in dev_ex["tokens"]]
    constant = max(FMT.score([[tag] * len(t) for t in dev_ex["tokens"]], dev_ex, spec, "en")["f1"]
                   for tag in NER)
    assert result.best_dev == pytest.approx(scores["f1"])
    assert constant < 30.0  # the best constant tag (B-LOC) gets about 25
    assert scores["f1"] > max(80.0, constant + 50.0)
