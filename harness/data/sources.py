"""Loading one split of one task in one language, from the hub, local files or the
embedded world.

All three return a `datasets.Dataset` in the *source* schema (the hub's columns and
types); everything after this point (canonical columns, tokenisation, training, scoring)
is the same code whichever source the data came from.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

import datasets

from harness.data import files
from harness.errors import XHarnessError
from harness.plugin_calls import guarded
from harness.refs import resolve_ref
from harness.specs import EmbeddedSource, HubSource, LocalSource, SourceKind, TaskSpec

Split = Literal["train", "dev", "test"]

_LOCAL_BUILDERS = {"json": "json", "jsonl": "json", "csv": "csv", "parquet": "parquet"}


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


def for_source(task: TaskSpec, kind: SourceKind, data_root: str | None = None) -> TaskSpec:
    """The task as this source serves it: a source may bring its own label set (an
    embedded stand-in's, or a local labels file)."""
    spec = task.sources.get(kind)
    labels = None
    if isinstance(spec, EmbeddedSource):
        labels = spec.labels
    elif isinstance(spec, LocalSource) and spec.labels_file:
        path = Path(spec.labels_file.format(root=data_root or ""))
        if not path.is_file():
            layout = f" ({spec.layout})" if spec.layout else ""
            raise XHarnessError(
                f"task {task.name!r} reads its label set from {path}, which does not "
                f"exist{layout}", where=f"tasks.{task.name}.sources.local.labels_file",
                fix="pass --data-root pointing at the prepared files, or leave the task out "
                "(--intermediate)",
            )
        labels = files.read_labels(path)
    return task.model_copy(update={"labels": labels}) if labels else task


def source_languages(task: TaskSpec, kind: SourceKind) -> list[str]:
    """Languages this source can serve: the embedded world covers a subset."""
    spec = source_for(task, kind)
    if isinstance(spec, EmbeddedSource):
        return [lang for lang in task.languages if lang in spec.languages]
    return list(task.languages)


def train_languages(task: TaskSpec, kind: SourceKind) -> list[str]:
    """The task's training languages this source can serve."""
    spec = source_for(task, kind)
    if isinstance(spec, EmbeddedSource):
        return [lang for lang in task.train_languages if lang in spec.languages]
    return list(task.train_languages)


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
    build = guarded(builder, plugin=task.plugin,
                    what=f"embedded builder of task {task.name!r} ({split}, {lang})")
    ds = build(split=split, lang=lang, **{**spec.options, **(options or {})})
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
        elif spec.streaming:
            stream = datasets.load_dataset(spec.dataset, config, split=split_name,
                                           revision=spec.revision, streaming=True)
            if spec.max_rows:
                stream = stream.take(spec.max_rows)
            ds = datasets.Dataset.from_list(list(stream))
        else:
            ds = datasets.load_dataset(spec.dataset, config, split=split_name,
                                       revision=spec.revision)
            if spec.max_rows and len(ds) > spec.max_rows:
                ds = ds.select(range(spec.max_rows))
        if spec.row_filter:
            keep = resolve_ref(spec.row_filter, f"tasks.{task.name}.sources.hub.row_filter")
            ds = guarded(ds.filter, code=keep, plugin=task.plugin,
                         what=f"row filter {spec.row_filter} of task {task.name!r}",
                         )(lambda ex: keep(ex, lang))
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
    template = spec.path.replace("{split}", spec.splits.get(split, split))
    path = Path(template.format(root=data_root or "", lang=lang, iso3=spec.iso3.get(lang, lang)))
    fmt = spec.file_format
    base_only = fmt in ("bucc", "aligned_lines")  # the path is a prefix of several files
    if not base_only and not path.exists():
        layout = f" Expected layout: {spec.layout}" if spec.layout else ""
        raise XHarnessError(
            f"local data file for task {task.name!r} ({split}, {lang}) not found.{layout}",
            where=str(path), fix="put the file there or pass a different --data-root",
        )
    if fmt == "tsv":
        return files.read_tsv(path, spec.fields)
    if fmt == "conll":
        return files.read_conll(path)
    if fmt == "squad_json":
        return files.read_squad_json(path)
    if fmt == "bucc":
        return files.read_bucc(path, lang)
    if fmt == "aligned_lines":
        return files.read_aligned_lines(path, spec.iso3.get(lang, lang), "eng")
    try:
        return datasets.load_dataset(_LOCAL_BUILDERS[fmt], data_files=str(path), split="train")
    except Exception as exc:
        raise XHarnessError(
            f"could not parse {spec.file_format} file: {type(exc).__name__}: {exc}",
            where=str(path), fix=f"write the file as {spec.file_format} in the hub schema",
        ) from exc


def row_locator(task: TaskSpec, split: Split, lang: str, kind: SourceKind,
                data_root: str | None = None) -> Callable[[int], str] | None:
    """`file:line` of a source row (an index into what `load_raw` returned), where the
    source is a local file in a line-based layout and no batched adapter regroups rows."""
    spec = task.sources.get(kind)
    if not isinstance(spec, LocalSource) or task.options.get("adapter_batched"):
        return None
    template = spec.path.replace("{split}", spec.splits.get(split, split))
    path = Path(template.format(root=data_root or "", lang=lang, iso3=spec.iso3.get(lang, lang)))
    try:
        lines = files.row_lines(path, spec.file_format)
    except XHarnessError:
        return None
    if lines is None:
        return None
    return lambda i: f"{path}:{lines[i]}" if 0 <= i < len(lines) else f"{path}, row {i + 1}"


@cache
def _code_digest(paths: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]


def _module_file(ref: str) -> str:
    module = importlib.import_module(ref.partition(":")[0])
    return str(module.__file__)


def fingerprint(
    task: TaskSpec, split: Split, lang: str, kind: SourceKind,
    data_root: str | None = None, options: dict | None = None,
) -> dict[str, Any]:
    """What identifies the data of one split without loading it: for the hub, the dataset
    address (pin `revision` to make it exact); for local files, their path, size and
    modification time; for the embedded world, the builder, its options and a digest of
    the code that generates the data (a change to the world is a change to the data)."""
    spec = source_for(task, kind)
    base = {"task": task.name, "split": split, "lang": lang, "kind": kind}
    if isinstance(spec, HubSource):
        return {**base, **spec.model_dump(exclude={"schema_from"}),
                "config": hub_config(spec, lang)}
    if isinstance(spec, LocalSource):
        template = spec.path.replace("{split}", spec.splits.get(split, split))
        path = Path(template.format(root=data_root or "", lang=lang,
                                    iso3=spec.iso3.get(lang, lang)))
        files_ = [p for p in path.parent.glob(path.name + "*") if p.is_file()]
        return {**base, "path": str(path), "format": spec.file_format,
                "files": {p.name: [p.stat().st_size, p.stat().st_mtime_ns] for p in files_}}
    world = sorted(str(p) for p in (Path(__file__).resolve().parent.parent / "embedded")
                   .glob("*.py"))
    return {**base, "builder": spec.builder, "options": {**spec.options, **(options or {})},
            "code": _code_digest((*world, _module_file(spec.builder)))}
