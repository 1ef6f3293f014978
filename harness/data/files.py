"""Readers for the file layouts a `local` source may point at.

Besides files in the hub's schema (JSON lines, CSV, parquet), these read the layouts that
XTREME's `scripts/download_data.sh` leaves behind: headerless TSV (`sentence1<TAB>sentence2
<TAB>label`), token-per-line tagging files, SQuAD-format JSON, BUCC's `id<TAB>sentence`
files with a `.gold` file, and line-aligned Tatoeba files. Each returns a
`datasets.Dataset`; errors name the file and the line.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import datasets

from harness.errors import XHarnessError


def _text(path: Path) -> str:
    """The file as UTF-8 text (a leading byte-order mark is ignored); any other encoding
    is an error naming the file and the line of the first bad byte."""
    if not path.is_file():
        raise XHarnessError("file not found", where=str(path),
                            fix="put the file there or pass a different --data-root")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise XHarnessError(
            f"not UTF-8 ({exc.reason} at byte {exc.start})", where=f"{path}:{line}",
            fix="save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)") from None


def check_utf8(path: Path) -> None:
    """Files handed to `datasets` (jsonl, json, csv) must be UTF-8 too."""
    if path.is_file():
        _text(path)


def read_labels(path: Path) -> list[str]:
    """A label list, or a label -> id map ordered by id (jiant's `tags_to_id.json`)."""
    try:
        data = json.loads(_text(path))
    except json.JSONDecodeError as exc:
        raise XHarnessError(f"not JSON ({exc})", where=str(path),
                            fix="give a JSON list of labels or a label -> id object") from None
    if isinstance(data, dict):
        return [k for k, _ in sorted(data.items(), key=lambda kv: kv[1])]
    if isinstance(data, list) and all(isinstance(x, str) for x in data):
        return data
    raise XHarnessError("expected a list of labels or a label -> id object", where=str(path),
                        fix="write the labels as JSON")


def read_tsv(path: Path, fields: list[str], header: bool = False) -> datasets.Dataset:
    """Tab-separated, one example per line, no quoting. With `header`, the first line
    names the columns (and must equal `fields` if given); without it, every line is data,
    and a first line that repeats `fields` is an error, since it would otherwise be read
    (and likely dropped) as an example. A row with the wrong number of fields is an error
    naming its line."""
    reader = csv.reader(_text(path).splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    rows = enumerate(reader, 1)
    if header:
        at, names = next(((n, row) for n, row in rows if row), (1, []))
        if fields and names != fields:
            raise XHarnessError(
                f"header {names} differs from the source's fields {fields}",
                where=f"{path}:{at}", fix="make them equal, or drop `fields` to use the header",
            )
        fields = fields or names
    columns: dict[str, list[str]] = {f: [] for f in fields}
    for lineno, row in rows:
        if not row:
            continue
        if not header and lineno == 1 and row == fields:
            raise XHarnessError(
                f"the first line repeats the column names ({', '.join(fields)}): it looks "
                "like a header, and the source says there is none",
                where=f"{path}:1", fix="set `header: true` in the local source, or remove "
                "the line")
        if len(row) != len(fields):
            raise XHarnessError(
                f"line has {len(row)} tab-separated fields, expected {len(fields)} "
                f"({', '.join(fields)})", where=f"{path}:{lineno}",
                fix="correct the line, or the source's `fields`",
            )
        for f, value in zip(fields, row, strict=True):
            columns[f].append(value)
    return datasets.Dataset.from_dict(columns)


def read_conll(path: Path) -> datasets.Dataset:
    """`token<TAB>tag` per line, a blank line between sentences (XTREME's udpos/panx files,
    CCGbank exports). A `xx:` language prefix on tokens (PAN-X) is removed."""
    tokens: list[list[str]] = []
    tags: list[list[str]] = []
    cur_tok: list[str] = []
    cur_tag: list[str] = []
    for lineno, line in enumerate(_text(path).splitlines(), 1):
        if not line.strip():
            if cur_tok:
                tokens.append(cur_tok)
                tags.append(cur_tag)
                cur_tok, cur_tag = [], []
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise XHarnessError("expected `token<TAB>tag`", where=f"{path}:{lineno}",
                                fix="separate the token and its tag with one tab")
        token = parts[0]
        if len(token) > 3 and token[2] == ":" and token[:2].isalpha():
            token = token[3:]
        cur_tok.append(token)
        cur_tag.append(parts[-1].strip())
    if cur_tok:
        tokens.append(cur_tok)
        tags.append(cur_tag)
    return datasets.Dataset.from_dict({"tokens": tokens, "tags": tags})


def read_squad_json(path: Path) -> datasets.Dataset:
    """SQuAD-format JSON (`data` / `paragraphs` / `qas`) flattened to the hub's columns."""
    try:
        data = json.loads(_text(path))["data"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise XHarnessError(f"not SQuAD-format JSON ({exc})", where=str(path),
                            fix="give a file with a top-level `data` list") from None
    rows: dict[str, list] = {"id": [], "title": [], "context": [], "question": [],
                             "answers": []}
    for article in data:
        for para in article.get("paragraphs", []):
            for qa in para.get("qas", []):
                rows["id"].append(str(qa["id"]))
                rows["title"].append(article.get("title", ""))
                rows["context"].append(para["context"])
                rows["question"].append(qa["question"])
                answers = qa.get("answers", [])
                rows["answers"].append({"text": [a["text"] for a in answers],
                                        "answer_start": [int(a["answer_start"])
                                                         for a in answers]})
    return datasets.Dataset.from_dict(rows)


def _id_sentences(path: Path) -> list[tuple[str, str]]:
    out = []
    for lineno, line in enumerate(_text(path).splitlines(), 1):
        if not line.strip():
            continue
        sid, sep, text = line.partition("\t")
        if not sep:
            raise XHarnessError("expected `id<TAB>sentence`", where=f"{path}:{lineno}",
                                fix="use BUCC's file format")
        out.append((sid.strip(), text.strip()))
    return out


def read_bucc(base: Path, lang: str) -> datasets.Dataset:
    """BUCC files `<base>.<lang>`, `<base>.en` and `<base>.gold` as canonical retrieval
    rows (`id`, `text`, `side`, `pair`)."""
    gold = dict(_id_sentences(Path(f"{base}.gold")))
    partner_of_target = {t: s for s, t in gold.items()}
    rows: dict[str, list[str]] = {"id": [], "text": [], "side": [], "pair": []}
    for side, suffix, partners in (("source", lang, gold), ("target", "en", partner_of_target)):
        for sid, text in _id_sentences(Path(f"{base}.{suffix}")):
            rows["id"].append(sid)
            rows["text"].append(text)
            rows["side"].append(side)
            rows["pair"].append(partners.get(sid, ""))
    return datasets.Dataset.from_dict(rows)


def read_aligned_lines(base: Path, source_suffix: str,
                       target_suffix: str) -> datasets.Dataset:
    """Two files with one sentence per line, line i translating line i (Tatoeba)."""
    src = _text(Path(f"{base}.{source_suffix}")).splitlines()
    tgt = _text(Path(f"{base}.{target_suffix}")).splitlines()
    if len(src) != len(tgt):
        raise XHarnessError(
            f"{len(src)} source lines but {len(tgt)} target lines",
            where=f"{base}.{source_suffix}", fix="the two files must be line-aligned",
        )
    return datasets.Dataset.from_dict({"source_sentence": src, "target_sentence": tgt})


def row_lines(path: Path, file_format: str) -> list[int] | None:
    """The 1-based line where each row the reader returns starts, for the line-based
    layouts (None for the others), so `--strict` can name `file:line` of a bad row.

    Only called once a row was refused; it must skip what the readers skip (blank lines,
    a CSV header).
    """
    if file_format not in ("tsv", "conll", "jsonl", "json", "csv"):
        return None
    text = _text(path)
    if file_format == "conll":
        starts, inside = [], False
        for lineno, line in enumerate(text.splitlines(), 1):
            if line.strip() and not inside:
                starts.append(lineno)
            inside = bool(line.strip())
        return starts
    if file_format in ("jsonl", "json"):
        if text.lstrip().startswith("["):
            return None  # one JSON document: its rows have no lines of their own
        return [n for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    quoting = csv.QUOTE_NONE if file_format == "tsv" else csv.QUOTE_MINIMAL
    reader = csv.reader(text.splitlines(), delimiter="\t" if file_format == "tsv" else ",",
                        quoting=quoting)
    starts, last = [], 0
    for row in reader:
        if row:
            starts.append(last + 1)
        last = reader.line_num
    return starts[1:] if file_format == "csv" else starts
