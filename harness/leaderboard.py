"""Publishing finished runs as markdown (tabulate) into `leaderboards/`.

One folder per profile; per target a table with one row per (strategy, model, seed),
a column per language and the average; an index naming model, data source, seeds and
commit so that every number can be traced to what produced it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

from tabulate import tabulate

from harness.atomic import write_text_atomic
from harness.errors import XHarnessError
from harness.records import RECORD_FILE, TargetRecord, read_record

log = logging.getLogger("xharness")


def load_records(runs_dir: Path, profile: str | None = None) -> list[TargetRecord]:
    """Every finished target record; a damaged one is reported and skipped, not fatal."""
    records = []
    for path in sorted((Path(runs_dir) / "targets").glob(f"*/{RECORD_FILE}")):
        try:
            rec = read_record(path, TargetRecord)
        except XHarnessError as exc:
            log.warning("skipping %s", exc)
            continue
        if profile is None or rec.profile == profile:
            records.append(rec)  # type: ignore[arg-type]
    return records


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def target_table(records: list[TargetRecord]) -> str:
    """Rows (strategy, model, seed); columns languages and their average."""
    langs: list[str] = []
    for r in records:
        langs += [lang for lang in r.metrics if lang not in langs]
    if "en" in langs:  # English first: the language the model was trained in
        langs.remove("en")
        langs.insert(0, "en")
    rows = []
    for r in sorted(records, key=lambda r: (r.strategy, r.model, r.seed)):
        name = r.strategy + ("" if r.zero_shot else " †")
        cells = [_fmt(r.metrics[lang][r.primary_metric]) if lang in r.metrics else "–"
                 for lang in langs]
        rows.append([name, r.model, r.seed, *cells, _fmt(r.average)])
    return tabulate(rows, headers=["strategy", "model", "seed", *langs, "avg"],
                    tablefmt="github", disable_numparse=True)


def publish(runs_dir: Path, out_dir: Path, profile: str | None = None) -> list[Path]:
    records = load_records(runs_dir, profile)
    if not records:
        raise XHarnessError(
            f"no finished runs under {runs_dir}/targets",
            fix="run `xharness eval ...` first, or pass --runs-dir",
        )
    by_profile: dict[str, list[TargetRecord]] = defaultdict(list)
    for r in records:
        by_profile[r.profile].append(r)
    written = []
    for prof, recs in sorted(by_profile.items()):
        folder = Path(out_dir) / prof
        by_target: dict[str, list[TargetRecord]] = defaultdict(list)
        for r in recs:
            by_target[r.target].append(r)
        sections = []
        for target, trecs in sorted(by_target.items()):
            metric = trecs[0].primary_metric
            body = (f"# {target} ({metric}, zero-shot from English)\n\n{_header(trecs)}\n\n"
                    f"{target_table(trecs)}\n{_footnotes(trecs)}")
            path = folder / f"{target}.md"
            write_text_atomic(path, body)
            written.append(path)
            sections.append(f"- [{target}]({target}.md): {len(trecs)} run(s)")
        index = (f"# Leaderboard: profile `{prof}`\n\n{_header(recs)}\n\n## Targets\n\n"
                 + "\n".join(sections) + "\n")
        write_text_atomic(folder / "README.md", index)
        written.append(folder / "README.md")
    return written


def _header(records: list[TargetRecord]) -> str:
    models = sorted({r.model for r in records})
    sources = sorted({r.source for r in records})
    seeds = sorted({r.seed for r in records})
    commits = sorted({r.versions.get("git_commit", "unknown") for r in records})
    lines = [f"- model: {', '.join(models)}", f"- data source: {', '.join(sources)}",
             f"- seeds: {', '.join(map(str, seeds))}", f"- commit: {', '.join(commits)}"]
    if "embedded" in sources:
        lines.append("- the embedded profile's languages are synthetic stand-ins that borrow "
                     "XTREME codes; its numbers say nothing about real languages")
    return "\n".join(lines)


def _footnotes(records: list[TargetRecord]) -> str:
    if all(r.zero_shot for r in records):
        return ""
    return ("\n† not zero-shot: an intermediate stage trained on this target's task family "
            "in non-English languages (`--allow-non-zero-shot`).\n")
