"""The formats the core knows; a task names one of these in its `format` field."""

from __future__ import annotations

from harness.errors import XHarnessError
from harness.formats.base import Format
from harness.problems import did_you_mean

_FORMATS: dict[str, str] = {
    "classification": "harness.formats.classification:Classification",
    "tagging": "harness.formats.tagging:Tagging",
    "span_qa": "harness.formats.span_qa:SpanQA",
    "retrieval": "harness.formats.retrieval:Retrieval",
    "multiple_choice": "harness.formats.multiple_choice:MultipleChoice",
    "mlm": "harness.formats.mlm:MaskedLM",
}


def get_format(name: str) -> Format:
    from harness.refs import resolve_ref

    if name not in _FORMATS:
        raise XHarnessError(
            f"format {name!r} is not implemented yet", fix=did_you_mean(name, _FORMATS)
        )
    return resolve_ref(_FORMATS[name], "format")()
