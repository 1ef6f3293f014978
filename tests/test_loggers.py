"""`--report-to`: the built-in loggers on the run-observer hooks. TensorBoard for real
(event files read back); W&B and MLflow in their offline modes when installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e  # every test starts the CLI in a subprocess
RUN = [sys.executable, "-m", "harness.cli", "eval", "-s", "baseline", "-t", "pawsx",
       "--threads", "1", "--set", "max_steps=20", "--set", "eval_every=10"]


def _eval(runs: Path, *extra: str, env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess:
    return subprocess.run([*RUN, "--runs-dir", str(runs), *extra], cwd=ROOT, text=True,
                          capture_output=True, timeout=600, env={**os.environ, **(env or {})})


def test_tensorboard_logs_loss_lr_dev_and_final_metrics_per_unit(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    result = _eval(tmp_path, "--report-to", "tensorboard")
    assert result.returncode == 0, result.stderr[-3000:]
    [run] = (tmp_path / "tensorboard").iterdir()
    assert run.name.startswith("baseline_to_pawsx_seed_0-")
    events = EventAccumulator(str(run))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"loss", "lr", "dev/pawsx", "final/average", "final/en/accuracy"} <= tags
    assert [e.step for e in events.Scalars("loss")] == [10, 20]
    assert [e.step for e in events.Scalars("dev/pawsx")] == [10, 20]
    import json

    [record] = (tmp_path / "targets").glob("*/record.json")
    average = json.loads(record.read_text())["average"]
    assert events.Scalars("final/average")[0].value == pytest.approx(average, rel=1e-6)


def test_mlflow_file_store_gets_one_run_per_unit(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # to read the store back here
    result = _eval(tmp_path, "--report-to", "mlflow")
    assert result.returncode == 0, result.stderr[-3000:]
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=(tmp_path / "mlruns").resolve().as_uri())
    experiment = client.get_experiment_by_name("xharness")
    [run] = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == "baseline -> pawsx seed 0"
    assert [m.step for m in client.get_metric_history(run.info.run_id, "loss")] == [10, 20]
    assert {"lr", "dev/pawsx", "final/average"} <= set(run.data.metrics)


def test_wandb_offline_run_is_written(tmp_path: Path) -> None:
    pytest.importorskip("wandb")
    result = _eval(tmp_path, "--report-to", "wandb",
                   env={"WANDB_MODE": "offline", "WANDB_SILENT": "true"})
    assert result.returncode == 0, result.stderr[-3000:]
    [run] = (tmp_path / "wandb").glob("offline-run-*")
    assert list(run.glob("*.wandb"))


@pytest.mark.parametrize("name", ["tensorboard", "wandb", "mlflow"])
def test_a_missing_logger_package_is_one_line_with_the_pip_command(tmp_path: Path,
                                                                   name: str) -> None:
    # the package made unimportable, as on a machine without it
    code = (f"import sys; sys.modules[{name!r}] = None; from harness.cli import main; "
            f"main(['eval', '-s', 'baseline', '-t', 'pawsx', '--report-to', {name!r}, "
            f"'--runs-dir', {str(tmp_path)!r}])")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, text=True,
                            capture_output=True, timeout=300)
    assert result.returncode == 2
    assert f"pip install 'xharness[{name}]'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "targets").exists()  # nothing ran


def test_an_unknown_logger_is_named_with_the_valid_ones(tmp_path: Path) -> None:
    result = _eval(tmp_path, "--report-to", "tensorbord")
    assert result.returncode == 2
    assert "did you mean 'tensorboard'" in result.stderr
