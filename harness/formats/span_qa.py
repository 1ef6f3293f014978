"""Extractive span QA (SQuAD v1.1, XQuAD, MLQA, TyDiQA-GoldP).

Contexts longer than `max_length` are cut into overlapping windows; every window is a
feature. The head gives start and end logits per token, and decoding takes the best span
over all windows of a question and returns the substring of the *original* context, so
answers keep their spacing and case for the official scorer.

Feature layout (one row per window): `example_id` (row index of the canonical example),
`input_ids`, `length`, `start_positions` / `end_positions` (token indices of the first
answer in this window; 0, the `<s>` token, when the window does not contain it) and
`offset_mapping` (per token, the (start, end) characters in the context; (-1, -1) for
question, special tokens and zero-width word markers, which may not start or end a span).

Predictions are `QAPrediction(id, text)` pairs: `submission_rows` only sees predictions, and
the XTREME files map question id -> answer text, so the ids travel with the answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, NamedTuple

import datasets
import numpy as np
import torch
from torch import nn

from harness.config import TrainArgs
from harness.errors import XHarnessError
from harness.formats.base import DataReport, Format, require_columns
from harness.formats.mapping import to_canonical
from harness.formats.padding import pad_sequences
from harness.metrics import mlqa_scores, squad_scores
from harness.metrics.example_stats import qa_from_stats, qa_rows
from harness.metrics.qa import normalizer
from harness.metrics.registry import metric_for
from harness.specs import TaskSpec

NO_OFFSET = (-1, -1)
#: the word-initial marker of SentencePiece/Metaspace tokenizers; alone it is zero-width
WORD_MARKER = "▁"

CANONICAL_FEATURES = datasets.Features({
    "id": datasets.Value("string"),
    "context": datasets.Value("string"),
    "question": datasets.Value("string"),
    "answers": {
        "text": datasets.List(datasets.Value("string")),
        "answer_start": datasets.List(datasets.Value("int64")),
    },
})

Offsets = list[tuple[int, int]]


class QAPrediction(NamedTuple):
    """One answer with its question id (a 2-tuple, so `dict(predictions)` works)."""

    id: str
    text: str


class SpanHead(nn.Module):
    """Start and end logits for every token: one linear layer, as HF's
    `XLMRobertaForQuestionAnswering` (which puts no dropout on the QA head)."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.qa_outputs = nn.Linear(hidden_size, 2)

    def forward(self, hidden: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.qa_outputs(hidden)


class SpanQA(Format):
    name = "span_qa"
    columns: ClassVar[dict[str, str]] = {
        "id": "question id (unique; the key of the submission file)",
        "context": "the passage the answer is taken from",
        "question": "the question",
        "answers": '{"text": [str], "answer_start": [int]} (SQuAD schema; empty = unanswerable)',
    }
    primary_metric = "score"

    # -- data ---------------------------------------------------------------------------
    def canonicalize(
        self, raw: datasets.Dataset, task: TaskSpec, columns: dict[str, str], strict: bool,
        where: str,
    ) -> tuple[datasets.Dataset, DataReport]:
        ds = to_canonical(raw, task, columns, list(self.columns), where)
        require_columns(ds, list(self.columns), self, task, where)
        report = DataReport(rows_in=len(ds))
        out: dict[str, list[Any]] = {c: [] for c in self.columns}
        seen: set[str] = set()
        for i, row in enumerate(ds):
            problem = _row_problem(row, seen)
            if problem:
                reason, detail = problem
                report.reject(reason, f"id {row['id']!r}: {reason} ({detail})",
                              strict, where, row=i)
                continue
            seen.add(str(row["id"]))
            out["id"].append(str(row["id"]))
            out["context"].append(row["context"])
            out["question"].append(row["question"])
            out["answers"].append({"text": list(row["answers"]["text"]),
                                   "answer_start": [int(s) for s in
                                                    row["answers"]["answer_start"]]})
        report.finish(where)
        report.rows_out = len(out["id"])
        return datasets.Dataset.from_dict(out, features=CANONICAL_FEATURES), report

    quality_field = "context"

    def translate(
        self, ds: datasets.Dataset, translate: Callable[[list[str]], list[str]], lang: str,
        task: TaskSpec,
    ) -> tuple[datasets.Dataset, list[int], Counter[str]]:
        """The first answer crosses translation as a marked span (`translation.markers`);
        examples whose marker does not come back around a non-empty span are dropped."""
        from harness.translation.markers import mark, unmark

        marked, answerable = [], []
        for context, answers in zip(ds["context"], ds["answers"], strict=True):
            span = _first_answer(answers)
            answerable.append(span is not None)
            marked.append(mark(context, [span]) if span else context)
        contexts, questions = translate(marked), translate(ds["question"])
        rows: dict[str, list[Any]] = {k: [] for k in self.columns}
        keep: list[int] = []
        dropped: Counter[str] = Counter()
        for i in range(len(ds)):
            if not contexts[i].strip() or not questions[i].strip():
                dropped["untranslatable text"] += 1
                continue
            if answerable[i]:
                found = unmark(contexts[i], 1)
                if found is None:
                    dropped["answer span lost in translation"] += 1
                    continue
                context, [(start, end)] = found
                answers = {"text": [context[start:end]], "answer_start": [start]}
            else:
                context, answers = contexts[i], {"text": [], "answer_start": []}
            keep.append(i)
            rows["id"].append(f"{ds['id'][i]}-{lang}")
            rows["context"].append(context)
            rows["question"].append(questions[i])
            rows["answers"].append(answers)
        return datasets.Dataset.from_dict(rows, features=CANONICAL_FEATURES), keep, dropped

    def featurize(
        self, ds: datasets.Dataset, tokenizer: Any, task: TaskSpec, args: TrainArgs
    ) -> datasets.Dataset:
        budget = _question_budget(tokenizer, args)
        marker_id = tokenizer.get_vocab().get(WORD_MARKER)

        def encode(batch: dict[str, list[Any]], idx: list[int]) -> dict[str, list[Any]]:
            questions = _clip_questions([q.lstrip() for q in batch["question"]], tokenizer,
                                        budget)
            enc = tokenizer(
                questions, batch["context"], truncation="only_second",
                max_length=args.max_length, stride=args.doc_stride,
                return_overflowing_tokens=True, return_offsets_mapping=True,
            )
            out: dict[str, list[Any]] = {
                "example_id": [], "input_ids": enc["input_ids"],
                "length": [len(x) for x in enc["input_ids"]],
                "start_positions": [], "end_positions": [], "offset_mapping": [],
            }
            for i, sample in enumerate(enc["overflow_to_sample_mapping"]):
                offsets = _context_offsets(enc["offset_mapping"][i], enc.sequence_ids(i),
                                           enc["input_ids"][i], marker_id)
                start, end = _answer_tokens(offsets, _first_answer(batch["answers"][sample]))
                out["example_id"].append(idx[sample])
                out["start_positions"].append(start)
                out["end_positions"].append(end)
                out["offset_mapping"].append([list(o) for o in offsets])
            return out

        return ds.map(encode, batched=True, with_indices=True, remove_columns=ds.column_names)

    def collate(self, rows: dict[str, list[Any]], pad_id: int) -> dict[str, torch.Tensor]:
        input_ids, attention_mask = pad_sequences(rows["input_ids"], pad_id)
        return {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "start_positions": torch.tensor(rows["start_positions"], dtype=torch.long),
            "end_positions": torch.tensor(rows["end_positions"], dtype=torch.long),
        }

    # -- model --------------------------------------------------------------------------
    def build_head(
        self, hidden_size: int, task: TaskSpec, dropout: float, args: TrainArgs
    ) -> nn.Module:
        return SpanHead(hidden_size)

    def loss(self, logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Mean of start and end cross-entropy; positions past the padded width are
        clamped to it and ignored, as in HF's QA models."""
        start_logits, end_logits = logits.float().unbind(dim=-1)
        width = start_logits.size(1)
        start = batch["start_positions"].clamp(0, width)
        end = batch["end_positions"].clamp(0, width)
        ce = nn.functional.cross_entropy
        return (ce(start_logits, start, ignore_index=width)
                + ce(end_logits, end, ignore_index=width)) / 2

    # -- predictions --------------------------------------------------------------------
    def decode(
        self, logits: list[np.ndarray], features: datasets.Dataset, examples: datasets.Dataset,
        task: TaskSpec, args: TrainArgs,
    ) -> list[QAPrediction]:
        """The best-scoring valid span over all windows of each question, as the original
        context's substring; "" when no window has a valid span."""
        windows: list[list[int]] = [[] for _ in range(len(examples))]
        for f, ex in enumerate(features["example_id"]):
            windows[ex].append(f)
        # read as Python lists in bulk: numpy row formatting costs ~1 ms a feature
        offsets = [np.asarray(o) for o in features["offset_mapping"]]
        preds = []
        for ex, (qid, context) in enumerate(zip(examples["id"], examples["context"],
                                                strict=True)):
            span = _best_span(((logits[f], offsets[f]) for f in windows[ex]),
                              args.n_best, args.max_answer_length)
            preds.append(QAPrediction(qid, context[span[0]:span[1]] if span else ""))
        return preds

    def score(
        self, predictions: list[Any], examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> dict[str, float]:
        gold = {qid: a["text"] for qid, a in zip(examples["id"], examples["answers"],
                                                 strict=True)}
        answers = dict(predictions)
        if _mode(task) == "mlqa":
            em, f1 = mlqa_scores(answers, gold, lang)
        else:
            em, f1 = squad_scores(answers, gold)
        return {"exact_match": em, "f1": f1, "score": (em + f1) / 2}

    def example_stats(
        self, predictions: list[Any], examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> np.ndarray:
        answers = dict(predictions)
        return qa_rows([answers.get(qid, "") for qid in examples["id"]],
                       [a["text"] for a in examples["answers"]],
                       normalizer(lang if _mode(task) == "mlqa" else None))

    def metric_from_stats(self, rows: np.ndarray, task: TaskSpec) -> float:
        return qa_from_stats(rows)

    def submission_rows(self, predictions: list[Any], task: TaskSpec) -> dict[str, str]:
        """Question id -> answer text, what `write_predictions` takes for QA tasks."""
        return dict(predictions)


# -- canonicalisation ------------------------------------------------------------------
def _row_problem(row: dict[str, Any], seen: set[str]) -> tuple[str, str] | None:
    """(reason, detail) for a row that cannot be used, else None."""
    if row["id"] is None or str(row["id"]) == "":
        return "missing id", "`id` is empty"
    if str(row["id"]) in seen:
        return "duplicate id", f"id {row['id']!r} was already seen"
    if not isinstance(row["context"], str) or not row["context"].strip():
        return "empty context", "`context` is empty"
    if not isinstance(row["question"], str) or not row["question"].strip():
        return "empty question", "`question` is empty"
    return _answers_problem(row["answers"], row["context"])


def _answers_problem(answers: Any, context: str) -> tuple[str, str] | None:
    """Gold spans must read their text from the context, else training labels (and the
    character offsets behind them) would point at the wrong tokens."""
    texts = answers.get("text") if isinstance(answers, dict) else None
    starts = answers.get("answer_start") if isinstance(answers, dict) else None
    if not isinstance(texts, list) or not isinstance(starts, list) or len(texts) != len(starts):
        return "malformed answers", f"{answers!r} is not SQuAD's {{text: [..], answer_start: [..]}}"
    for text, start in zip(texts, starts, strict=True):
        found = context[start:start + len(text)] if isinstance(start, int) and start >= 0 else None
        if not text or found != text:
            return ("answer does not match context",
                    f"answer {text!r} at character {start} reads {found!r} in the context")
    return None


# -- featurisation ---------------------------------------------------------------------
def _question_budget(tokenizer: Any, args: TrainArgs) -> int:
    """Most question tokens a window can hold: the tokenizer refuses windows whose
    context part is not longer than the stride."""
    budget = args.max_length - tokenizer.num_special_tokens_to_add(pair=True) - args.doc_stride - 1
    if budget < 1:
        raise XHarnessError(
            f"doc_stride {args.doc_stride} leaves no room for a question in windows of "
            f"max_length {args.max_length}",
            where="span_qa featurisation",
            fix="make doc_stride well below max_length (e.g. max_length 384, doc_stride 128)",
        )
    return budget


def _clip_questions(questions: list[str], tokenizer: Any, budget: int) -> list[str]:
    """Cut questions longer than `budget` tokens (XTREME's `max_query_length` does the
    same), so one overlong question cannot abort featurisation."""
    enc = tokenizer(questions, add_special_tokens=False, return_offsets_mapping=True)
    return [q if len(offs) <= budget else q[: offs[budget - 1][1]]
            for q, offs in zip(questions, enc["offset_mapping"], strict=True)]


def _context_offsets(
    offsets: list[tuple[int, int]], sequence_ids: list[int | None], input_ids: list[int],
    marker_id: int | None,
) -> Offsets:
    """Character offsets of the context tokens; NO_OFFSET elsewhere.

    A lone word marker ("▁") reports the offsets of the next token's first character, so
    a span starting or ending on it would cut a word: it is masked like a non-context
    token, as is any token that starts where the next one does or covers nothing.
    """
    out = [(int(o[0]), int(o[1])) if s == 1 else NO_OFFSET
           for o, s in zip(offsets, sequence_ids, strict=True)]
    for k, (start, end) in enumerate(out):
        if start < 0:
            continue
        next_start = out[k + 1][0] if k + 1 < len(out) else -1
        if input_ids[k] == marker_id or end <= start or next_start == start:
            out[k] = NO_OFFSET
    return out


def _first_answer(answers: dict[str, list[Any]]) -> tuple[int, int] | None:
    """(start, end) characters of the answer training uses; None when unanswerable."""
    if not answers["text"]:
        return None
    start = int(answers["answer_start"][0])
    return start, start + len(answers["text"][0])


def _answer_tokens(offsets: Offsets, span: tuple[int, int] | None) -> tuple[int, int]:
    """Token indices of the answer in one window (HF's search), or (0, 0) when the window
    does not contain the whole answer."""
    context = [k for k, (start, _) in enumerate(offsets) if start >= 0]
    if span is None or not context:
        return 0, 0
    start_char, end_char = span
    if offsets[context[0]][0] > start_char or offsets[context[-1]][1] < end_char:
        return 0, 0
    start = max(k for k in context if offsets[k][0] <= start_char)
    end = min(k for k in context if offsets[k][1] >= end_char)
    return start, end


# -- decoding --------------------------------------------------------------------------
def _best_span(
    windows: Iterable[tuple[np.ndarray, np.ndarray]], n_best: int, max_answer_length: int
) -> tuple[int, int] | None:
    """Character span of the highest-scoring valid span over windows (earliest on ties)."""
    best: tuple[float, int, int] | None = None
    for logits, offsets in windows:
        found = _window_best(logits, offsets, n_best, max_answer_length)
        if found and (best is None or found[0] > best[0]):
            best = found
    return (best[1], best[2]) if best else None


def _window_best(
    logits: np.ndarray, offsets: np.ndarray, n_best: int, max_answer_length: int
) -> tuple[float, int, int] | None:
    """(score, start char, end char) of one window's best span among its top `n_best`
    context starts and ends, with end >= start and at most `max_answer_length` tokens."""
    n = len(offsets)
    in_context = offsets[:, 0] >= 0
    start_logits = np.where(in_context, logits[:n, 0], -np.inf)
    end_logits = np.where(in_context, logits[:n, 1], -np.inf)
    starts = _top(start_logits, n_best)[:, None]
    ends = _top(end_logits, n_best)[None, :]
    valid = (ends >= starts) & (ends - starts + 1 <= max_answer_length)
    if not valid.any():
        return None
    scores = np.where(valid, start_logits[starts] + end_logits[ends], -np.inf)
    i, j = np.unravel_index(int(np.argmax(scores)), scores.shape)
    s, e = int(starts[i, 0]), int(ends[0, j])
    return float(scores[i, j]), int(offsets[s, 0]), int(offsets[e, 1])


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` highest finite scores, best first."""
    order = np.argsort(-scores, kind="stable")[:k]
    return order[np.isfinite(scores[order])]


def _mode(task: TaskSpec) -> str:
    """`squad` or `mlqa` normalisation: the task's metric, checked against the registry."""
    return metric_for(task).name
