"""Translation: the embedded world's exact translator, the transformers backend on a tiny random
model, the sqlite cache, and round-trip quality."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from harness.errors import XHarnessError
from harness.translation import cache as cache_module
from harness.translation.base import Translator
from harness.translation.cache import CachedTranslator
from harness.translation.markers import mark, unmark
from harness.translation.quality import round_trip, strip_markers
from xworld.meaning import Clause, Document, NounPhrase
from xworld.translator import WorldTranslator, placeholder
from xworld.world import World

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def world() -> World:
    return World()


@pytest.fixture(scope="module")
def translator(world: World) -> WorldTranslator:
    return WorldTranslator(world)


@pytest.fixture(scope="module")
def clauses(world: World) -> list[Clause]:
    """Statements (some with the location fronted) and questions about every role."""
    rng = world.rng("test-translation", 0)
    sampler = world.sampler(rng)
    out = []
    for _ in range(2000):
        clause = sampler.clause()
        if clause.location is not None and rng.random() < 0.3:
            clause = replace(clause, location_first=True)
        out.append(World.maybe_question(clause, rng, 0.3))
    return out


def english_reading(world: World, c: Clause) -> Clause:
    """What the English text of `c` still says: the meaning minus what the renderer drops.

    Written from the renderer, independently of the parser: unrendered fields take their
    defaults; a questioned phrase is only "who/what/where" (and English subject questions
    are singular); "read" is both present and past after a plural subject.
    """
    lex = world.lexicon
    if c.location is None:
        c = replace(c, preposition="in", location_first=False)
    if c.wh is not None:
        np = c.noun_phrase(c.wh)
        assert np is not None
        person = (lex.name[np.head].kind == "PER") if np.name else (
            lex.noun[np.head].cls == "person")
        stand_in = placeholder(lex, "where" if c.wh == "loc" else ("who" if person else "what"),
                               c)
        c = replace(c, location_first=False)
        if c.wh == "subj":
            return replace(c, subject=stand_in)
        if c.wh == "obj":
            return replace(c, obj=stand_in)
        return replace(c, location=stand_in, preposition="in")
    if (c.verb is not None and not c.negated and c.subject.plural
            and lex.verb[c.verb].past == c.verb):
        return replace(c, past=False)
    return c


def _meaning_kept(world: World, c: Clause) -> bool:
    """Whether the English text determines every other language's rendering of `c`: all but
    the two documented losses (plural subjects of copular subject questions, "read")."""
    if c.wh == "subj":
        return not (c.copular and c.subject.plural)
    return c.wh is not None or english_reading(world, c).past == c.past


# ---- the exact translator ---------------------------------------------------------------
def test_parse_recovers_every_sampled_english_sentence(world: World, translator: WorldTranslator,
                                                       clauses: list[Clause]) -> None:
    statements = 0
    for c in clauses:
        text = world.render(c, "en").text
        reading = english_reading(world, c)
        assert world.render(reading, "en").text == text  # the oracle keeps the English text
        assert translator.parse(text) == reading, text
        if c.wh is None and _meaning_kept(world, c):
            statements += 1
            if c.location is not None:
                assert reading == c  # statements come back whole, nothing invented
    assert statements > 1200


def test_translation_equals_the_rendering_in_every_language(
        world: World, translator: WorldTranslator, clauses: list[Clause]) -> None:
    texts = [world.render(c, "en").text for c in clauses]
    kept = [_meaning_kept(world, c) for c in clauses]
    assert sum(kept) / len(kept) > 0.97
    for lang in world.languages:
        out = translator.translate(texts, "en", lang)
        for c, text, ok, got in zip(clauses, texts, kept, out, strict=True):
            assert got == world.render(english_reading(world, c), lang).text, (lang, text)
            if ok:
                assert got == world.render(c, lang).text, (lang, text)


def test_en_to_en_reproduces_the_input(world: World, translator: WorldTranslator,
                                       clauses: list[Clause]) -> None:
    texts = [world.render(c, "en").text for c in clauses[:300]]
    assert translator.translate(texts, "en", "en") == texts
    marked = []
    for c in clauses[:300]:
        r = world.render(c, "en")
        spans = [s for role in ("subj", "obj", "loc") if (s := r.char_span(role))]
        marked.append(mark(r.text, spans[:1]) if spans else r.text)
    assert translator.translate(marked, "en", "en") == marked


def test_every_language_parses_back_into_itself_and_english(
        world: World, translator: WorldTranslator, clauses: list[Clause]) -> None:
    for lang in world.languages[1:]:
        texts = [world.render(c, lang).text for c in clauses[:250]]
        assert translator.translate(texts, lang, lang) == texts, lang
        back = translator.translate(texts, lang, "en")
        for text, got in zip(texts, back, strict=True):
            reading = translator.parse(text, lang)
            assert reading is not None and got == world.render(reading, "en").text


def test_documents_translate_sentence_by_sentence(world: World,
                                                  translator: WorldTranslator) -> None:
    sampler = world.sampler(world.rng("test-translation-docs", 0))
    for _ in range(100):
        doc = sampler.document(3)
        text = world.render_document(doc, "en").text
        readings = Document(tuple(english_reading(world, c) for c in doc.clauses))
        assert translator.parse_document(text) == readings
        for lang in ("de", "sw"):
            want = world.render_document(readings, lang).text
            assert translator.translate([text], "en", lang) == [want]


def test_marker_projection_lands_on_the_translated_noun_phrase(
        world: World, translator: WorldTranslator, clauses: list[Clause]) -> None:
    checked = 0
    for c in clauses[:400]:
        if c.wh is not None:
            continue
        en = world.render(c, "en")
        reading = english_reading(world, c)
        for role in ("subj", "obj", "loc"):
            span = en.char_span(role)
            if span is None:
                continue
            marked = mark(en.text, [span])
            for lang in world.languages:
                out = unmark(translator.translate([marked], "en", lang)[0], 1)
                target = world.render(reading, lang)
                assert out == (target.text, [target.char_span(role)]), (lang, marked)
                checked += 1
    assert checked > 2500  # 2982 role spans in these 400 clauses (world of 2026-12-02)


def test_names_keep_their_markers_and_greek_articles(world: World,
                                                     translator: WorldTranslator) -> None:
    clause = Clause(NounPhrase("Anna Berg", name=True, det=""), "visit",
                    obj=NounPhrase("Blue River Bank", name=True, det=""),
                    location=NounPhrase("Port Avel", name=True, det=""))
    en = world.render(clause, "en")
    assert en.text == "Anna Berg visits Blue River Bank in Port Avel ."
    marked = "⟦0⟧ Anna ⟦1⟧ Berg ⟦/1⟧ ⟦/0⟧ visits Blue River Bank in Port Avel ."  # nested
    el = translator.translate([marked], "en", "el")[0]
    assert el.startswith("⟦0⟧ ο Αννα ⟦1⟧ Βεργ ⟦/1⟧ ⟦/0⟧ ")  # article inside, surname alone
    assert translator.translate([el], "el", "en") == [marked]


def test_markers_cross_sentences_and_drop_when_nothing_translates(
        world: World, translator: WorldTranslator) -> None:
    doc = world.sampler(world.rng("test-translation-qa", 1)).document(3)
    en = world.render_document(doc, "en")
    answer = en.char_span(2, "subj")
    assert answer is not None
    for lang in world.languages:
        out = unmark(translator.translate([mark(en.text, [answer])], "en", lang)[0], 1)
        target = world.render_document(doc, lang)
        assert out == (target.text, [target.char_span(2, "subj")])
    article = mark("the dog sleeps .", [(0, 3)])  # ru has no article to carry the marker
    assert translator.translate([article], "en", "ru")[0] == world.render(
        Clause(NounPhrase("dog"), "sleep"), "ru").text


@pytest.mark.parametrize("text", [
    "", "hello world .", "the dog sleeps", "the dog sleeps . the cat", "dog the sleeps .",
    "the dogs sleeps .", "the dog eats a apple .", "the dog sleep .", "what the dog sleeps ?",
    "the ⟦0⟧ dog sleeps .", "the ⟦0⟧ ⟦/0⟧ dog sleeps .", "the dog sleeps . cat the sleeps .",
])
def test_unparsable_texts_translate_to_empty(translator: WorldTranslator, text: str) -> None:
    out = translator.translate([text, "the dog sleeps ."], "en", "de")
    assert out[0] == "" and out[1] != ""


@pytest.mark.parametrize("lang", ["de", "ru", "el", "sw"])
def test_noun_phrases_translate_in_citation_form_and_back(translator: WorldTranslator,
                                                          lang: str) -> None:
    """Multiple-choice answers are bare noun phrases; a bare singular reads as definite."""
    phrases = ["dog", "a small doctor", "soldiers", "the clean vehicle"]
    there = translator.translate(phrases, "en", lang)
    assert all(there) and len(set(there)) == len(phrases)
    back = translator.translate(there, lang, "en")
    if lang in ("ru", "sw"):  # no articles: read as "the", as in sentences
        assert back == ["the dog", "the small doctor", "the soldiers", "the clean vehicle"]
    else:
        assert back == ["the dog", "a small doctor", "soldiers", "the clean vehicle"]


def test_unknown_languages_are_errors(translator: WorldTranslator) -> None:
    assert isinstance(translator, Translator) and translator.name == "world"
    with pytest.raises(XHarnessError, match="no language 'fr'"):
        translator.translate(["the dog sleeps ."], "en", "fr")


# ---- the transformers backend -----------------------------------------------------------
LANG_TOKENS = ["eng_Latn", "deu_Latn", "spa_Latn"]


@pytest.fixture(scope="module")
def tiny_models(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A random 1-layer Marian model with a BPE tokenizer trained on world text, saved under
    a plain name and an NLLB-looking one (its tokenizer has FLORES language tokens)."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    from xworld.tokenizer import train_tokenizer, wrap

    texts = [s.text for lang in ("en", "de") for s in world.corpus(lang, 100)]
    tokenizer = wrap(train_tokenizer(texts, vocab_size=300))
    tokenizer.add_tokens(LANG_TOKENS, special_tokens=True)
    config = MarianConfig(
        vocab_size=len(tokenizer), d_model=16, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
        decoder_ffn_dim=32, max_position_embeddings=64, init_std=0.5, scale_embedding=True,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id, decoder_start_token_id=tokenizer.pad_token_id,
        forced_eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    model = MarianMTModel(config)  # large init: random outputs that differ per input
    root = tmp_path_factory.mktemp("hf")
    out = {}
    for name in ("tiny-seq2seq", "nllb-200-tiny"):
        model.save_pretrained(root / name)
        tokenizer.save_pretrained(root / name)
        out[name] = root / name
    return out


@pytest.fixture
def one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.usefixtures("one_thread")
def test_hf_batches_by_length_restore_order_and_repeat_exactly(world: World,
                                                               tiny_models) -> None:
    from harness.translation.hf import HFTranslator

    sampler = world.sampler(world.rng("test-translation-hf", 0))
    texts = [world.render(sampler.clause(), "en").text for _ in range(7)] + [""]
    hf = HFTranslator(str(tiny_models["tiny-seq2seq"]), batch_size=3, num_beams=2,
                      max_new_tokens=6, device="cpu")
    assert hf.name == f"hf:{tiny_models['tiny-seq2seq']}" and isinstance(hf, Translator)
    out = hf.translate(texts, "en", "de")
    assert out[-1] == "" and len(set(out[:-1])) > 3  # inputs matter; empty stays empty
    one_by_one = HFTranslator(hf.model, batch_size=1, num_beams=2, max_new_tokens=6,
                              device="cpu")
    assert [one_by_one.translate([t], "en", "de")[0] for t in texts] == out
    assert hf.translate(texts, "en", "de") == out
    assert hf.translate(list(reversed(texts)), "en", "de") == list(reversed(out))


@pytest.mark.usefixtures("one_thread")
def test_hf_loads_the_model_once_and_forces_the_nllb_language(
        tiny_models, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.translation import hf as hf_module

    loads: list[str] = []
    real = hf_module.AutoModelForSeq2SeqLM.from_pretrained

    def counting(path, **kwargs):
        loads.append(str(path))
        assert kwargs.get("trust_remote_code") is False
        return real(path, **kwargs)

    monkeypatch.setattr(hf_module.AutoModelForSeq2SeqLM, "from_pretrained", counting)
    nllb = hf_module.HFTranslator(str(tiny_models["nllb-200-tiny"]), num_beams=1,
                                  max_new_tokens=4, device="cpu")
    tokenizer, model, _ = nllb.load()
    calls: list[dict] = []
    generate = model.generate

    def spy(**kwargs):
        calls.append(kwargs)
        return generate(**kwargs)

    monkeypatch.setattr(model, "generate", spy)
    first = nllb.translate(["the dog sleeps .", "a cat runs ."], "en", "de")
    assert nllb.translate(["the dog sleeps ."], "en", "de") == first[:1]
    assert loads == [str(tiny_models["nllb-200-tiny"])]
    deu = tokenizer.convert_tokens_to_ids("deu_Latn")
    assert {c["forced_bos_token_id"] for c in calls} == {deu}
    assert tokenizer.src_lang == "eng_Latn"
    with pytest.raises(XHarnessError, match="no language token 'swh_Latn'"):
        nllb.translate(["the dog sleeps ."], "en", "sw")
    with pytest.raises(XHarnessError, match="no FLORES-200 code for language 'xx'"):
        nllb.translate(["the dog sleeps ."], "en", "xx")


def test_hf_language_conventions_of_m2m100_and_marian() -> None:
    from harness.translation.hf import FLORES_CODES, language_setup, model_family

    assert len(FLORES_CODES) == 40 and FLORES_CODES["ms"] == "zsm_Latn"

    @dataclass
    class M2M:  # the M2M100Tokenizer surface the backend uses
        lang_code_to_token: dict[str, str] = field(
            default_factory=lambda: {c: f"__{c}__" for c in ("en", "de", "sw")})
        src_lang: str = "en"

        def get_lang_id(self, lang: str) -> int:
            return 1000 + sorted(self.lang_code_to_token).index(lang)

    m2m = M2M()
    assert model_family("facebook/m2m100_418M", m2m) == "m2m100"
    setup = language_setup("facebook/m2m100_418M", m2m, "de", "sw")
    assert m2m.src_lang == "de" and setup.generate_kwargs == {"forced_bos_token_id": 1002}
    with pytest.raises(XHarnessError, match="M2M100 does not know language 'yo'"):
        language_setup("facebook/m2m100_418M", m2m, "en", "yo")

    @dataclass
    class Multi:  # a multi-target MarianTokenizer
        supported_language_codes: list[str] = field(
            default_factory=lambda: [">>deu<<", ">>fra<<", ">>es<<"])

    mul = "Helsinki-NLP/opus-mt-en-mul"
    assert language_setup(mul, Multi(), "en", "de").prefix == ">>deu<< "
    assert language_setup(mul, Multi(), "en", "es").prefix == ">>es<< "
    with pytest.raises(XHarnessError, match="no target code for 'sw'"):
        language_setup(mul, Multi(), "en", "sw")

    @dataclass
    class Pair:
        supported_language_codes: list[str] = field(default_factory=list)

    assert language_setup("Helsinki-NLP/opus-mt-en-de", Pair(), "en", "de").prefix == ""
    with pytest.raises(XHarnessError, match="translates en->de, not en->sw"):
        language_setup("Helsinki-NLP/opus-mt-en-de", Pair(), "en", "sw")


# ---- the cache --------------------------------------------------------------------------
@dataclass
class Shouting:
    """A deterministic fake translator that records what it was asked."""

    name: str = "shout"
    calls: list[list[str]] = field(default_factory=list)

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        self.calls.append(list(texts))
        return [f"{t.upper()} ({src}>{tgt})" for t in texts]


def test_cache_computes_each_translation_once_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "mt.sqlite"
    first_inner = Shouting()
    first = CachedTranslator(first_inner, path)
    assert first.name == "shout" and isinstance(first, Translator)
    assert first.translate(["a", "b", "a"], "en", "de") == ["A (en>de)", "B (en>de)", "A (en>de)"]
    assert first_inner.calls == [["a", "b"]] and (first.hits, first.misses) == (0, 2)

    second_inner = Shouting()
    second = CachedTranslator(second_inner, path)  # a later run: same file, new instance
    assert second.translate(["b", "c", "a"], "en", "de") == ["B (en>de)", "C (en>de)",
                                                             "A (en>de)"]
    assert second_inner.calls == [["c"]] and (second.hits, second.misses) == (2, 1)
    assert second.translate(["a"], "en", "es") == ["A (en>es)"]  # the pair is in the key
    other = CachedTranslator(Shouting(name="other"), path)  # so is the translator
    other.translate(["a"], "en", "de")
    assert other.misses == 1 and len(other) == 5
    assert second.translate([], "en", "de") == []
    changed = CachedTranslator(Shouting(), path, version="v2")  # same name, other code
    changed.translate(["a", "b"], "en", "de")
    assert changed.misses == 2 and len(changed) == 7
    again = CachedTranslator(Shouting(), path, version="v2")
    again.translate(["a"], "en", "de")
    assert again.hits == 1


#: a process that reads and fills a cache through a reversing translator
_ECHO_PROCESS = """
import sys, time
from pathlib import Path
from harness.translation.cache import CachedTranslator

class Echo:
    name = "echo"
    def translate(self, texts, src, tgt):
        return [t[::-1] for t in texts]
"""


def test_cache_is_shared_safely_by_two_processes(tmp_path: Path) -> None:
    path = tmp_path / "mt.sqlite"
    script = _ECHO_PROCESS + textwrap.dedent(f"""
        cache = CachedTranslator(Echo(), {str(path)!r})
        offset = int(sys.argv[1])
        for start in range(0, 300, 20):
            texts = [f"text {{i}}" for i in range(offset + start, offset + start + 20)]
            assert cache.translate(texts, "en", "de") == [t[::-1] for t in texts]
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(offset)], cwd=ROOT)
             for offset in (0, 150)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    cache = CachedTranslator(Shouting(name="echo"), path)
    texts = [f"text {i}" for i in range(450)]
    assert cache.translate(texts, "en", "de") == [t[::-1] for t in texts]
    assert cache.misses == 0 and len(cache) == 450


def test_processes_opening_fresh_caches_at_one_moment_all_succeed(tmp_path: Path) -> None:
    """Two processes switching one fresh file to WAL at once: sqlite refuses one of them
    without waiting (a CI run failed so). Four processes open fifteen fresh files, each at
    an agreed moment; before the retry about one open in fifteen failed on 2 cores."""
    script = _ECHO_PROCESS + textwrap.dedent(f"""
        start = float(sys.argv[1])
        for i in range(15):
            time.sleep(max(0.0, start + 0.2 * i - time.time()))
            cache = CachedTranslator(Echo(), Path({str(tmp_path)!r}) / f"mt{{i}}.sqlite")
            assert cache.translate([f"text {{i}}"], "en", "de") == [f"text {{i}}"[::-1]]
    """)
    start = str(time.time() + 3.0)  # after every process has imported
    procs = [subprocess.Popen([sys.executable, "-c", script, start], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, "\n".join(errors)
    for i in range(15):
        assert len(CachedTranslator(Shouting(name="echo"), tmp_path / f"mt{i}.sqlite")) == 1


def test_a_cache_held_by_another_process_past_the_deadline_is_a_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mt.sqlite"
    monkeypatch.setattr(cache_module, "_TIMEOUT_S", 0.3)
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of creating it
        with pytest.raises(XHarnessError) as raised:
            CachedTranslator(Shouting(), path)
        holder.execute("ROLLBACK")
    message = str(raised.value)
    assert str(path) in message and "could not be opened in 0.3 s" in message
    assert "delete the file" in message
    assert len(CachedTranslator(Shouting(), path)) == 0  # free again: it opens


# ---- round-trip quality -----------------------------------------------------------------
@dataclass
class DropEveryThirdWord:
    """A lossy translator: what it drops cannot come back."""

    name: str = "lossy"

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        return [" ".join(w for i, w in enumerate(t.split()) if i % 3 != 1) for t in texts]


def test_round_trip_is_perfect_for_the_exact_translator_only(
        world: World, translator: WorldTranslator, clauses: list[Clause]) -> None:
    sources = []
    for c in clauses[:200]:
        r = world.render(c, "en")
        span = r.char_span("obj") or r.char_span("subj")
        sources.append(mark(r.text, [span]) if span else r.text)
    exact = round_trip(translator, sources, "en", "es")
    assert exact.translations == translator.translate(sources, "en", "es")
    assert exact.back_translations == sources  # markers included
    assert exact.chrf == [100.0] * len(sources) and exact.untranslated == 0
    assert exact.corpus_chrf == pytest.approx(100.0) and exact.corpus_bleu == pytest.approx(100.0)

    lossy = round_trip(DropEveryThirdWord(), sources, "en", "es")
    assert len(lossy.chrf) == len(sources) and max(lossy.chrf) < 100.0
    assert 0 < lossy.corpus_chrf < 90 and 0 < lossy.corpus_bleu < 60

    no_articles = round_trip(translator, sources, "en", "ru")  # ru does not mark "a"/"the"
    assert 90 < no_articles.corpus_chrf < 100.0 and min(no_articles.chrf) < 100.0


def test_strip_markers() -> None:
    assert strip_markers("⟦0⟧ the dog ⟦/0⟧ eats ⟦1⟧ the apple ⟦/1⟧ .") == "the dog eats the apple ."


def test_a_translators_code_is_in_the_keys_of_what_it_makes(tmp_path, monkeypatch) -> None:
    """Editing a plugin translator's module retrains the translate-train units it fed (the
    name and options alone would reuse them) and finds none of its cached translations."""
    import yaml

    from harness import refs
    from harness.catalog import build_catalog
    from harness.code_digest import code_digest
    from harness.pipeline import plan_grid, stage_keys
    from harness.session import Session

    (tmp_path / "toy_mt.py").write_text("class Toy:\n    name = 'toy'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(refs, "_ALLOWED", {*refs._ALLOWED, "toy_mt"})
    registry = yaml.safe_load((ROOT / "registry.yaml").read_text())
    registry["translators"]["toy"] = {"description": "d", "factory": "toy_mt:Toy"}
    registry["profiles"]["embedded"]["translator"] = "toy"
    (tmp_path / "registry.yaml").write_text(yaml.safe_dump(registry, sort_keys=False))
    catalog = build_catalog(tmp_path / "registry.yaml")

    def keys() -> tuple[list[str], str]:
        code_digest.cache_clear()  # a new process reads the code anew
        session = Session.create(catalog, "embedded", tmp_path / "runs", device="cpu",
                                 dry_run=True, strategies=["translate-train"])
        job = plan_grid(session, ["xnli"], [0])[0]
        assert any(stage.translator == "toy" for stage in job.stages)
        return stage_keys(session, job.stages, 0), session.translator("toy")._key

    before, cache_before = keys()
    (tmp_path / "toy_mt.py").write_text("class Toy:\n    name = 'toy'  # v2\n")
    after, cache_after = keys()
    assert before != after and cache_before != cache_after
