"""The XTREME task table as the official scorer defines it: languages (in its order),
groups, file extensions and metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from harness.errors import XHarnessError

Group = Literal["classification", "tagging", "qa", "retrieval"]
MetricName = Literal["accuracy", "seqeval", "bucc", "squad", "mlqa", "tatoeba"]
Scores = dict[str, float]


@dataclass(frozen=True)
class XtremeTask:
    """One XTREME task as the official scorer defines it."""

    name: str
    group: Group
    languages: tuple[str, ...]
    extension: Literal["tsv", "json"]
    metric: MetricName
    # The report's ``avg_metric`` is the mean of these ``avg_*`` entries.
    avg_metric_keys: tuple[str, ...]

    def file_name(self, lang: str) -> str:
        return f"test-{lang}.{self.extension}"


def _langs(text: str) -> tuple[str, ...]:
    return tuple(text.split(","))


_ACCURACY = ("avg_accuracy",)
_F1 = ("avg_f1",)
_QA = ("avg_exact_match", "avg_f1")

# Task order and language order follow the official scorer, so averages are summed in
# the same order and the report's keys come out in the same order.
XTREME_TASKS: dict[str, XtremeTask] = {
    spec.name: spec
    for spec in (
        XtremeTask(
            "pawsx", "classification", _langs("de,en,es,fr,ja,ko,zh"), "tsv", "accuracy", _ACCURACY
        ),
        XtremeTask(
            "xnli",
            "classification",
            _langs("ar,bg,de,el,en,es,fr,hi,ru,sw,th,tr,ur,vi,zh"),
            "tsv",
            "accuracy",
            _ACCURACY,
        ),
        XtremeTask(
            "panx",
            "tagging",
            _langs(
                "ar,he,vi,id,jv,ms,tl,eu,ml,ta,te,af,nl,en,de,el,bn,hi,mr,ur,fa,fr,"
                "it,pt,es,bg,ru,ja,ka,ko,th,sw,yo,my,zh,kk,tr,et,fi,hu"
            ),
            "tsv",
            "seqeval",
            _F1,
        ),
        XtremeTask(
            "udpos",
            "tagging",
            _langs(
                "af,ar,bg,de,el,en,es,et,eu,fa,fi,fr,he,hi,hu,id,it,ja,kk,ko,mr,"
                "nl,pt,ru,ta,te,th,tl,tr,ur,vi,yo,zh"
            ),
            "tsv",
            "seqeval",
            _F1,
        ),
        XtremeTask("bucc2018", "retrieval", _langs("de,fr,ru,zh"), "tsv", "bucc", _F1),
        XtremeTask(
            "tatoeba",
            "retrieval",
            _langs(
                "ar,he,vi,id,jv,tl,eu,ml,ta,te,af,nl,de,el,bn,hi,mr,ur,fa,fr,it,"
                "pt,es,bg,ru,ja,ka,ko,th,sw,zh,kk,tr,et,fi,hu"
            ),
            "tsv",
            "tatoeba",
            _ACCURACY,
        ),
        XtremeTask("xquad", "qa", _langs("en,es,de,el,ru,tr,ar,vi,th,zh,hi"), "json", "squad", _QA),
        XtremeTask("mlqa", "qa", _langs("en,es,de,ar,hi,vi,zh"), "json", "mlqa", _QA),
        XtremeTask("tydiqa", "qa", _langs("en,ar,bn,fi,id,ko,ru,sw,te"), "json", "squad", _QA),
    )
}

XTREME_GROUPS: dict[Group, tuple[str, ...]] = {
    "classification": ("pawsx", "xnli"),
    "tagging": ("udpos", "panx"),
    "qa": ("xquad", "mlqa", "tydiqa"),
    "retrieval": ("bucc2018", "tatoeba"),
}


def task_spec(task: str) -> XtremeTask:
    """The spec of ``task``, or an ``XHarnessError`` listing the known task names."""
    try:
        return XTREME_TASKS[task]
    except KeyError:
        raise XHarnessError(
            f"unknown XTREME task {task!r}",
            where="task name",
            fix=f"use one of: {', '.join(XTREME_TASKS)}",
        ) from None
