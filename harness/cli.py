"""The `xharness` command line."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel, ConfigDict
from tabulate import tabulate

from harness.errors import XHarnessError
from harness.flops import BF16_PEAK_TFLOPS
from harness.storage import is_url

log = logging.getLogger("xharness")
ROLE_LABELS = {"target": "target", "english_intermediate": "English intermediate",
               "multilingual_intermediate": "multilingual intermediate"}


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)  # one paragraph; the terminal wraps it
    sys.exit(code)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """User-fixable problems become one paragraph on stderr and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except XHarnessError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted; finished runs are kept, and the same command resumes", 130)
        except OSError as exc:
            if exc.errno == 28:  # ENOSPC
                _fail(f"disk full while writing {exc.filename or 'results'}: earlier "
                      "results are intact; free space and run the same command again", 3)
            raise

    return wrapper


def _catalog(ctx: click.Context) -> Any:
    from harness.catalog import build_catalog

    if "catalog" not in ctx.obj:
        ctx.obj["catalog"] = build_catalog(ctx.obj.get("registry"))
        for problem in ctx.obj["catalog"].problems:
            log.warning("%s (run `xharness validate`)", problem.render())
    return ctx.obj["catalog"]


def _split(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--registry", type=click.Path(dir_okay=False, path_type=Path),
              envvar="XHARNESS_REGISTRY", help="registry.yaml to use (default: the checkout's).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="xharness")
@click.pass_context
def main(ctx: click.Context, registry: Path | None, verbose: int) -> None:
    """xharness: XTREME evaluation of intermediate-task training strategies."""
    level = logging.DEBUG if verbose > 1 else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(message)s", stream=sys.stderr)
    for noisy in ("datasets", "transformers", "httpx", "urllib3", "filelock", "fsspec",
                  "faiss", "faiss.loader"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _quiet_libraries()
    ctx.ensure_object(dict)
    ctx.obj["registry"] = registry


def _quiet_libraries() -> None:
    """Our own progress bars and logs say what is happening; the libraries' would drown
    them (a bar per tokenised split, a load report per checkpoint)."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


# -- list ----------------------------------------------------------------------------------

@main.group("list")
def list_() -> None:
    """Show what is registered."""


def _langs(langs: list[str], limit: int = 8) -> str:
    shown = ",".join(langs[:limit])
    return f"{shown},... ({len(langs)})" if len(langs) > limit else shown


@list_.command("tasks")
@click.option("--role", type=click.Choice(sorted(ROLE_LABELS)), help="Only this role.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
@handle_errors
def list_tasks(ctx: click.Context, role: str | None, as_json: bool) -> None:
    """Tasks with role, format, languages and the plugin that provides them."""
    catalog = _catalog(ctx)
    tasks = [t for t in catalog.tasks.values() if not role or t.role == role]
    order = {"target": 0, "english_intermediate": 1, "multilingual_intermediate": 2}
    tasks.sort(key=lambda t: (order[t.role], t.name))
    if as_json:
        click.echo(json.dumps([t.model_dump(mode="json") for t in tasks], indent=2))
        return
    rows = []
    for t in tasks:
        sources = [k for k in ("hub", "local", "embedded") if t.sources.get(k)]
        rows.append([t.name, ROLE_LABELS[t.role], t.format, t.family,
                     _langs(t.languages), "/".join(sources), t.plugin])
    click.echo(tabulate(rows, headers=["task", "role", "format", "family", "languages",
                                       "sources", "plugin"]))


@list_.command("strategies")
@click.pass_context
@handle_errors
def list_strategies(ctx: click.Context) -> None:
    """Strategies, what each does, and its options (--option KEY=VALUE) with defaults."""
    import textwrap

    from harness.run_config import options_model

    catalog = _catalog(ctx)
    for spec in catalog.strategies.values():
        click.echo(f"{spec.name}  ({spec.plugin})")
        click.echo(textwrap.fill(" ".join(spec.description.split()), 88,
                                 initial_indent="  ", subsequent_indent="  "))
        model = options_model(spec)
        if model is None or not model.model_fields:
            click.echo("  options: none\n")
            continue
        defaults = model.model_validate(spec.options)
        rows = [[name, json.dumps(getattr(defaults, name)), field.description or ""]
                for name, field in model.model_fields.items()]
        click.echo("  options (--option KEY=VALUE):")
        click.echo(textwrap.indent(tabulate(rows, headers=["option", "default", "what it does"],
                                            tablefmt="simple", maxcolwidths=[None, 20, 58]),
                                   "    "))
        click.echo()


@list_.command("translators")
@click.pass_context
@handle_errors
def list_translators(ctx: click.Context) -> None:
    """Machine-translation backends for translate-train."""
    _echo_described(_catalog(ctx).translators.values(), "translator", "what it is")


@list_.command("metrics")
@click.pass_context
@handle_errors
def list_metrics(ctx: click.Context) -> None:
    """Metrics a task may name, the formats each scores, and the tasks that use it."""
    catalog = _catalog(ctx)
    rows = [[m.name, ", ".join(m.formats), m.description,
             len([t for t in catalog.tasks.values() if t.metric == m.name]), m.plugin]
            for m in catalog.metrics.values()]
    click.echo(tabulate(rows, headers=["metric", "formats", "what it measures", "tasks",
                                       "plugin"], maxcolwidths=[None, 20, 60, None, None]))


@list_.command("selectors")
@click.pass_context
@handle_errors
def list_selectors(ctx: click.Context) -> None:
    """Intermediate-task selection methods (`xharness select`)."""
    _echo_described(_catalog(ctx).selectors.values(), "selector", "what it does")


def _echo_described(specs: Any, kind: str, what: str) -> None:
    """A `list` table of specs that have a name, a description and a providing plugin."""
    rows = [[s.name, s.description, s.plugin] for s in specs]
    click.echo(tabulate(rows, headers=[kind, what, "plugin"], maxcolwidths=[None, 70, None]))


@list_.command("profiles")
@click.pass_context
@handle_errors
def list_profiles(ctx: click.Context) -> None:
    """Profiles: model, data source, recipe."""
    catalog = _catalog(ctx)
    rows = [[p.name, p.model, p.source, p.description] for p in catalog.profiles.values()]
    click.echo(tabulate(rows, headers=["profile", "model", "source", "description"],
                        maxcolwidths=[None, None, None, 60]))


# -- validate ------------------------------------------------------------------------------

@main.command()
@click.pass_context
@handle_errors
def validate(ctx: click.Context) -> None:
    """Check registry.yaml and every plugin; report every problem at once."""
    from harness.catalog import build_catalog, check_imports
    from harness.pipeline import check_plans

    logging.getLogger("xharness").setLevel(logging.ERROR)
    catalog = build_catalog(ctx.obj.get("registry"))
    problems = catalog.problems + check_imports(catalog)
    unplannable = {p.field.split(".")[1] for p in problems if p.field.startswith("strategies.")}
    plan_problems, planned = check_plans(catalog, skip=unplannable)
    problems += plan_problems
    if problems:
        click.echo(f"{len(problems)} problem(s):", err=True)
        for p in problems:
            click.echo(f"- {p.render()}", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(catalog.tasks)} tasks, {len(catalog.strategies)} strategies, "
               f"{len(catalog.profiles)} profiles, {len(catalog.translators)} translators, "
               f"{len(catalog.pm.get_plugins())} plugins; {planned} plans checked")


# -- selection: the flags eval, fetch and status share ------------------------------------

class Selection(BaseModel):
    """A grid as the command line chose it (the selection flags of `eval`, `fetch` and
    `status`, as given); `_plan_selection` resolves it into the one `RunConfig`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    strategy: str | None = None
    target: str | None = None
    profile: str = "embedded"
    seeds: int = 1
    seed_list: tuple[int, ...] = ()
    languages: str | None = None
    intermediate: str | None = None
    multilingual: str | None = None
    variant: str | None = None
    translator: str | None = None
    min_chrf: float | None = None
    extra: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()
    model: str | None = None
    data_root: str | None = None
    runs_dir: str = "runs"
    allow_non_zero_shot: bool = False
    strict: bool = False

    def strategies(self, catalog: Any) -> list[str]:
        names = (list(catalog.strategies) if self.strategy == "all"
                 else _split(self.strategy)) or []
        for name in names:
            catalog.strategy(name)  # an unknown name fails here, with the closest
        return names

    def targets(self, catalog: Any) -> list[str]:
        names = (catalog.targets() if self.target == "all" else _split(self.target)) or []
        for name in names:
            catalog.task(name)
        return names

    def options(self) -> dict[str, Any]:
        """`--option` pairs, with the shorthand flags (`--variant` ...) over them."""
        options: dict[str, Any] = dict(_pairs(self.extra, "--option"))
        for key in ("intermediate", "multilingual", "variant", "translator", "min_chrf"):
            if getattr(self, key) is not None:
                options[key] = getattr(self, key)
        return options

    def overrides(self) -> dict[str, Any]:
        return dict(_pairs(self.sets, "--set"))

    def seed_values(self) -> list[int]:
        return list(self.seed_list) or list(range(self.seeds))


def _selection_flags(*, required: bool = True, strict: bool = True
                     ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The selection flags as click options; the command receives them as one
    `selection: Selection`. `required=False` for `status` (no grid: the whole folder);
    `strict=False` leaves out `--strict` (fetch loads no rows it could refuse)."""
    flags = [
        click.option("--strategy", "-s", required=required,
                     help="Strategy name(s), comma-separated, or `all`."),
        click.option("--target", "-t", required=required,
                     help="Target task(s), comma-separated, or `all`."),
        click.option("--profile", "-p", default="embedded", show_default=True,
                     help="Named preset from registry.yaml (`xharness list profiles`)."),
        click.option("--seeds", type=click.IntRange(1), default=1, show_default=True,
                     help="Number of seeds (0..N-1)."),
        click.option("--seed", "seed_list", multiple=True, type=int,
                     help="Run exactly these seeds."),
        click.option("--languages", "-l",
                     help="Evaluate only these languages (comma-separated)."),
        click.option("--intermediate",
                     help="Same as --option intermediate=TASKS (English tasks)."),
        click.option("--multilingual", help="Same as --option multilingual=TASKS."),
        click.option("--variant",
                     help="Same as --option variant=V (combined: sequential or mixed)."),
        click.option("--translator",
                     help="Same as --option translator=NAME (translate-train)."),
        click.option("--min-chrf", type=click.FloatRange(0, 100),
                     help="Same as --option min_chrf=N (translate-train)."),
        click.option("--option", "extra", multiple=True, metavar="KEY=VALUE",
                     help="Strategy option, validated against the strategy's declared "
                     "options (`xharness list strategies`)."),
        click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                     help="Override a training hyperparameter, e.g. --set max_steps=50."),
        click.option("--model", help="Override the profile's model (hub id or path)."),
        click.option("--data-root", type=click.Path(file_okay=False),
                     help="Root for local data."),
        click.option("--runs-dir", envvar="XHARNESS_RUNS", default="runs", show_default=True,
                     help="Runs folder: a path, or an fsspec URL (s3://..., file://...) of "
                     "shared storage, mirrored locally."),
        click.option("--allow-non-zero-shot", is_flag=True,
                     help="Allow intermediate training on the target's family in other "
                     "languages."),
    ]
    if strict:
        flags.append(click.option("--strict", is_flag=True,
                                  help="Bad data rows are errors, not skipped."))

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def collected(*args: Any, **kwargs: Any) -> Any:
            picked = {k: kwargs.pop(k) for k in list(kwargs) if k in Selection.model_fields}
            return fn(*args, selection=Selection(**picked), **kwargs)

        for flag in reversed(flags):
            collected = flag(collected)
        return collected

    return decorate


def _plan_selection(
    ctx: click.Context, selection: Selection, *, device: str, dry_run: bool,
    lock: str | None = None, report_to: list[str] | None = None,
) -> tuple[Any, list[Any]]:
    """Resolve a selection into the run configuration (once: options validated against
    each strategy's declared model, overrides against the training arguments, paths made
    absolute so a worker elsewhere reads the same ones), build its session and plan the
    grid: shared by `eval`, `fetch` and `status`."""
    from harness.pipeline import plan_grid
    from harness.run_config import Runtime, resolve
    from harness.session import Session

    catalog = _catalog(ctx)
    strategies, targets = selection.strategies(catalog), selection.targets(catalog)
    registry = ctx.obj.get("registry")
    runs_dir = selection.runs_dir
    runtime = Runtime(
        registry=str(Path(registry).resolve()) if registry else None,
        runs_dir=runs_dir if is_url(runs_dir) else str(Path(runs_dir).resolve()),
        device=device, strict=selection.strict,
        allow_non_zero_shot=selection.allow_non_zero_shot, dry_run=dry_run,
        lock=str(Path(lock).resolve()) if lock else None, report_to=report_to or [])
    config = resolve(catalog, selection.profile, selection.model, strategies=strategies,
                     options=selection.options(), overrides=selection.overrides(),
                     languages=_split(selection.languages), data_root=selection.data_root,
                     runtime=runtime)
    session = Session.from_config(config, catalog)
    if selection.target == "all":
        targets = _servable(session, targets)
    log.info("profile %s: model %s, %s data where a task has it, device %s%s",
             config.profile, config.model, config.source, session.device,
             " (bf16)" if session.bf16 else "")
    jobs = plan_grid(session, targets, selection.seed_values())
    return session, jobs


# -- eval ----------------------------------------------------------------------------------

@main.command("eval")
@_selection_flags()
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:1")
@click.option("--threads", type=click.IntRange(1), help="CPU threads for torch (default: all).")
@click.option("--executor", type=click.Choice(["inprocess", "ray"]), default="inprocess",
              show_default=True, help="Run units here, or as Ray tasks.")
@click.option("--ray-address", help="Ray cluster address (default: start a local Ray).")
@click.option("--gpus-per-unit", type=float, default=None,
              help="Ray: GPUs per unit (default 1 if this machine has a GPU, else 0).")
@click.option("--dry-run", is_flag=True,
              help="Print the units, their dependencies, what is cached and the GPU hours.")
@click.option("--throughput", type=float,
              help="Dry run: real tokens/s to estimate hours with (default: the benchmark's "
              "for this model and device, else a FLOP-model estimate).")
@click.option("--gpu", type=click.Choice(sorted(BF16_PEAK_TFLOPS)),
              help="Dry run: the GPU of the FLOP-model estimate (default: this machine's, "
              "else h100).")
@click.option("--lock", type=click.Path(dir_okay=False), envvar="XHARNESS_LOCK",
              help="Read hub repos at the commits of this lock file (default: ./xharness.lock "
              "if present; written by `xharness fetch`).")
@click.option("--report-to", metavar="LOGGERS",
              help="Log loss, learning rate and dev metrics per unit to: tensorboard, wandb, "
              "mlflow (comma-separated; each needs its extra, e.g. xharness[tensorboard]).")
@click.pass_context
@handle_errors
def eval_(ctx: click.Context, selection: Selection, device: str, threads: int | None,
          executor: str, ray_address: str | None, gpus_per_unit: float | None,
          dry_run: bool, throughput: float | None, gpu: str | None, lock: str | None,
          report_to: str | None) -> None:
    """Run strategies on targets: intermediate stages, English fine-tune, zero-shot eval.

    Several processes (a Slurm job array, two terminals, a Ray cluster) may run the same
    command on one runs folder: they claim units and split the grid, each unit once."""
    from harness import distributed, preflight
    from harness.schedule import run_cooperatively

    distributed.init_from_env()  # no-op unless launched by torchrun / accelerate launch
    if threads:
        import torch

        torch.set_num_threads(threads)
    session, jobs = _plan_selection(ctx, selection, device=device, dry_run=dry_run,
                                    lock=lock, report_to=_report_to(report_to))
    started = time.perf_counter()
    # every split the grid reads, checked before the first training step (a dry run
    # checks what is at hand: embedded and local data)
    checked = preflight.check(session, jobs, at_hand_only=dry_run)
    _log_sources(session, jobs)
    if dry_run:
        click.echo(checked.summary() + "\n")
        _print_plan(session, jobs, throughput, gpu)
        return
    log.info("%s", checked.summary())
    if executor == "ray":
        import torch

        from harness.executors import run_ray

        gpus = gpus_per_unit if gpus_per_unit is not None else float(torch.cuda.is_available())
        records = run_ray(session, jobs, ray_address, gpus)
    else:
        session.attach_loggers()
        records = run_cooperatively(session, jobs)
    if not distributed.current().is_main:
        return
    _print_summary(records)
    click.echo(f"\n{len(records)} run(s) in {time.perf_counter() - started:.1f} s; "
               f"records under {selection.runs_dir}/targets. `xharness leaderboard` "
               "publishes them.")


def _report_to(value: str | None) -> list[str]:
    """The loggers named by --report-to, each checked to be installed before anything runs."""
    from harness.loggers import check_installed

    names = _split(value) or []
    if names == ["none"]:
        return []
    for name in names:
        check_installed(name)
    return names


def _servable(session: Any, targets: list[str]) -> list[str]:
    """`--target all`: the targets this profile can serve; the others are named, with
    the reason, and skipped."""
    from harness.data.choice import NoSource

    kept = []
    for name in targets:
        try:
            session.source(name)
        except NoSource as exc:
            log.warning("skipping target %s: %s", name, exc)
            continue
        kept.append(name)
    if not kept:
        raise XHarnessError(f"profile {session.config.profile!r} can serve none of the "
                            "registered targets", fix="pass --data-root or another --profile")
    return kept


def _log_sources(session: Any, jobs: list[Any]) -> None:
    """One INFO line: which source served each task of the grid."""
    names: dict[str, None] = {}
    for job in jobs:
        for stage in job.stages:
            names.update(dict.fromkeys(stage.tasks))
        names[job.target.name] = None
        if job.target.train_task:
            names[job.target.train_task] = None
    by_source: dict[str, list[str]] = {}
    for name in names:
        by_source.setdefault(session.source(name).describe(), []).append(name)
    parts = [f"{', '.join(tasks)} from {where}" for where, tasks in by_source.items()]
    log.info("data: %s", "; ".join(parts))


def _print_plan(session: Any, jobs: list[Any], throughput: float | None,
                gpu: str | None = None) -> None:
    from harness.dryrun import choose_rate, estimate, measured_throughput, totals

    units = estimate(session, jobs)
    rate = choose_rate(session.config.model, session.device, throughput, gpu)
    _, trainer_factor, _ = measured_throughput(session.device.type)
    rows = [[u.kind, u.key, u.label, u.depends_on or "", "yes" if u.cached else "no",
             u.steps if u.steps is not None else "?",
             f"{u.hours(rate):.2f}" if u.hours(rate) is not None else "?"] for u in units]
    click.echo(tabulate(rows, headers=["unit", "key", "what", "depends on", "cached",
                                       "steps", "GPU hours (est.)" if rate.estimated
                                       else "hours"]))
    t = totals(units, rate)
    todo = [u for u in units if not u.cached]
    click.echo(f"\n{len(units)} units ({len(todo)} to run). Throughput: {rate.describe()}.")
    if rate.known:
        unknown = (f" ({t['unknown']} unit(s) without a size estimate left out)"
                   if t["unknown"] else "")
        kind = "GPU-hours (estimate)" if rate.estimated else "training hours"
        click.echo(f"\n{kind}{unknown}, evaluation left out:")
        click.echo(tabulate([[f"{t['no_reuse']:.1f}", f"{t['shared']:.1f}",
                              f"{t['no_reuse'] / t['shared']:.2f}x" if t["shared"] else "-"]],
                            headers=["naive grid (each target retrains its stages)",
                                     "xharness (shared units)", "saving"],
                            disable_numparse=True))
        if trainer_factor and not rate.estimated:
            click.echo(f"With the Hugging Face Trainer ({trainer_factor:.2f}x slower in the "
                       f"benchmark) and no reuse: {t['no_reuse'] * trainer_factor:.1f}.")


def _pairs(items: tuple[str, ...], flag: str) -> list[tuple[str, Any]]:
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise XHarnessError(f"{flag} {item!r} is not KEY=VALUE", fix=f"write {flag} key=value")
        try:
            parsed: Any = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        out.append((key.strip(), parsed))
    return out


def _print_summary(records: list[Any]) -> None:
    by_target: dict[str, list[Any]] = {}
    for r in records:
        by_target.setdefault(r.target, []).append(r)
    for target, recs in by_target.items():
        langs = list(recs[0].metrics)
        rows = [[r.strategy + ("" if r.zero_shot else " (not zero-shot)"), r.seed,
                 *[r.metrics[lang][r.primary_metric] for lang in langs], r.average]
                for r in recs]
        click.echo(f"\n{target} ({recs[0].primary_metric}, zero-shot from English)")
        click.echo(tabulate(rows, headers=["strategy", "seed", *langs, "avg"], floatfmt=".1f"))


# -- fetch --------------------------------------------------------------------------------

@main.command()
@click.option("--lock", "lock_file", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("xharness.lock"), show_default=True, help="Lock file to write.")
@_selection_flags(strict=False)
@click.pass_context
@handle_errors
def fetch(ctx: click.Context, lock_file: Path, selection: Selection) -> None:
    """Download every dataset, model and tokenizer a grid needs from the hub and write
    xharness.lock (each repo's commit): the first step of a real study, run where the
    hub can be reached; `eval` then reads exactly those commits, also with
    HF_HUB_OFFLINE=1. Takes the same selection flags as `eval`."""
    import datasets
    import transformers

    from harness.fetch import fetch_grid
    from harness.lock import new_lock, write_lock

    if os.environ.get("HF_HUB_OFFLINE"):
        raise XHarnessError("HF_HUB_OFFLINE is set, so nothing can be fetched",
                            where="xharness fetch", fix="unset HF_HUB_OFFLINE for fetch")
    datasets.enable_progress_bars()  # downloads are what this command is for
    transformers.utils.logging.enable_progress_bar()
    session, jobs = _plan_selection(ctx, selection, device="cpu", dry_run=True)
    entries = fetch_grid(session, jobs, click.echo)
    if not entries:
        click.echo(f"profile {session.config.profile!r} reads nothing from the hub for this "
                   "selection; no lock written")
        return
    write_lock(lock_file, new_lock(session.config.profile, entries))
    total = sum(e.size_bytes or 0 for e in entries)
    click.echo(f"wrote {lock_file}: {len(entries)} repo(s), {total / 2**30:.2f} GiB in the "
               "caches. On nodes without internet: same HF_HOME, HF_HUB_OFFLINE=1, and "
               "`xharness eval` with the same flags.")


# -- status --------------------------------------------------------------------------------

@main.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_selection_flags(required=False)
@click.pass_context
@handle_errors
def status(ctx: click.Context, as_json: bool, selection: Selection) -> None:
    """Where a grid stands while processes work on it: units done, running (who, since,
    step, ETA), waiting and failed, and the expected time left. With the selection flags
    of `eval`: that grid; without -s/-t: every unit the runs folder knows."""
    from harness import status as st
    from harness.claims import CLAIMS_DIR, LocalClaims
    from harness.storage import RemoteRuns, mirror_for

    logging.getLogger("xharness").setLevel(logging.WARNING)
    runs_dir = selection.runs_dir
    if bool(selection.strategy) != bool(selection.target):
        raise XHarnessError("status needs both --strategy and --target (a grid), or neither "
                            "(everything in the runs folder)", where="xharness status",
                            fix="add the missing flag, or drop the other")
    if selection.strategy:
        session, jobs = _plan_selection(ctx, selection, device="cpu", dry_run=True)
        from harness.schedule import grid_units

        where = st.Where(session.runs_dir, session.remote, session.claims)
        units = st.grid_status(where, grid_units(session, jobs))
    else:
        if is_url(runs_dir):
            from harness.claims import LeaseClaims

            remote = RemoteRuns(runs_dir, mirror_for(runs_dir))
            where = st.Where(remote.local, remote, LeaseClaims(remote._fs, remote._root))
        else:
            if not Path(runs_dir).is_dir():
                raise XHarnessError(f"no runs folder at {runs_dir}", where="--runs-dir",
                                    fix="pass the folder `xharness eval --runs-dir` wrote to")
            where = st.Where(Path(runs_dir), None, LocalClaims(Path(runs_dir) / CLAIMS_DIR))
        units = st.folder_status(where)
    click.echo(st.as_json(units) if as_json else st.as_text(units))


# -- leaderboard ---------------------------------------------------------------------------

@main.command()
@click.option("--runs-dir", envvar="XHARNESS_RUNS", default="runs", show_default=True,
              help="Runs folder: a path, or an fsspec URL (s3://..., file://...) of shared "
              "storage, mirrored locally.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("leaderboards"), show_default=True)
@click.option("--profile", help="Only runs of this profile.")
@click.pass_context
@handle_errors
def leaderboard(ctx: click.Context, runs_dir: str, out: Path, profile: str | None) -> None:
    """Render finished runs as markdown tables into the leaderboards folder."""
    from harness.leaderboard import publish
    from harness.storage import RemoteRuns, mirror_for

    local = Path(runs_dir)
    if is_url(runs_dir):
        remote = RemoteRuns(runs_dir, mirror_for(runs_dir))
        remote.pull_all("targets")
        local = remote.local
    done = publish(local, out, profile=profile, catalog=_catalog(ctx))
    for path in done.written:
        click.echo(f"wrote {path}")
    for path in done.removed:
        click.echo(f"removed {path} (a page of the previous publication that this one "
                   "no longer produces)")


# -- select --------------------------------------------------------------------------------

@main.command("select")
@click.option("--target", "-t", required=True, help="The target task to choose for.")
@click.option("--candidates", default="english", show_default=True,
              help="english, multilingual, all, or comma-separated task names.")
@click.option("--method", "-m", default="embeddings", show_default=True,
              help="Selector(s), comma-separated, or `all` (`xharness list selectors`).")
@click.option("--profile", "-p", default="embedded", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the intermediate models to use (logme, finetune).")
@click.option("--sample", type=click.IntRange(2), default=256, show_default=True,
              help="embeddings: training examples per task.")
@click.option("--limit", type=click.IntRange(2), help="logme: cap on target training examples.")
@click.option("--budget", type=click.IntRange(1), default=50, show_default=True,
              help="finetune: update steps per candidate.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="The same overrides as the `xharness eval` that trained the models.")
@click.option("--model", help="Override the profile's model (hub id or path).")
@click.option("--runs-dir", envvar="XHARNESS_RUNS", default="runs", show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option("--allow-non-zero-shot", is_flag=True,
              help="Allow candidates of the target's family in other languages.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the result JSON here.")
@click.pass_context
@handle_errors
def select(ctx: click.Context, target: str, candidates: str, method: str, profile: str,
           seed: int, sample: int, limit: int | None, budget: int, sets: tuple[str, ...],
           model: str | None, runs_dir: str, device: str, allow_non_zero_shot: bool,
           out: Path | None) -> None:
    """Rank candidate intermediate tasks for a target, before training on it."""
    from harness.selection.cli import run_select

    run_select(_catalog(ctx), target, candidates, method, profile, seed, sample, limit,
               budget, dict(_pairs(sets, "--set")), model, runs_dir, device,
               allow_non_zero_shot, out)


# -- score ---------------------------------------------------------------------------------

@main.command()
@click.option("--predictions", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--labels", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--tasks", help="Only these tasks (comma-separated); each must be present.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the report as JSON here.")
@handle_errors
def score(predictions: Path, labels: Path, tasks: str | None, json_out: Path | None) -> None:
    """Score an XTREME submission folder exactly as the official scorer does."""
    from harness.atomic import write_json_atomic
    from harness.xtreme import score_submission

    report = score_submission(predictions, labels, _split(tasks))
    rows = []
    for task, value in report.items():
        if isinstance(value, dict):
            rows.append([task, value["avg_metric"], len(next(
                v for v in value.values() if isinstance(v, dict)))])
    click.echo(tabulate(rows, headers=["task", "score", "languages"], floatfmt=".2f"))
    groups = [[g, report[g]] for g in ("classification", "tagging", "qa", "retrieval",
                                       "all_task") if g in report]
    if groups:
        click.echo()
        click.echo(tabulate(groups, headers=["group", "score"], floatfmt=".2f"))
    if json_out:
        write_json_atomic(json_out, report)
        click.echo(f"\nwrote {json_out}")


if __name__ == "__main__":  # pragma: no cover
    main()
