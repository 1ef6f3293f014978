"""The resolved run configuration: one frozen model, resolved once from the command line.

A *system* is everything that decides a result except the seed (and the target it is
evaluated on): the strategy with its validated options and the registry data its plans
derive from (planner, default task sets, fixed options), every hyperparameter override,
the model and its fingerprint, the profile's recipe, the data sources, the evaluated
languages and the code versions. The content hash of that is the system's identity:
records carry it, and leaderboard rows group by it, so two runs that differ in anything
but the seed can never be pooled as seeds of one row.

Every cache key derives from it too: `unit_key` puts the shared part (`base_key`) under
each unit's own inputs, and the training arguments a key hashes come from `args` and
`stage_args`. Beside the identity it carries the profile as resolved (`profile_spec`, the
`--data-root` applied) and how this invocation runs (`runtime`: registry, runs folder,
device, lock, loggers), neither part of the identity: a Ray worker receives the config
as JSON and builds its session from it alone (`Session.from_config`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

from harness.catalog import Catalog
from harness.config import Profile, TrainArgs
from harness.config import check_overrides as check_keys
from harness.errors import XHarnessError
from harness.hashing import CODE_VERSIONS, model_fingerprint, stable_hash
from harness.problems import closest
from harness.refs import resolve_ref
from harness.specs import StrategySpec, Strict, TaskSpec

#: profile fields that cannot change a number (the rest of the profile is the recipe)
_NOT_RECIPE = {"name", "description", "trust_remote_code", "data_root"}


class StrategyChoice(Strict):
    """One strategy as this run uses it."""

    name: str
    options: dict[str, Any]  # validated, every declared option with its value (JSON)
    changed: dict[str, Any]  # the options that differ from the strategy's defaults
    plan_data: dict[str, Any]  # the registry data its plans derive from


class Runtime(Strict):
    """How one invocation runs: where, on what, with which side outputs. None of it
    changes a number (the device's precision comes from the profile's recipe), so none of
    it is part of a system's identity or a cache key."""

    registry: str | None = None  # registry.yaml (absolute), None: the checkout's
    runs_dir: str = "runs"  # a path, or an fsspec URL of shared storage
    device: str = "auto"
    strict: bool = False  # bad data rows are errors, not skipped
    allow_non_zero_shot: bool = False
    dry_run: bool = False  # plan without the data: a missing label file only warns
    lock: str | None = None  # xharness.lock to read hub commits from (absolute)
    report_to: list[str] = Field(default_factory=list)  # loggers, attached where units run


#: fields of RunConfig that are not part of a system's identity
_NOT_IDENTITY = {"strategies", "profile_spec", "runtime"}


class RunConfig(Strict):
    """What one `xharness eval` decides, resolved once (see the module docstring)."""

    profile: str
    profile_model: str
    recipe: dict[str, Any]
    model: str
    model_fingerprint: str
    source: str
    task_sources: dict[str, str]
    data_root: str | None = None
    overrides: dict[str, Any]
    languages: list[str] | None = None
    code: dict[str, int]
    strategies: dict[str, StrategyChoice]
    profile_spec: Profile  # the profile as this run reads it (--data-root applied)
    runtime: Runtime = Field(default_factory=Runtime)

    def base_key(self) -> dict[str, Any]:
        """What every unit's cache key includes (each unit adds its own inputs)."""
        return {"model": self.model_fingerprint, "source": self.source, "code": self.code}

    def unit_key(self, kind: str, inputs: dict[str, Any]) -> str:
        """The cache key of one unit: this configuration's shared part, the unit's kind and
        its own inputs (plan, seed, data fingerprints, arguments), hashed."""
        return stable_hash({**self.base_key(), "kind": kind, **inputs})

    def args(self, phase: str, task: TaskSpec) -> TrainArgs:
        """The training arguments of `task` in `phase`: the recipe, then `--set`."""
        return self.profile_spec.args_for(phase, task.name, task.format,  # type: ignore[arg-type]
                                          self.overrides)

    def stage_args(self) -> TrainArgs:
        """The arguments of an intermediate stage as a whole (steps, sampler, MLM)."""
        return self.profile_spec.intermediate.merged(self.overrides)

    def system(self, strategy: str) -> dict[str, Any]:
        """The identity of `strategy` under this configuration, as JSON data."""
        data = self.model_dump(mode="json", exclude=_NOT_IDENTITY)
        return {**data, "strategy": self.strategies[strategy].model_dump(mode="json")}

    def system_id(self, strategy: str) -> str:
        return system_id(self.system(strategy))


def system_id(system: dict[str, Any]) -> str:
    return stable_hash(system)


def setting_id(system: dict[str, Any]) -> str:
    """The system without its strategy: what a baseline must share to be its reference."""
    return stable_hash({k: v for k, v in system.items() if k != "strategy"})


def label(system: dict[str, Any]) -> str:
    """Short row label: the strategy and what differs from the defaults."""
    choice = system["strategy"]
    parts = [choice["name"]]
    for key, value in sorted(choice["changed"].items()):
        shown = ",".join(map(str, value)) if isinstance(value, list) else value
        parts.append(f"[{shown}]" if key == "intermediate" else f"{key}={shown}")
    parts += [f"{k}={v}" for k, v in sorted(system["overrides"].items())]
    if system["model"] != system["profile_model"]:
        parts.append(f"model={system['model']}")
    if system.get("languages"):
        parts.append(f"languages={','.join(system['languages'])}")
    return " ".join(parts)


# -- resolution ----------------------------------------------------------------------------

def options_model(spec: StrategySpec) -> type[BaseModel] | None:
    if spec.options_model is None:
        return None
    cls = resolve_ref(spec.options_model, f"strategies.{spec.name}.options_model")
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        raise XHarnessError(
            f"strategy {spec.name!r}: options_model {spec.options_model!r} is not a pydantic "
            "model", where=f"strategies.{spec.name}.options_model",
            fix="point it at a pydantic BaseModel subclass (extra='forbid')")
    return cls


def _choice(spec: StrategySpec, given: dict[str, Any]) -> StrategyChoice:
    cls = options_model(spec)
    if cls is None:
        values: dict[str, Any] = {}
        defaults: dict[str, Any] = {}
    else:
        try:
            defaults = cls.model_validate(spec.options).model_dump(mode="json")
            values = cls.model_validate({**spec.options, **given}).model_dump(mode="json")
        except ValidationError as err:
            e = err.errors()[0]
            field = ".".join(str(p) for p in e["loc"])
            raise XHarnessError(
                f"strategy {spec.name!r}: option {field}={e.get('input')!r}: {e['msg']}",
                where=f"--option {field}",
                fix=f"{cls.model_fields[field].description or 'see'} "
                "(`xharness list strategies`)" if field in cls.model_fields
                else "see `xharness list strategies`") from None
    changed = {k: v for k, v in values.items() if defaults.get(k) != v}
    plan_data = {"planner": spec.planner, "default_tasks": spec.default_tasks,
                 "options": spec.options}
    return StrategyChoice(name=spec.name, options=values, changed=changed,
                          plan_data=plan_data)


def resolve_strategies(catalog: Catalog, strategies: list[str], options: dict[str, Any]
                       ) -> dict[str, StrategyChoice]:
    """Each strategy's validated options: an option goes to every chosen strategy that
    declares it; one that no chosen strategy declares is an error naming the closest."""
    specs = [catalog.strategy(name) for name in strategies]
    declared: dict[str, set[str]] = {}
    for spec in specs:
        cls = options_model(spec)
        declared[spec.name] = set(cls.model_fields) if cls else set()
    known = set().union(*declared.values()) if declared else set()
    for key in options:
        if key not in known:
            near = closest(key, known)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise XHarnessError(
                f"unknown option {key!r} for strategy {', '.join(strategies)}",
                where=f"--option {key}",
                fix=f"{hint}declared options: {', '.join(sorted(known)) or 'none'} "
                "(`xharness list strategies` shows each with its default)")
    return {spec.name: _choice(spec, {k: v for k, v in options.items()
                                      if k in declared[spec.name]})
            for spec in specs}


def check_overrides(profile: Profile, overrides: dict[str, Any]) -> None:
    """`--set` keys must be training arguments and their values valid."""
    check_keys(overrides)  # names TrainArgs fields, with the closest one on a typo
    try:
        profile.intermediate.merged(overrides)
        profile.target.merged(overrides)
    except ValidationError as err:
        e = err.errors()[0]
        field = ".".join(str(p) for p in e["loc"]) or "value"
        raise XHarnessError(f"--set {field}: {e['msg']}", where="--set",
                            fix="correct the value") from None


def resolve(
    catalog: Catalog, profile: Profile | str, model: str | None = None, *,
    strategies: list[str] | None = None, options: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None, languages: list[str] | None = None,
    data_root: str | None = None, runtime: Runtime | None = None,
) -> RunConfig:
    """The one resolution step: the profile (a name or a spec, `data_root` applied), the
    model, each strategy's options and the `--set` overrides validated, the model
    fingerprinted. Everything downstream reads the result."""
    if isinstance(profile, str):
        profile = catalog.profile(profile)
    if data_root:
        profile = profile.model_copy(update={"data_root": data_root})
    overrides = dict(overrides or {})
    check_overrides(profile, overrides)
    model_ref = model or profile.model
    return RunConfig(
        profile=profile.name, profile_model=profile.model,
        recipe=profile.model_dump(mode="json", exclude=_NOT_RECIPE),
        model=model_ref, model_fingerprint=model_fingerprint(model_ref),
        source=profile.source, task_sources=dict(profile.task_sources),
        data_root=profile.data_root, overrides=overrides,
        languages=list(languages) if languages else None, code=dict(CODE_VERSIONS),
        strategies=resolve_strategies(catalog, strategies or [], options or {}),
        profile_spec=profile, runtime=runtime or Runtime(),
    )
