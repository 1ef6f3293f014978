"""The built-in metrics, registered like any plugin's (their code is in `harness.metrics`:
each is implemented by its format, so they carry no `compute`)."""

from __future__ import annotations

from harness.hookspecs import hookimpl
from harness.metrics.registry import BUILTIN_METRICS
from harness.specs import MetricSpec


@hookimpl
def xharness_metrics() -> list[MetricSpec]:
    return list(BUILTIN_METRICS.values())
