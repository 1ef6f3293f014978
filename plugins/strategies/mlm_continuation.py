"""`mlm-continuation`: the English intermediate tasks with multilingual masked language
modelling mixed into the same stage (`--option mlm_ratio=0.2`, the share of updates spent
on MLM), so intermediate training does not wash out the encoder's other languages."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from harness.catalog import Catalog
from harness.errors import XHarnessError
from harness.specs import Stage, TaskSpec
from plugins.strategies.selection import EnglishOptions, english_tasks, names, stage

DEFAULT_RATIO = 0.2


class Options(EnglishOptions):
    mlm_ratio: float = Field(default=DEFAULT_RATIO, gt=0, lt=1,
                             description="the share of updates spent on MLM")
    corpus: list[str] | None = Field(
        default=None, description="MLM corpus task(s) (default: the strategy's `mlm` set)")

    @field_validator("corpus", mode="before")
    @classmethod
    def _split_corpus(cls, value: Any) -> list[str] | None:
        return names(value)


def plan(target: TaskSpec, options: dict[str, Any], catalog: Catalog) -> list[Stage]:
    corpora = (names(options.get("corpus"))
               or list((options.get("default_tasks") or {}).get("mlm") or [])
               or sorted(n for n, t in catalog.tasks.items() if t.format == "mlm"))
    if not corpora:
        raise XHarnessError("no MLM corpus task is registered",
                            fix="register a task with format mlm, or pass --option corpus=NAME")
    ratio = float(options.get("mlm_ratio", DEFAULT_RATIO))
    if not 0 < ratio < 1:
        raise XHarnessError(f"mlm_ratio {ratio} is not between 0 and 1",
                            fix="pass --option mlm_ratio=0.2 (the share of MLM updates)")
    return [stage(english_tasks(options, catalog) + corpora, options, "english+mlm", ratio)]
