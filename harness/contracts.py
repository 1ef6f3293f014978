"""The shapes of the code a spec references, and of what observers receive.

A task, strategy or translator is data, but it names code by `module:function`: a planner,
an embedded builder, an adapter, a row filter, a translator factory (and a metric's
`compute`, a selector's `scorer` and `cost`). Each `Protocol` below is the call xharness
makes, written once: positional-only parameters are passed by position (their names are
free), keyword-only ones by name, and `**options` stands for the spec's own `options`.
`xharness validate` binds every referenced callable against its protocol
(`signature_problem`), so a planner that forgets `catalog` fails there, with the file, the
field and the fix, instead of at the first run that reaches it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import datasets

    from harness.catalog import Catalog
    from harness.selection.cost import Cost
    from harness.selection.run import SelectionRequest
    from harness.specs import Stage, TaskSpec
    from harness.translation.base import Translator


@dataclass(frozen=True)
class Unit:
    """One run unit, as observers see it (frozen: observers cannot change what others see).

    `kind` is "intermediate" (one trained encoder) or "target" (one target fine-tune and
    its evaluation); `key` is the unit's content hash, also the name of its folder under
    the runs dir (`intermediate/KEY` or `targets/KEY`) and stable across resumes; `label`
    is for people ("combined -> xnli seed 0"). `dataclasses.asdict(unit)` gives a dict.
    """

    kind: str
    key: str
    label: str


class Planner(Protocol):
    """`strategies.NAME.planner`: the stages of the intermediate model for one target.
    A pure function of its arguments (the stages name the model's cache key)."""

    def __call__(self, target: TaskSpec, options: dict[str, Any], catalog: Catalog, /
                 ) -> list[Stage]: ...


class EmbeddedBuilder(Protocol):
    """`tasks.NAME.sources.embedded.builder`: one split of one language, in the hub's
    schema, with the source's `options` (and the profile's `data_options`) as keywords."""

    def __call__(self, *, split: str, lang: str, **options: Any) -> datasets.Dataset: ...


class Adapter(Protocol):
    """`tasks.NAME.adapter`: one raw example in, one canonical example out."""

    def __call__(self, example: dict[str, Any], /) -> dict[str, Any]: ...


class BatchedAdapter(Protocol):
    """`tasks.NAME.adapter` with `options: {adapter_batched: true}`: a batch of raw
    columns and their row indices in, canonical columns out (any number of rows)."""

    def __call__(self, batch: dict[str, list[Any]], indices: list[int], /
                 ) -> dict[str, list[Any]]: ...


class RowFilter(Protocol):
    """`tasks.NAME.sources.hub.row_filter`: keep this raw example for language `lang`?
    (for hub configs that hold several languages)."""

    def __call__(self, example: dict[str, Any], lang: str, /) -> bool: ...


class TranslatorFactory(Protocol):
    """`translators.NAME.factory`: builds the translator from the spec's `options`."""

    def __call__(self, **options: Any) -> Translator: ...


class MetricCompute(Protocol):
    """`metrics.NAME.compute`: percent, higher is better, over a whole test set."""

    def __call__(self, gold: list[Any], predictions: list[Any], /) -> float: ...


class SelectorScorer(Protocol):
    """`selectors.NAME.scorer`: one score (or None) per candidate in the request."""

    def __call__(self, request: SelectionRequest, /) -> dict[str, float | None]: ...


class SelectorCost(Protocol):
    """`selectors.NAME.cost`: an estimate, without loading data or running the model."""

    def __call__(self, request: SelectionRequest, /) -> Cost: ...


def call_signature(protocol: type) -> inspect.Signature:
    """The protocol's `__call__` without `self`: the call xharness makes."""
    sig = inspect.signature(protocol.__call__)
    return sig.replace(parameters=list(sig.parameters.values())[1:])


def signature_problem(fn: Callable[..., Any], protocol: type,
                      options: Mapping[str, Any] | None = None) -> str | None:
    """Why `fn` cannot be called the way `protocol` says (None when it can).

    The protocol's call is rebuilt with placeholders (positional-only parameters by
    position, keyword-only ones by name, `**options` as the given option names) and bound
    to `fn`'s signature, so defaults, `*args` and `**kwargs` on the plugin's side count.
    """
    try:
        have = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin without a signature: nothing to check
        return None
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for p in call_signature(protocol).parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            args.append(p.name)
        elif p.kind is p.KEYWORD_ONLY:
            kwargs[p.name] = p.name
        elif p.kind is p.VAR_KEYWORD:
            kwargs.update(dict.fromkeys(options or {}, "option"))
    try:
        have.bind(*args, **kwargs)
    except TypeError as exc:
        return str(exc)
    return None


def expected_call(protocol: type, name: str = "f",
                  options: Mapping[str, Any] | None = None) -> str:
    """`def f(target, options, catalog)`: a definition that fits `protocol` (the option
    names written out where they are known)."""
    parts = []
    for p in call_signature(protocol).parameters.values():
        if p.kind is p.VAR_KEYWORD:
            parts += list(options) if options else [f"**{p.name}"]
        else:
            parts.append(p.name)
    return f"def {name}({', '.join(parts)})"


def call_note(protocol: type) -> str:
    """How the arguments are passed, in words, for error messages."""
    kinds = [p.kind for p in call_signature(protocol).parameters.values()]
    notes = []
    if inspect.Parameter.POSITIONAL_ONLY in kinds:
        notes.append("arguments passed by position, so their names are free")
    if inspect.Parameter.KEYWORD_ONLY in kinds:
        named = [p.name for p in call_signature(protocol).parameters.values()
                 if p.kind is p.KEYWORD_ONLY]
        notes.append(f"{' and '.join(named)} passed by name")
    if inspect.Parameter.VAR_KEYWORD in kinds:
        notes.append("then each of the spec's `options` as a keyword (give each a "
                     "parameter, or take **options)")
    return "; ".join(notes)
