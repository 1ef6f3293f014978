"""The session: the runtime every unit of one invocation shares (catalog, data store,
translators, runs storage, device, claims) and the questions units ask of it (a task as
this data source serves it, where checkpoints go). What the run *is* lives in
`session.config`, the resolved `RunConfig`; a session is built from one, in one place
(`Session.from_config`), whether by the CLI or by a Ray worker that received the config."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from harness import distributed
from harness.catalog import Catalog, build_catalog
from harness.claims import CLAIMS_DIR, Claims, LeaseClaims, LocalClaims
from harness.code_digest import code_digest
from harness.config import Profile, TrainArgs
from harness.data.choice import NoSource, Served, choose
from harness.data.sources import fingerprint, for_source, source_languages, train_languages
from harness.data.store import DataStore
from harness.device import use_bf16
from harness.errors import XHarnessError
from harness.hashing import stable_hash
from harness.modeling import load_encoder
from harness.plugin_calls import guarded
from harness.records import RECORD_FILE
from harness.refs import resolve_ref
from harness.run_config import RunConfig, Runtime, resolve
from harness.specs import TaskSpec
from harness.storage import RemoteRuns, is_url, mirror_for
from harness.training import Checkpointing
from harness.translation.base import Translator

log = logging.getLogger("xharness")


@dataclass
class Session:
    """The runtime of one invocation; its configuration is `config`."""

    catalog: Catalog
    config: RunConfig
    runs_dir: Path  # local: the folder itself, or the mirror of `remote`
    device: torch.device
    bf16: bool
    remote: RemoteRuns | None = None  # runs_dir mirrors this storage (an fsspec URL)
    _said: set[str] = field(default_factory=set)
    _store: DataStore | None = None
    _translators: dict[str, Translator] = field(default_factory=dict)
    _served: dict[str, Served] = field(default_factory=dict)
    _claims: Claims | None = None

    @classmethod
    def from_config(cls, config: RunConfig, catalog: Catalog | None = None) -> Session:
        """The session of `config`: the one place a session is built. Without `catalog`,
        the config's registry is read (a Ray worker); the config's lock, if any, is the one
        hub commits are read from in this process."""
        rt = config.runtime
        if catalog is None:
            catalog = build_catalog(Path(rt.registry) if rt.registry else None)
        if rt.lock:
            os.environ["XHARNESS_LOCK"] = rt.lock  # harness.lock reads it; so do children
        dev = distributed.device_for(rt.device)
        remote, runs_dir = None, rt.runs_dir
        if is_url(runs_dir):
            remote = RemoteRuns(runs_dir, mirror_for(runs_dir))
            runs_dir = str(remote.local)
        return cls(catalog=catalog, config=config, runs_dir=Path(runs_dir), remote=remote,
                   device=dev, bf16=use_bf16(dev, config.profile_spec.precision))

    @classmethod
    def create(
        cls, catalog: Catalog, profile_name: str, runs_dir: Path | str, *,
        model: str | None = None, device: str = "auto", data_root: str | None = None,
        strategies: list[str] | None = None, options: dict[str, Any] | None = None,
        overrides: dict[str, Any] | None = None, languages: list[str] | None = None,
        strict: bool = False, allow_non_zero_shot: bool = False, dry_run: bool = False,
    ) -> Session:
        """Resolve a configuration from these choices and build its session (for library
        callers and tests; the CLI resolves its flags the same way)."""
        runtime = Runtime(runs_dir=str(runs_dir), device=device, strict=strict,
                          allow_non_zero_shot=allow_non_zero_shot, dry_run=dry_run)
        config = resolve(catalog, profile_name, model, strategies=strategies, options=options,
                         overrides=overrides, languages=languages, data_root=data_root,
                         runtime=runtime)
        return cls.from_config(config, catalog)

    # -- shorthands for the configuration (read-only) --

    @property
    def profile(self) -> Profile:
        return self.config.profile_spec

    @property
    def model_ref(self) -> str:
        return self.config.model

    def attach_loggers(self) -> None:
        """The training loggers of `--report-to`, on this process's plugin manager (one
        rank logs a DDP run)."""
        if self.config.runtime.report_to and distributed.current().is_main:
            from harness.loggers import attach

            attach(self.catalog.pm, self.config.runtime.report_to, self.runs_dir)

    @property
    def store(self) -> DataStore:
        if self._store is None:
            self._store = DataStore(
                self.config.profile_spec, None, strict=self.config.runtime.strict,
                max_eval_examples=self.config.profile_spec.max_eval_examples,
                load_tokenizer=lambda: load_encoder(self.config.model,
                                                    self.trusts(self.config.model))[1])
        return self._store

    @property
    def claims(self) -> Claims:
        """Who trains which unit: locks in a runs folder, leases on shared storage."""
        if self._claims is None:
            self._claims = (LeaseClaims(self.remote._fs, self.remote._root)
                            if self.remote is not None
                            else LocalClaims(self.runs_dir / CLAIMS_DIR))
        return self._claims

    def translator(self, name: str) -> Translator:
        """A translator from the catalog, behind the on-disk cache of this runs folder."""
        from harness.translation.cache import CachedTranslator

        if name not in self._translators:
            spec = self.catalog.translator(name)
            factory = resolve_ref(spec.factory, f"translators.{name}.factory")
            built = guarded(factory, plugin=spec.plugin,
                            what=f"factory of translator {name!r}")(**spec.options)
            self._translators[name] = CachedTranslator(
                built, self.runs_dir / "cache" / "translations.sqlite",
                version=stable_hash(self.translator_identity(name)))
        return self._translators[name]

    def translator_identity(self, name: str) -> dict[str, Any]:
        """What decides a translator's output: its spec (factory, options) and, for a
        plugin's translator, a digest of the code it runs. Part of the keys of the units
        it feeds and of its translation cache."""
        spec = self.catalog.translator(name)
        return {**spec.model_dump(exclude={"plugin", "description"}),
                "code": code_digest(spec.factory)}

    def source(self, task: TaskSpec | str) -> Served:
        """The source that serves `task` in this session (`harness.data.choice`)."""
        spec = self.catalog.task(task) if isinstance(task, str) else task
        if spec.name not in self._served:
            self._served[spec.name] = choose(spec, self.config.profile_spec,
                                             need_root=not self.config.runtime.dry_run)
        return self._served[spec.name]

    def sources_used(self) -> dict[str, Served]:
        """Every task a source was chosen for so far, with that source."""
        return dict(self._served)

    def data_fingerprint(self, task: TaskSpec, splits: list[str], langs: list[str]
                         ) -> list[dict[str, Any]]:
        """What identifies a unit's data, so a unit whose data changed is not reused."""
        served = self.source(task)
        return [fingerprint(task, split, lang, served.kind, served.root,
                            self.config.profile_spec.data_options.get(task.name))  # type: ignore[arg-type]
                for split in splits for lang in langs]

    def hub_revisions(self, tasks: list[TaskSpec]) -> dict[str, str | None]:
        """The hub commit of the model and of each task's dataset, for a run record."""
        from harness.lock import entry_key, is_hub_model, recorded_commit
        from harness.specs import HubSource

        out: dict[str, str | None] = {}
        if is_hub_model(self.config.model):
            out[entry_key("model", self.config.model, None)] = recorded_commit(
                "model", self.config.model, None)
        for task in tasks:
            spec = task.sources.get(self.source(task).kind)
            if isinstance(spec, HubSource):
                out[entry_key("dataset", spec.dataset, spec.revision)] = recorded_commit(
                    "dataset", spec.dataset, spec.revision)
        return out

    def train_languages(self, task: TaskSpec) -> list[str]:
        return train_languages(task, self.source(task).kind)

    def all_target_languages(self) -> list[str]:
        """Every non-English language some registered target evaluates in this source."""
        found: set[str] = set()
        for task in self.catalog.tasks.values():
            if task.role != "target":
                continue
            try:
                found.update(source_languages(task, self.source(task).kind))
            except NoSource:  # a target this profile cannot serve
                continue
        return sorted(found - {"en"})

    def pull(self, folder: Path, marker: str = RECORD_FILE) -> None:
        """With shared storage: bring a unit finished elsewhere into the local mirror."""
        if self.remote is not None:
            self.remote.pull(folder, marker)

    def push(self, folder: Path, marker: str = RECORD_FILE) -> None:
        """With shared storage: publish a unit finished here."""
        if self.remote is not None:
            self.remote.push(folder, marker)

    def say_once(self, key: str, message: str, *args: Any, level: int = logging.INFO) -> None:
        """Log `message` the first time `key` comes up in this session (a grid reuses one
        intermediate model for many targets: once is news, nine times is noise)."""
        if key not in self._said:
            self._said.add(key)
            log.log(level, message, *args)

    def trusts(self, model: str) -> bool:
        """`trust_remote_code` is off unless the profile names this model."""
        return model in self.config.profile_spec.trust_remote_code

    def checkpoint_dir(self, key: str) -> Path:
        return self.runs_dir / "checkpoints" / key

    def checkpointing(self, key: str, args: TrainArgs) -> Checkpointing | None:
        every = args.checkpoint_every
        return Checkpointing(self.checkpoint_dir(key), every) if every else None

    def task(self, name: str) -> TaskSpec:
        """A task as this session's data source serves it (see `sources.for_source`). A
        dry run plans without the data: a missing label file is then only a warning."""
        spec = self.catalog.task(name)
        served = self.source(spec)
        try:
            return for_source(spec, served.kind, served.root)
        except XHarnessError as exc:
            if not self.config.runtime.dry_run:
                raise
            self.say_once(f"dry run {name}", "dry run: %s", exc, level=logging.WARNING)
            return self.catalog.task(name)

    def args(self, phase: str, task: TaskSpec) -> TrainArgs:
        return self.config.args(phase, task)
