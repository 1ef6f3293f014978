"""Loading one split of one task in one language, from the hub, local files or the
embedded world.

All three return a `datasets.Dataset` in the *source* schema (the hub's columns and
types); everything after this point (canonical columns, tokenisation, training, scoring)
is the same code whichever source the data came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import datasets

from harness.errors import XHarnessError
from harness.refs import resolve_ref
from harness.specs import EmbeddedSource, HubSource, LocalSource, SourceKind, TaskSpec

Split = Literal["train", "dev", "test"]

_LOCAL_BUILDERS = {"json": "json", "jsonl": "json", "csv": "csv", "tsv": "csv",
                   "parquet": "parquet"}


def source_for(task: TaskSpec, kind: SourceKind) -> HubSource | LocalSource | EmbeddedSource:
    spec = task.sources.get(kind)
    if spec is None:
        have = [k for k in ("hub", "local", "embedded") if task.sources.get(k)]
        raise XHarnessError(
            f"task {task.name!r} has no {kind!r} data source (it has: {', '.join(have)})",
            where=f"tasks.{task.name}.sources",
            fix=f"use a profile whose source is one of {have}, or add a {kind} source",
        )
    return spec


def source_languages(task: TaskSpec, kind: SourceKind) -> list[str]:
    """Languages this source can serve: the embedded world covers a subset."""
    spec = source_for(task, kind)
    if isinstance(spec, EmbeddedSource):
        return [lang for lang in task.languages if lang in spec.languages]
    return list(task.languages)


def load_raw(
    task: TaskSpec, split: Split, lang: str, kind: SourceKind,
    data_root: str | None = None, options: dict | None = None,
) -> datasets.Dataset:
    spec = source_for(task, kind)
    if isinstance(spec, HubSource):
        return _load_hub(task, spec, split, lang)
    if isinstance(spec, LocalSource):
        return _load_local(task, spec, split, lang, data_root)
    builder = resolve_ref(spec.builder, f"tasks.{task.name}.sources.embedded.builder")
    ds = builder(split=split, lang=lang, **{**spec.options, **(options or {})})
    if not isinstance(ds, datasets.Dataset):
        raise XHarnessError(
            f"embedded builder returned {type(ds).__name__}, not datasets.Dataset",
            where=spec.builder, fix="return a datasets.Dataset in the hub schema",
        )
    return ds


def hub_config(spec: HubSource, lang: str) -> str | None:
    if lang in spec.language_configs:
        return spec.language_configs[lang]
    return spec.config.format(lang=lang) if spec.config else None


def _load_hub(task: TaskSpec, spec: HubSource, split: Split, lang: str) -> datasets.Dataset:
    config = hub_config(spec, lang)
    split_name = spec.splits.get(split, split)
    try:
        if spec.data_files:
            if split not in spec.data_files:
                raise XHarnessError(
                    f"task {task.name!r} has no {split!r} split in its hub source",
                    where=f"tasks.{task.name}.sources.hub.data_files",
                    fix=f"add a {split!r} pattern, or do not ask for that split",
                )
            pattern = spec.data_files[split].format(config=config, lang=lang)
            ds = datasets.load_dataset(spec.dataset, data_files={split_name: pattern},
                                       split=split_name, revision=spec.revision)
        else:
            ds = datasets.load_dataset(spec.dataset, config, split=split_name,
                                       revision=spec.revision)
        if spec.row_filter:
            keep = resolve_ref(spec.row_filter, f"tasks.{task.name}.sources.hub.row_filter")
            ds = ds.filter(lambda ex: keep(ex, lang))
        return ds
    except XHarnessError:
        raise
    except Exception as exc:  # the hub raises many types; the message is what matters
        raise XHarnessError(
            f"could not load {spec.dataset!r} (config {config!r}, split {split_name!r}) "
            f"from the Hugging Face hub for task {task.name!r}: {type(exc).__name__}: {exc}",
            where=f"tasks.{task.name}.sources.hub",
            fix="check network access and the dataset id, or use `--profile embedded` "
            "(offline) or a `local` source",
        ) from exc


def _load_local(
    task: TaskSpec, spec: LocalSource, split: Split, lang: str, data_root: str | None
) -> datasets.Dataset:
    if "{root}" in spec.path and not data_root:
        raise XHarnessError(
            f"task {task.name!r} reads local files but no data root is set",
            where=f"tasks.{task.name}.sources.local.path",
            fix="pass --data-root DIR (or set data_root in the profile)",
        )
    path = Path(spec.path.format(root=data_root or "", lang=lang, split=split))
    if not path.exists():
        layout = f" Expected layout: {spec.layout}" if spec.layout else ""
        raise XHarnessError(
            f"local data file for task {task.name!r} ({split}, {lang}) not found.{layout}",
            where=str(path), fix="put the file there or pass a different --data-root",
        )
    if spec.file_format == "conll":
        return read_conll(path)
    builder = _LOCAL_BUILDERS[spec.file_format]
    kwargs = {"delimiter": "\t"} if spec.file_format == "tsv" else {}
    try:
        return datasets.load_dataset(builder, data_files=str(path), split="train", **kwargs)
    except Exception as exc:
        raise XHarnessError(
            f"could not parse {spec.file_format} file: {type(exc).__name__}: {exc}",
            where=str(path), fix=f"write the file as {spec.file_format} in the hub schema",
        ) from exc


def read_conll(path: Path) -> datasets.Dataset:
    """Token-per-line files (`token<TAB>tag`, blank line between sentences): the format of
    XTREME's tagging files and CCGbank exports."""
    tokens: list[list[str]] = []
    tags: list[list[str]] = []
    cur_tok: list[str] = []
    cur_tag: list[str] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.rstrip("\n")
        if not line.strip():
            if cur_tok:
                tokens.append(cur_tok)
                tags.append(cur_tag)
                cur_tok, cur_tag = [], []
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise XHarnessError(
                "expected `token<TAB>tag`", where=f"{path}:{lineno}",
                fix="separate the token and its tag with one tab",
            )
        cur_tok.append(parts[0])
        cur_tag.append(parts[-1])
    if cur_tok:
        tokens.append(cur_tok)
        tags.append(cur_tag)
    return datasets.Dataset.from_dict({"tokens": tokens, "tags": tags})
