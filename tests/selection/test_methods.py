"""The built-in selectors on the embedded profile, where the answer is known, and
`xharness select`'s errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from harness.catalog import build_catalog
from harness.cli import main
from harness.selection import features
from harness.selection.methods import embeddings, logme
from harness.selection.run import SelectionRequest, candidates
from harness.session import Session


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return Session.create(build_catalog(), "embedded", tmp_path_factory.mktemp("runs"),
                          device="cpu")


def test_builtin_selectors_register_on_the_hook() -> None:
    catalog = build_catalog()
    assert {"embeddings", "logme", "finetune"} <= set(catalog.selectors)
    assert catalog.selectors["logme"].plugin == "plugins.selectors.builtin"


def test_embeddings_know_the_target_s_own_training_data(session: Session) -> None:
    # XNLI trains on MNLI: MNLI's mean vector is the target's, cosine 1
    request = SelectionRequest(session, session.task("xnli"), ["sst2", "mnli"], sample=16)
    scores = embeddings(request)
    assert scores["mnli"] == pytest.approx(1.0)
    assert scores["sst2"] < 0.999


def test_logme_without_intermediate_models_says_how_to_train_them(session: Session) -> None:
    request = SelectionRequest(session, session.task("xnli"), ["qqp"])
    assert logme(request) == {"qqp": None}
    assert "xharness eval --strategy english-only --intermediate qqp" in request.notes["qqp"]


@pytest.mark.slow  # builds the embedded UD-POS and SQuAD worlds (~20 s on a loaded CPU)
def test_logme_inputs_per_format(session: Session) -> None:
    encoder, pad = features.load(session, session.model_ref)
    (f, y), = features.logme_inputs(session, encoder, pad, session.task("udpos"),
                                    session.task("udpos"), 8, 0)
    # the same 8 sentences: a size limit keeps a seeded sample, not the first rows
    sample = session.store.examples(session.task("udpos"), "train", "en").subset(8)
    words = sum(len(t) for t in sample.examples["tokens"])
    assert f.shape == (words, encoder.config.hidden_size) and len(y) == words
    pairs = features.logme_inputs(session, encoder, pad, session.task("xquad"),
                                  session.task("squad"), 8, 0)
    (f, start), (_, end) = pairs
    _, feats = session.store.features(session.task("squad"), "train", "en",
                                      session.args("target", session.task("xquad")), 8)
    assert start.sum() == end.sum() == len(feats)  # one start and one end per window
    assert f.shape[0] == sum(feats["length"])
    assert np.isfinite(f).all()


def test_candidate_sets_keep_zero_shot() -> None:
    catalog = build_catalog()
    xnli = catalog.task("xnli")
    english = candidates(catalog, xnli, "english", False)
    assert "mnli" in english and all(catalog.task(c).role == "english_intermediate"
                                     for c in english)
    multi = candidates(catalog, xnli, "multilingual", False)
    assert "xnli_mt" not in multi and "mlm_corpus" not in multi and multi


@pytest.mark.parametrize(("args", "message"), [
    (["--method", "nope"], "unknown selector 'nope'"),
    (["--candidates", "pawsx"], "not an intermediate task"),
    (["--candidates", "mnlii"], "unknown task 'mnlii'"),
    (["--candidates", "xnli_mt"], "zero-shot"),
])
def test_bad_input_is_one_paragraph_and_exit_2(tmp_path: Path, args: list[str],
                                               message: str) -> None:
    result = CliRunner().invoke(main, ["select", "--target", "xnli", "--runs-dir",
                                       str(tmp_path), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "selection").exists()


def test_retrieval_targets_rank_by_embeddings_of_their_english_side(
        session: Session) -> None:
    target = session.task("tatoeba")
    request = SelectionRequest(session, target, ["mnli", "squad"], sample=16)
    english = features.english_sentences(session, target, 16)
    ex, feats = session.store.features(target, "test", "de", session.args("target", target))
    sides: dict[str, set[tuple[int, ...]]] = {"source": set(), "target": set()}
    for side, ids in zip(ex.examples["side"], feats["input_ids"], strict=True):
        sides[side].add(tuple(ids))
    picked = {tuple(ids) for ids in english["input_ids"]}
    assert len(english) == 16 and picked <= sides["target"]  # the English side only
    assert not picked & sides["source"]
    scores = embeddings(request)
    assert set(scores) == {"mnli", "squad"} and all(-1 <= v <= 1 for v in scores.values())


def test_logme_and_finetune_refuse_retrieval_targets_by_name(tmp_path: Path) -> None:
    for method, message in (("logme", "LogME has no feature definition"),
                            ("finetune", "has no training data")):
        result = CliRunner().invoke(main, ["select", "--target", "tatoeba", "--method",
                                           method, "--runs-dir", str(tmp_path)])
        assert result.exit_code == 2 and message in result.output, result.output


def test_select_writes_its_result(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["select", "--target", "xnli", "--candidates",
                                       "mnli,qqp", "--method", "logme", "--runs-dir",
                                       str(tmp_path), "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "x.json").read_text())
    saved = tmp_path / "selection" / "embedded" / "xnli.logme.seed0.json"
    assert json.loads(saved.read_text())["candidates"] == ["mnli", "qqp"]
    assert data["scores"] == {} and set(data["notes"]) == {"mnli", "qqp"}
    assert data["cost"]["gpu_hours"] > 0 and data["cost"]["forward_examples"] == 2 * 392702
