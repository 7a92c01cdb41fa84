"""The train/dev/test split rule, by source site, so that no document (or site) is in two splits.

A report passage goes to a split by its registrable site (``xxx.gov.cn`` for government
hosts, the last two labels otherwise; a bare IP stays as it is): ``sha1(site) % 10`` in
{0, 1} -> test, {2, 3} -> dev, else train.  The five seeds are dev (the team reads them
while building rules, so they cannot be test).  Every passage of one site shares a split.

``training/splits.py`` re-exports this module (the runtime package cannot import training/).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

SPLITS = ("train", "dev", "test")
#: the report passages, relative to the shared directory
PASSAGES = "corpus/report_passages/report_passages.jsonl"


def site(domain: str) -> str:
    d = domain.lower().strip()
    d = d.removeprefix("www.")
    if d.replace(".", "").isdigit():
        return d
    parts = d.split(".")
    if d.endswith(".gov.cn") and len(parts) >= 3:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def split_of_domain(domain: str) -> str:
    h = int(hashlib.sha1(site(domain).encode("utf-8")).hexdigest(), 16) % 10
    return "test" if h < 2 else "dev" if h < 4 else "train"


def split_of(source: str, domain: str | None = None) -> str:
    """Split of a stand-off record by its ``source`` (and the passage's domain)."""
    if source.startswith("seeds/"):
        return "dev"
    if domain is None:
        raise ValueError(f"a corpus passage needs its domain to be split: {source}")
    return split_of_domain(domain)


@lru_cache(maxsize=4)
def passage_domains(root: str | None = None) -> dict[str, str]:
    """passage id -> domain, from the shared report passages (empty when they are absent)."""
    if root is None:
        from .io.standoff import shared_dir

        try:
            base = shared_dir()
        except FileNotFoundError:
            return {}
    else:
        base = Path(root)
    path = base / PASSAGES
    if not path.exists():
        return {}
    out: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                if rec.get("domain"):
                    out[str(rec["id"])] = rec["domain"]
    return out


def split_of_record(record: Mapping[str, Any], root: str | None = None) -> str | None:
    """Split of a stand-off record (``source``/``key``), or None when it cannot be told."""
    source = record.get("source") or ""
    if source.startswith("seeds/"):
        return "dev"
    key = record.get("key") or record.get("doc_id")
    domain = passage_domains(root).get(str(key)) if key is not None else None
    return split_of_domain(domain) if domain else None


def split_of_document(doc_id: str | None, info: Mapping[str, Any] | None = None,
                      meta: Mapping[str, Any] | None = None, root: str | None = None) -> str | None:
    """Split of a document by what is known about it: its stand-off source/key (``info``),
    a ``domain`` or ``url`` in its metadata, a seed id, or its passage id."""
    info = info or {}
    meta = meta or {}
    if info.get("source"):
        return split_of_record({"source": info["source"], "key": info.get("key"), "doc_id": doc_id}, root)
    for k in ("source", "source_path"):
        v = str(meta.get(k) or "")
        if v.startswith("seeds/") or "/seeds/" in v:
            return "dev"
    if meta.get("domain"):
        return split_of_domain(str(meta["domain"]))
    if doc_id is not None and str(doc_id).startswith("seed"):
        return "dev"
    if doc_id is not None:
        domain = passage_domains(root).get(str(doc_id))
        if domain:
            return split_of_domain(domain)
    return None
