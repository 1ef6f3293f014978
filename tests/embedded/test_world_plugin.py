"""The embedded world is a sibling package, not part of the core: `harness/` imports
nothing from `xworld`, the world plugs in through the `xharness` entry point like a third
party (its translator and its shipped model), and the `embedded` source kind ("data made by
a builder") stays a core concept that any package's builder can serve."""

from __future__ import annotations

import ast
import re
import textwrap
import typing
from pathlib import Path

import pytest
from pydantic import ValidationError

import harness
import xworld
from harness import shipped_models
from harness.catalog import build_catalog, check_imports
from harness.code_digest import code_digest, plugin_code
from harness.data.sources import fingerprint, load_raw
from harness.errors import XHarnessError
from harness.modeling import resolve_model
from harness.specs import EmbeddedSource, ModelSpec, SourceKind, TaskSpec

HARNESS = Path(harness.__file__).resolve().parent
XWORLD = Path(xworld.__file__).resolve().parent
_XWORLD_REF = re.compile(r"^xworld(\.\w+)*(:\w+)?$")


def _imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports (at any depth: function-level imports too), and every
    string that is a module reference into xworld (an `import_module` or `module:attr`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and _XWORLD_REF.match(node.value)):
            found.append((node.lineno, node.value))
    return found


def test_no_module_of_the_core_imports_the_world() -> None:
    files = sorted(HARNESS.rglob("*.py"))
    assert len(files) > 50  # the scan really walks the core
    offending = [f"{p.relative_to(HARNESS.parent)}:{line}: {name}"
                 for p in files for line, name in _imports_of(p)
                 if name == "xworld" or name.startswith(("xworld.", "xworld:"))]
    assert offending == []


def test_the_scan_would_catch_an_import_of_the_world(tmp_path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from xworld.world import World\n"
                   "import importlib\nimportlib.import_module('xworld.nli')\n")
    assert {name for _, name in _imports_of(bad)} == {"xworld.world", "importlib",
                                                      "xworld.nli"}


def test_embedded_stays_a_core_source_kind() -> None:
    assert "embedded" in typing.get_args(SourceKind)
    assert "embedded" in TaskSpec.model_fields["sources"].annotation.model_fields
    assert EmbeddedSource.__module__ == "harness.specs"


def test_the_world_registers_through_its_entry_point() -> None:
    catalog = build_catalog()
    assert "xharness:world" in dict(catalog.pm.list_name_plugin())
    assert catalog.translators["world"].plugin == "xharness:world"
    assert catalog.translators["world"].factory == "xworld.translator:WorldTranslator"
    model = catalog.models["embedded:xlmr-tiny"]
    assert model.plugin == "xharness:world"
    assert Path(model.path) == XWORLD / "assets" / "xlmr-tiny"
    assert not any(p.where.startswith("plugin xharness:world") for p in catalog.problems)


def test_shipped_models_resolve_through_the_registered_table() -> None:
    build_catalog()
    path = Path(resolve_model("embedded:xlmr-tiny"))
    assert path == XWORLD / "assets" / "xlmr-tiny"
    assert (path / "model.safetensors").is_file() and (path / "tokenizer.json").is_file()
    assert resolve_model("FacebookAI/xlm-roberta-large") == "FacebookAI/xlm-roberta-large"
    with pytest.raises(XHarnessError, match=r"unknown shipped model 'embedded:xlmr-tny'") as e:
        resolve_model("embedded:xlmr-tny")
    assert "did you mean 'embedded:xlmr-tiny'" in (e.value.fix or "")


def test_a_registered_model_without_its_folder_says_where_it_looked(tmp_path,
                                                                     monkeypatch) -> None:
    gone = ModelSpec(name="embedded:gone", path=str(tmp_path / "gone"), description="d",
                     plugin="some_plugin")
    monkeypatch.setattr(shipped_models, "_models", {"embedded:gone": gone})
    monkeypatch.setattr(shipped_models, "_installed", True)
    with pytest.raises(XHarnessError, match=r"from plugin some_plugin\) not found at .*gone"):
        resolve_model("embedded:gone")
    monkeypatch.setattr(shipped_models, "_models", {})
    with pytest.raises(XHarnessError, match="no plugin registers one"):
        resolve_model("embedded:xlmr-tiny")


def test_validate_names_a_registered_model_whose_folder_is_missing(tmp_path) -> None:
    catalog = build_catalog()
    catalog.models["embedded:gone"] = ModelSpec(name="embedded:gone", path=str(tmp_path),
                                                description="d", plugin="some_plugin")
    [problem] = [p for p in check_imports(catalog) if p.field.startswith("models.")]
    assert (problem.where, problem.field) == ("plugin some_plugin", "models.embedded:gone.path")
    assert "no config.json" in problem.what


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "xlmr-tiny", "not of the form 'embedded:<name>'"),
    ("path", "assets/xlmr-tiny", "relative"),
])
def test_model_specs_are_validated(field, value, message) -> None:
    data = {"name": "embedded:m", "path": "/abs/m", "description": "d", field: value}
    with pytest.raises(ValidationError, match=message):
        ModelSpec.model_validate(data)


def test_the_data_digest_covers_what_the_builder_imports_of_its_package() -> None:
    files = {Path(f) for f in plugin_code("xworld.builders.pawsx:embedded")}
    assert {XWORLD / "world.py", XWORLD / "builders" / "pawsx.py", XWORLD / "paraphrase.py",
            XWORLD / "__init__.py", XWORLD / "builders" / "__init__.py"} <= files
    # scripts beside the world that make no data: editing them keeps every cached result
    assert not files & {XWORLD / "pretrain.py", XWORLD / "calibration.py",
                        XWORLD / "translator.py", XWORLD / "builders" / "squad.py"}
    assert not any(HARNESS in f.parents for f in files)
    assert XWORLD / "translator.py" in {Path(f) for f in
                                        plugin_code("xworld.translator:WorldTranslator")}
    assert plugin_code("harness.translation.hf:HFTranslator") == ()  # CODE_VERSIONS' job


def test_a_third_party_builder_serves_an_embedded_source(tmp_path, monkeypatch) -> None:
    pkg = tmp_path / "toy_world"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "build.py").write_text(textwrap.dedent("""
        import datasets

        def rows(split, lang):
            return datasets.Dataset.from_dict({"text": [f"{lang} {split}"], "label": [0]})
    """))
    (tmp_path / "lone.py").write_text("def rows(split, lang):\n    raise AssertionError\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from harness import refs

    monkeypatch.setattr(refs, "_ALLOWED", {*refs._ALLOWED, "toy_world", "lone"})
    task = TaskSpec.model_validate({
        "name": "toy", "role": "target", "family": "toy", "format": "classification",
        "languages": ["en"], "labels": ["a", "b"], "metric": "accuracy",
        "sources": {"embedded": {"builder": "toy_world.build:rows", "languages": ["en"]}}})
    assert load_raw(task, "test", "en", "embedded")["text"] == ["en test"]
    assert set(plugin_code("toy_world.build:rows")) == {str(pkg / "__init__.py"),
                                                        str(pkg / "build.py")}
    assert plugin_code("lone:rows") == (str(tmp_path / "lone.py"),)
    key = fingerprint(task, "test", "en", "embedded")
    assert key["builder"] == "toy_world.build:rows" and len(key["code"]) == 16


def test_the_data_digest_follows_imports_not_the_folder(tmp_path, monkeypatch) -> None:
    pkg = tmp_path / "toy_world2"
    (pkg / "gen").mkdir(parents=True)
    for name, text in {
        "__init__.py": "", "gen/__init__.py": "",
        "gen/build.py": "from . import words\nfrom ..shapes import SHAPES\n"
                        "def rows(split, lang):\n    from toy_world2.late import n\n",
        "gen/words.py": "WORDS = ['a']\n", "shapes.py": "import toy_world2.gen.words\n"
                                                      "SHAPES = 1\n",
        "late.py": "n = 1\n", "script.py": "print('pretraining')\n",
    }.items():
        (pkg / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    rel = {str(Path(f).relative_to(pkg)) for f in plugin_code("toy_world2.gen.build:rows")}
    assert rel == {"__init__.py", "gen/__init__.py", "gen/build.py", "gen/words.py",
                   "shapes.py", "late.py"}

    def digest() -> str:
        code_digest.cache_clear()  # one process reads the code once; a new run reads it anew
        return code_digest("toy_world2.gen.build:rows")

    before = digest()
    (pkg / "script.py").write_text("print('pretraining, commented')\n")
    assert digest() == before  # not imported by the builder: not its data
    (pkg / "gen" / "words.py").write_text("WORDS = ['b']\n")
    assert digest() != before
