"""Interchange JSONL (ANNOTATION.md): one ``Document.to_dict()`` record a line, read and written streaming.

``path`` may be ``-`` (stdin/stdout), a ``.gz`` file, or an open text file.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Union

from ..errors import InvalidDocument
from ..types import Document
from .paths import ensure_parent

PathLike = Union[str, Path, IO[str]]


@contextmanager
def open_text(path: PathLike, mode: str = "r") -> Iterator[IO[str]]:
    """Open ``path`` for text reading/writing: ``-`` is stdin/stdout, ``.gz`` is gzip."""
    if not isinstance(path, (str, Path)):
        yield path  # an already open file: the caller closes it
        return
    p = str(path)
    if p == "-":
        stream = sys.stdin if "r" in mode else sys.stdout
        yield stream
        if "r" not in mode:
            stream.flush()
        return
    if "r" not in mode:
        ensure_parent(p)
    if p.endswith(".gz"):
        with gzip.open(p, mode + "t", encoding="utf-8") as fh:
            yield fh
        return
    with open(p, mode, encoding="utf-8", newline="" if "r" in mode else None) as fh:
        yield fh


def iter_lines(path: PathLike) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) of each non-empty line; raises InvalidDocument naming path and line."""
    name = getattr(path, "name", str(path))
    with open_text(path) as fh:
        for n, line in enumerate(fh, 1):
            if n == 1 and line.startswith("\ufeff"):
                line = line[1:]
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidDocument(f"{name}:{n}: not a JSON line ({exc.msg} at column {exc.colno})") from None
            if not isinstance(rec, dict):
                raise InvalidDocument(f"{name}:{n}: a line must hold a JSON object, got {type(rec).__name__}")
            yield n, rec


def read_records(path: PathLike) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSONL file, one per non-empty line."""
    for _, rec in iter_lines(path):
        yield rec


def read(path: PathLike) -> Iterator[Document]:
    """Documents of an interchange JSONL file (validated on construction), streaming."""
    name = getattr(path, "name", str(path))
    for n, rec in iter_lines(path):
        try:
            yield Document.from_dict(rec)
        except InvalidDocument as exc:
            raise InvalidDocument(f"{name}:{n}: {exc}") from None


def dumps(doc: Document | Mapping[str, Any]) -> str:
    """One JSON line (no newline) of a Document or a record dict; keeps CJK readable."""
    d = doc.to_dict() if isinstance(doc, Document) else doc
    return json.dumps(d, ensure_ascii=False, separators=(", ", ": "))


def write(docs: Iterable[Document | Mapping[str, Any]], path: PathLike) -> int:
    """Write documents (or record dicts) one a line; returns how many were written."""
    n = 0
    with open_text(path, "w") as fh:
        for doc in docs:
            fh.write(dumps(doc) + "\n")
            n += 1
    return n


def loads(text: str) -> list[Document]:
    """Documents of a JSONL string (handy in tests)."""
    return list(read(io.StringIO(text)))
