"""Translate-train data: labels and spans survive translation (marker projection),
unrecoverable examples are dropped and counted, and the chrF filter drops poor ones."""

from __future__ import annotations

import pytest

from harness.catalog import build_catalog
from harness.data.store import DataStore
from harness.formats import get_format
from xworld.translator import WorldTranslator


@pytest.fixture(scope="module")
def catalog():
    return build_catalog()


@pytest.fixture(scope="module")
def store(catalog, embedded_tokenizer) -> DataStore:
    return DataStore(catalog.profile("embedded"), embedded_tokenizer)


def _translate(store: DataStore, catalog, task: str, split: str, lang: str):
    spec = catalog.task(task)
    source = store.examples(spec, split, "en").examples
    tr = WorldTranslator()
    return source, get_format(spec.format).translate(
        source, lambda texts: tr.translate(texts, "en", lang), lang, spec)


def test_nli_pairs_translate_exactly_with_their_labels(store, catalog) -> None:
    source, (ds, origin, dropped) = _translate(store, catalog, "mnli", "train", "de")
    reference = store.examples(catalog.task("xnli_mt"), "train", "de").examples
    n = min(len(reference), 200)
    assert not dropped and origin[:n] == list(range(n))
    assert ds["text"][:n] == reference["text"][:n]
    assert ds["text_pair"][:n] == reference["text_pair"][:n]
    assert ds["label"][:n] == source["label"][:n]


def test_qa_answers_are_projected_onto_the_translation(store, catalog) -> None:
    _, (ds, _, _) = _translate(store, catalog, "squad", "train", "es")
    reference = store.examples(catalog.task("squad_mt"), "train", "es").examples
    n = min(len(reference), 200)
    assert [a["text"] for a in ds["answers"][:n]] == [a["text"] for a in
                                                      reference["answers"][:n]]
    # English drops tense in a few verbs ("read"), so a few contexts differ in one verb
    same = sum(a == b for a, b in zip(ds["context"][:n], reference["context"][:n],
                                      strict=True))
    assert same >= 0.95 * n
    for context, answers in zip(ds["context"], ds["answers"], strict=True):
        start, text = answers["answer_start"][0], answers["text"][0]
        assert context[start : start + len(text)] == text


def test_entity_tags_are_projected_and_dense_tags_refused(store, catalog) -> None:
    _, (ds, origin, dropped) = _translate(store, catalog, "panx", "test", "ru")
    reference = store.examples(catalog.task("panx"), "test", "ru").examples
    assert sum(dropped.values()) == 0
    assert ds["tags"] == [reference["tags"][i] for i in origin]
    same = sum(a == reference["tokens"][i] for a, i in zip(ds["tokens"], origin, strict=True))
    assert same >= 0.95 * len(ds)  # a few verbs lose their tense in English ("read")
    from harness.errors import XHarnessError

    with pytest.raises(XHarnessError, match="dense tags"):
        _translate(store, catalog, "udpos", "test", "ru")


class Lossy:
    """Drops the last word of every third text: its round trip loses content."""

    name = "lossy-world"

    def __init__(self) -> None:
        self.inner = WorldTranslator()
        self.calls = 0

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        out = self.inner.translate(texts, src, tgt)
        return [" ".join(t.split()[:-1]) if i % 3 == 0 and src == "en" else t
                for i, t in enumerate(out)]


def test_min_chrf_drops_poor_translations_and_reports_quality(store, catalog) -> None:
    spec = catalog.task("sst2")
    _, exact = store.translated(spec, "es", WorldTranslator(), None, limit=90)
    assert exact["chrf"] == pytest.approx(100.0) and exact["rows_out"] == 90
    lossy_ex, lossy = store.translated(spec, "es", Lossy(), 95.0, limit=90)
    assert lossy["chrf"] < 100.0
    dropped = lossy["dropped"]
    assert dropped.get("round-trip chrF below threshold", 0) + dropped.get(
        "untranslatable text", 0) == 30
    assert lossy["rows_out"] == 60 and len(lossy_ex.examples) == 60


def test_a_task_the_translator_cannot_render_is_untranslatable(store, catalog) -> None:
    """HellaSwag's contexts stop mid-sentence, which the world translator cannot parse:
    every example drops, and the store says so with its own error (the pipeline leaves the
    language out and records why, or refuses under --strict)."""
    from harness.data.store import Untranslatable

    with pytest.raises(Untranslatable, match="no example of hellaswag survived"):
        store.translated(catalog.task("hellaswag"), "de", WorldTranslator(), None, 200)
    _, stats = store.translated(catalog.task("commonsense_qa"), "de", WorldTranslator(),
                                 None, 200)
    # every question and answer translates and reads back exactly: with the verb second, a
    # questioned object ("was Acme modungte ?") and a questioned subject ("was modungte ...")
    # leave different orders (the verb-final order the world had before made them collide)
    assert stats["rows_out"] == 200 and stats["chrf"] == pytest.approx(100.0)
