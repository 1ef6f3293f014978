"""`xharness fetch`: download everything a grid reads from the hub, and lock its commits.

The needs of a grid are read off its plan exactly as the units' keys read them (the same
task, split and language lists), so what fetch downloads is what eval loads. Datasets are
loaded through the same `load_raw` eval uses, which fills the Hugging Face caches; models,
tokenizers and translators are snapshots. Every commit is resolved once, through
`harness.lock.resolve_commit`, and the lock is written only when everything is in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from harness.data.sources import hub_has_split, load_raw
from harness.errors import XHarnessError
from harness.lock import LockedRepo, RepoKind, ignored, is_hub_model, resolve_commit
from harness.specs import HubSource, TaskSpec

#: files a model needs (weights in either format, config, tokenizer)
MODEL_FILES = ["*.json", "*.safetensors", "*.bin", "*.model", "*.txt", "*.tiktoken"]


@dataclass
class Needs:
    """What a grid reads from the hub: dataset splits and models."""

    splits: dict[tuple[str, str, str], TaskSpec] = field(default_factory=dict)
    models: set[str] = field(default_factory=set)

    def add(self, task: TaskSpec, splits: Iterable[str], langs: Iterable[str]) -> None:
        for split in splits:
            for lang in langs:
                self.splits[(task.name, split, lang)] = task


def grid_needs(session: Any, jobs: list[Any]) -> Needs:
    """The hub data and models of a planned grid (as `stage_key`/`target_key` list them)."""
    from harness.pipeline import eval_languages

    needs = Needs()
    if is_hub_model(session.config.model):
        needs.models.add(session.config.model)
    for job in jobs:
        for stage in job.stages:
            for name in stage.tasks:
                task = session.task(name)
                langs = stage.languages.get(name) or session.train_languages(task)
                needs.add(task, ["train", "dev"], langs)
            if stage.translator:
                spec = session.catalog.translator(stage.translator)
                model = spec.options.get("model")
                if isinstance(model, str) and is_hub_model(model):
                    needs.models.add(model)
        target = job.target
        train_task = session.task(target.train_task) if target.train_task else target
        needs.add(train_task, ["train", "dev"], ["en"])
        needs.add(target, ["dev", "test"], eval_languages(session, target))
    return needs


def hub_repos(session: Any, needs: Needs) -> list[tuple[RepoKind, str, str | None]]:
    """(kind, repo, requested revision) of every hub repo in `needs`, sorted."""
    repos: set[tuple[RepoKind, str, str | None]] = {("model", m, None) for m in needs.models}
    for task in needs.splits.values():
        spec = task.sources.get(session.source(task).kind)
        if isinstance(spec, HubSource):
            repos.add(("dataset", spec.dataset, spec.revision))
    return sorted(repos, key=lambda r: (r[0], r[1], r[2] or ""))


def fetch_grid(
    session: Any, jobs: list[Any], echo: Callable[[str], None],
    resolve: Callable[[RepoKind, str, str | None], str] | None = None,
    download_model: Callable[[str, str], Path] | None = None,
) -> list[LockedRepo]:
    """Resolve, download and load every hub repo and split the grid needs; return the
    lock entries. Any failure raises before a lock is written."""
    needs = grid_needs(session, jobs)
    repos = hub_repos(session, needs)
    commits = {}
    for kind, repo, requested in tqdm(repos, desc="resolve commits", unit="repo"):
        try:
            commits[(kind, repo, requested)] = (resolve or resolve_commit)(kind, repo, requested)
        except XHarnessError:
            raise
        except Exception as exc:  # the hub raises many types; the message is what matters
            raise XHarnessError(
                f"could not resolve {kind} {repo!r} at {requested or 'main'} on the Hugging "
                f"Face hub: {type(exc).__name__}: {exc}", where="xharness fetch",
                fix="run fetch where the hub can be reached (HF_HUB_OFFLINE unset; HF_TOKEN "
                "for gated repos), and check the repo id in registry.yaml",
            ) from exc
    entries = []
    sizes: dict[str, int] = {}
    work = sorted(needs.splits.items())
    with ignored():  # load at the commits just resolved, whatever lock is lying around
        for (name, split, lang), task in tqdm(work, desc="datasets", unit="split"):
            kind = session.source(task).kind
            spec = task.sources.get(kind)
            if not isinstance(spec, HubSource) or not hub_has_split(spec, split):
                continue
            commit = commits[("dataset", spec.dataset, spec.revision)]
            pinned = spec.model_copy(update={"revision": commit})
            sources = task.sources.model_copy(update={kind: pinned})
            ds = load_raw(task.model_copy(update={"sources": sources}), split, lang,
                          kind)  # type: ignore[arg-type]
            sizes[spec.dataset] = sizes.get(spec.dataset, 0) + int(ds.data.nbytes)
            echo(f"  {name} {split} {lang}: {len(ds):,} rows, {_size(ds.data.nbytes)}")
    for (kind, repo, requested), commit in commits.items():
        size = sizes.get(repo)
        if kind == "model":
            folder = (download_model or _download_model)(repo, commit)
            size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            echo(f"  model {repo} @ {commit[:12]}: {_size(size)}")
        entries.append(LockedRepo(kind=kind, repo=repo, requested=requested, commit=commit,
                                  size_bytes=size))
    return entries


def _download_model(repo: str, commit: str) -> Path:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo, revision=commit, allow_patterns=MODEL_FILES))
    except Exception as exc:
        raise XHarnessError(f"could not download model {repo!r} at {commit[:12]}: "
                            f"{type(exc).__name__}: {exc}",
                            fix="check network access and the model id") from exc


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"
