"""The plugin contract of xharness, in one file.

A plugin is a module (or object) with functions named like the hooks below, decorated with
`harness.hookspecs.hookimpl`. Third-party packages register theirs in the `xharness`
entry-point group:

    [project.entry-points.xharness]
    my_tasks = "my_package.xharness_plugin"

xharness's own tasks, strategies, translators, metrics and selectors arrive through the
same hooks, from its built-in plugins (`harness.builtin_plugins`: one serves the entries of
`registry.yaml`); modules listed under `plugins:` in `registry.yaml` are registered too
(local plugins, without packaging). The code a spec names (`module:function`) must fit the
matching `Protocol` in `harness.contracts`; `xharness validate` checks the signatures.

Every spec a hook returns is validated (pydantic, unknown keys are errors); a plugin that
fails to import or returns an invalid spec is reported by name and the others still load.

Which pluggy features are honoured. xharness calls each hook implementation on its own
(so that a failing one is named and the rest still run) instead of through `pm.hook`, so:

- no hook is `firstresult` or `historic`;
- `hookwrapper=True` / `wrapper=True` implementations are not supported: the catalog
  reports them as a problem (`xharness validate` shows it) and never calls them;
- registration hooks: `tryfirst` / `trylast` are ignored. Implementations are called in
  registration order (built-in plugins, then `plugins:` in `registry.yaml`, then entry
  points) and every one's list is collected; a name is unique, so a later spec of a taken
  name is reported as a collision and never replaces an earlier one (a plugin cannot
  override a built-in task);
- observation hooks: called in pluggy's own order (`tryfirst` first, `trylast` last, the
  others most recently registered first); return values are ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from harness.contracts import Unit

if TYPE_CHECKING:
    from harness.records import RunRecord
    from harness.selection.spec import SelectorSpec
    from harness.specs import MetricSpec, ModelSpec, StrategySpec, TaskSpec, TranslatorSpec

PROJECT = "xharness"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: hooks that declare what exists; called once, when the catalog is built
REGISTRATION_HOOKS = ("xharness_tasks", "xharness_strategies", "xharness_translators",
                      "xharness_metrics", "xharness_selectors", "xharness_models")
#: hooks that watch a run; called while units run, in the process that runs them
OBSERVATION_HOOKS = ("xharness_unit_started", "xharness_train_log", "xharness_unit_finished")


# -- registration: what exists -------------------------------------------------------------

@hookspec
def xharness_tasks() -> list[TaskSpec | dict[str, Any]]:
    """Return the tasks this plugin provides.

    Each item is a `TaskSpec` or a dict of its fields. A task is data: its format (one of
    the core's formats) does tokenisation, heads, decoding and scoring; the spec says where
    the data comes from (hub / local / embedded), which columns map to the format's
    canonical columns, and optionally an `adapter` (`module:function`, one raw example in,
    one canonical example out). Referenced code fits `harness.contracts`: `Adapter` (or
    `BatchedAdapter`), `EmbeddedBuilder` for `sources.embedded.builder`, `RowFilter` for
    `sources.hub.row_filter`. Names must be unique across all plugins.
    """


@hookspec
def xharness_strategies() -> list[StrategySpec | dict[str, Any]]:
    """Return the strategies this plugin provides.

    A strategy's `planner` (`module:function`) is called as
    `planner(target: TaskSpec, options: dict, catalog: Catalog) -> list[Stage]`
    (`harness.contracts.Planner`) and must be
    a pure function of its arguments: the stages it returns name the intermediate model's
    cache key, so equal plans share one trained encoder across targets. Its options are
    declared by `options_model` (`module:Class`, a pydantic model with extra="forbid", a
    default and a `Field(description=...)` each; None: no options): `--option` values are
    validated against it once, and `options` is a plain dict of the validated values
    (options left at None omitted) plus `default_tasks` (the spec's named task sets) and
    the context keys `target_languages`, `all_target_languages` and `translator` (the
    profile's). Planners written for a dict keep working. Every declared option is part of
    the system's identity, so the leaderboard never pools runs that differ in one.
    """


@hookspec
def xharness_translators() -> list[TranslatorSpec | dict[str, Any]]:
    """Return the machine-translation backends this plugin provides.

    A translator's `factory` (`module:function`) is called as `factory(**options)`
    (`harness.contracts.TranslatorFactory`) and returns a `harness.translation.base.Translator`:
    an object with `translate(texts: list[str], src: str, tgt: str) -> list[str]`.
    Translations must be deterministic for the same inputs, since they are cached on disk.
    """


@hookspec
def xharness_metrics() -> list[MetricSpec | dict[str, Any]]:
    """Return the metrics this plugin provides, for tasks to name in their `metric` field.

    A metric lists the formats it applies to (`classification` and/or `multiple_choice`,
    whose predictions are labels) and a `compute` reference, called as
    `compute(gold: list, predictions: list) -> float` (percent, higher is better) on a
    language's whole test set, and again on resamples of it for the paired bootstrap, so it
    must be a pure function of its arguments. Names are unique across plugins and the
    built-in metrics (`xharness list metrics`).
    """


@hookspec
def xharness_selectors() -> list[SelectorSpec | dict[str, Any]]:
    """Return the intermediate-task selection methods this plugin provides.

    A selector ranks candidate intermediate tasks for a target before they are trained on
    it. Its `scorer` (`module:function`) is called as `scorer(request: SelectionRequest)
    -> dict[str, float | None]`: one score per name in `request.candidates`, higher meaning
    predicted better; None means "could not score", with the reason in
    `request.notes[name]`. Its `cost` is called the same way and returns a
    `harness.selection.cost.Cost` estimate without loading data or running the model.
    A scorer must not fine-tune on the target unless its spec says `trains_on_target`,
    must find intermediate models only through `request.intermediate_encoder(name)`, and
    must be deterministic for a fixed `request.seed`. Names are unique across plugins.
    """


@hookspec
def xharness_models() -> list[ModelSpec | dict[str, Any]]:
    """Return the models this plugin ships, for profiles and `--model` to name.

    Each has a `name` of the form `embedded:<name>` and the `path` of a local folder that
    `transformers` loads (config, weights, a fast tokenizer), usually inside the plugin's
    package. `harness.modeling.resolve_model` maps the name to that folder, so the core
    knows no plugin's files. Names are unique across plugins.
    """



# -- observation: what a run does ----------------------------------------------------------
# `unit` is a frozen `harness.contracts.Unit`: `unit.kind` ("intermediate" or "target"),
# `unit.key` (the unit's content hash and folder name under the runs dir, stable across
# resumes) and `unit.label` ("combined -> xnli seed 0"); `dataclasses.asdict(unit)` for a
# dict. Observers run in the process that runs the unit (a Ray worker under --executor ray).


@hookspec
def xharness_unit_started(unit: Unit) -> None:
    """Observe the start of a run unit (an intermediate model or a target run).

    An observer that raises fails the run with its name in the error; results already
    written stay intact.
    """


@hookspec
def xharness_train_log(unit: Unit, step: int, metrics: dict[str, float]) -> None:
    """Observe training progress: called every logging interval with loss and learning rate,
    and after each dev evaluation with the dev metrics. For loggers (TensorBoard, W&B)."""


@hookspec
def xharness_unit_finished(unit: Unit, record: RunRecord | None) -> None:
    """Observe a finished run unit: `record` is the target run's record (None for an
    intermediate model). Called after the record is safely on disk."""
