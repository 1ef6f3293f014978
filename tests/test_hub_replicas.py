"""The hub code path, offline: every hub task loads a tiny local replica of its repo.

Each replica has the real repo's config names, split names and features (ClassLabel
names and order, string labels, nested answers) as `../shared/reviews/hub-audit.md`
recorded them, laid out as the repo is (a README with `configs:` for converted repos, the
`<config>/<split>/` folders of a parquet export), and is read by `datasets.load_dataset`
through `_load_hub` via `XHARNESS_HUB_MIRROR`: the same code, config and data_files
patterns as the hub. The tables below are the expected schema: a change in it, or in how
a loader reads it, fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datasets
import pytest
from datasets import ClassLabel, Features, Sequence, Value

from harness.catalog import build_catalog
from harness.data.choice import choose
from harness.data.sources import hub_config, load_raw
from harness.data.store import DataStore
from harness.errors import XHarnessError
from harness.specs import HubSource

S = Value("string")
NLI = ClassLabel(names=["entailment", "neutral", "contradiction"])
UPOS = ClassLabel(names=["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
                         "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"])
NER = ClassLabel(names=["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"])
ANSWERS = {"text": Sequence(S), "answer_start": Sequence(Value("int32"))}
N = 6  # rows per split


def _qa(i: int, lang: str, title: bool = True) -> dict[str, Any]:
    context = f"Paris {i} is in France. Lyon {i} too."
    row = {"id": f"q{lang}{i}", "context": context, "question": f"Where is Paris {i}?",
           "answers": {"text": ["France"], "answer_start": [context.index("France")]}}
    return {"title": f"t{i}", **row} if title else row


#: dataset -> (features, row builder(i, lang, config)); as the audit recorded them
SCHEMAS: dict[str, tuple[Features, Any]] = {
    "facebook/xnli": (Features(premise=S, hypothesis=S, label=NLI),
                      lambda i, lang, c: {"premise": f"p{i}", "hypothesis": f"h{i}",
                                          "label": i % 3}),
    "nyu-mll/glue:mnli": (Features(premise=S, hypothesis=S, label=NLI, idx=Value("int32")),
                          lambda i, lang, c: {"premise": f"p{i}", "hypothesis": f"h{i}",
                                              "label": i % 3, "idx": i}),
    "nyu-mll/glue:qqp": (
        Features(question1=S, question2=S,
                 label=ClassLabel(names=["not_duplicate", "duplicate"]), idx=Value("int32")),
        lambda i, lang, c: {"question1": f"a{i}", "question2": f"b{i}", "label": i % 2,
                            "idx": i}),
    "nyu-mll/glue:sst2": (
        Features(sentence=S, label=ClassLabel(names=["negative", "positive"]),
                 idx=Value("int32")),
        lambda i, lang, c: {"sentence": f"s{i}", "label": i % 2, "idx": i}),
    "facebook/anli": (Features(uid=S, premise=S, hypothesis=S, label=NLI, reason=S),
                      lambda i, lang, c: {"uid": f"u{i}", "premise": f"p{i}",
                                          "hypothesis": f"h{i}", "label": i % 3,
                                          "reason": ""}),
    "google/xtreme:PAWS-X": (Features(sentence1=S, sentence2=S, label=S),
                             lambda i, lang, c: {"sentence1": f"a{i}", "sentence2": f"b{i}",
                                                 "label": str(i % 2)}),
    "google/xtreme:udpos": (Features(tokens=Sequence(S), pos_tags=Sequence(UPOS)),
                            lambda i, lang, c: {"tokens": ["a", "b", "."],
                                                "pos_tags": [i % 17, 7, 12]}),
    "google/xtreme:PAN-X": (
        Features(tokens=Sequence(S), ner_tags=Sequence(NER), langs=Sequence(S)),
        lambda i, lang, c: {"tokens": ["Ann", "Lee", "x"], "ner_tags": [1, 2, 0],
                            "langs": [lang] * 3}),
    "google/xtreme:XQuAD": (Features(id=S, context=S, question=S, answers=ANSWERS),
                            lambda i, lang, c: _qa(i, lang, title=False)),
    "google/xtreme:MLQA": (Features(id=S, title=S, context=S, question=S, answers=ANSWERS),
                           lambda i, lang, c: _qa(i, lang)),
    "google/xtreme:tydiqa": (
        Features(id=S, title=S, context=S, question=S, answers=ANSWERS),
        # one config for all languages; rows carry the language in the id prefix
        lambda i, lang, c: {**_qa(i, lang), "id": f"{['english', 'arabic', 'bengali'][i % 3]}"
                                                  f"-{i}"}),
    "google/xtreme:tatoeba": (
        Features(source_sentence=S, target_sentence=S, source_lang=S, target_lang=S),
        lambda i, lang, c: {"source_sentence": f"src {i}\n", "target_sentence": f"tgt {i}\n",
                            "source_lang": c.split(".")[1], "target_lang": "eng"}),
    "rajpurkar/squad": (Features(id=S, title=S, context=S, question=S, answers=ANSWERS),
                        lambda i, lang, c: _qa(i, lang)),
    "facebook/mlqa": (Features(context=S, question=S, answers=ANSWERS, id=S),
                      lambda i, lang, c: _qa(i, lang, title=False)),
    "tau/commonsense_qa": (
        Features(id=S, question=S, question_concept=S,
                 choices={"label": Sequence(S), "text": Sequence(S)}, answerKey=S),
        lambda i, lang, c: {"id": f"c{i}", "question": f"q{i}?", "question_concept": "x",
                            "choices": {"label": list("ABCDE"),
                                        "text": [f"o{k}" for k in range(5)]},
                            "answerKey": "ABCDE"[i % 5]}),
    "allenai/cosmos_qa": (
        Features(id=S, context=S, question=S, answer0=S, answer1=S, answer2=S, answer3=S,
                 label=Value("int32")),
        lambda i, lang, c: {"id": f"m{i}", "context": f"c{i}", "question": f"q{i}",
                            **{f"answer{k}": f"a{k}" for k in range(4)}, "label": i % 4}),
    "Rowan/hellaswag": (
        Features(ind=Value("int32"), activity_label=S, ctx_a=S, ctx_b=S, ctx=S,
                 endings=Sequence(S), source_id=S, split=S, split_type=S, label=S),
        lambda i, lang, c: {"ind": i, "activity_label": "x", "ctx_a": "a", "ctx_b": "b",
                            "ctx": f"ctx {i}", "endings": [f"e{k}" for k in range(4)],
                            "source_id": "s", "split": "train", "split_type": "indomain",
                            "label": str(i % 4)}),
    "tyqiangz/multilingual-sentiments": (
        Features(text=S, source=S, label=ClassLabel(names=["positive", "neutral",
                                                           "negative"])),
        lambda i, lang, c: {"text": f"t{i}", "source": "s", "label": i % 3}),
    "mteb/amazon_massive_intent": (
        Features(id=S, label=S, label_text=S, text=S, lang=S),
        lambda i, lang, c: {"id": str(i), "label": ["alarm_query", "alarm_set"][i % 2],
                            "label_text": ["alarm_query", "alarm_set"][i % 2],
                            "text": f"t{i}", "lang": c}),
    "wikimedia/wikipedia": (Features(id=S, url=S, title=S, text=S),
                            lambda i, lang, c: {"id": str(i), "url": "u", "title": "t",
                                                "text": f"text {i}"}),
}


def _schema(spec: HubSource, config: str | None) -> tuple[Features, Any]:
    family = (config or "").split(".")[0]
    for key in (f"{spec.dataset}:{config}", f"{spec.dataset}:{family}", spec.dataset):
        if key in SCHEMAS:
            return SCHEMAS[key]
    raise AssertionError(f"no replica schema for {spec.dataset} {config}")


def _hub_split(spec: HubSource, split: str) -> str:
    return spec.splits.get(split, split)


def write_replica(root: Path, spec: HubSource, config: str | None, split: str, lang: str,
                  rows: int = N) -> list[dict[str, Any]]:
    """One config/split of a repo, laid out as the repo is; returns the rows written."""
    features, make = _schema(spec, config)
    repo = root / spec.dataset
    written = []
    parts = _hub_split(spec, split).split("+")
    for p, part in enumerate(parts):
        data = [make(i + 100 * p, lang, config) for i in range(rows)]
        written += data
        ds = datasets.Dataset.from_list(data, features=features)
        if spec.data_files:  # a parquet export: <config>/<split>/0000.parquet
            pattern = spec.data_files[split].format(config=config, lang=lang)
            path = repo / pattern.replace("*", "0000")
        else:
            path = repo / (config or "default") / f"{part}-00000-of-00001.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        ds.to_parquet(str(path))
    if not spec.data_files:  # a converted repo: the README's `configs:` select the files
        _add_readme_config(repo, config or "default", parts)
    return written


def _add_readme_config(repo: Path, config: str, splits: list[str]) -> None:
    """Add splits to a config in the README's `configs:` (as converted hub repos have)."""
    configs: dict[str, list[str]] = {}
    readme = repo / "README.md"
    if readme.exists():
        for line in readme.read_text().splitlines():
            if line.startswith("- config_name: "):
                current = configs.setdefault(line.split(": ", 1)[1], [])
            elif line.startswith("  - split: "):
                current.append(line.split(": ", 1)[1])
    configs.setdefault(config, [])
    configs[config] += [s for s in splits if s not in configs[config]]
    lines = ["---", "configs:"]
    for name, names in configs.items():
        lines += [f"- config_name: {name}", "  data_files:"]
        for split in names:
            lines += [f"  - split: {split}", f"    path: {name}/{split}-*"]
    readme.write_text("\n".join([*lines, "---", ""]))


CATALOG = build_catalog(None)
PAPER = CATALOG.profile("paper")


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for task in CATALOG.tasks.values():
        spec = task.sources.get("hub")
        if not isinstance(spec, HubSource) or choose(task, PAPER).kind != "hub":
            continue
        splits = list(spec.data_files) if spec.data_files else (list(spec.splits) or ["test"])
        for split in splits:
            pool = task.train_languages if split == "train" else task.languages
            lang = pool[0]
            if task.name == "tydiqa" and split == "test":
                lang = "ar"  # the row filter keeps the Arabic rows of the shared config
            cases.append((task.name, split, lang))
    return cases


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XHARNESS_HUB_MIRROR", str(tmp_path))
    # datasets caches a prepared local folder by its relative layout: one cache per test
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / ".cache")
    monkeypatch.delenv("XHARNESS_LOCK", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray ./xharness.lock
    return tmp_path


def test_every_hub_task_has_a_replica_case() -> None:
    names = {c[0] for c in _cases()}
    hub_tasks = {t.name for t in CATALOG.tasks.values()
                 if t.sources.get("hub") and choose(t, PAPER).kind == "hub"}
    assert names == hub_tasks and len(hub_tasks) >= 25


@pytest.mark.parametrize(("name", "split", "lang"), _cases())
def test_hub_loader_reads_its_replica(mirror: Path, name: str, split: str, lang: str) -> None:
    task = CATALOG.task(name)
    spec = task.sources.get("hub")
    assert isinstance(spec, HubSource)
    config = hub_config(spec, lang)
    written = write_replica(mirror, spec, config, split, lang)
    raw = load_raw(task, split, lang, "hub")  # type: ignore[arg-type]
    features, _ = _schema(spec, config)
    assert raw.features == features  # the repo's schema arrives as it is
    store = DataStore(PAPER, tokenizer=None, strict=True)  # strict: any bad row raises
    ex = store.examples(task, split, lang)  # type: ignore[arg-type]
    expected = len(raw)
    if spec.row_filter:  # tydiqa: one config, filtered by the language in the id
        assert 0 < expected < len(written)
    elif task.name == "tatoeba":
        expected = 2 * len(written)  # each pair becomes two sentence rows
    else:
        assert expected == len(written)
    assert len(ex.examples) == expected and not ex.report.dropped
    if task.format == "classification":
        source_names = raw.features["label"]
        got = [task.labels[i] for i in ex.examples["label"]]  # type: ignore[index]
        want = [source_names.int2str(r["label"]) if isinstance(source_names, ClassLabel)
                else r["label"] for r in written]
        assert got == want
    if task.format == "tagging":
        names = raw.features[spec.columns["tags"]].feature.names
        assert [[task.labels[t] for t in tags] for tags in ex.examples["tags"]] == [  # type: ignore[index]
            [names[t] for t in r[spec.columns["tags"]]] for r in written]


def _write(root: Path, repo: str, config: str, split: str, rows: list[dict[str, Any]],
           features: Features) -> None:
    path = root / repo / config / f"{split}-00000-of-00001.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_list(rows, features=features).to_parquet(str(path))
    _add_readme_config(root / repo, config, [split])


def test_a_renamed_column_in_the_repo_is_an_error(mirror: Path) -> None:
    task = CATALOG.task("xnli")
    rows = [{"sentence1": "p", "hypothesis": "h", "label": 0}] * 3
    _write(mirror, "facebook/xnli", "de", "test", rows,
           Features(sentence1=S, hypothesis=S, label=NLI))
    with pytest.raises(XHarnessError, match="premise"):
        DataStore(PAPER, tokenizer=None).examples(task, "test", "de")


def test_reordered_class_label_names_still_map_by_name(mirror: Path) -> None:
    task = CATALOG.task("xnli")
    flipped = ClassLabel(names=["contradiction", "neutral", "entailment"])
    rows = [{"premise": "p", "hypothesis": "h", "label": i} for i in (0, 1, 2)]
    _write(mirror, "facebook/xnli", "de", "test", rows,
           Features(premise=S, hypothesis=S, label=flipped))
    ex = DataStore(PAPER, tokenizer=None).examples(task, "test", "de")
    assert [task.labels[i] for i in ex.examples["label"]] == [  # type: ignore[index]
        "contradiction", "neutral", "entailment"]


def test_unknown_string_labels_are_counted_or_refused(mirror: Path) -> None:
    task = CATALOG.task("massive_intent")
    rows = [{"id": "1", "label": "alarm-query", "label_text": "x", "text": "t", "lang": "de"}]
    _write(mirror, "mteb/amazon_massive_intent", "de", "test", rows,
           SCHEMAS["mteb/amazon_massive_intent"][0])
    with pytest.raises(XHarnessError, match="label"):
        DataStore(PAPER, tokenizer=None, strict=True).examples(task, "test", "de")


def test_a_missing_parquet_export_names_repo_revision_and_fix(mirror: Path) -> None:
    task = CATALOG.task("cosmos_qa")
    # the export laid out differently (flat files): the data_files pattern matches nothing
    path = mirror / "allenai/cosmos_qa/default/train-00000.parquet"
    path.parent.mkdir(parents=True)
    datasets.Dataset.from_list([SCHEMAS["allenai/cosmos_qa"][1](0, "en", None)],
                               features=SCHEMAS["allenai/cosmos_qa"][0]).to_parquet(str(path))
    with pytest.raises(XHarnessError) as err:
        load_raw(task, "train", "en", "hub")
    text = str(err.value)
    assert "allenai/cosmos_qa" in text and "refs/convert/parquet" in text
    assert "list_repo_files" in text and "local" in text


def test_squad_mt_reads_the_mlqa_parquet_export(mirror: Path) -> None:
    task = CATALOG.task("squad_mt")
    spec = task.sources.get("hub")
    assert isinstance(spec, HubSource)
    assert spec.revision == "refs/convert/parquet"
    assert spec.data_files == {"train": "{config}/train/*.parquet"}
    write_replica(mirror, spec, "mlqa-translate-train.de", "train", "de")
    assert len(load_raw(task, "train", "de", "hub")) == N


def test_squad_mt_on_a_script_only_repo_is_a_clear_error(mirror: Path) -> None:
    (mirror / "facebook/mlqa").mkdir(parents=True)  # what main holds: the script only
    (mirror / "facebook/mlqa/mlqa.py").write_text("raise SystemExit('script executed')\n")
    with pytest.raises(XHarnessError) as err:
        load_raw(CATALOG.task("squad_mt"), "train", "de", "hub")
    assert "facebook/mlqa" in str(err.value) and "refs/convert/parquet" in str(err.value)


def test_anli_dev_subset_is_stratified_by_round_and_shared(mirror: Path) -> None:
    task = CATALOG.task("anli")
    spec = task.sources.get("hub")
    assert isinstance(spec, HubSource)
    write_replica(mirror, spec, "plain_text", "dev", "en", rows=30)
    a = DataStore(PAPER, tokenizer=None).examples(task, "dev", "en")
    assert a.strata == [30, 30, 30]
    sub = a.subset(12)
    assert sub.strata == [4, 4, 4]  # every round, in proportion; not round 1 only
    again = DataStore(PAPER, tokenizer=None).examples(task, "dev", "en").subset(12)
    assert sub.examples["text"] == again.examples["text"]  # the same rows for every system
    assert sub.examples["text"] != a.examples["text"][:12]


def test_an_undeclared_split_fails_before_any_download(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    """tydiqa's hub map has no dev: asking for it must not download and prepare the config
    (`load_dataset` would, only to raise "Unknown split")."""
    from harness.errors import MissingSplit

    def no_download(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"load_dataset called for {args} {kwargs}")

    monkeypatch.setattr(datasets, "load_dataset", no_download)
    tydiqa = build_catalog().task("tydiqa")
    with pytest.raises(MissingSplit, match="no 'dev' split") as info:
        load_raw(tydiqa, "dev", "en", "hub")
    assert info.value.where == "tasks.tydiqa.sources.hub.splits"
    with pytest.raises(XHarnessError, match="load_dataset called"):  # declared: it loads
        load_raw(tydiqa, "test", "en", "hub")
