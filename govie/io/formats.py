"""Load documents from any supported file or directory, detecting the format per file.

Formats (see ``detect_record``):

* ``standoff``: ``{"doc_id", "source", "sha256", "entities", ...}`` without text
  (``govie.io.standoff``), joined with the shared text;
* ``interchange``: ``Document.to_dict()`` records (ANNOTATION.md);
* ``doccano``: ``start_offset``/``end_offset`` entities, ``from_id`` relations or a ``govie`` side field;
* ``labelstudio``: tasks with ``data.text`` (a JSON list, one task, or JSONL);
* ``text``: a ``.txt`` file given by name is one document without entities.

A directory is read recursively (``*.jsonl``, ``*.json``, ``*.jsonl.gz``; sorted; hidden
files skipped).  ``iter_any`` also yields where each document came from, which the split
rule needs for stand-off records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import InvalidDocument
from ..types import Document
from . import doccano, jsonl, labelstudio, standoff

FORMATS = ("standoff", "interchange", "doccano", "labelstudio", "text")
SUFFIXES = (".jsonl", ".json", ".jsonl.gz")


def detect_record(rec: Mapping[str, Any]) -> str:
    """The format of one JSON object."""
    if labelstudio.is_task(rec):
        return "labelstudio"
    if "text" not in rec and "source" in rec and ("sha256" in rec or "doc_id" in rec):
        return "standoff"
    if doccano.is_record(rec):
        return "doccano"
    if isinstance(rec.get("text"), str):
        return "interchange"
    raise InvalidDocument(f"cannot tell the format of a record with fields {sorted(rec)[:8]}")


def files_of(path: str | Path) -> list[Path]:
    """The data files of ``path`` (itself when it is a file)."""
    p = Path(path)
    if p.is_dir():
        out = [f for f in p.rglob("*") if f.is_file() and f.name.endswith(SUFFIXES)
               and not any(part.startswith(".") for part in f.relative_to(p).parts)]
        return sorted(out)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file or directory")
    return [p]


def _json_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, record) of a .json file (a list or one object) or of JSONL content."""
    with jsonl.open_text(path) as fh:
        body = fh.read().lstrip("\ufeff")
    stripped = body.lstrip()
    if stripped.startswith("["):
        data = json.loads(body)
        for n, rec in enumerate(data, 1):
            if not isinstance(rec, dict):
                raise InvalidDocument(f"{path}: item {n} is not a JSON object")
            yield n, rec
        return
    try:
        rec = json.loads(body)
    except json.JSONDecodeError:
        yield from jsonl.iter_lines(path)
        return
    if isinstance(rec, dict):
        yield 1, rec


def detect(path: str | Path) -> str:
    """The format of a file, from its suffix and first record."""
    p = Path(path)
    if p.suffix == ".txt":
        return "text"
    for _, rec in _records(p):
        return detect_record(rec)
    return "interchange"  # empty file


def _first_char(p: Path) -> str:
    with jsonl.open_text(p) as fh:
        while True:
            ch = fh.read(1)
            if not ch or not (ch.isspace() or ch == "\ufeff"):
                return ch


def _records(p: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Records of a file: a JSON list or object (``.json``, or any file starting with ``[``),
    else JSON lines, streaming."""
    if p.suffix == ".json" or _first_char(p) == "[":
        return _json_records(p)
    return jsonl.iter_lines(p)


def _one(fmt: str, rec: Mapping[str, Any], root: Path | None, prefer: str) -> Document:
    if fmt == "standoff":
        return standoff.join(rec, root)
    if fmt == "doccano":
        return doccano.from_record(rec)
    if fmt == "labelstudio":
        return labelstudio.from_task(rec, prefer=prefer)
    return Document.from_dict(rec)


def iter_any(path: str | Path, fmt: str | None = None, *, root: Path | None = None,
             prefer: str = "annotations") -> Iterator[tuple[Document, dict[str, Any]]]:
    """(Document, info) for every document in ``path``; info has path, line, format and,
    for stand-off records, source and key."""
    for f in files_of(path):
        kind = fmt or detect(f)
        if kind not in FORMATS:
            raise ValueError(f"unknown format {kind!r}; expected one of {FORMATS}")
        if kind == "text":
            from .decode import read_text

            text, _ = read_text(f)
            yield Document(text=text, id=f.stem), {"path": str(f), "line": None, "format": "text"}
            continue
        for n, rec in _records(f):
            try:
                doc = _one(kind, rec, root, prefer)
            except InvalidDocument as exc:
                raise InvalidDocument(f"{f}:{n}: {exc}") from None
            info: dict[str, Any] = {"path": str(f), "line": n, "format": kind}
            if kind == "standoff":
                info["source"] = rec.get("source")
                info["key"] = rec.get("key")
            yield doc, info


def load_any(path: str | Path, fmt: str | None = None, **kw) -> Iterator[Document]:
    """Every Document in ``path`` (file or directory), detecting the format per file."""
    for doc, _ in iter_any(path, fmt, **kw):
        yield doc


def load_many(paths: Iterable[str | Path], **kw) -> Iterator[Document]:
    for p in paths:
        yield from load_any(p, **kw)


def write_any(docs: Iterable[Document], path, fmt: str = "jsonl", **kw) -> int:
    """Write documents as ``jsonl`` (interchange), ``doccano``, ``labelstudio`` or ``docbin``
    (each writer makes the missing parent directories of ``path``)."""
    if fmt in ("jsonl", "interchange"):
        return jsonl.write(docs, path)
    if fmt == "doccano":
        return doccano.write(docs, path)
    if fmt == "labelstudio":
        return labelstudio.write(docs, path, **kw)
    if fmt == "docbin":
        from . import docbin

        docs = list(docs)
        docbin.export(docs, path)
        return len(docs)
    raise ValueError(f"unknown output format {fmt!r}")
