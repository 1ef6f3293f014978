"""Calling run-observer hooks one plugin at a time, so a failing observer is named.

The order is pluggy's own (`tryfirst` first, `trylast` last, the others most recently
registered first); hook wrappers are never called (the catalog reports them), see
`harness/hookspecs.py`.
"""

from __future__ import annotations

from typing import Any

import pluggy

from harness.errors import XHarnessError


def notify(pm: pluggy.PluginManager, hook: str, **kwargs: Any) -> None:
    # get_hookimpls() lists in reverse call order, as pluggy's own loop walks it backwards
    for impl in reversed(getattr(pm.hook, hook).get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            continue
        try:
            impl.function(**{k: kwargs[k] for k in impl.argnames})
        except Exception as exc:
            raise XHarnessError(
                f"observer plugin {impl.plugin_name!r} failed in {hook}: "
                f"{type(exc).__name__}: {exc}",
                fix="fix or uninstall that plugin; results finished before this point are "
                "kept and the same command resumes",
            ) from exc
