"""Canonical examples and model features per (task, split, language), loaded once.

Every unit of a grid asks the store; a split is loaded, mapped to canonical columns and
tokenised once per process (the same English training set serves every strategy), and
what canonicalisation dropped is kept for the run record.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import datasets
import numpy as np

from harness.config import Profile, TrainArgs
from harness.data.choice import choose
from harness.data.sampling import sample_indices, sample_seed
from harness.data.sources import Split, load_raw, row_locator, source_for, split_parts
from harness.errors import XHarnessError
from harness.formats import get_format
from harness.formats.base import BadRows, DataReport, Format
from harness.specs import TaskSpec
from harness.translation.base import Translator

log = logging.getLogger("xharness")


class Untranslatable(XHarnessError):
    """No example of a task survived translation into a language."""


@dataclass
class Examples:
    task: TaskSpec
    split: Split
    lang: str
    examples: datasets.Dataset
    report: DataReport
    #: rows per sub-split where the split concatenates several (ANLI's dev_r1+dev_r2+...)
    strata: list[int] | None = None

    def subset(self, limit: int | None) -> Examples:
        """At most `limit` rows: a random sample seeded by (task, split, language) only,
        stratified by sub-split, the same for every system of a grid."""
        if limit is None or len(self.examples) <= limit:
            return self
        sizes = self.strata or [len(self.examples)]
        keep = sample_indices(sizes, limit, sample_seed(self.task.name, self.split, self.lang))
        strata = None
        if self.strata:  # the sample is sorted, so each stratum stays contiguous
            bounds = np.cumsum(self.strata)
            strata = np.bincount(np.searchsorted(bounds, keep, side="right"),
                                 minlength=len(self.strata)).tolist()
        return Examples(self.task, self.split, self.lang, self.examples.select(keep),
                        self.report, strata)


@dataclass
class DataStore:
    profile: Profile
    tokenizer: Any
    strict: bool = False
    max_eval_examples: int | None = None
    #: loads `tokenizer` on first use (checking data needs none; a dry run may not have it)
    load_tokenizer: Callable[[], Any] | None = None
    _examples: dict[tuple[str, str, str], Examples] = field(default_factory=dict)
    _features: dict[tuple[Any, ...], datasets.Dataset] = field(default_factory=dict)
    _translated: dict[tuple[Any, ...], tuple[Examples, dict[str, Any]]] = field(
        default_factory=dict)

    def examples(self, task: TaskSpec, split: Split, lang: str) -> Examples:
        key = (task.name, split, lang)
        if key not in self._examples:
            fmt = get_format(task.format)
            served = choose(task, self.profile)
            kind = served.kind
            columns = dict(getattr(source_for(task, kind), "columns", {}))
            where = f"{task.name} ({kind}, {split}, {lang})"
            parts = split_parts(task, split, kind)
            pieces = []
            for part in parts or [None]:  # each sub-split on its own, to stratify by it
                raw = load_raw(task, split, lang, kind, served.root,
                               self.profile.data_options.get(task.name), part=part)
                try:
                    pieces.append(fmt.canonicalize(raw, task, columns, self.strict, where))
                except BadRows as bad:  # name each bad row's file and line where there is one
                    locate = (row_locator(task, split, lang, kind, served.root)
                              if part is None else None)
                    raise (bad.located(locate) if locate else bad) from None
            ds, report = pieces[0]
            strata = None
            if len(pieces) > 1:
                strata = [len(d) for d, _ in pieces]
                ds = datasets.concatenate_datasets([d for d, _ in pieces])
                report = DataReport(rows_in=sum(r.rows_in for _, r in pieces),
                                    rows_out=sum(r.rows_out for _, r in pieces),
                                    dropped=sum((r.dropped for _, r in pieces), Counter()))
            if report.dropped:
                log.warning("%s: dropped %d of %d rows (%s); %s on the other %d. `--strict` "
                            "refuses them, naming each file and line", where,
                            sum(report.dropped.values()), report.rows_in,
                            ", ".join(f"{n} {why}" for why, n in report.dropped.items()),
                            "trains" if split == "train" else "scores", report.rows_out)
            if len(ds) == 0:
                raise Untranslatable(
                    f"split is empty after loading ({report.rows_in} rows in, dropped: "
                    f"{dict(report.dropped) or 'none'})",
                    where=where, fix="check the data file or the task's column mapping",
                )
            ex = Examples(task, split, lang, ds, report, strata)
            if split != "train" and self.max_eval_examples:
                ex = ex.subset(self.max_eval_examples)
            self._examples[key] = ex
        return self._examples[key]

    def translated(
        self, task: TaskSpec, lang: str, translator: Translator, min_chrf: float | None,
        limit: int | None = None,
    ) -> tuple[Examples, dict[str, Any]]:
        """The English training set translated into `lang`, filtered by round-trip chrF;
        with statistics (what was dropped and why, corpus chrF and BLEU)."""
        from harness.translation.quality import round_trip  # sacrebleu: only if used

        key = (task.name, "train", lang, translator.name, min_chrf, limit)
        if key not in self._translated:
            fmt = get_format(task.format)
            source = self.examples(task, "train", "en").subset(limit).examples
            ds, origin, dropped = fmt.translate(
                source, lambda texts: translator.translate(texts, "en", lang), lang, task)
            originals = fmt.quality_texts(source.select(origin))
            outputs = fmt.quality_texts(ds)
            quality = round_trip(translator, originals, "en", lang, translations=outputs)
            if min_chrf is not None:
                good = [i for i, c in enumerate(quality.chrf) if c >= min_chrf]
                dropped["round-trip chrF below threshold"] += len(ds) - len(good)
                ds = ds.select(good)
            stats = {"translator": translator.name, "rows_in": len(source),
                     "rows_out": len(ds), "dropped": dict(dropped), "min_chrf": min_chrf,
                     "chrf": round(quality.corpus_chrf, 2),
                     "bleu": round(quality.corpus_bleu, 2)}
            if len(ds) == 0:
                raise Untranslatable(
                    f"no example of {task.name} survived translation into {lang} "
                    f"({stats['dropped']})", where=f"translator {translator.name}",
                    fix="use a translator that supports this language, or lower --min-chrf",
                )
            report = DataReport(rows_in=len(source), rows_out=len(ds), dropped=dropped)
            self._translated[key] = (Examples(task, "train", lang, ds, report), stats)
        return self._translated[key]

    def translated_features(
        self, task: TaskSpec, lang: str, args: TrainArgs, translator: Translator,
        min_chrf: float | None, limit: int | None = None,
    ) -> tuple[Examples, datasets.Dataset, dict[str, Any]]:
        ex, stats = self.translated(task, lang, translator, min_chrf, limit)
        fmt = get_format(task.format)
        fkey = (task.name, "train", lang, _featurize_key(fmt, args), limit, translator.name,
                min_chrf)
        if fkey not in self._features:
            self._features[fkey] = fmt.featurize(ex.examples, self._tokenizer(), task, args)
        return ex, self._features[fkey], stats

    def features(
        self, task: TaskSpec, split: Split, lang: str, args: TrainArgs,
        limit: int | None = None,
    ) -> tuple[Examples, datasets.Dataset]:
        ex = self.examples(task, split, lang)
        fmt = get_format(task.format)
        fkey = (task.name, split, lang, _featurize_key(fmt, args), limit)
        ex = ex.subset(limit)
        if fkey not in self._features:
            self._features[fkey] = fmt.featurize(ex.examples, self._tokenizer(), task, args)
        return ex, self._features[fkey]

    def _tokenizer(self) -> Any:
        if self.tokenizer is None and self.load_tokenizer is not None:
            self.tokenizer = self.load_tokenizer()
        return self.tokenizer


def _featurize_key(fmt: Format, args: TrainArgs) -> tuple[Any, ...]:
    return (fmt.name, args.max_length, args.doc_stride)
