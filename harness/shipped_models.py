"""Models that plugins ship as local folders, named `embedded:<name>`.

The core knows no plugin's files: a plugin registers its models through the
`xharness_models` hook (the embedded world registers `embedded:xlmr-tiny`, a folder inside
the `xworld` package), the catalog installs them here, and `harness.modeling.resolve_model`
maps a name to its folder. Kept free of torch so that building the catalog stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from harness.errors import XHarnessError
from harness.problems import did_you_mean
from harness.specs import ModelSpec

PREFIX = "embedded:"

_models: dict[str, ModelSpec] = {}
_installed = False


def install(models: Iterable[ModelSpec]) -> None:
    """Make the catalog's registered models the table `resolve` looks names up in."""
    global _installed
    _models.clear()
    _models.update({m.name: m for m in models})
    _installed = True


def registered() -> dict[str, ModelSpec]:
    """The installed table; builds the default catalog first if no catalog was built in
    this process yet (a benchmark or a test that resolves a model directly)."""
    if not _installed:
        from harness.catalog import build_catalog

        build_catalog()
    return dict(_models)


def resolve(ref: str) -> str:
    """`embedded:<name>` -> the registered folder, with an error that lists the names."""
    models = registered()
    if ref not in models:
        install_hint = ("install the plugin that ships it (the embedded world, `xworld`, comes "
                        "with `pip install -e .`; `xharness validate` lists plugins that "
                        "failed to load)")
        raise XHarnessError(
            f"unknown shipped model {ref!r}" + ("" if models else " (no plugin registers one)"),
            fix=f"{did_you_mean(ref, models)}; or {install_hint}" if models else install_hint,
        )
    spec = models[ref]
    path = Path(spec.path)
    if not (path / "config.json").is_file():
        raise XHarnessError(
            f"shipped model {ref!r} (from plugin {spec.plugin}) not found at {path}",
            fix="reinstall the plugin from a full checkout; the embedded world's model is "
            "rebuilt with `python -m xworld.pretrain`",
        )
    return str(path)
