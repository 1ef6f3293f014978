"""`metric` is a registered name checked against the task's format: built-in metrics per
format, plugin metrics through the `xharness_metrics` hook, `xharness list metrics`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import datasets
import numpy as np
import pytest
from click.testing import CliRunner

from harness.catalog import build_catalog
from harness.cli import main
from harness.errors import XHarnessError
from harness.formats import get_format
from harness.metrics import registry as metric_registry
from harness.specs import TaskSpec

RETRIEVAL = {
    "name": "my_retrieval", "role": "target", "family": "bitext", "format": "retrieval",
    "languages": ["de"], "metric": "accuracy",
    "sources": {"embedded": {"builder": "xworld.builders.bucc:embedded", "languages": ["de"]}},
}
CLASSIFICATION = {
    "name": "my_cls", "role": "target", "family": "toy", "format": "classification",
    "languages": ["en"], "labels": ["neg", "pos"], "metric": "error_rate",
    "sources": {"embedded": {"builder": "xworld.builders.xnli:embedded", "languages": ["en"]}},
}


@pytest.fixture(autouse=True)
def _builtin_metrics():
    yield
    metric_registry.install([])  # a test's plugin metrics do not leak into the next


def _plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry_file, name: str,
            body: str) -> Path:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return registry_file(f"version: 1\nplugins: [{name}]\n")


def test_every_builtin_task_names_a_metric_of_its_format() -> None:
    catalog = build_catalog()
    assert not [p for p in catalog.problems if p.field.endswith(".metric")]
    for task in catalog.tasks.values():
        assert task.format in catalog.metrics[task.metric].formats


def test_a_retrieval_task_with_accuracy_is_refused_not_mined_as_bucc(
        tmp_path, monkeypatch, registry_file) -> None:
    registry = _plugin(tmp_path, monkeypatch, registry_file, "retrieval_accuracy", f"""
        from harness.hookspecs import hookimpl
        @hookimpl
        def xharness_tasks():
            return [{RETRIEVAL!r}]
    """)
    catalog = build_catalog(registry)
    text = "\n".join(p.render() for p in catalog.problems)
    assert ("plugin retrieval_accuracy: tasks.my_retrieval.metric: metric 'accuracy' does not "
            "apply to task 'my_retrieval''s format retrieval (it scores classification, "
            "multiple_choice). Fix: use one of bucc, tatoeba for a retrieval task.") in text
    with pytest.raises(XHarnessError, match="declared but invalid"):
        catalog.task("my_retrieval")
    # and the format itself refuses it, for a spec that never went through the catalog
    spec = TaskSpec.model_validate(RETRIEVAL)
    examples = datasets.Dataset.from_dict({"id": ["s1", "t1"], "text": ["a", "b"],
                                           "side": ["source", "target"], "pair": ["t1", ""]})
    with pytest.raises(XHarnessError, match="does not apply"):
        get_format("retrieval").score([("s1", "t1")], examples, spec, "de")


def test_unknown_metric_suggests_the_formats_own() -> None:
    spec = TaskSpec.model_validate({**RETRIEVAL, "metric": "tatoba"})
    with pytest.raises(XHarnessError, match="did you mean 'tatoeba'"):
        metric_registry.check(spec)


def test_a_plugin_metric_scores_a_classification_task(
        tmp_path, monkeypatch, registry_file) -> None:
    """The classification format scores by the task's metric (it used to ignore it): the
    plugin's error rate, under its own name, and the same number from example statistics
    (what the paired bootstrap resamples)."""
    registry = _plugin(tmp_path, monkeypatch, registry_file, "error_rate_plugin", f"""
        from harness.hookspecs import hookimpl

        def error_rate(gold, predictions):
            return 100.0 * sum(g != p for g, p in zip(gold, predictions)) / len(gold)

        @hookimpl
        def xharness_metrics():
            return [{{"name": "error_rate", "description": "percent wrong",
                     "formats": ["classification"],
                     "compute": "error_rate_plugin:error_rate"}}]

        @hookimpl
        def xharness_tasks():
            return [{CLASSIFICATION!r}]
    """)
    catalog = build_catalog(registry)
    assert catalog.problems == []
    task, fmt = catalog.task("my_cls"), get_format("classification")
    examples = datasets.Dataset.from_dict({"text": ["a", "b", "c", "d"], "label": [0, 1, 1, 0]})
    predictions = ["neg", "neg", "pos", "pos"]
    assert fmt.score(predictions, examples, task, "en") == {"error_rate": 50.0}
    assert fmt.primary_key(task) == "error_rate"
    rows = fmt.example_stats(predictions, examples, task, "en")
    assert fmt.metric_from_stats(rows, task) == 50.0
    assert fmt.metric_from_stats(rows[[0, 0, 2, 2]], task) == 0.0  # a resample
    listed = CliRunner().invoke(main, ["--registry", str(registry), "list", "metrics"])
    assert listed.exit_code == 0
    line = next(x for x in listed.output.splitlines() if x.startswith("error_rate"))
    assert "classification" in line and "error_rate_plugin" in line


def test_builtin_accuracy_stats_are_unchanged() -> None:
    """Records written before the registry hold [correct] rows: they still read the same."""
    task = build_catalog().task("xnli")
    fmt = get_format("classification")
    examples = datasets.Dataset.from_dict({"text": ["a", "b"], "label": [0, 2]})
    preds = [task.labels[0], task.labels[1]]
    rows = fmt.example_stats(preds, examples, task, "en")
    assert rows.tolist() == [[1.0], [0.0]]
    assert fmt.score(preds, examples, task, "en") == {"accuracy": 50.0}
    assert fmt.metric_from_stats(np.array([[1.0], [1.0], [0.0], [1.0]]), task) == 75.0


def test_plugin_metrics_are_validated(tmp_path, monkeypatch, registry_file) -> None:
    registry = _plugin(tmp_path, monkeypatch, registry_file, "bad_metrics", """
        from harness.hookspecs import hookimpl

        @hookimpl
        def xharness_metrics():
            return [
                {"name": "accuracy", "description": "mine", "formats": ["classification"],
                 "compute": "bad_metrics:f"},
                {"name": "span_thing", "description": "d", "formats": ["span_qa"],
                 "compute": "bad_metrics:f"},
                {"name": "no_compute", "description": "d", "formats": ["classification"]},
            ]
    """)
    text = "\n".join(p.render() for p in build_catalog(registry).problems)
    assert "metrics.accuracy: name collides with the one from harness.metrics" in text
    assert "metrics.span_thing: Value error, a metric with `compute` scores label " \
           "predictions" in text
    assert "metrics.no_compute.compute: a plugin metric needs `compute`" in text


def test_list_metrics_shows_the_builtins_with_their_formats() -> None:
    result = CliRunner().invoke(main, ["list", "metrics"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()[2:] if line.strip()]
    assert {"accuracy", "seqeval", "squad", "mlqa", "bucc", "tatoeba"} <= set(names)
