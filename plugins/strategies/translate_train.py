"""`translate-train`: the English intermediate tasks machine-translated into the target's
languages and trained on together with the English originals, in one multi-task stage.

Translation goes through a translator plugin (`--option translator=NAME`; the profile
names a default: `world`, the embedded world's exact translator, or an NLLB model on the
hub). QA answers and entity spans cross translation as markers; examples whose markers are
lost are dropped and counted, and `--min-chrf` drops translations whose round-trip chrF is
low. Tasks with dense tags (CCG) cannot be projected without word alignment and are left
out. Tasks of the target's own family (MNLI for XNLI) stay in English unless
`--option translate_target_family=true`: translating them is XTREME's translate-train
setting, which is not zero-shot (the guard then asks for `--allow-non-zero-shot`).

`--option scope=all` (the default) is XTREME's translate-train-all: one intermediate model
per seed, trained on translations into every language any registered target evaluates,
shared by all targets; the English tasks of a built-in target's family (the strategy's
`untranslated` set in registry.yaml) stay in English, and so do those of the target's own
family, so it is zero-shot for every target. `scope=target` translates into the target's
own languages and keeps only the target's own family in English: more data per target, one
intermediate model per target.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from harness.catalog import Catalog
from harness.errors import XHarnessError
from harness.specs import Stage, TaskSpec
from plugins.strategies.selection import EnglishOptions, english_tasks, names, stage

SCOPES = ("all", "target")


class Options(EnglishOptions):
    translator: str | None = Field(
        default=None, description="translator name (`xharness list translators`; "
        "default: the profile's)")
    min_chrf: float | None = Field(
        default=None, ge=0, le=100,
        description="drop translations whose round-trip chrF is below this")
    scope: Literal["all", "target"] = Field(
        default="all", description="`all`: every target language, one shared model; "
        "`target`: the target's languages only")
    translate_target_family: bool = Field(
        default=False, description="also translate the target's own family (XTREME's "
        "translate-train; not zero-shot)")


def translatable(task: TaskSpec) -> bool:
    if task.format in ("classification", "multiple_choice", "span_qa"):
        return True
    labels = task.labels or []
    return task.format == "tagging" and all(x == "O" or x[:2] in ("B-", "I-") for x in labels)


def plan(target: TaskSpec, options: dict[str, Any], catalog: Catalog) -> list[Stage]:
    translator = options.get("translator")
    if not translator:
        raise XHarnessError("translate-train needs a translator",
                            fix="pass --option translator=NAME (`xharness list translators`)")
    chosen = [t for t in english_tasks(options, catalog) if translatable(catalog.task(t))]
    if not chosen:
        raise XHarnessError("none of the chosen English tasks can be translated",
                            fix="choose classification, multiple-choice, QA or NER tasks")
    scope = options.get("scope", "all")
    if scope not in SCOPES:
        raise XHarnessError(f"unknown translate-train scope {scope!r}",
                            fix=f"use --option scope={' or '.join(SCOPES)}")
    untranslated: set[str] = set()  # tasks that stay English, whatever their family
    if scope == "all":
        langs = names(options.get("all_target_languages")) or []
        listed = (options.get("default_tasks") or {}).get("untranslated")
        if listed is not None:  # registry data: the built-in targets' families
            untranslated, kept = set(listed), {target.family}
        else:  # a third-party strategy without `default_tasks`
            kept = {t.family for t in catalog.tasks.values() if t.role == "target"}
    else:
        langs = names(options.get("target_languages")) or [
            x for x in target.languages if x != "en"]
        kept = {target.family}
    base = stage(chosen, options, "translate-train")
    min_chrf = options.get("min_chrf")
    own_family = bool(options.get("translate_target_family"))
    if own_family:
        kept, untranslated = set(), set()

    def languages(task: str) -> list[str]:
        stays = task in untranslated or catalog.task(task).family in kept
        return ["en"] if stays else ["en", *langs]

    return [base.model_copy(update={
        "languages": {t: languages(t) for t in chosen},
        "translator": translator,
        "min_chrf": float(min_chrf) if min_chrf is not None else None,
    })]
