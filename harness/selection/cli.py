"""`xharness select`: build the session as `xharness eval` does, run the methods, print
the ranking and what each method cost, write one JSON per method (atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from tabulate import tabulate

from harness.selection.run import SelectionRequest, candidates, run_method, save


def run_select(catalog: Any, target: str, which: str, method: str, profile: str, seed: int,
               sample: int, limit: int | None, budget: int, overrides: dict[str, Any],
               model: str | None, runs_dir: str, device: str, allow_non_zero_shot: bool,
               out: Path | None) -> list[dict[str, Any]]:
    from harness.session import Session

    names = (list(catalog.selectors) if method == "all"
             else [m.strip() for m in method.split(",") if m.strip()])
    specs = [catalog.selector(n) for n in names]  # unknown names fail before any work
    if out is not None and len(specs) > 1:
        from harness.errors import XHarnessError

        raise XHarnessError("--out takes one method's result", where="--out",
                            fix="pass one --method with --out (each method is also "
                            "written under the runs folder's selection/)")
    session = Session.create(catalog, profile, runs_dir, model=model, device=device,
                             allow_non_zero_shot=allow_non_zero_shot, overrides=overrides)
    spec_t = session.task(target)
    pool = candidates(catalog, spec_t, which, allow_non_zero_shot)
    request = SelectionRequest(session, spec_t, pool, seed=seed, sample=sample, limit=limit,
                               budget=budget)
    results = []
    for spec in specs:
        result = run_method(request, spec)
        for path in save(session.runs_dir, result, out):
            click.echo(f"wrote {path}", err=True)
        results.append(result)
    _print(results, pool, target)
    return results


def _print(results: list[dict[str, Any]], pool: list[str], target: str) -> None:
    headers = ["candidate"]
    for r in results:
        headers += [r["method"], "rank"]
    body = []
    for c in pool:
        row: list[Any] = [c]
        for r in results:
            s = r["scores"].get(c)
            row += ["–" if s is None else f"{s:.4f}",
                    r["ranking"].index(c) + 1 if c in r["ranking"] else "–"]
        body.append(row)
    first = results[0]
    body.sort(key=lambda row: (row[2] if isinstance(row[2], int) else 1e9, row[0]))
    click.echo(f"\nCandidates for {target} (higher score = predicted better)")
    click.echo(tabulate(body, headers=headers, disable_numparse=True))
    click.echo("\nCost per method (this run's wall time; forward/training examples and GPU "
               "hours on the paper profile, an estimate)")
    rows = []
    for r in results:
        c = r["cost"]
        gpu = "unknown" if c["gpu_hours"] is None else f"{c['gpu_hours']:.2g}"
        rows.append([r["method"], f"{r['seconds']:.1f} s", c["forward_examples"],
                     c["train_examples"], gpu, c["requires"]])
    click.echo(tabulate(rows, headers=["method", "wall time", "forward examples",
                                       "training examples", "GPU h (est.)", "requires"],
                       disable_numparse=True))
    grid = first["cost"]["per_candidate_grid_hours"]
    known = [h for h in grid.values() if h is not None]
    unknown = sorted(c for c, h in grid.items() if h is None)
    if known:
        click.echo(f"Full grid of these single-task rows (est.): {sum(known):.1f} GPU h"
                   + (f" without {', '.join(unknown)} (no size hint)" if unknown else "")
                   + f"; {first['cost']['model']}")
    for r in results:
        if r["cost"].get("unknown"):
            click.echo(f"{r['method']}: GPU hours leave out {', '.join(r['cost']['unknown'])}"
                       " (no size hint in registry.yaml)")
    for r in results:
        for c, note in r["notes"].items():
            click.echo(f"note ({r['method']}, {c}): {note}")
