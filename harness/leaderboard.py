"""Publishing finished runs into `leaderboards/<profile>/`.

- `README.md`: a header naming model, profile, data sources, seeds and commit; the main
  table in the layout of Phang et al. (rows = systems, columns = the nine targets, the four
  group scores and the XTREME score; cells = mean ± std over seeds and the delta against
  `baseline`); the answer table (combined against english-only and multilingual-only, per
  target: difference, paired-bootstrap 95% interval, significance); the heatmap of deltas.
- `<target>.md`: every run with every language, for the XTREME view per target.
- `deltas.png`: system x target deltas against baseline.
- `leaderboard.json`: the same numbers for other tools, with a schema version.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from tabulate import tabulate

from harness.aggregate import GROUP_ORDER, Cell, Row, build_rows, by_profile, targets_present
from harness.atomic import write_bytes_atomic, write_json_atomic, write_text_atomic
from harness.bootstrap import Comparison, paired_bootstrap
from harness.errors import XHarnessError
from harness.records import RECORD_FILE, TargetRecord, load_example_stats, read_record

log = logging.getLogger("xharness")
SCHEMA_VERSION = 1
GROUP_SHORT = {"classification": "cls", "tagging": "tag", "qa": "qa", "retrieval": "ret"}
BASELINE = "baseline"
ANSWER_PAIRS = (("combined", "english-only"), ("combined", "multilingual-only"))


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


def _cell(cell: Cell | None, base: Cell | None = None) -> str:
    if cell is None:
        return "–"
    text = f"{cell.mean:.1f}" + (f" ±{cell.std:.1f}" if cell.n > 1 else "")
    if base is not None:
        text += f" ({cell.mean - base.mean:+.1f})"
    return text


def _baseline(rows: list[Row], model: str) -> Row | None:
    return next((r for r in rows if r.label == BASELINE and r.model == model), None)


def main_table(rows: list[Row], targets: list[str]) -> str:
    headers = ["system", "seeds", *targets, *(GROUP_SHORT[g] for g in GROUP_ORDER), "XTREME"]
    body = []
    for row in rows:
        base = _baseline(rows, row.model)
        ref = base if base is not None and base is not row else None
        cells = [_cell(row.target(t), ref.target(t) if ref else None) for t in targets]
        cells += [_cell(row.group(g), ref.group(g) if ref else None) for g in GROUP_ORDER]
        cells.append(_cell(row.xtreme(), ref.xtreme() if ref else None))
        body.append([row.label + ("" if row.zero_shot else " †"),
                     ",".join(str(x) for x in row.seeds), *cells])
    return tabulate(body, headers=headers, tablefmt="github", disable_numparse=True)


def compare(a: Row, b: Row, target: str, runs_dir: Path) -> Comparison | None:
    """Paired bootstrap of `a` against `b` on one target, pooled over seeds."""
    from harness.formats import get_format
    from harness.specs import TaskSpec

    recs_a, recs_b = a.runs.get(target), b.runs.get(target)
    if not recs_a or not recs_b:
        return None
    spec = TaskSpec.model_validate(recs_a[0].config["target_spec"])
    fmt = get_format(spec.format)

    def rows_of(recs: list[TargetRecord]) -> dict[str, list[np.ndarray]]:
        out: dict[str, list[np.ndarray]] = {}
        for r in recs:
            for lang, arr in load_example_stats(runs_dir / "targets" / r.key).items():
                out.setdefault(lang, []).append(arr)
        return out

    return paired_bootstrap(rows_of(recs_a), rows_of(recs_b),
                            lambda rows: fmt.metric_from_stats(rows, spec))


def answer_table(rows: list[Row], targets: list[str], runs_dir: Path
                 ) -> tuple[str, list[dict[str, Any]]]:
    found = []
    for first, second in ANSWER_PAIRS:
        b = next((r for r in rows if r.label == second), None)
        for a in (r for r in rows if r.strategy == first):
            if b is None or a.model != b.model:
                continue
            for t in targets:
                cmp = compare(a, b, t, runs_dir)
                if cmp is not None:
                    found.append({"system": a.label, "against": b.label, "target": t,
                                  "difference": cmp.difference, "low": cmp.low,
                                  "high": cmp.high, "significant": cmp.significant,
                                  "replicates": cmp.replicates})
    body = [[f"{c['system']} vs {c['against']}", c["target"], f"{c['difference']:+.2f}",
             f"[{c['low']:+.2f}, {c['high']:+.2f}]", "yes" if c["significant"] else "no"]
            for c in found]
    table = tabulate(body, headers=["comparison", "target", "difference", "95% CI",
                                    "significant"], tablefmt="github", disable_numparse=True)
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
        label = build_rows([r])[0].label + ("" if r.zero_shot else " †")
        cells = [f"{r.metrics[x][r.primary_metric]:.1f}" if x in r.metrics else "–"
                 for x in langs]
        body.append([label, r.model, r.seed, *cells, f"{r.average:.1f}"])
    return tabulate(body, headers=["strategy", "model", "seed", *langs, "avg"],
                    tablefmt="github", disable_numparse=True)


def heatmap(rows: list[Row], targets: list[str], path: Path) -> bool:
    """Deltas against baseline, systems x targets (PNG); False if there is no baseline."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = [r for r in rows if r.label != BASELINE and _baseline(rows, r.model)]
    if not systems:
        return False
    data = np.full((len(systems), len(targets)), np.nan)
    for i, row in enumerate(systems):
        base = _baseline(rows, row.model)
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


def publish(runs_dir: Path, out_dir: Path, profile: str | None = None) -> list[Path]:
    records = load_records(runs_dir, profile)
    if not records:
        raise XHarnessError(
            f"no finished runs under {runs_dir}/targets",
            fix="run `xharness eval ...` first, or pass --runs-dir",
        )
    written = []
    for prof, recs in sorted(by_profile(records).items()):
        written += _publish_profile(Path(runs_dir), Path(out_dir) / prof, prof, recs)
        from harness.selection.report import publish_selection  # issue 20: selection tables

        written += publish_selection(Path(runs_dir), Path(out_dir) / prof, prof, recs)
    return written


def _publish_profile(runs_dir: Path, folder: Path, profile: str,
                     records: list[TargetRecord]) -> list[Path]:
    rows = build_rows(records)
    targets = targets_present(records)
    written = []
    for t in targets:
        trecs = [r for r in records if r.target == t]
        body = (f"# {t} ({trecs[0].primary_metric}, zero-shot from English)\n\n"
                f"{header(trecs, profile)}\n\n{target_table(trecs)}\n{_footnote(trecs)}")
        write_text_atomic(folder / f"{t}.md", body)
        written.append(folder / f"{t}.md")
    answers, comparisons = answer_table(rows, targets, runs_dir)
    has_map = heatmap(rows, targets, folder / "deltas.png")
    if has_map:
        written.append(folder / "deltas.png")
    parts = [
        f"# Leaderboard: profile `{profile}`\n", header(records, profile), "",
        "## Main table\n",
        "Cells: mean ± standard deviation over seeds (delta against `baseline`). Target "
        "columns average the target's languages; cls/tag/qa/ret are XTREME's group scores "
        "and XTREME the mean over the nine tasks, shown only where every task of the group "
        "was run.\n", main_table(rows, targets), _footnote(records),
        "## The answer: combined against English-only and multilingual-only\n",
        "Difference of the target score (points), 95% paired-bootstrap interval over test "
        "examples pooled over seeds (1,000 replicates); significant when the interval "
        "excludes zero.\n",
        answers if comparisons else "_Run `combined`, `english-only` and "
        "`multilingual-only` to fill this table._", "",
    ]
    if has_map:
        parts += ["## Deltas against baseline\n", "![deltas](deltas.png)", ""]
    parts += ["## Per target\n", *[f"- [{t}]({t}.md)" for t in targets], ""]
    write_text_atomic(folder / "README.md", "\n".join(parts))
    written.append(folder / "README.md")
    write_json_atomic(folder / "leaderboard.json", _as_json(rows, targets, comparisons,
                                                            records, profile))
    written.append(folder / "leaderboard.json")
    return written


def _as_json(rows: list[Row], targets: list[str], comparisons: list[dict[str, Any]],
             records: list[TargetRecord], profile: str) -> dict[str, Any]:
    def cell(c: Cell | None) -> dict[str, Any] | None:
        return None if c is None else {"mean": c.mean, "std": c.std, "n": c.n}

    return {
        "schema_version": SCHEMA_VERSION, "profile": profile,
        "models": sorted({r.model for r in records}),
        "sources": sorted({r.source for r in records}),
        "seeds": sorted({r.seed for r in records}),
        "commits": sorted({r.versions.get("git_commit", "unknown") for r in records}),
        "targets": targets,
        "rows": [{"label": r.label, "strategy": r.strategy, "model": r.model,
                  "options": r.options, "zero_shot": r.zero_shot, "seeds": r.seeds,
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
