"""Canonical examples and model features per (task, split, language), loaded once.

Every unit of a grid asks the store; a split is loaded, mapped to canonical columns and
tokenised once per process (the same English training set serves every strategy), and
what canonicalisation dropped is kept for the run record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import datasets

from harness.config import Profile, TrainArgs
from harness.data.sources import Split, load_raw, source_for, source_languages
from harness.formats import get_format
from harness.formats.base import DataReport, Format
from harness.specs import EmbeddedSource, TaskSpec


@dataclass
class Examples:
    task: TaskSpec
    split: Split
    lang: str
    examples: datasets.Dataset
    report: DataReport


@dataclass
class DataStore:
    profile: Profile
    tokenizer: Any
    strict: bool = False
    max_eval_examples: int | None = None
    _examples: dict[tuple[str, str, str], Examples] = field(default_factory=dict)
    _features: dict[tuple[Any, ...], datasets.Dataset] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.profile.source

    def languages(self, task: TaskSpec) -> list[str]:
        return source_languages(task, self.profile.source)

    def train_languages(self, task: TaskSpec) -> list[str]:
        spec = source_for(task, self.profile.source)
        langs = task.train_languages
        if isinstance(spec, EmbeddedSource):
            langs = [lang for lang in langs if lang in spec.languages]
        return langs

    def examples(self, task: TaskSpec, split: Split, lang: str) -> Examples:
        key = (task.name, split, lang)
        if key not in self._examples:
            fmt = get_format(task.format)
            raw = load_raw(task, split, lang, self.profile.source, self.profile.data_root,
                           self.profile.data_options.get(task.name))
            columns = dict(getattr(source_for(task, self.profile.source), "columns", {}))
            where = f"{task.name} ({self.profile.source}, {split}, {lang})"
            ds, report = fmt.canonicalize(raw, task, columns, self.strict, where)
            if len(ds) == 0:
                from harness.errors import XHarnessError

                raise XHarnessError(
                    f"split is empty after loading ({report.rows_in} rows in, dropped: "
                    f"{dict(report.dropped) or 'none'})",
                    where=where, fix="check the data file or the task's column mapping",
                )
            if split != "train" and self.max_eval_examples and len(ds) > self.max_eval_examples:
                ds = ds.select(range(self.max_eval_examples))
            self._examples[key] = Examples(task, split, lang, ds, report)
        return self._examples[key]

    def features(
        self, task: TaskSpec, split: Split, lang: str, args: TrainArgs,
        limit: int | None = None,
    ) -> tuple[Examples, datasets.Dataset]:
        ex = self.examples(task, split, lang)
        fmt = get_format(task.format)
        fkey = (task.name, split, lang, _featurize_key(fmt, args), limit)
        if fkey not in self._features:
            examples = ex.examples
            if limit is not None and len(examples) > limit:
                examples = examples.select(range(limit))
            self._features[fkey] = fmt.featurize(examples, self.tokenizer, task, args)
        if limit is not None and len(ex.examples) > limit:
            ex = Examples(ex.task, ex.split, ex.lang, ex.examples.select(range(limit)),
                          ex.report)
        return ex, self._features[fkey]


def _featurize_key(fmt: Format, args: TrainArgs) -> tuple[Any, ...]:
    return (fmt.name, args.max_length, args.doc_stride)
