"""Loading one split of one task in one language, from the hub, local files or the
embedded world.

All three return a `datasets.Dataset` in the *source* schema (the hub's columns and
types); everything after this point (canonical columns, tokenisation, training, scoring)
is the same code whichever source the data came from.
"""

from __future__ import annotations

import glob
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

import datasets

from harness.code_digest import code_digest
from harness.data import files
from harness.data.sampling import sample_indices, sample_seed
from harness.errors import MissingSplit, XHarnessError
from harness.hashing import file_digest
from harness.lock import hub_mirror, recorded_commit, revision_for
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
    data_root: str | None = None, options: dict | None = None, part: str | None = None,
) -> datasets.Dataset:
    spec = source_for(task, kind)
    if isinstance(spec, HubSource):
        return _load_hub(task, spec, split, lang, part)
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


def hub_has_split(spec: HubSource, split: str) -> bool:
    """Whether a hub source declares `split`: in its `data_files`, else in its `splits`
    map, or as `train` / `test` under their own names (a dev split must be mapped, since
    hub repos name it `validation`, `dev`, `validation_matched`, ...)."""
    if spec.data_files:
        return split in spec.data_files
    return split in spec.splits or split in ("train", "test")


def split_parts(task: TaskSpec, split: Split, kind: SourceKind) -> list[str]:
    """The sub-splits a hub split concatenates (`dev_r1+dev_r2+dev_r3`), loaded one by one
    so that subsets can be stratified by them; [] for a plain split."""
    spec = task.sources.get(kind)
    if not isinstance(spec, HubSource) or spec.data_files or spec.streaming:
        return []
    parts = [p.strip() for p in spec.splits.get(split, split).split("+")]
    return parts if len(parts) > 1 else []


def _hub_address(spec: HubSource) -> tuple[str, str | None]:
    """Where to load a hub dataset from, and at which revision: a local mirror of the repo
    (revision as mirrored), else the hub at the lock's commit or the registry's revision."""
    mirror = hub_mirror()
    if mirror is not None and (mirror / spec.dataset).is_dir():
        return str(mirror / spec.dataset), None
    return spec.dataset, revision_for("dataset", spec.dataset, spec.revision)


def _load_hub(task: TaskSpec, spec: HubSource, split: Split, lang: str,
              part: str | None = None) -> datasets.Dataset:
    config = hub_config(spec, lang)
    if part is None and not hub_has_split(spec, split):
        # asking `load_dataset` for a split the source does not declare would download
        # and prepare the whole config only to raise "Unknown split"
        raise MissingSplit(
            f"task {task.name!r} has no {split!r} split in its hub source (it declares "
            f"{', '.join(sorted(spec.data_files or {*spec.splits, 'train', 'test'}))})",
            where=f"tasks.{task.name}.sources.hub.splits",
            fix=f"add `{split}: <hub split>` to the map, or do not ask for that split")
    split_name = part or spec.splits.get(split, split)
    path, revision = _hub_address(spec)
    try:
        if spec.data_files:
            if split not in spec.data_files:
                raise MissingSplit(
                    f"task {task.name!r} has no {split!r} split in its hub source",
                    where=f"tasks.{task.name}.sources.hub.data_files",
                    fix=f"add a {split!r} pattern, or do not ask for that split",
                )
            pattern = spec.data_files[split].format(config=config, lang=lang)
            ds = datasets.load_dataset(path, data_files={split_name: pattern},
                                       split=split_name, revision=revision)
        elif spec.streaming:
            stream = datasets.load_dataset(path, config, split=split_name,
                                           revision=revision, streaming=True)
            if spec.max_rows:
                stream = stream.take(spec.max_rows)
            ds = datasets.Dataset.from_list(list(stream))
        else:
            ds = datasets.load_dataset(path, config, split=split_name, revision=revision)
            if spec.max_rows and len(ds) > spec.max_rows:
                ds = ds.select(sample_indices([len(ds)], spec.max_rows,
                                              sample_seed(task.name, split_name, lang)))
        if spec.row_filter:
            keep = resolve_ref(spec.row_filter, f"tasks.{task.name}.sources.hub.row_filter")
            ds = guarded(ds.filter, code=keep, plugin=task.plugin,
                         what=f"row filter {spec.row_filter} of task {task.name!r}",
                         )(lambda ex: keep(ex, lang))
        return ds
    except XHarnessError:
        raise
    except Exception as exc:  # the hub raises many types; the message is what matters
        if spec.revision and spec.revision.startswith("refs/convert/"):
            raise XHarnessError(
                f"could not load {spec.dataset!r} at revision {spec.revision!r}"
                + (f" (locked commit {revision})" if revision not in (None, spec.revision)
                   else "")
                + f" with data files {spec.data_files.get(split)!r} for task {task.name!r}: "
                f"{type(exc).__name__}: {exc}. Its main branch holds only a loading script, "
                "which datasets >= 4 refuses, so xharness reads the hub's parquet export; "
                "that export may be gone or laid out differently",
                where=f"tasks.{task.name}.sources.hub",
                fix=f"check network access, then `HfApi().list_repo_files({spec.dataset!r}, "
                f"repo_type='dataset', revision={spec.revision!r})`; if the export moved, "
                "correct `data_files`; if it is gone, convert the data to parquet yourself "
                "and give the task a `local` source, or leave the task out of the selection",
            ) from exc
        raise XHarnessError(
            f"could not load {spec.dataset!r} (config {config!r}, split {split_name!r}"
            + (f", revision {revision}" if revision else "")
            + f") from the Hugging Face hub for task {task.name!r}: {type(exc).__name__}: {exc}",
            where=f"tasks.{task.name}.sources.hub",
            fix="check network access and the dataset id (offline nodes: `xharness fetch` "
            "first, then HF_HUB_OFFLINE=1), or use `--profile embedded` (offline) or a "
            "`local` source",
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
        raise MissingSplit(
            f"local data file for task {task.name!r} ({split}, {lang}) not found.{layout}",
            where=str(path), fix="put the file there or pass a different --data-root",
        )
    if fmt == "tsv":
        return files.read_tsv(path, spec.fields, spec.header)
    if fmt == "conll":
        return files.read_conll(path)
    if fmt == "squad_json":
        return files.read_squad_json(path)
    if fmt == "bucc":
        return files.read_bucc(path, lang)
    if fmt == "aligned_lines":
        return files.read_aligned_lines(path, spec.iso3.get(lang, lang), "eng")
    if fmt != "parquet":
        files.check_utf8(path)  # a clear error naming the line, not the parser's
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
def _content_digest(path: str, size: int, mtime_ns: int) -> str:
    """A file's sha256, computed once per (path, size, mtime) in a process: the key
    follows the content (a `touch` changes nothing, an edit changes it), and a file is
    read once however many unit keys name it."""
    return file_digest(Path(path))[:16]


def _digests(paths: list[Path]) -> dict[str, str]:
    out = {}
    for p in sorted(paths):
        st = p.stat()
        out[p.name] = _content_digest(str(p), st.st_size, st.st_mtime_ns)
    return out


def _declared_files(spec: EmbeddedSource, split: Split, lang: str) -> dict[str, str]:
    """Contents of the files an embedded builder declares it reads (`files`)."""
    found: list[Path] = []
    for pattern in spec.files:
        expanded = pattern.replace("{split}", split).replace("{lang}", lang)
        matches = ([Path(m) for m in glob.glob(expanded)] if glob.has_magic(expanded)
                   else [Path(expanded)])
        found += [m for m in matches if m.is_file()]
    out = {}
    for p in sorted(found):  # keyed by the path: two declared files may share a name
        st = p.stat()
        out[str(p)] = _content_digest(str(p), st.st_size, st.st_mtime_ns)
    return out


def fingerprint(
    task: TaskSpec, split: Split, lang: str, kind: SourceKind,
    data_root: str | None = None, options: dict | None = None,
) -> dict[str, Any]:
    """What identifies the data of one split without loading it: for the hub, the dataset
    address and the commit read (`xharness.lock`'s, else what the hub resolves now, None
    offline); for local files, their names and a sha256 of their contents (not the root
    they sit under: moved files keep their results); for the embedded world, the builder,
    its options, a digest of the code that generates the data (`code_digest`: a change to the
    world is a change to the data) and the contents of the files the builder declares in `files`."""
    spec = source_for(task, kind)
    base = {"task": task.name, "split": split, "lang": lang, "kind": kind}
    if isinstance(spec, HubSource):
        return {**base, **spec.model_dump(exclude={"schema_from"}),
                "config": hub_config(spec, lang),
                "commit": recorded_commit("dataset", spec.dataset, spec.revision)}
    if isinstance(spec, LocalSource):
        template = spec.path.replace("{split}", spec.splits.get(split, split))
        path = Path(template.format(root=data_root or "", lang=lang,
                                    iso3=spec.iso3.get(lang, lang)))
        files_ = [p for p in path.parent.glob(glob.escape(path.name) + "*") if p.is_file()]
        return {**base, "format": spec.file_format, "files": _digests(files_)}
    out = {**base, "builder": spec.builder, "options": {**spec.options, **(options or {})},
           "code": code_digest(spec.builder)}
    if spec.files:  # only then: the keys of builders that declare none are unchanged
        out["files"] = _declared_files(spec, split, lang)
    return out
