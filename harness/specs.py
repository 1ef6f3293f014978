"""The validated shape of everything a plugin or `registry.yaml` may declare.

Tasks and strategies arrive from two places (the registry file and plugin hooks) and both
go through these models, so a typo in a third-party package fails exactly like a typo in
our own registry: with the field named. Unknown keys are errors (`extra="forbid"`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

FORMATS = ("classification", "multiple_choice", "span_qa", "tagging", "retrieval", "mlm")
Format = Literal["classification", "multiple_choice", "span_qa", "tagging", "retrieval", "mlm"]
Role = Literal["target", "english_intermediate", "multilingual_intermediate"]
SourceKind = Literal["hub", "local", "embedded"]
SPLITS = ("train", "dev", "test")

_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")
_LANG = re.compile(r"^[a-z]{2,3}$")
_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_ref(value: str) -> str:
    if not _REF.match(value):
        raise ValueError(f"{value!r} is not a 'package.module:attribute' reference")
    return value


Ref = Annotated[str, AfterValidator(_check_ref)]


class HubSource(Strict):
    """A Hugging Face dataset; `config` may contain `{lang}`."""

    dataset: str
    config: str | None = None
    revision: str | None = None
    splits: dict[str, str] = Field(default_factory=dict)
    language_configs: dict[str, str] = Field(
        default_factory=dict, description="language -> config name where `{lang}` won't do"
    )
    data_files: dict[str, str] = Field(
        default_factory=dict,
        description="split -> file pattern (`{config}` expands); needed for parquet exports "
        "(revision refs/convert/parquet) of script-based repos",
    )
    streaming: bool = Field(
        default=False, description="stream the split (corpora too large to download)"
    )
    max_rows: int | None = Field(default=None, ge=1, description="read at most this many")
    row_filter: Ref | None = Field(
        default=None, description="`module:function(example, lang) -> bool` where one config "
        "holds several languages",
    )
    columns: dict[str, str] = Field(
        default_factory=dict, description="canonical column -> source column"
    )
    schema_from: str = Field(description="where the schema was read: card, script, viewer")

    @field_validator("splits")
    @classmethod
    def _known_splits(cls, v: dict[str, str]) -> dict[str, str]:
        bad = sorted(set(v) - set(SPLITS))
        if bad:
            raise ValueError(f"unknown split name(s) {bad}; use {list(SPLITS)}")
        return v


class LocalSource(Strict):
    """Files under a root directory; `{root}`, `{lang}`, `{split}`, `{iso3}` expand.

    `jsonl`/`json`/`csv`/`parquet` are files in the hub's schema; the other formats are the
    layouts XTREME's download script writes (see `harness.data.files`).
    """

    path: str
    file_format: Literal["jsonl", "json", "csv", "parquet", "tsv", "conll", "squad_json",
                         "bucc", "aligned_lines"] = "jsonl"
    fields: list[str] = Field(default_factory=list, description="tsv: the column names")
    # `header`, `default_root` (and `EmbeddedSource.files`) are left out of dumps at their
    # defaults, so the specs (and the cache keys hashed from them) of tasks that do not
    # use them are unchanged
    header: bool = Field(
        default=False, exclude_if=lambda v: not v,
        description="tsv: the first line names the columns (it must equal "
        "`fields` when both are given); without it, a first line equal to `fields` is an "
        "error, never a dropped row",
    )
    default_root: str | None = Field(
        default=None, exclude_if=lambda v: v is None,
        description="`{root}` when neither --data-root nor the profile's "
        "data_root is set (a plugin's shipped files); it also lets a profile without a "
        "source of this task's kind serve it from local files",
    )
    splits: dict[str, str] = Field(default_factory=dict, description="split -> file's name")
    iso3: dict[str, str] = Field(default_factory=dict, description="lang -> 3-letter code")
    labels_file: str | None = Field(
        default=None, description="JSON list of labels (or label -> id map) under {root}, "
        "for label sets too large to list (CCGbank's supertags)",
    )
    columns: dict[str, str] = Field(default_factory=dict)
    layout: str | None = Field(
        default=None, description="how the files are laid out: description only (shown in "
        "errors), never read")

    @model_validator(mode="after")
    def _tsv_fields(self) -> LocalSource:
        if self.file_format == "tsv" and not self.fields and not self.header:
            raise ValueError("a tsv source needs `fields` (the column names) or `header: true`")
        if self.header and self.file_format != "tsv":
            raise ValueError("`header` applies to tsv files only (csv files always have one)")
        return self


class EmbeddedSource(Strict):
    """Data generated by the project: `builder` is a `module:function`."""

    builder: Ref
    languages: list[str]
    columns: dict[str, str] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    files: list[str] = Field(
        default_factory=list, exclude_if=lambda v: not v,
        description="files the builder reads (paths or glob patterns; "
        "`{split}` and `{lang}` expand): their contents join the cache key, so editing them "
        "invalidates cached results",
    )
    labels: list[str] | None = Field(
        default=None, description="the stand-in's own label set, where it differs from the "
        "real data's (intermediate tasks only: their heads are dropped)",
    )


class Sources(Strict):
    hub: HubSource | None = None
    local: LocalSource | None = None
    embedded: EmbeddedSource | None = None

    def get(self, kind: str) -> HubSource | LocalSource | EmbeddedSource | None:
        return getattr(self, kind, None)


class TaskSpec(Strict):
    """One task: what it is, where its data comes from, how it is scored.

    A task is data: the core's *format* does the work; `adapter` (optional `module:function`)
    maps one raw example to the format's canonical columns where renaming does not suffice.
    """

    name: str
    description: str = ""
    role: Role
    family: str = Field(description="task family, for the zero-shot guard (nli, pos, qa, ...)")
    format: Format
    languages: list[str] = Field(description="evaluation languages (targets) or languages covered")
    train_languages: list[str] = Field(default_factory=lambda: ["en"])
    train_task: str | None = Field(
        default=None, description="take training data from this task (xnli trains on mnli)"
    )
    labels: list[str] | None = None
    metric: str
    group: Literal["classification", "tagging", "qa", "retrieval"] | None = None
    sources: Sources
    adapter: Ref | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    plugin: str = Field(default="", description="what provided this spec (filled in on load)")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError(f"{v!r} is not a valid task name (lowercase, digits, _ . -)")
        return v

    @field_validator("languages", "train_languages")
    @classmethod
    def _langs(cls, v: list[str]) -> list[str]:
        bad = [code for code in v if not _LANG.match(code)]
        if bad:
            raise ValueError(f"not ISO 639 codes: {bad}")
        if len(set(v)) != len(v):
            raise ValueError("languages are listed twice")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> TaskSpec:
        if self.format in ("classification", "tagging") and not self.labels:
            raise ValueError(f"a {self.format} task needs `labels`")
        if not any((self.sources.hub, self.sources.local, self.sources.embedded)):
            raise ValueError("a task needs at least one source (hub, local or embedded)")
        return self


class Stage(Strict):
    """One intermediate stage: a task mixture trained on one shared encoder."""

    tasks: list[str]
    sampler: Literal["proportional", "temperature", "uniform"] = "proportional"
    temperature: float = 2.0
    cap: int | None = Field(default=None, description="at most this many examples per task")
    mlm_ratio: float = Field(default=0.0, ge=0.0, lt=1.0)
    languages: dict[str, list[str]] = Field(
        default_factory=dict, description="task -> training languages, where not the default"
    )
    translator: str | None = Field(
        default=None, description="translate English data into the other `languages` with "
        "this translator (translate-train)",
    )
    min_chrf: float | None = Field(
        default=None, ge=0, le=100,
        description="drop translations whose round-trip chrF is below this",
    )
    name: str = ""

    @field_validator("tasks")
    @classmethod
    def _nonempty(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("a stage needs at least one task")
        return v


class StrategySpec(Strict):
    """A strategy turns (target, options) into a list of intermediate stages."""

    name: str
    description: str
    planner: Ref = Field(description="`module:function` returning the stages")
    options: dict[str, Any] = Field(
        default_factory=dict, description="fixed option values (validated like --option)")
    options_model: Ref | None = Field(
        default=None, description="`module:Class`, a pydantic model (extra='forbid') "
        "declaring the strategy's options with defaults and one line of help each; "
        "None: the strategy takes no options")
    default_tasks: dict[str, list[str]] = Field(
        default_factory=dict, description="named task sets the planner uses when the "
        "user names none (data, so installing a plugin never changes a built-in plan)")
    rank: int = Field(default=100, description="leaderboard row order (lower first)")
    reference: bool = Field(
        default=False, description="the leaderboard's delta reference (no intermediate "
        "training)")
    compare_with: list[str] = Field(
        default_factory=list, description="strategies the answer table compares this one "
        "against (paired tests)")
    plugin: str = ""


class TranslatorSpec(Strict):
    """A machine-translation backend for translate-train."""

    name: str
    description: str
    factory: Ref = Field(description="`module:function` building the translator")
    options: dict[str, Any] = Field(default_factory=dict)
    plugin: str = ""


#: a shipped model's name: the `embedded:` prefix says "a folder a plugin ships"
MODEL_NAME = re.compile(r"^embedded:[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ModelSpec(Strict):
    """A model a plugin ships as a local folder (the embedded world's tiny XLM-R), named
    `embedded:<name>` in a profile's `model` or `--model`."""

    name: str = Field(description="`embedded:<name>`")
    path: str = Field(description="absolute path of the folder transformers loads")
    description: str
    plugin: str = ""

    @field_validator("name")
    @classmethod
    def _embedded_name(cls, v: str) -> str:
        if not MODEL_NAME.match(v):
            raise ValueError(f"{v!r} is not of the form 'embedded:<name>' (letters, digits, "
                             "'_', '.', '-')")
        return v

    @field_validator("path")
    @classmethod
    def _absolute(cls, v: str) -> str:
        if not Path(v).is_absolute():
            raise ValueError(f"{v!r} is relative (it would depend on the working directory); "
                             "build it from the plugin module's __file__")
        return v


class MetricSpec(Strict):
    """A metric a task may name in its `metric` field, for the formats listed.

    Built-in metrics are implemented by their formats (`harness.metrics.registry`). A
    plugin metric gives `compute`, a `module:function(gold, predictions) -> float` (in
    percent) over whole lists of labels: label names for `classification`, choice indices
    for `multiple_choice` (the formats whose predictions are labels).
    """

    name: str
    description: str
    formats: list[Format] = Field(min_length=1)
    compute: Ref | None = Field(
        default=None, description="`module:function(gold, predictions) -> float` (percent)"
    )
    plugin: str = ""

    @model_validator(mode="after")
    def _label_formats(self) -> MetricSpec:
        other = [f for f in self.formats if f not in LABEL_FORMATS]
        if self.compute and other:
            raise ValueError(
                f"a metric with `compute` scores label predictions: formats "
                f"{list(LABEL_FORMATS)} only, not {other}")
        return self


#: formats whose predictions are labels, so that a plugin metric can score them
LABEL_FORMATS = ("classification", "multiple_choice")
