"""Shared fixtures. Tests run offline, seeded, on CPU."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`slow` tests run only when `-m` names them (`-m slow`). Done here rather than with
    `-m 'not slow'` in addopts, which any `-m` on the command line would replace: so
    `-m "not e2e"` (the unit tests) never pulls in the multi-process runs."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


@pytest.fixture(autouse=True)
def _quiet_libraries() -> None:
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.set_verbosity_error()


@pytest.fixture
def registry_file(tmp_path: Path):
    """Write a registry YAML text to a temporary file and return its path."""

    def write(text: str, name: str = "registry.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def embedded_tokenizer():
    """The shipped tokenizer of the embedded model (a fast XLM-R-style tokenizer)."""
    from transformers import AutoTokenizer

    from harness.modeling import resolve_model

    return AutoTokenizer.from_pretrained(resolve_model("embedded:xlmr-tiny"))
