"""Built-in run observers for `--report-to tensorboard,wandb,mlflow` (as the Hugging Face
Trainer's `report_to`).

Each is a plain observer plugin on the run-observer hooks (`harness.hookspecs`): one run
per unit (an intermediate model, a target run), named by the unit's label, with `loss` and
`lr` every logging interval, `dev/<task>` after each dev evaluation (the step is the
training step), and, when a target run finishes, `final/<lang>/<metric>` and
`final/average`. Only the units this process trains are logged: a unit reused from the
cache, or trained by another process on the same runs folder, is logged where it ran.

Where the logs go: TensorBoard event files under `<runs>/tensorboard/<label>-<key>`;
MLflow to `MLFLOW_TRACKING_URI` if set, else a file store in `<runs>/mlruns` (opted into
with `MLFLOW_ALLOW_FILE_STORE`, which MLflow 3 requires for file stores; experiment
`MLFLOW_EXPERIMENT_NAME`, default `xharness`); W&B to project `WANDB_PROJECT` (default
`xharness`), offline with `WANDB_MODE=offline`. Each package is an optional extra.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pluggy

from harness.contracts import Unit
from harness.errors import XHarnessError
from harness.hookspecs import hookimpl

PACKAGES = {"tensorboard": "tensorboard", "wandb": "wandb", "mlflow": "mlflow"}


def check_installed(name: str) -> None:
    if name not in PACKAGES:
        from harness.problems import did_you_mean

        raise XHarnessError(f"--report-to {name!r} is not a logger xharness knows",
                            fix=did_you_mean(name, sorted(PACKAGES)) or
                            f"use one of {', '.join(PACKAGES)}")
    try:
        importlib.import_module(PACKAGES[name])
    except ImportError as exc:
        raise XHarnessError(
            f"--report-to {name} needs the {PACKAGES[name]} package, which is not installed",
            fix=f"pip install 'xharness[{name}]'") from exc


def attach(pm: pluggy.PluginManager, names: list[str], runs_dir: Path) -> None:
    """Register the named loggers as observer plugins of this session."""
    makers = {"tensorboard": TensorBoardLogger, "wandb": WandbLogger, "mlflow": MlflowLogger}
    for name in names:
        check_installed(name)
        plugin_name = f"report-to-{name}"
        if pm.get_plugin(plugin_name) is None:
            try:
                logger = makers[name](Path(runs_dir))
            except Exception as exc:
                raise XHarnessError(
                    f"--report-to {name} could not start: {type(exc).__name__}: "
                    f"{(str(exc).splitlines() or [''])[0]}",
                    fix=f"check the {name} configuration (environment variables) or drop "
                    f"{name} from --report-to") from exc
            pm.register(logger, name=plugin_name)


def run_name(unit: Unit) -> str:
    """A unit's label as a folder name, with its key's start to keep units apart."""
    slug = re.sub(r"[^A-Za-z0-9._+-]+", "_", unit.label.replace("->", "to")).strip("_")
    return f"{slug}-{unit.key[:8]}"


def final_metrics(record: Any) -> dict[str, float]:
    out = {f"final/{lang}/{name}": float(v) for lang, scores in record.metrics.items()
           for name, v in scores.items()}
    out["final/average"] = float(record.average)
    return out


class TensorBoardLogger:
    def __init__(self, runs_dir: Path) -> None:
        self.root = runs_dir / "tensorboard"
        self.writers: dict[str, Any] = {}
        self.steps: dict[str, int] = {}

    @hookimpl
    def xharness_unit_started(self, unit: Unit) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.writers[unit.key] = SummaryWriter(str(self.root / run_name(unit)))
        self.writers[unit.key].add_text("unit", f"{unit.kind}: {unit.label}")

    @hookimpl
    def xharness_train_log(self, unit: Unit, step: int,
                           metrics: dict[str, float]) -> None:
        writer = self.writers.get(unit.key)
        if writer is not None:
            for name, value in metrics.items():
                writer.add_scalar(name, value, step)
            self.steps[unit.key] = step

    @hookimpl
    def xharness_unit_finished(self, unit: Unit, record: Any) -> None:
        writer = self.writers.pop(unit.key, None)
        if writer is None:
            return
        if record is not None:
            step = self.steps.pop(unit.key, 0)
            for name, value in final_metrics(record).items():
                writer.add_scalar(name, value, step)
        writer.close()


class MlflowLogger:
    def __init__(self, runs_dir: Path) -> None:
        from mlflow.tracking import MlflowClient

        uri = os.environ.get("MLFLOW_TRACKING_URI")
        if not uri:  # our default, a file store: MLflow 3 wants this opt-in to keep it
            uri = (runs_dir / "mlruns").resolve().as_uri()
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        self.client = MlflowClient(tracking_uri=uri)
        name = os.environ.get("MLFLOW_EXPERIMENT_NAME", "xharness")
        found = self.client.get_experiment_by_name(name)
        self.experiment = (found.experiment_id if found is not None
                           else self.client.create_experiment(name))
        self.runs: dict[str, str] = {}
        self.steps: dict[str, int] = {}

    @hookimpl
    def xharness_unit_started(self, unit: Unit) -> None:
        run = self.client.create_run(self.experiment, run_name=unit.label,
                                     tags={"xharness.kind": unit.kind,
                                           "xharness.key": unit.key})
        self.runs[unit.key] = run.info.run_id

    @hookimpl
    def xharness_train_log(self, unit: Unit, step: int,
                           metrics: dict[str, float]) -> None:
        run_id = self.runs.get(unit.key)
        if run_id is not None:
            for name, value in metrics.items():
                self.client.log_metric(run_id, name, float(value), step=step)
            self.steps[unit.key] = step

    @hookimpl
    def xharness_unit_finished(self, unit: Unit, record: Any) -> None:
        run_id = self.runs.pop(unit.key, None)
        if run_id is None:
            return
        if record is not None:
            step = self.steps.pop(unit.key, 0)
            for name, value in final_metrics(record).items():
                self.client.log_metric(run_id, name, value, step=step)
        self.client.set_terminated(run_id)


class WandbLogger:
    def __init__(self, runs_dir: Path) -> None:
        self.dir = runs_dir
        self.runs: dict[str, Any] = {}

    @hookimpl
    def xharness_unit_started(self, unit: Unit) -> None:
        import wandb

        self.dir.mkdir(parents=True, exist_ok=True)
        self.runs[unit.key] = wandb.init(
            project=os.environ.get("WANDB_PROJECT", "xharness"), name=unit.label,
            group=unit.kind, config=asdict(unit), dir=str(self.dir), reinit="create_new")

    @hookimpl
    def xharness_train_log(self, unit: Unit, step: int,
                           metrics: dict[str, float]) -> None:
        run = self.runs.get(unit.key)
        if run is not None:
            run.log(dict(metrics), step=step)

    @hookimpl
    def xharness_unit_finished(self, unit: Unit, record: Any) -> None:
        run = self.runs.pop(unit.key, None)
        if run is None:
            return
        if record is not None:
            final = final_metrics(record)
            run.log(final)
            run.summary.update(final)
        run.finish()
