"""Content addresses: the hash of everything that decides a result names its folder.

Bump a version below when code changes what a cached artefact would contain, so stale
caches are not reused.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from harness.modeling import resolve_model

#: versions of the code that prepares data / trains / evaluates, part of every key
#: (train 2: fused AdamW on CPU too; eval 2: mining neighbours from one pass;
#: data 2: size limits take a seeded random sample, not the first rows)
CODE_VERSIONS = {"data": 2, "train": 2, "eval": 2}


def stable_hash(obj: Any, length: int = 16) -> str:
    blob = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:length]


def file_digest(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def model_fingerprint(ref: str, revision: str | None = None) -> str:
    """Local folders are hashed by content (so a rebuilt model is a new model); hub ids
    by id and revision."""
    path = Path(resolve_model(ref))
    if path.is_dir():
        files = sorted(p for p in path.iterdir()
                       if p.suffix in {".json", ".safetensors", ".model", ".txt"})
        return stable_hash({p.name: file_digest(p) for p in files})
    return stable_hash({"hub": ref, "revision": revision})
