"""The selection tables of `xharness leaderboard`: each method's predicted ranking against
the grid's measured single-task rows, per target.

A single-task row is identified from the record itself, not from its label: strategy
`english-only` (or `multilingual-only`) whose plan is one stage of one task, without MLM
mixing or translation; the candidate is that task. Measured scores are means over seeds,
in three views: all languages (the target score), English only, and the non-English
languages only (the zero-shot question: does a ranking computed on English data predict
the zero-shot gain?). Deltas are against the `baseline` strategy where it was run.
Predictions are the JSON files `xharness select` writes under `<runs>/selection/`; a
method run with several seeds is averaged over them.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from tabulate import tabulate

from harness.atomic import write_json_atomic, write_text_atomic
from harness.records import TargetRecord
from harness.selection import ranking
from harness.selection.cost import FLOP_MODEL

log = logging.getLogger("xharness")
SCHEMA_VERSION = 1
SINGLE_TASK_STRATEGIES = ("english-only", "multilingual-only")
VIEWS = ("all", "en", "non-en")
K = 3
#: a method beats random when fewer than this share of random rankings do as well
ALPHA = 0.05


def single_task(record: TargetRecord) -> str | None:
    """The candidate a record measures, or None if it is not a single-task row."""
    if record.strategy not in SINGLE_TASK_STRATEGIES or len(record.plan) != 1:
        return None
    stage = record.plan[0]
    if (len(stage.get("tasks", [])) != 1 or stage.get("mlm_ratio")
            or stage.get("translator") or stage.get("languages")):
        return None
    return str(stage["tasks"][0])


def _view(record: TargetRecord, view: str) -> float | None:
    scores = {lang: m[record.primary_metric] for lang, m in record.metrics.items()}
    if view == "all":
        return record.average
    picked = [v for lang, v in scores.items() if (lang == "en") == (view == "en")]
    return float(np.mean(picked)) if picked else None


def measured_scores(records: list[TargetRecord]
                    ) -> dict[str, dict[str, dict[str, list[float]]]]:
    """target -> view -> candidate (or `baseline`) -> per-seed scores."""
    out: dict[str, dict[str, dict[str, list[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list)))
    for r in sorted(records, key=lambda r: (r.target, r.seed)):
        name = "baseline" if r.strategy == "baseline" and not r.plan else single_task(r)
        if name is None:
            continue
        for view in VIEWS:
            value = _view(r, view)
            if value is not None:
                out[r.target][view][name].append(value)
    return out


def load_predictions(runs_dir: Path, profile: str | None = None) -> list[dict[str, Any]]:
    """Every `xharness select` result under `<runs>/selection/`; unreadable ones skipped."""
    found = []
    for path in sorted((Path(runs_dir) / "selection").glob("*/*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if {"method", "target", "scores", "profile"} - set(data):
                raise ValueError("not an `xharness select` result")
        except (OSError, ValueError) as exc:
            log.warning("skipping selection result %s: %s", path, exc)
            continue
        if profile is None or data["profile"] == profile:
            found.append(data)
    return found


def _averaged(preds: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(target, method) -> scores averaged over seeds, with the first result's cost."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for p in preds:
        groups[(p["target"], p["method"])].append(p)
    out = {}
    for key, items in groups.items():
        names = set.intersection(*(set(p["scores"]) for p in items))
        out[key] = {"scores": {c: float(np.mean([p["scores"][c] for p in items]))
                               for c in names},
                    "seeds": sorted(p.get("seed", 0) for p in items),
                    "cost": items[0].get("cost", {})}
    return out


def _hours_saved(predicted: dict[str, float], cost: dict[str, Any]
                 ) -> tuple[float | None, list[str]]:
    """GPU hours (estimate) of the full grid of these rows minus the method's top 3 and the
    method itself; candidates without a size hint are left out and named."""
    grid = cost.get("per_candidate_grid_hours") or {}
    unknown = sorted(c for c in predicted if grid.get(c) is None)
    if len(unknown) == len(predicted) or cost.get("gpu_hours") is None:
        return None, unknown
    top = ranking.top_k(predicted, K)
    known = [c for c in predicted if c not in unknown]
    return (float(sum(grid[c] for c in known) - sum(grid[c] for c in top if c in known)
                  - cost["gpu_hours"]), unknown)


def selection_tables(records: list[TargetRecord], predictions: list[dict[str, Any]],
                     permutations: int = 1000, seed: int = 0
                     ) -> tuple[str, dict[str, Any]]:
    """Markdown and JSON of every (target, method, view) with measured single-task rows and
    predictions for at least two of their candidates; ("", {...rows: []}) otherwise."""
    measured = measured_scores(records)
    preds = _averaged(predictions)
    rows: list[dict[str, Any]] = []
    randoms: dict[tuple[str, str], list[np.ndarray]] = defaultdict(list)
    for (target, method), pred in sorted(preds.items()):
        for view in VIEWS:
            by_cand = measured.get(target, {}).get(view, {})
            base = by_cand.get("baseline")
            means = {c: float(np.mean(v)) for c, v in by_cand.items() if c != "baseline"}
            common = {c: s for c, s in pred["scores"].items() if c in means}
            if len(common) < 2:
                continue
            meas = {c: means[c] for c in common}
            delta = {c: v - float(np.mean(base)) for c, v in meas.items()} if base else None
            noise = [float(np.std(by_cand[c], ddof=1)) for c in common if len(by_cand[c]) > 1]
            rand = {m: ranking.random_values(meas, m, K, permutations, seed)
                    for m in ("regret", "ndcg")}
            rand1 = ranking.random_values(meas, "regret", 1, permutations, seed)
            randoms[(method, view)].append(rand["regret"])
            saved, unknown = _hours_saved(common, pred["cost"])
            rows.append({
                "target": target, "method": method, "view": view, "candidates": len(meas),
                "seeds_measured": sorted({len(by_cand[c]) for c in common}),
                "seeds_predicted": pred["seeds"],
                "spearman": ranking.spearman(common, delta or meas),
                "ndcg@3": ranking.ndcg_at_k(common, meas, K),
                "regret@1": ranking.regret_at_k(common, meas, 1),
                "regret@3": ranking.regret_at_k(common, meas, K),
                "random_regret@1": ranking.spread(rand1).__dict__,
                "random_regret@3": ranking.spread(rand["regret"]).__dict__,
                "random_ndcg@3": ranking.spread(rand["ndcg"]).__dict__,
                "seed_std_of_measured": float(np.mean(noise)) if noise else None,
                "top3": ranking.top_k(common, K),
                "best_measured": max(meas, key=lambda c: meas[c]),
                "measured": meas, "delta": delta, "predicted": common,
                "method_gpu_hours": pred["cost"].get("gpu_hours"),
                "hours_saved": saved,
                "hours_unknown": unknown,
            })
    summary = _summary(rows, randoms)
    data = {"schema_version": SCHEMA_VERSION, "k": K, "permutations": permutations,
            "seed": seed, "cost_model": FLOP_MODEL, "rows": rows, "summary": summary}
    return (_markdown(rows, summary) if rows else ""), data


def _summary(rows: list[dict[str, Any]], randoms: dict[tuple[str, str], list[np.ndarray]]
             ) -> list[dict[str, Any]]:
    """Per (method, view): Regret@3 averaged over targets against the random ranking's
    target-averaged Regret@3 (permutation j averaged over targets, spread over j). The
    verdict is the one-sided permutation test: the share of random rankings at least as
    good must be below ALPHA (mean minus one std is no test when many random rankings tie
    at zero regret)."""
    out = []
    for (method, view), arrays in sorted(randoms.items()):
        mine = [r["regret@3"] for r in rows if r["method"] == method and r["view"] == view]
        avg_random = np.mean(np.stack(arrays), axis=0)
        sp = ranking.spread(avg_random)
        value = float(np.mean(mine))
        out.append({"method": method, "view": view, "targets": len(mine),
                    "mean_regret@3": value, "random_mean": sp.mean, "random_std": sp.std,
                    "p_random_at_least_as_good": float(np.mean(avg_random <= value)),
                    "beats_random": bool(np.mean(avg_random <= value) < ALPHA)})
    return out


def _f(x: float | None, fmt: str = ".2f") -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, fmt)


def _saved(row: dict[str, Any]) -> str:
    text = _f(row["hours_saved"], ".1f")
    return text + (f" (without {', '.join(row['hours_unknown'])})"
                   if row["hours_unknown"] and row["hours_saved"] is not None else "")


def _markdown(rows: list[dict[str, Any]], summary: list[dict[str, Any]]) -> str:
    body = [[r["target"], r["method"], r["view"], r["candidates"], _f(r["spearman"]),
             _f(r["ndcg@3"], ".3f"), _f(r["regret@1"]), _f(r["regret@3"]),
             f"{_f(r['random_regret@3']['mean'])} ± {_f(r['random_regret@3']['std'])}",
             _f(r["seed_std_of_measured"]), _saved(r)] for r in rows]
    table = tabulate(body, headers=["target", "method", "measured on", "candidates",
                                    "Spearman", "NDCG@3", "Regret@1 %", "Regret@3 %",
                                    "random Regret@3 %", "seed std", "GPU h saved (est.)"],
                     tablefmt="github", disable_numparse=True)
    summ = tabulate([[s["method"], s["view"], s["targets"], _f(s["mean_regret@3"]),
                      f"{_f(s['random_mean'])} ± {_f(s['random_std'])}",
                      _f(s["p_random_at_least_as_good"], ".3f"),
                      "yes" if s["beats_random"] else "no"] for s in summary],
                    headers=["method", "measured on", "targets", "mean Regret@3 %",
                             "random (mean ± std)", "P(random ≤ method)",
                             f"beats random (P < {ALPHA})"],
                    tablefmt="github", disable_numparse=True)
    return "\n".join([
        "## Intermediate-task selection\n",
        "Each method ranks the candidate intermediate tasks of a target without training on "
        "it (`xharness select`); the grid's single-task rows are the measured truth. "
        "Regret@k: percent of the best measured score lost by taking the best of the "
        "method's top k (Poth et al., 2021); NDCG@3 with measured scores as relevance; "
        "Spearman of predicted scores against measured deltas. `measured on`: all "
        "languages, English only, or the non-English languages (zero-shot). Random: 1,000 "
        "seeded random rankings (mean ± std). Seed std: the measured rows' own noise. GPU "
        "hours saved: the full grid of these rows minus the top 3 and the method "
        f"({FLOP_MODEL}).\n",
        table, "", "### Averaged over targets\n", summ, ""])


def publish_selection(runs_dir: Path, folder: Path, profile: str,
                      records: list[TargetRecord]) -> list[Path]:
    """Write `selection.md` and `selection.json` when there is something to compare."""
    markdown, data = selection_tables(records, load_predictions(runs_dir, profile))
    if not data["rows"]:
        return []
    write_text_atomic(folder / "selection.md", f"# Selection: profile `{profile}`\n\n{markdown}")
    write_json_atomic(folder / "selection.json", {"profile": profile, **data})
    return [folder / "selection.md", folder / "selection.json"]
