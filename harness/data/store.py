"""Canonical examples and model features per (task, split, language), loaded once.

Every unit of a grid asks the store; a split is loaded, mapped to canonical columns and
tokenised once per process (the same English training set serves every strategy), and
what canonicalisation dropped is kept for the run record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import datasets

from harness.config import Profile, TrainArgs
from harness.data.sources import Split, load_raw, row_locator, source_for
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


@dataclass
class DataStore:
    profile: Profile
    tokenizer: Any
    strict: bool = False
    max_eval_examples: int | None = None
    _examples: dict[tuple[str, str, str], Examples] = field(default_factory=dict)
    _features: dict[tuple[Any, ...], datasets.Dataset] = field(default_factory=dict)
    _translated: dict[tuple[Any, ...], tuple[Examples, dict[str, Any]]] = field(
        default_factory=dict)

    def examples(self, task: TaskSpec, split: Split, lang: str) -> Examples:
        key = (task.name, split, lang)
        if key not in self._examples:
            fmt = get_format(task.format)
            kind = self.profile.source_of(task.name)
            raw = load_raw(task, split, lang, kind, self.profile.data_root,
                           self.profile.data_options.get(task.name))
            columns = dict(getattr(source_for(task, kind), "columns", {}))
            where = f"{task.name} ({kind}, {split}, {lang})"
            try:
                ds, report = fmt.canonicalize(raw, task, columns, self.strict, where)
            except BadRows as bad:  # name each bad row's file and line where there is one
                locate = row_locator(task, split, lang, kind, self.profile.data_root)
                raise (bad.located(locate) if locate else bad) from None
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
            if split != "train" and self.max_eval_examples and len(ds) > self.max_eval_examples:
                ds = ds.select(range(self.max_eval_examples))
            self._examples[key] = Examples(task, split, lang, ds, report)
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
            source = self.examples(task, "train", "en").examples
            if limit is not None and len(source) > limit:
                source = source.select(range(limit))
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
            self._features[fkey] = fmt.featurize(ex.examples, self.tokenizer, task, args)
        return ex, self._features[fkey], stats

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
