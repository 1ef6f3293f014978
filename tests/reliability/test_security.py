"""Security: no pickle runs from a checkpoint, remote code is off unless named, and names
that become paths cannot leave the runs folder."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from pydantic import ValidationError
from safetensors.torch import save_file

from harness import checkpoints
from harness.catalog import build_catalog
from harness.run_config import Runtime, resolve
from harness.session import Session
from harness.specs import TaskSpec

MARK = Path("/tmp/xharness-pickle-ran")


class _Exploit:
    def __reduce__(self):  # what a malicious optimizer.pt would carry
        return (MARK.write_text, ("pwned",))


def test_a_pickled_payload_in_a_checkpoint_is_refused_not_run(tmp_path: Path) -> None:
    MARK.unlink(missing_ok=True)
    model = torch.nn.Linear(2, 2)
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / checkpoints.STATE_FILE).write_text(json.dumps({"step": 1}))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              folder / "model.safetensors")
    (folder / "optimizer.pt").write_bytes(pickle.dumps(_Exploit()))
    optimizer = torch.optim.AdamW(model.parameters())
    with pytest.raises(pickle.UnpicklingError):
        checkpoints.load(folder, model, optimizer, None, SimpleNamespace())  # type: ignore[arg-type]
    assert not MARK.exists()


def test_remote_code_is_off_unless_the_profile_names_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What reaches `from_pretrained` when a session loads its model: False for the paper
    profile's model, True only once the profile names it."""
    import transformers

    calls: list[tuple[str, str, object]] = []

    def recording(kind: str):  # type: ignore[no-untyped-def]
        def from_pretrained(path: str, *args: object, **kwargs: object) -> SimpleNamespace:
            calls.append((kind, path, kwargs.get("trust_remote_code", "not passed")))
            return SimpleNamespace(is_fast=True)
        return from_pretrained

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", recording("tokenizer"))
    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", recording("model"))
    monkeypatch.chdir(tmp_path)  # no xharness.lock in force
    catalog = build_catalog()
    session = Session.create(catalog, "paper", tmp_path / "runs", device="cpu")
    model = session.model_ref
    session.store.load_tokenizer()  # type: ignore[misc]  # how the data store gets it
    assert calls == [("tokenizer", model, False), ("model", model, False)]

    calls.clear()
    profile = catalog.profile("paper").model_copy(update={"trust_remote_code": [model]})
    runtime = Runtime(runs_dir=str(tmp_path / "runs"), device="cpu")
    named = Session.from_config(resolve(catalog, profile, runtime=runtime), catalog)
    named.store.load_tokenizer()  # type: ignore[misc]
    assert calls == [("tokenizer", model, True), ("model", model, True)]


@pytest.mark.parametrize("name", ["../escape", "a/b", "/abs", ".hidden", "Upper"])
def test_task_names_cannot_become_paths_outside_the_runs_folder(name: str) -> None:
    spec = build_catalog().task("xnli").model_dump()
    with pytest.raises(ValidationError, match="not a valid task name"):
        TaskSpec.model_validate({**spec, "name": name})
