"""Publishing finished runs into `leaderboards/<profile>/`.

- `README.md`: a header naming model, profile, data sources, seeds and commit; the main
  table in the layout of Phang et al. (rows = systems, columns = the nine targets, the four
  group scores and the XTREME score; cells = mean ± std over seeds and the delta against
  the reference strategy, `baseline`); the answer table (each strategy against those its
  registry entry names in `compare_with`, per target and overall: difference, 95%
  interval and p-value of the seed-and-example test of `harness/significance.py`,
  Holm-adjusted across the table); the heatmap of deltas.
- `<target>.md`: every run with every language, for the XTREME view per target.
- `deltas.png`: system x target deltas against baseline.
- `leaderboard.json`: the same numbers for other tools, with a schema version.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tabulate import tabulate

from harness.aggregate import (
    GROUP_ORDER,
    XTREME_ORDER,
    Cell,
    Layout,
    Row,
    build_rows,
    by_profile,
    targets_present,
)
from harness.atomic import write_bytes_atomic, write_json_atomic, write_text_atomic
from harness.errors import XHarnessError
from harness.hashing import stable_hash
from harness.records import RECORD_FILE, TargetRecord, load_example_stats, read_record
from harness.run_config import label
from harness.selection.report import publish_selection
from harness.significance import Evidence, combine, evidence, holm, paired_test

log = logging.getLogger("xharness")
#: 2: rows are systems (with `system` and `config`); comparisons carry p_value, p_adjusted,
#: seeds per system and seeds_needed
SCHEMA_VERSION = 2
GROUP_SHORT = {"classification": "cls", "tagging": "tag", "qa": "qa", "retrieval": "ret"}
METHOD = ("paired two-component test: seed variance from the per-seed differences "
          "(Student t, n-1 df) plus test-example variance from a paired bootstrap "
          "(2,000 replicates), Welch-Satterthwaite df; p-values Holm-adjusted across the "
          "table (Dror et al., 2018; Bouthillier et al., 2021)")


def load_records(runs_dir: Path, profile: str | None = None) -> list[TargetRecord]:
    """Every finished target record; a damaged one is reported and skipped, not fatal,
    and so are schema-1 records, which lack the system identity rows group by."""
    records, old = [], []
    for path in sorted((Path(runs_dir) / "targets").glob(f"*/{RECORD_FILE}")):
        try:
            rec = read_record(path, TargetRecord)
        except XHarnessError as exc:
            log.warning("skipping %s", exc)
            continue
        if profile is not None and rec.profile != profile:
            continue
        if rec.system is None:  # type: ignore[attr-defined]
            old.append(path)
            continue
        records.append(rec)  # type: ignore[arg-type]
    if old:
        log.warning(
            "leaving out %d run record(s) of schema 1 (no system identity, so they cannot be "
            "grouped safely), e.g. %s; rerun the `xharness eval` commands that made them: "
            "finished units are reused and their records upgraded in place", len(old), old[0])
    return records


def _cell(cell: Cell | None, base: Cell | None = None) -> str:
    if cell is None:
        return "–"
    text = f"{cell.mean:.1f}" + (f" ±{cell.std:.1f}" if cell.n > 1 else "")
    if base is not None:
        text += f" ({cell.mean - base.mean:+.1f})"
    return text


def _baseline(rows: list[Row], row: Row, layout: Layout) -> Row | None:
    """The reference row of the same setting (model, recipe, overrides, ...): the delta
    of `english-only max_steps=50` is taken against `baseline max_steps=50`."""
    return next((r for r in rows if r.strategy in layout.references and not r.options
                 and r.setting == row.setting), None)


def main_table(rows: list[Row], targets: list[str], layout: Layout) -> str:
    headers = ["system", "seeds", *targets, *(GROUP_SHORT[g] for g in GROUP_ORDER), "XTREME"]
    body = []
    for row in rows:
        base = _baseline(rows, row, layout)
        ref = base if base is not None and base is not row else None
        cells = [_cell(row.target(t), ref.target(t) if ref else None) for t in targets]
        cells += [_cell(row.group(g), ref.group(g) if ref else None) for g in GROUP_ORDER]
        cells.append(_cell(row.xtreme(), ref.xtreme() if ref else None))
        body.append([row.label + ("" if row.zero_shot else " †"),
                     ",".join(str(x) for x in row.seeds), *cells])
    return tabulate(body, headers=headers, tablefmt="github", disable_numparse=True)


def target_evidence(a: Row, b: Row, target: str, runs_dir: Path) -> Evidence | None:
    """Per-seed scores and the paired example bootstrap of `a` against `b` on one target."""
    from harness.formats import get_format
    from harness.specs import TaskSpec

    recs_a, recs_b = a.runs.get(target), b.runs.get(target)
    if not recs_a or not recs_b:
        return None
    spec = TaskSpec.model_validate(recs_a[0].config["target_spec"])
    fmt = get_format(spec.format)

    def runs_of(recs: list[TargetRecord]) -> dict[int, dict[str, np.ndarray]]:
        return {r.seed: load_example_stats(runs_dir / "targets" / r.key) for r in recs}

    return evidence(runs_of(recs_a), runs_of(recs_b),
                    lambda rows: fmt.metric_from_stats(rows, spec),
                    seed=_bootstrap_seed(target))


def _bootstrap_seed(target: str) -> int:
    """A fixed bootstrap seed per target, so a republished table is reproducible."""
    return int(stable_hash(target, 8), 16)


def _partner(rows: list[Row], a: Row, strategy: str) -> Row | None:
    """The row of `strategy` to compare `a` with: same setting, and its non-default
    options a subset of a's (`combined [mnli]` meets `english-only [mnli]`)."""
    found = [r for r in rows if r.strategy == strategy and r.setting == a.setting
             and all(a.options.get(k) == v for k, v in r.options.items())]
    return max(found, key=lambda r: len(r.options), default=None)


def comparisons(rows: list[Row], targets: list[str], runs_dir: Path, layout: Layout
                ) -> list[dict[str, Any]]:
    """Every registry pair on every target, plus an overall row per pair (the mean over
    the targets both have: the XTREME score when all nine are there); p-values
    Holm-adjusted across all of them."""
    found: list[dict[str, Any]] = []
    for first, second in layout.pairs:
        for a in (r for r in rows if r.strategy == first):
            b = _partner(rows, a, second)
            if b is None:
                continue
            per_target = {}
            for t in targets:
                ev = target_evidence(a, b, t, runs_dir)
                if ev is not None:
                    per_target[t] = ev
            if not per_target:
                continue
            items = [(t, ev) for t, ev in per_target.items()]
            overall = ("XTREME" if set(per_target) == set(XTREME_ORDER)
                       else f"mean of {len(per_target)}")
            if len(per_target) > 1:
                items.append((overall, combine(list(per_target.values()))))
            for t, ev in items:
                cmp = paired_test(ev)
                found.append({
                    "system": a.label, "against": b.label, "target": t,
                    "overall": t == overall and len(per_target) > 1,
                    "difference": cmp.difference, "low": cmp.low, "high": cmp.high,
                    "p_value": cmp.p_value, "paired": cmp.paired,
                    "seeds": {a.label: cmp.seeds_a, b.label: cmp.seeds_b},
                    "seeds_needed": cmp.seeds_needed, "_cmp": cmp})
    for c, adjusted in zip(found, holm([c["p_value"] for c in found]), strict=True):
        cmp = c.pop("_cmp")
        c["p_adjusted"] = adjusted
        c["significant"] = cmp.significant(adjusted)
        c["estimable"] = cmp.estimable
    return found


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def answer_table(rows: list[Row], targets: list[str], runs_dir: Path, layout: Layout
                 ) -> tuple[str, list[dict[str, Any]]]:
    found = comparisons(rows, targets, runs_dir, layout)
    body = []
    for c in found:
        if not c["estimable"]:
            verdict = "seed variance not estimable (< 3 seeds)"
        else:
            verdict = "yes" if c["significant"] else "no"
        needed = ("–" if not c["estimable"] else
                  str(c["seeds_needed"]) if c["seeds_needed"] is not None else "> 20")
        body.append([f"{c['system']} vs {c['against']}",
                     f"**{c['target']}**" if c["overall"] else c["target"],
                     f"{c['difference']:+.2f}", f"[{c['low']:+.2f}, {c['high']:+.2f}]",
                     _p(c["p_value"]), _p(c["p_adjusted"]), verdict, needed])
    table = tabulate(body, headers=["comparison", "target", "difference", "95% CI", "p",
                                    "p (Holm)", "significant", "seeds needed"],
                     tablefmt="github", disable_numparse=True)
    return table, found


def target_table(records: list[TargetRecord]) -> str:
    """Rows (strategy, model, seed); columns languages and their average."""
    langs: list[str] = []
    for r in records:
        langs += [lang for lang in r.metrics if lang not in langs]
    if "en" in langs:  # English first: the language the model was trained in
        langs.remove("en")
        langs.insert(0, "en")
    body = []
    for r in sorted(records, key=lambda r: (r.strategy, r.model, r.seed)):
        name = label(r.config["system"]) + ("" if r.zero_shot else " †")
        cells = [f"{r.metrics[x][r.primary_metric]:.1f}" if x in r.metrics else "–"
                 for x in langs]
        body.append([name, r.model, r.seed, *cells, f"{r.average:.1f}"])
    return tabulate(body, headers=["strategy", "model", "seed", *langs, "avg"],
                    tablefmt="github", disable_numparse=True)


def heatmap(rows: list[Row], targets: list[str], path: Path, layout: Layout) -> bool:
    """Deltas against baseline, systems x targets (PNG); False if there is no baseline."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = [r for r in rows if _baseline(rows, r, layout) not in (None, r)]
    if not systems:
        return False
    data = np.full((len(systems), len(targets)), np.nan)
    for i, row in enumerate(systems):
        base = _baseline(rows, row, layout)
        assert base is not None
        for j, t in enumerate(targets):
            c, b = row.target(t), base.target(t)
            if c is not None and b is not None:
                data[i, j] = c.mean - b.mean
    limit = max(1.0, float(np.nanmax(np.abs(data))) if np.isfinite(data).any() else 1.0)
    fig, ax = plt.subplots(figsize=(1.1 * len(targets) + 3, 0.5 * len(systems) + 1.5))
    im = ax.imshow(data, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(len(targets)), targets, rotation=45, ha="right")
    ax.set_yticks(range(len(systems)), [r.label for r in systems])
    for i in range(len(systems)):
        for j in range(len(targets)):
            if np.isfinite(data[i, j]):
                dark = abs(data[i, j]) > 0.6 * limit  # white on the saturated cells
                ax.text(j, i, f"{data[i, j]:+.1f}", ha="center", va="center", fontsize=8,
                        color="white" if dark else "black")
    fig.colorbar(im, ax=ax, label="difference to baseline (points)")
    ax.set_title("Intermediate training: change over no intermediate training")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    write_bytes_atomic(path, buf.getvalue())
    return True


def header(records: list[TargetRecord], profile: str) -> str:
    models = sorted({r.model for r in records})
    sources = sorted({r.source for r in records})
    seeds = sorted({r.seed for r in records})
    commits = sorted({r.versions.get("git_commit", "unknown") for r in records})
    lines = [f"- profile: `{profile}`", f"- model: {', '.join(models)}",
             f"- data source: {', '.join(sources)}",
             f"- seeds: {', '.join(map(str, seeds))}", f"- commit: {', '.join(commits)}"]
    if "embedded" in sources:
        lines.append("- the embedded profile's languages are synthetic stand-ins that borrow "
                     "XTREME codes; its numbers say nothing about real languages")
    return "\n".join(lines)


#: what a publication wrote into a profile's folder, so the next one can remove the pages
#: it no longer produces (and only those: other files in the folder are not ours)
MANIFEST = ".published.json"


@dataclass
class Publication:
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


def publish(runs_dir: Path, out_dir: Path, profile: str | None = None,
            catalog: Any = None) -> Publication:
    """`catalog` gives the layout (row order, reference, pairs); default: the registry's."""
    if catalog is None:
        from harness.catalog import build_catalog

        catalog = build_catalog()
    layout = Layout.of(catalog)
    records = load_records(runs_dir, profile)
    if not records:
        raise XHarnessError(
            f"no finished runs under {runs_dir}/targets",
            fix="run `xharness eval ...` first, or pass --runs-dir",
        )
    done = Publication()
    for prof, recs in sorted(by_profile(records).items()):
        folder = Path(out_dir) / prof
        previous = _previously_published(folder)
        written = _publish_profile(Path(runs_dir), folder, prof, recs, layout)
        written += publish_selection(Path(runs_dir), folder, prof, recs)  # issue 20
        names = {p.name for p in written}
        for name in sorted(previous - names - {MANIFEST}):
            stale = folder / name
            if stale.is_file():
                stale.unlink()
                done.removed.append(stale)
        write_json_atomic(folder / MANIFEST, {"files": sorted(names)})
        done.written += written
    return done


def _previously_published(folder: Path) -> set[str]:
    """The files the last publication wrote here: its manifest, or, for a board published
    before manifests existed, the README's per-target links and their companions."""
    try:
        files = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
        return {f for f in files if isinstance(f, str) and "/" not in f and f != ".."}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    readme = folder / "README.md"
    try:
        text = readme.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    if not text.startswith("# Leaderboard: profile `"):
        return set()  # not a board xharness wrote
    pages = set(re.findall(r"^- \[[^\]]+\]\(([^/)]+\.md)\)$", text, flags=re.M))
    return pages | {"README.md", "leaderboard.json", "deltas.png"}


def _publish_profile(runs_dir: Path, folder: Path, profile: str,
                     records: list[TargetRecord], layout: Layout) -> list[Path]:
    rows = build_rows(records, layout)
    targets = targets_present(records)
    written = []
    for t in targets:
        trecs = [r for r in records if r.target == t]
        body = (f"# {t} ({trecs[0].primary_metric}, zero-shot from English)\n\n"
                f"{header(trecs, profile)}\n\n{target_table(trecs)}\n{_footnote(trecs)}")
        write_text_atomic(folder / f"{t}.md", body)
        written.append(folder / f"{t}.md")
    answers, found = answer_table(rows, targets, runs_dir, layout)
    has_map = heatmap(rows, targets, folder / "deltas.png", layout)
    if has_map:
        written.append(folder / "deltas.png")
    parts = [
        f"# Leaderboard: profile `{profile}`\n", header(records, profile), "",
        "## Main table\n",
        "Cells: mean ± standard deviation over seeds (delta against the reference strategy of "
        "the same setting, `baseline`). Target "
        "columns average the target's languages; cls/tag/qa/ret are XTREME's group scores "
        "and XTREME the mean over the nine tasks, shown only where every task of the group "
        "was run.\n", main_table(rows, targets, layout), _footnote(records),
        "## The answer: paired comparisons\n",
        f"Difference of the target score (points; **bold**: the mean over the targets, the "
        f"XTREME score when all nine are present), its 95% interval and p-value from a "
        f"{METHOD}. Significant when the Holm-adjusted p < 0.05 and the interval excludes "
        "zero; with fewer than 3 seeds per system the seed variance is not estimable and "
        "nothing is called significant. Seeds needed: per system, for the interval to "
        "exclude zero at the observed difference and variances.\n",
        answers if found else "_Run the strategies the registry pairs (`compare_with`: "
        "combined with english-only and multilingual-only) to fill this table._", "",
    ]
    if has_map:
        parts += ["## Deltas against baseline\n", "![deltas](deltas.png)", ""]
    parts += ["## Per target\n", *[f"- [{t}]({t}.md)" for t in targets], ""]
    write_text_atomic(folder / "README.md", "\n".join(parts))
    written.append(folder / "README.md")
    write_json_atomic(folder / "leaderboard.json", _as_json(rows, targets, found, records,
                                                            profile))
    written.append(folder / "leaderboard.json")
    return written


def _as_json(rows: list[Row], targets: list[str], comparisons: list[dict[str, Any]],
             records: list[TargetRecord], profile: str) -> dict[str, Any]:
    def cell(c: Cell | None) -> dict[str, Any] | None:
        return None if c is None else {"mean": c.mean, "std": c.std, "n": c.n}

    return {
        "schema_version": SCHEMA_VERSION, "profile": profile, "method": METHOD,
        "models": sorted({r.model for r in records}),
        "sources": sorted({r.source for r in records}),
        "seeds": sorted({r.seed for r in records}),
        "commits": sorted({r.versions.get("git_commit", "unknown") for r in records}),
        "targets": targets,
        "rows": [{"label": r.label, "system": r.system, "strategy": r.strategy,
                  "model": r.model, "options": r.options, "config": r.config,
                  "zero_shot": r.zero_shot, "seeds": r.seeds,
                  "targets": {t: cell(r.target(t)) for t in targets},
                  "groups": {g: cell(r.group(g)) for g in GROUP_ORDER},
                  "xtreme": cell(r.xtreme()),
                  "runs": {t: [x.key for x in recs] for t, recs in r.runs.items()}}
                 for r in rows],
        "comparisons": comparisons,
    }


def _footnote(records: list[TargetRecord]) -> str:
    if all(r.zero_shot for r in records):
        return ""
    return ("\n† not zero-shot: an intermediate stage trained on this target's task family "
            "in non-English languages (`--allow-non-zero-shot`).\n")
