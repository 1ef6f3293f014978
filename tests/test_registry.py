"""registry.yaml validation: every problem reported with file, line, field and a fix."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from harness.catalog import build_catalog
from harness.cli import main
from harness.errors import XHarnessError
from harness.registry import load_registry

GOOD_TASK = """
  toy:
    role: target
    family: toy
    format: classification
    languages: [en, de]
    labels: [a, b]
    metric: accuracy
    sources:
      embedded: {builder: "xworld.builders.xnli:embedded", languages: [en, de]}
"""


def test_the_shipped_registry_is_valid() -> None:
    catalog = build_catalog()
    assert catalog.problems == []
    assert {"xnli", "mnli", "multilingual_sentiment"} <= set(catalog.tasks)
    assert {"baseline", "english-only", "multilingual-only", "combined"} <= set(
        catalog.strategies)
    assert {"embedded", "paper"} <= set(catalog.profiles)


def test_yaml_syntax_error_names_the_line(registry_file) -> None:
    path = registry_file("version: 1\ntasks:\n  toy: [unclosed\n")
    with pytest.raises(XHarnessError) as err:
        load_registry(path)
    assert f"{path}:" in str(err.value) and "not valid YAML" in str(err.value)


def test_not_a_mapping(registry_file) -> None:
    with pytest.raises(XHarnessError, match="must be a mapping"):
        load_registry(registry_file("- just\n- a list\n"))


def test_unknown_key_is_an_error_with_line_and_field(registry_file) -> None:
    path = registry_file("version: 1\ntasks:" + GOOD_TASK + "    langauges: [en]\n")
    reg = load_registry(path)
    assert "toy" not in reg.tasks
    [problem] = reg.problems
    assert problem.field == "tasks.toy.langauges"
    assert problem.where == f"{path}:12"
    assert "unknown key" in problem.what and "spelling" in problem.fix


def test_every_problem_is_reported_at_once(registry_file) -> None:
    text = ("version: 2\nbogus: 1\ntasks:" + GOOD_TASK
            + "  broken:\n    role: teacher\n    format: poetry\n")
    reg = load_registry(registry_file(text))
    fields = {p.field for p in reg.problems}
    assert "version" in fields and "bogus" in fields
    assert "tasks.broken.role" in fields and "tasks.broken.format" in fields
    assert "tasks.broken.family" in fields  # missing required field
    assert "toy" in reg.tasks  # the good entry survives


def test_wrong_types_and_bad_language_codes(registry_file) -> None:
    text = "version: 1\ntasks:" + GOOD_TASK.replace("[en, de]\n    labels", "[en, German]\n"
                                                    "    labels")
    reg = load_registry(registry_file(text))
    assert any("not ISO 639" in p.what for p in reg.problems)


def test_bad_reference_and_unknown_train_task(registry_file) -> None:
    mnli = GOOD_TASK.replace("  toy:\n", "  mnli:\n")  # what the misspelling means
    text = ("version: 1\ntasks:" + GOOD_TASK + "    train_task: mnlii\n" + mnli.lstrip("\n")
            + "strategies:\n  s:\n    description: x\n    planner: not-a-ref\n")
    catalog = build_catalog(registry_file(text))
    fields = {p.field: p for p in catalog.problems}
    assert "strategies.s.planner" in fields
    train_task = fields["tasks.toy.train_task"]
    assert "names unknown task 'mnlii'" in train_task.what
    # the suggestion itself, not merely the list of valid names that follows it
    assert train_task.fix.startswith("did you mean 'mnli'?"), train_task.fix


def test_validate_command_lists_all_problems_and_fails(registry_file) -> None:
    text = ("version: 1\nplugins: [no_such_module_xyz]\ntasks:" + GOOD_TASK
            + "    langauges: [en]\n  other:\n    role: target\n")
    result = CliRunner().invoke(main, ["--registry", str(registry_file(text)), "validate"])
    assert result.exit_code == 1
    listed = [line for line in result.output.splitlines() if line.startswith("- ")]
    # one line per problem, each with its fix: the misspelt key, every field `other`
    # lacks, and the plugin that does not import
    expected = ["tasks.toy.langauges: unknown key"] + [
        f"tasks.other.{f}: required field is missing"
        for f in ("family", "format", "languages", "metric", "sources")] + [
        "plugin no_such_module_xyz: failed to load"]
    assert f"{len(expected)} problem(s):" in result.output
    assert len(listed) == len(expected), result.output
    for want in expected:
        assert sum(want in line and "Fix:" in line for line in listed) == 1, (want, listed)


def test_validate_command_passes_on_the_shipped_registry() -> None:
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok:")


def test_unknown_names_suggest_the_closest() -> None:
    catalog = build_catalog()
    with pytest.raises(XHarnessError, match="did you mean 'xnli'"):
        catalog.task("xnil")
    with pytest.raises(XHarnessError, match="'combined'"):
        catalog.strategy("combine")
    with pytest.raises(XHarnessError, match="'embedded'"):
        catalog.profile("embeded")
