"""Token tagging over pre-split words (UD-POS, PAN-X NER, CCG supertagging).

Labels go on the first subword of each word (other subwords and special tokens get -100),
as XTREME and jiant do. Sentences longer than `max_length` subwords are split at word
boundaries into several features rather than truncated, and decoding stitches the pieces
back, so every word of every example gets exactly one prediction: a truncated word would
otherwise be scored as a wrong tag (or silently missing) on long sentences.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import datasets
import numpy as np
import torch
from torch import nn

from harness.config import TrainArgs
from harness.errors import XHarnessError
from harness.formats.base import DataReport, Format, label_index, require_columns
from harness.formats.mapping import label_names, resolve_label, to_canonical
from harness.formats.padding import pad_sequences
from harness.metrics import tagging_scores
from harness.metrics.example_stats import f1_from_stats, span_rows
from harness.specs import TaskSpec

IGNORE = -100  # cross-entropy's ignore_index: no label at this position
NO_WORD = -1  # `word_index` of special tokens

CANONICAL_FEATURES = datasets.Features({
    "tokens": datasets.List(datasets.Value("string")),
    "tags": datasets.List(datasets.Value("int32")),
})


class TaggingHead(nn.Module):
    """Dropout and a linear layer over every token's hidden state."""

    def __init__(self, hidden_size: int, n_labels: int, dropout: float) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden_size, n_labels)

    def forward(self, hidden: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.classifier(self.dropout(hidden))


def _row_problem(tokens: Any, tags: list[int | None]) -> tuple[str, str] | None:
    """Why a canonical row cannot be used, as (reason, detail), or None if it can."""
    if not isinstance(tokens, list) or not tokens:
        return "empty sentence", "`tokens` is empty"
    if not all(isinstance(t, str) for t in tokens):
        return "token is not a string", "`tokens` holds a non-string"
    if len(tags) != len(tokens):
        return "tag count differs from token count", f"{len(tags)} tags for {len(tokens)} tokens"
    if any(t is None for t in tags):
        return "tag outside the label set", "a tag is not in the label set"
    return None


def _piece_counts(tokenizer: Any, sentences: list[list[str]]) -> list[list[int]]:
    """Subwords per word, without special tokens (0 for words the tokenizer drops)."""
    enc = tokenizer(sentences, is_split_into_words=True, add_special_tokens=False)
    counts = []
    for i, words in enumerate(sentences):
        per_word = [0] * len(words)
        for w in enc.word_ids(i):
            if w is not None:
                per_word[w] += 1
        counts.append(per_word)
    return counts


def split_words(counts: Sequence[int], budget: int) -> list[tuple[int, int]]:
    """Greedy word ranges [start, end) whose subwords fit in `budget`.

    A single word longer than the budget gets a range of its own (the tokenizer then cuts
    its trailing subwords, which carry no label anyway), so no word is ever lost.
    """
    ranges, start, used = [], 0, 0
    for i, n in enumerate(counts):
        n = min(max(n, 1), budget)
        if used + n > budget and i > start:
            ranges.append((start, i))
            start, used = i, 0
        used += n
    ranges.append((start, len(counts)))
    return ranges


def _align(
    word_ids: list[int | None], first_word: int, n_words: int, tags: list[int]
) -> tuple[list[int], list[int]]:
    """(`word_index`, `labels`) per subword: the word's tag on its first subword only."""
    word_index, labels = [], []
    previous = None
    for w in word_ids:
        if w is None:
            word_index.append(NO_WORD)
            labels.append(IGNORE)
        else:
            word_index.append(first_word + w)
            labels.append(tags[first_word + w] if w != previous else IGNORE)
        previous = w
    covered = {w for w in word_ids if w is not None}
    if len(covered) != n_words:
        raise XHarnessError(
            f"the tokenizer produced no subword for {n_words - len(covered)} word(s) of a "
            f"{n_words}-word piece even after they were replaced by the unknown token",
            where="tagging features", fix="use a tokenizer with an unknown token",
        )
    return word_index, labels


def _first_subwords(word_index: Sequence[int]) -> np.ndarray:
    """Positions of the first subword of each word in one feature."""
    wi = np.asarray(word_index)
    previous = np.concatenate([[NO_WORD], wi[:-1]])
    return np.flatnonzero((wi >= 0) & (wi != previous))


def _entity_spans(
    tokens: list[str], tags: list[str]
) -> tuple[str, list[tuple[int, int]], list[str]]:
    """The sentence as text, the character span of each BIO entity and its type."""
    text, spans, types, starts = " ".join(tokens), [], [], []
    pos = 0
    for t in tokens:
        starts.append(pos)
        pos += len(t) + 1
    current: list[int] | None = None
    for j, tag in enumerate([*tags, "O"]):
        inside = tag.startswith("I-") and current is not None and types[-1] == tag[2:]
        if current is not None and not inside:
            spans.append((starts[current[0]], starts[current[-1]] + len(tokens[current[-1]])))
            current = None
        if tag.startswith("B-") or (tag.startswith("I-") and current is None):
            current = [j]
            types.append(tag[2:])
        elif inside and current is not None:
            current.append(j)
    return text, spans, types


class Tagging(Format):
    name = "tagging"
    columns: ClassVar[dict[str, str]] = {
        "tokens": "the sentence as a list of words (pre-split)",
        "tags": "one tag per word: tag names, or indices (through the source's ClassLabel "
        "names, else `options.label_map`, else into the task's `labels`)",
    }
    primary_metric = "f1"

    quality_field = "tokens"

    def translate(
        self, ds: datasets.Dataset, translate: Callable[[list[str]], list[str]], lang: str,
        task: TaskSpec,
    ) -> tuple[datasets.Dataset, list[int], Counter[str]]:
        """Entity spans (BIO tags) cross translation as marked spans; the translation is
        split at whitespace and its words inside a marked span get B-/I- of its type.
        Dense tag sets (POS, CCG) would need word alignment and are refused."""
        from harness.translation.markers import mark, unmark

        names = task.labels or []
        if not all(n == "O" or n[:2] in ("B-", "I-") for n in names):
            raise XHarnessError(
                f"task {task.name!r} has dense tags (not BIO spans); translating them needs "
                "word alignment, which translate-train does not do",
                fix=f"leave {task.name!r} out of translate-train (--intermediate)",
            )
        index = label_index(names)
        marked, kinds = [], []
        for tokens, tags in zip(ds["tokens"], ds["tags"], strict=True):
            text, spans, types = _entity_spans(tokens, [names[t] for t in tags])
            marked.append(mark(text, spans))
            kinds.append(types)
        out = translate(marked)
        rows: dict[str, list[Any]] = {"tokens": [], "tags": []}
        keep: list[int] = []
        dropped: Counter[str] = Counter()
        for i, (translated, types) in enumerate(zip(out, kinds, strict=True)):
            found = unmark(translated, len(types)) if translated.strip() else None
            if found is None:
                dropped["entity span lost in translation" if translated.strip()
                        else "untranslatable text"] += 1
                continue
            text, spans = found
            words, starts, pos = text.split(), [], 0
            for w in words:
                pos = text.index(w, pos)
                starts.append(pos)
                pos += len(w)
            tags = ["O"] * len(words)
            for (a, b), kind in zip(spans, types, strict=True):
                inside = [j for j, s in enumerate(starts) if a <= s < b]
                for n, j in enumerate(inside):
                    tags[j] = ("B-" if n == 0 else "I-") + kind
            keep.append(i)
            rows["tokens"].append(words)
            rows["tags"].append([index[t] for t in tags])
        return datasets.Dataset.from_dict(rows, features=CANONICAL_FEATURES), keep, dropped

    def canonicalize(
        self, raw: datasets.Dataset, task: TaskSpec, columns: dict[str, str], strict: bool,
        where: str,
    ) -> tuple[datasets.Dataset, DataReport]:
        source_names = label_names(raw.features.get(columns.get("tags", "tags")))
        ds = to_canonical(raw, task, columns, list(self.columns), where)
        require_columns(ds, ["tokens", "tags"], self, task, where)
        index = label_index(task.labels or [])
        report = DataReport(rows_in=len(ds))
        kept_tokens, kept_tags = [], []
        for i, (tokens, raw_tags) in enumerate(zip(ds["tokens"], ds["tags"], strict=True)):
            tags = [resolve_label(t, source_names, index, task) for t in raw_tags or []]
            problem = _row_problem(tokens, tags)
            if problem:
                reason, detail = problem
                report.reject(reason, f"{detail} ({reason}; labels {task.labels})",
                              strict, where, row=i)
                continue
            kept_tokens.append(tokens)
            kept_tags.append(tags)
        report.finish(where)
        report.rows_out = len(kept_tokens)
        data = {"tokens": kept_tokens, "tags": kept_tags}
        return datasets.Dataset.from_dict(data, features=CANONICAL_FEATURES), report

    def featurize(
        self, ds: datasets.Dataset, tokenizer: Any, task: TaskSpec, args: TrainArgs
    ) -> datasets.Dataset:
        budget = args.max_length - tokenizer.num_special_tokens_to_add(pair=False)

        def encode(batch: dict[str, list[Any]], idx: list[int]) -> dict[str, list[Any]]:
            counts = _piece_counts(tokenizer, batch["tokens"])
            pieces, owners = [], []  # owners: (example_id, first word, tags) per piece
            for example_id, words, tags, n in zip(
                idx, batch["tokens"], batch["tags"], counts, strict=True
            ):
                # words the tokenizer drops would lose their prediction: use <unk> instead
                words = [w if c else tokenizer.unk_token for w, c in zip(words, n, strict=True)]
                for start, end in split_words(n, budget):
                    pieces.append(words[start:end])
                    owners.append((example_id, start, tags))
            enc = tokenizer(pieces, is_split_into_words=True, truncation=True,
                            max_length=args.max_length)
            out: dict[str, list[Any]] = {k: [] for k in (
                "input_ids", "labels", "word_index", "length", "example_id", "first_word")}
            for k, ((example_id, start, tags), piece) in enumerate(
                zip(owners, pieces, strict=True)
            ):
                word_index, labels = _align(enc.word_ids(k), start, len(piece), tags)
                out["input_ids"].append(enc["input_ids"][k])
                out["labels"].append(labels)
                out["word_index"].append(word_index)
                out["length"].append(len(word_index))
                out["example_id"].append(example_id)
                out["first_word"].append(start)
            return out

        return ds.map(encode, batched=True, with_indices=True, remove_columns=ds.column_names)

    def collate(self, rows: dict[str, list[Any]], pad_id: int) -> dict[str, torch.Tensor]:
        input_ids, attention_mask = pad_sequences(rows["input_ids"], pad_id)
        labels, _ = pad_sequences(rows["labels"], IGNORE)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}

    def build_head(
        self, hidden_size: int, task: TaskSpec, dropout: float, args: TrainArgs
    ) -> nn.Module:
        return TaggingHead(hidden_size, len(task.labels or []), dropout)

    def loss(self, logits: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return nn.functional.cross_entropy(
            logits.float().flatten(0, 1), batch["labels"].flatten(), ignore_index=IGNORE
        )

    def decode(
        self, logits: list[np.ndarray], features: datasets.Dataset, examples: datasets.Dataset,
        task: TaskSpec, args: TrainArgs,
    ) -> list[list[str]]:
        """Tag names per example, read off each word's first subword in whichever feature
        holds it (features never overlap, so each word is read exactly once)."""
        names = np.asarray(task.labels or [], dtype=object)
        preds: list[list[str | None]] = [[None] * len(t) for t in examples["tokens"]]
        for scores, example_id, word_index in zip(
            logits, features["example_id"], features["word_index"], strict=True
        ):
            positions = _first_subwords(word_index)
            words = np.asarray(word_index)[positions]
            tags = names[np.argmax(scores[positions], axis=-1)]
            row = preds[example_id]
            for w, tag in zip(words.tolist(), tags.tolist(), strict=True):
                row[w] = tag
        for i, row in enumerate(preds):
            if any(tag is None for tag in row):
                raise XHarnessError(
                    f"example {i} has words without a prediction",
                    where="tagging decode",
                    fix="decode with the features built from these examples",
                )
        return preds  # type: ignore[return-value]

    def score(
        self, predictions: list[Any], examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> dict[str, float]:
        names = task.labels or []
        gold = [[names[t] for t in tags] for tags in examples["tags"]]
        return tagging_scores(gold, predictions)._asdict()

    def example_stats(
        self, predictions: list[Any], examples: datasets.Dataset, task: TaskSpec, lang: str
    ) -> np.ndarray:
        names = task.labels or []
        return span_rows([[names[t] for t in tags] for tags in examples["tags"]], predictions)

    def metric_from_stats(self, rows: np.ndarray, task: TaskSpec) -> float:
        return f1_from_stats(rows)

    def submission_rows(self, predictions: list[Any], task: TaskSpec) -> list[list[str]]:
        """One list of tags per sentence, as `write_predictions("udpos"|"panx", ...)` takes."""
        return [list(tags) for tags in predictions]
