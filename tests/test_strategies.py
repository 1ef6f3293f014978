"""Each strategy's plan, and the zero-shot guard."""

from __future__ import annotations

import pytest

from harness.catalog import build_catalog
from harness.errors import XHarnessError
from harness.guard import check_zero_shot
from harness.refs import resolve_ref
from harness.run_config import resolve_strategies

ENGLISH = ["anli", "ccg", "commonsense_qa", "cosmos_qa", "hellaswag", "mnli", "qqp", "squad",
           "sst2"]
SHARED_ML = ["massive_intent", "multilingual_sentiment"]


@pytest.fixture(scope="module")
def catalog():
    return build_catalog()


CONTEXT = ("all_target_languages", "target_languages")


def plan(catalog, strategy: str, target: str, **options):
    """What the pipeline hands a planner: the validated options (a dict) with the
    registry's default task sets, plus the session's context keys."""
    context = {k: options.pop(k) for k in CONTEXT if k in options}
    choice = resolve_strategies(catalog, [strategy], options)[strategy]
    planner = resolve_ref(catalog.strategy(strategy).planner)
    given = {k: v for k, v in choice.options.items() if v is not None}
    return planner(catalog.task(target), {
        **context, "default_tasks": choice.plan_data["default_tasks"], **given}, catalog)


def test_baseline_has_no_intermediate_stage(catalog) -> None:
    assert plan(catalog, "baseline", "xnli") == []


def test_english_only_defaults_to_all_nine_or_the_named_task(catalog) -> None:
    [stage] = plan(catalog, "english-only", "xnli")
    assert stage.tasks == ENGLISH
    [stage] = plan(catalog, "english-only", "xnli", intermediate="mnli")
    assert stage.tasks == ["mnli"]


def test_multilingual_only_is_the_same_for_every_target_by_default(catalog) -> None:
    plans = {t: plan(catalog, "multilingual-only", t) for t in catalog.targets()}
    assert all(p == plans["xnli"] for p in plans.values())
    assert plans["xnli"][0].tasks == SHARED_ML


def test_per_target_scope_adds_other_families_never_the_targets_own(catalog) -> None:
    [stage] = plan(catalog, "multilingual-only", "xnli", multilingual_scope="per-target")
    assert "panx_ml" in stage.tasks and "xnli_mt" not in stage.tasks
    [stage] = plan(catalog, "multilingual-only", "panx", multilingual_scope="per-target")
    assert "xnli_mt" in stage.tasks and "panx_ml" not in stage.tasks
    assert "mlm_corpus" not in stage.tasks  # raw text belongs to mlm-continuation


def test_combined_sequential_and_mixed(catalog) -> None:
    english, multilingual = plan(catalog, "combined", "xnli")
    assert english.tasks == ENGLISH and multilingual.tasks == SHARED_ML
    # the English stage is english-only's: one intermediate model serves both strategies
    assert english.model_dump(exclude={"name"}) == plan(
        catalog, "english-only", "xnli")[0].model_dump(exclude={"name"})
    [mixed] = plan(catalog, "combined", "xnli", variant="mixed")
    assert mixed.tasks == ENGLISH + SHARED_ML
    with pytest.raises(XHarnessError, match="option variant='parallel'"):
        plan(catalog, "combined", "xnli", variant="parallel")


def test_mlm_continuation_mixes_the_corpus_at_the_ratio(catalog) -> None:
    [stage] = plan(catalog, "mlm-continuation", "xnli", mlm_ratio=0.3)
    assert stage.tasks == [*ENGLISH, "mlm_corpus"] and stage.mlm_ratio == 0.3
    with pytest.raises(XHarnessError, match=r"option mlm_ratio=1\.5"):
        plan(catalog, "mlm-continuation", "xnli", mlm_ratio=1.5)


def test_translate_train_all_is_one_zero_shot_plan_for_every_target(catalog) -> None:
    plans = {t: plan(catalog, "translate-train", t, translator="world",
                     all_target_languages=["de", "sw"], target_languages=["el"])
             for t in catalog.targets()}
    assert all(p == plans["xnli"] for p in plans.values())
    [stage] = plans["xnli"]
    # every target family stays English (MNLI for XNLI, QQP for PAWS-X, SQuAD for QA)
    assert stage.languages["mnli"] == stage.languages["squad"] == ["en"]
    assert stage.languages["hellaswag"] == ["en", "de", "sw"]
    for target in catalog.targets():
        assert check_zero_shot(catalog, [stage], catalog.task(target), allow=False)
    with pytest.raises(XHarnessError, match="option scope='some'"):
        plan(catalog, "translate-train", "xnli", translator="world", scope="some")


def test_translate_train_target_scope_uses_the_targets_languages(catalog) -> None:
    [stage] = plan(catalog, "translate-train", "pawsx", translator="world", scope="target",
                   target_languages=["de", "es"], min_chrf=40)
    assert "ccg" not in stage.tasks  # dense tags cannot be projected without alignment
    assert stage.languages["mnli"] == ["en", "de", "es"]
    assert stage.languages["qqp"] == ["en"]  # pawsx's own family stays English
    assert stage.translator == "world" and stage.min_chrf == 40
    with pytest.raises(XHarnessError, match="needs a translator"):
        plan(catalog, "translate-train", "pawsx", translator=None)


def test_zero_shot_guard_refuses_the_targets_family_abroad(catalog) -> None:
    [stage] = plan(catalog, "multilingual-only", "xnli", multilingual="xnli_mt")
    with pytest.raises(XHarnessError, match="xnli's own task family"):
        check_zero_shot(catalog, [stage], catalog.task("xnli"), allow=False)
    assert check_zero_shot(catalog, [stage], catalog.task("xnli"), allow=True) is False
    # English training of the same family is zero-shot (MNLI for XNLI)
    [english] = plan(catalog, "english-only", "xnli", intermediate="mnli")
    assert check_zero_shot(catalog, [english], catalog.task("xnli"), allow=False) is True
    # another target's family is fine
    assert check_zero_shot(catalog, [stage], catalog.task("panx"), allow=False) is True
