"""Training throughput: xharness's loop against the Hugging Face `Trainer`, side by side
in one process, on the same model, data and hyperparameters.

    python benchmarks/train_throughput.py                      # CPU: the embedded model, MNLI
    python benchmarks/train_throughput.py --gpu-scale          # GPU: xlm-roberta-large (random
                                                               # weights from its config)

On CPU it fine-tunes the shipped embedded encoder on the embedded MNLI for the same number
of updates with both loops and reports examples/s, real (non-padding) tokens/s, the ratio
(median time over rounds), and the English dev accuracy each reaches; round r trains with
seed r, so the accuracies' spread over rounds is the seed noise (`--same-seed` repeats
seed 0). The `Trainer` runs twice: with
`DataCollatorWithPadding` (dynamic padding) and with padding to `max_length` (what the HF
example scripts do by default, `pad_to_max_length=True`).

`--gpu-scale` builds XLM-R Large from its published configuration with random weights (the
cost is the real one) and trains on synthetic token ids with realistic lengths (MNLI-like
pairs, or SQuAD-like 384-token windows with `--lengths squad`); it reports model FLOPs
utilisation against the GPU's measured bf16 matmul peak, counting only real tokens, and the
peak GPU memory. Each run writes a JSON file under `benchmarks/results/`.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import results_file  # noqa: E402  (beside this script)

from harness.config import TrainArgs  # noqa: E402
from harness.specs import Stage  # noqa: E402

RESULTS = results_file.RESULTS
XLMR_LARGE = dict(vocab_size=250002, hidden_size=1024, num_hidden_layers=24,
                  num_attention_heads=16, intermediate_size=4096,
                  max_position_embeddings=514, type_vocab_size=1, pad_token_id=1,
                  bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5)


# -- data ----------------------------------------------------------------------------------

def embedded_mnli(tokenizer: Any, max_length: int, n_train: int) -> tuple[Any, Any]:
    from harness.catalog import build_catalog
    from harness.data.store import DataStore

    catalog = build_catalog()
    task = catalog.task("mnli")
    store = DataStore(catalog.profile("embedded"), tokenizer)
    args = TrainArgs(max_length=max_length)
    _, train = store.features(task, "train", "en", args, n_train)
    dev_ex, dev = store.features(task, "dev", "en", args)
    return task, (train, dev, dev_ex)


def synthetic_lengths(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Token counts like MNLI pairs (long-tailed, mean ~40) or SQuAD windows (mostly the
    full 384-token window)."""
    if kind == "squad":
        return np.where(rng.random(n) < 0.75, 384, rng.integers(160, 384, n))
    return np.clip(rng.lognormal(mean=3.6, sigma=0.45, size=n).astype(int), 12, 256)


# -- the two loops -------------------------------------------------------------------------

def run_xharness(model: torch.nn.Module, task: Any, train: Any, args: TrainArgs,
                 device: torch.device, bf16: bool, pad_id: int, seed: int = 0) -> float:
    from harness.formats import get_format
    from harness.modeling import MultiTaskModel
    from harness.training import Compute, TrainTask
    from harness.training import train as train_loop

    fmt = get_format(task.format)
    wrapped = MultiTaskModel(model.roberta if hasattr(model, "roberta") else model,
                             {task.name: _head_of(model, fmt, task, args)})
    start = time.perf_counter()
    train_loop(wrapped, [TrainTask(task.name, task, fmt, train)], args,
               Stage(tasks=[task.name]), seed, Compute(device, bf16, pad_id), desc="xharness")
    _sync(device)
    return time.perf_counter() - start


def _head_of(model: torch.nn.Module, fmt: Any, task: Any, args: TrainArgs) -> torch.nn.Module:
    """The same classification head (RoBERTa's), with the same initial weights."""
    head = fmt.build_head(model.config.hidden_size, task, model.config.hidden_dropout_prob, args)
    src = model.classifier
    head.dense.load_state_dict(src.dense.state_dict())
    head.out_proj.load_state_dict(src.out_proj.state_dict())
    return head


def padding_collator(tokenizer: Any, pad_to_max: bool, max_length: int) -> Any:
    """`DataCollatorWithPadding`, padding to the batch's longest row or to `max_length`."""
    from transformers import DataCollatorWithPadding

    return DataCollatorWithPadding(
        tokenizer, padding="max_length" if pad_to_max else "longest",
        max_length=max_length if pad_to_max else None)


def id_collator(pad_id: int) -> Any:
    """Dynamic padding for synthetic token ids (no tokenizer at GPU scale)."""
    from harness.formats.padding import pad_sequences

    def collate(rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        ids, mask = pad_sequences([r["input_ids"] for r in rows], pad_id)
        return {"input_ids": ids, "attention_mask": mask,
                "labels": torch.tensor([r["labels"] for r in rows])}

    return collate


def run_trainer(model: torch.nn.Module, train: Any, args: TrainArgs, collator: Any,
                device: torch.device, bf16: bool, out: Path, seed: int = 0) -> float:
    from transformers import Trainer, TrainingArguments

    data = train.remove_columns([c for c in train.column_names
                                 if c not in ("input_ids", "labels")])
    targs = TrainingArguments(
        output_dir=str(out), per_device_train_batch_size=args.batch_size,
        learning_rate=args.learning_rate, weight_decay=args.weight_decay,
        warmup_steps=args.warmup_ratio, max_grad_norm=args.max_grad_norm,
        adam_epsilon=args.adam_epsilon, max_steps=args.max_steps or -1,
        num_train_epochs=args.epochs, lr_scheduler_type="linear", logging_steps=10**9,
        save_strategy="no", eval_strategy="no", report_to=[], seed=seed,
        dataloader_num_workers=0, use_cpu=device.type == "cpu", bf16=bf16,
        disable_tqdm=True,
    )
    trainer = Trainer(model=model, args=targs, train_dataset=data, data_collator=collator)
    start = time.perf_counter()
    trainer.train()
    _sync(device)
    return time.perf_counter() - start


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


@torch.inference_mode()
def dev_accuracy(model: torch.nn.Module, dev: Any, pad_id: int, device: torch.device) -> float:
    from harness.formats.padding import pad_sequences

    model.eval()
    correct = 0
    for i in range(0, len(dev), 256):
        rows = dev[i : i + 256]
        ids, mask = pad_sequences(rows["input_ids"], pad_id)
        logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
        correct += int((logits.argmax(-1).cpu() == torch.tensor(rows["labels"])).sum())
    model.train()
    return 100.0 * correct / len(dev)


# -- CPU benchmark -------------------------------------------------------------------------

def cpu_benchmark(opts: argparse.Namespace) -> dict[str, Any]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from harness.device import pick_device
    from harness.modeling import resolve_model

    path = resolve_model(opts.model)
    tokenizer = AutoTokenizer.from_pretrained(path)
    task, (train, dev, _) = embedded_mnli(tokenizer, opts.max_length, opts.n_train)
    args = TrainArgs(learning_rate=opts.lr, batch_size=opts.batch_size, epochs=1,
                     max_steps=opts.steps, max_length=opts.max_length, warmup_ratio=0.1,
                     select_on_dev=False, checkpoint_every=None)
    device = pick_device("cpu")
    lengths = np.asarray(train["length"])
    per_step = args.batch_size * args.max_steps  # examples seen per loop
    real_tokens = float(lengths.mean()) * per_step
    results: dict[str, Any] = {}

    def fresh(seed: int) -> torch.nn.Module:
        torch.manual_seed(seed)
        return AutoModelForSequenceClassification.from_pretrained(
            path, num_labels=3, attn_implementation="sdpa")

    order = ["xharness", "trainer_dynamic", "trainer_max_length"]
    for round_ in range(opts.rounds):
        # round r: seed r for every loop (initial head, data order, dropout), so the dev
        # accuracies across rounds show the seed noise the comparison has to beat
        seed = round_ if opts.vary_seed else 0
        for name in order if round_ % 2 == 0 else order[::-1]:
            model = fresh(seed)
            if name == "xharness":
                seconds = run_xharness(model, task, train, args, device, False,
                                       tokenizer.pad_token_id, seed)
            else:
                collator = padding_collator(tokenizer, name == "trainer_max_length",
                                            args.max_length)
                seconds = run_trainer(model, train, args, collator, device, False,
                                      opts.out / ".trainer", seed)
            acc = dev_accuracy(model, dev, tokenizer.pad_token_id, device)
            results.setdefault(name, []).append({"seconds": seconds, "dev_accuracy": acc})
            del model
            gc.collect()
    summary = {}
    for name, runs in results.items():
        sec = float(np.median([r["seconds"] for r in runs]))
        accs = [r["dev_accuracy"] for r in runs]
        summary[name] = {"seconds": sec, "examples_per_s": per_step / sec,
                         "real_tokens_per_s": real_tokens / sec, "dev_accuracy": accs,
                         "dev_accuracy_mean": float(np.mean(accs)),
                         "dev_accuracy_std": float(np.std(accs))}
    base = summary["xharness"]["seconds"]
    for name in ("trainer_dynamic", "trainer_max_length"):
        summary[name]["xharness_speedup"] = summary[name]["seconds"] / base
    return {"benchmark": "train_throughput", "device": "cpu", "machine": machine(),
            "model": opts.model, "task": "embedded mnli", "steps": args.max_steps,
            "batch_size": args.batch_size, "max_length": args.max_length,
            "mean_real_tokens": float(lengths.mean()), "rounds": opts.rounds,
            "seeds": list(range(opts.rounds)) if opts.vary_seed else [0],
            "results": summary}


# -- GPU-scale benchmark -------------------------------------------------------------------

def bf16_peak_tflops(device: torch.device, n: int = 8192, reps: int = 20) -> float:
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    _sync(device)
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    _sync(device)
    return 2 * n**3 * reps / (time.perf_counter() - start) / 1e12


def gpu_benchmark(opts: argparse.Namespace) -> dict[str, Any]:
    import datasets
    from transformers import AutoModelForSequenceClassification, XLMRobertaConfig

    from harness.catalog import build_catalog
    from harness.device import pick_device, use_bf16

    device = pick_device("auto")
    bf16 = use_bf16(device, "auto")
    cfg = XLMRobertaConfig(**(XLMR_LARGE if not opts.tiny_config else dict(
        XLMR_LARGE, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=128, vocab_size=1000)), num_labels=3)
    rng = np.random.default_rng(0)
    n = opts.batch_size * opts.steps
    lengths = synthetic_lengths(opts.lengths, n, rng)
    max_length = 384 if opts.lengths == "squad" else opts.max_length
    lengths = np.minimum(lengths, max_length)
    ids = [[0, *rng.integers(5, cfg.vocab_size, size=int(k) - 2).tolist(), 2] for k in lengths]
    train = datasets.Dataset.from_dict({"input_ids": ids, "labels": rng.integers(0, 3, n),
                                        "length": lengths.tolist(),
                                        "example_id": list(range(n))})
    task = build_catalog().task("mnli")
    args = TrainArgs(learning_rate=1e-5, batch_size=opts.batch_size, max_steps=opts.steps,
                     max_length=max_length, warmup_ratio=0.1, select_on_dev=False,
                     checkpoint_every=None)

    results: dict[str, Any] = {}
    params = None
    for name in ("xharness", "trainer_dynamic"):
        torch.manual_seed(0)
        model = AutoModelForSequenceClassification.from_config(cfg, attn_implementation="sdpa")
        params = sum(p.numel() for p in model.parameters())
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        if name == "xharness":
            seconds = run_xharness(model, task, train, args, device, bf16, 1)
        else:
            seconds = run_trainer(model, train, args, id_collator(1), device, bf16,
                                  opts.out / ".trainer")
        peak = torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None
        results[name] = {"seconds": seconds, "examples_per_s": n / seconds,
                         "real_tokens_per_s": float(lengths.sum()) / seconds,
                         "peak_memory_gib": peak}
        del model
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()
    peak_tflops = bf16_peak_tflops(device) if device.type == "cuda" else None
    assert params is not None
    for r in results.values():
        # 6 FLOPs per parameter per real token (forward + backward), attention excluded:
        # a conservative count, so padding and overheads count against us
        achieved = 6 * params * r["real_tokens_per_s"] / 1e12
        r["model_tflops"] = achieved
        r["mfu"] = achieved / peak_tflops if peak_tflops else None
    results["trainer_dynamic"]["xharness_speedup"] = (
        results["trainer_dynamic"]["seconds"] / results["xharness"]["seconds"])
    return {"benchmark": "train_throughput", "device": device_name(device),
            "machine": machine(), "model": "xlm-roberta-large (random init from config)"
            if not opts.tiny_config else "tiny config (code-path check)",
            "lengths": opts.lengths, "steps": opts.steps, "batch_size": opts.batch_size,
            "max_length": max_length, "mean_real_tokens": float(lengths.mean()),
            "parameters": params, "bf16": bf16, "bf16_peak_tflops": peak_tflops,
            "results": results}


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def machine() -> str:
    return f"{platform.machine()}, {torch.get_num_threads()} torch threads, " \
           f"torch {torch.__version__}"


def _accuracies(v: dict[str, Any]) -> str:
    if "dev_accuracy" not in v:
        return ""
    each = ", ".join(f"{a:.1f}" for a in v["dev_accuracy"])
    return f"{v['dev_accuracy_mean']:.1f} ± {v['dev_accuracy_std']:.1f} ({each})"


def report(result: dict[str, Any], name: str, out_dir: Path = RESULTS) -> Path:
    from tabulate import tabulate

    rows = [[k, f"{v['examples_per_s']:.1f}", f"{v['real_tokens_per_s']:.0f}",
             f"{v.get('xharness_speedup', 1.0):.2f}x" if k != "xharness" else "-",
             _accuracies(v) or (f"{v['mfu']:.1%}" if v.get("mfu") else "-")]
            for k, v in result["results"].items()]
    print(f"\n{result['benchmark']} on {result['device']} ({result['machine']})")
    print(tabulate(rows, headers=["loop", "examples/s", "real tokens/s", "xharness speedup",
                                  "dev acc / MFU"]))
    return results_file.write(result, name, out_dir)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gpu-scale", action="store_true")
    p.add_argument("--tiny-config", action="store_true",
                   help="with --gpu-scale: a tiny config, to check the code path on CPU")
    p.add_argument("--lengths", choices=["mnli", "squad"], default="mnli")
    p.add_argument("--model", default="embedded:xlmr-tiny")
    p.add_argument("--steps", type=int, default=120)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--n-train", type=int, default=4000)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--same-seed", dest="vary_seed", action="store_false",
                   help="CPU: seed 0 in every round (default: round r uses seed r)")
    p.add_argument("--out", type=Path, default=RESULTS, help="folder for the JSON result")
    opts = p.parse_args()
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.set_verbosity_error()
    if opts.gpu_scale:
        result = gpu_benchmark(opts)
        name = f"train_throughput-gpu-{opts.lengths}" + ("-tiny" if opts.tiny_config else "")
    else:
        result = cpu_benchmark(opts)
        name = "train_throughput-cpu"
    report(result, name, opts.out)


if __name__ == "__main__":
    main()
