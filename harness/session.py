"""The session: what every unit of one invocation shares (catalog, profile, data store,
device, translators) and the questions units ask of it (a task as this data source serves
it, the training arguments of a phase, where checkpoints go)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from harness import distributed
from harness.catalog import Catalog
from harness.claims import CLAIMS_DIR, Claims, LeaseClaims, LocalClaims
from harness.config import Profile, TrainArgs
from harness.data.choice import NoSource, Served, choose
from harness.data.sources import fingerprint, for_source, source_languages, train_languages
from harness.data.store import DataStore
from harness.device import use_bf16
from harness.errors import XHarnessError
from harness.hashing import CODE_VERSIONS, model_fingerprint
from harness.modeling import load_encoder
from harness.plugin_calls import guarded
from harness.records import RECORD_FILE
from harness.refs import resolve_ref
from harness.run_config import RunConfig, resolve
from harness.specs import TaskSpec
from harness.storage import RemoteRuns, is_url, mirror_for
from harness.training import Checkpointing
from harness.translation.base import Translator

log = logging.getLogger("xharness")


@dataclass
class Session:
    """Everything units of one invocation share: catalog, profile, data, device."""

    catalog: Catalog
    profile: Profile
    runs_dir: Path
    model_ref: str
    device: torch.device
    bf16: bool
    strict: bool = False
    allow_non_zero_shot: bool = False
    languages: list[str] | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False
    remote: RemoteRuns | None = None  # runs_dir mirrors this storage (an fsspec URL)
    config: RunConfig | None = None  # the resolved run configuration (see run_config.py)
    _said: set[str] = field(default_factory=set)
    _store: DataStore | None = None
    _model_fp: str | None = None
    _translators: dict[str, Translator] = field(default_factory=dict)
    _served: dict[str, Served] = field(default_factory=dict)
    _claims: Claims | None = None

    @classmethod
    def create(
        cls, catalog: Catalog, profile_name: str, runs_dir: Path | str, *,
        model: str | None = None, device: str = "auto", data_root: str | None = None,
        strategies: list[str] | None = None, options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Session:
        profile = catalog.profile(profile_name)
        if data_root:
            profile = profile.model_copy(update={"data_root": data_root})
        config = resolve(catalog, profile, model, strategies=strategies, options=options,
                         overrides=kwargs.get("overrides"), languages=kwargs.get("languages"))
        dev = distributed.device_for(device)
        remote = None
        if is_url(runs_dir):
            remote = RemoteRuns(str(runs_dir), mirror_for(str(runs_dir)))
            runs_dir = remote.local
        return cls(catalog=catalog, profile=profile, runs_dir=Path(runs_dir), remote=remote,
                   model_ref=config.model, device=dev, config=config,
                   bf16=use_bf16(dev, profile.precision), _model_fp=config.model_fingerprint,
                   **kwargs)

    @property
    def store(self) -> DataStore:
        if self._store is None:
            self._store = DataStore(
                self.profile, None, strict=self.strict,
                max_eval_examples=self.profile.max_eval_examples,
                load_tokenizer=lambda: load_encoder(self.model_ref,
                                                    self.trusts(self.model_ref))[1])
        return self._store

    @property
    def claims(self) -> Claims:
        """Who trains which unit: locks in a runs folder, leases on shared storage."""
        if self._claims is None:
            self._claims = (LeaseClaims(self.remote._fs, self.remote._root)
                            if self.remote is not None
                            else LocalClaims(self.runs_dir / CLAIMS_DIR))
        return self._claims

    @property
    def model_fp(self) -> str:
        if self._model_fp is None:
            from harness.lock import is_hub_model, recorded_commit

            commit = (recorded_commit("model", self.model_ref, None)
                      if is_hub_model(self.model_ref) else None)
            self._model_fp = model_fingerprint(self.model_ref, commit)
        return self._model_fp

    def base_key(self) -> dict[str, Any]:
        """What every unit's key includes (each unit adds its own data fingerprints)."""
        if self.config is not None:
            return self.config.base_key()
        return {"model": self.model_fp, "source": self.profile.source, "code": CODE_VERSIONS}

    def translator(self, name: str) -> Translator:
        """A translator from the catalog, behind the on-disk cache of this runs folder."""
        from harness.translation.cache import CachedTranslator

        if name not in self._translators:
            spec = self.catalog.translator(name)
            factory = resolve_ref(spec.factory, f"translators.{name}.factory")
            built = guarded(factory, plugin=spec.plugin,
                            what=f"factory of translator {name!r}")(**spec.options)
            self._translators[name] = CachedTranslator(
                built, self.runs_dir / "cache" / "translations.sqlite")
        return self._translators[name]

    def source(self, task: TaskSpec | str) -> Served:
        """The source that serves `task` in this session (`harness.data.choice`)."""
        spec = self.catalog.task(task) if isinstance(task, str) else task
        if spec.name not in self._served:
            self._served[spec.name] = choose(spec, self.profile, need_root=not self.dry_run)
        return self._served[spec.name]

    def sources_used(self) -> dict[str, Served]:
        """Every task a source was chosen for so far, with that source."""
        return dict(self._served)

    def data_fingerprint(self, task: TaskSpec, splits: list[str], langs: list[str]
                         ) -> list[dict[str, Any]]:
        """What identifies a unit's data, so a unit whose data changed is not reused."""
        served = self.source(task)
        return [fingerprint(task, split, lang, served.kind, served.root,
                            self.profile.data_options.get(task.name))  # type: ignore[arg-type]
                for split in splits for lang in langs]

    def hub_revisions(self, tasks: list[TaskSpec]) -> dict[str, str | None]:
        """The hub commit of the model and of each task's dataset, for a run record."""
        from harness.lock import entry_key, is_hub_model, recorded_commit
        from harness.specs import HubSource

        out: dict[str, str | None] = {}
        if is_hub_model(self.model_ref):
            out[entry_key("model", self.model_ref, None)] = recorded_commit(
                "model", self.model_ref, None)
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
        return model in self.profile.trust_remote_code

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
            if not self.dry_run:
                raise
            self.say_once(f"dry run {name}", "dry run: %s", exc, level=logging.WARNING)
            return self.catalog.task(name)

    def args(self, phase: str, task: TaskSpec) -> TrainArgs:
        return self.profile.args_for(phase, task.name, task.format, self.overrides)  # type: ignore[arg-type]
