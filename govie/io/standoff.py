"""Stand-off annotations: our labels on text that lives elsewhere (../shared).

A record is ``{"doc_id", "source", "key", "sha256", "entities", "relations", "meta"}``
where ``source`` is a path relative to the shared directory (a ``.txt`` file, or a
``.jsonl`` file whose line with ``"id" == key`` holds the text), ``sha256`` is the
hex digest of the UTF-8 text, and entities carry ``id/start/end/label/value`` but
no text. ``join`` reads the text back, refuses a hash mismatch and returns a
validated ``Document``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import InvalidDocument
from ..types import Document, Entity

SHARED_ENV = "GOVIE_SHARED"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def shared_dir() -> Path:
    """The shared data directory: $GOVIE_SHARED, else the first ``shared/`` beside an ancestor."""
    env = os.environ.get(SHARED_ENV)
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for base in [Path.cwd(), *Path.cwd().parents, *here.parents]:
        cand = base.parent / "shared" if base.name != "shared" else base
        if (cand / "ANNOTATION.md").exists():
            return cand
    raise FileNotFoundError(f"cannot find the shared data directory; set ${SHARED_ENV}")


@lru_cache(maxsize=16)
def _jsonl_index(path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            out[str(rec["id"])] = rec["text"]
    return out


def source_text(source: str, key: str | None = None, root: Path | None = None) -> str:
    """The text a stand-off record points at."""
    path = (root or shared_dir()) / source
    if source.endswith(".jsonl"):
        if key is None:
            raise InvalidDocument(f"stand-off source {source} is JSONL and needs a key")
        try:
            return _jsonl_index(str(path))[key]
        except KeyError:
            raise InvalidDocument(f"no record with id {key!r} in {source}") from None
    return path.read_text(encoding="utf-8")


def to_standoff(doc: Document, source: str, key: str | None = None) -> dict[str, Any]:
    """A stand-off record of ``doc`` (entity texts dropped, text hashed)."""
    ents = []
    for e in doc.entities:
        d = e.to_dict()
        d.pop("text")
        ents.append(d)
    return {"doc_id": doc.id, "source": source, "key": key, "sha256": sha256(doc.text),
            "entities": ents, "relations": [r.to_dict() for r in doc.relations],
            "meta": dict(doc.meta)}


def join(record: Mapping[str, Any], root: Path | None = None) -> Document:
    """Join a stand-off record with its text; raises InvalidDocument on a hash mismatch."""
    text = source_text(record["source"], record.get("key"), root)
    digest = sha256(text)
    if digest != record["sha256"]:
        raise InvalidDocument(
            f"{record.get('doc_id')}: text of {record['source']} has sha256 {digest[:12]}…, "
            f"the annotation expects {record['sha256'][:12]}…; the source changed")
    ents = []
    for e in record.get("entities", ()):
        d = dict(e)
        s, t = d.get("start"), d.get("end")
        if not (isinstance(s, int) and isinstance(t, int) and 0 <= s < t <= len(text)):
            raise InvalidDocument(f"{record.get('doc_id')}: entity {d.get('id')} has bad offsets {s}..{t}")
        d["text"] = text[s:t]
        ents.append(Entity.from_dict(d))
    return Document.from_dict({"id": record.get("doc_id"), "text": text,
                               "entities": [e.to_dict() for e in ents],
                               "relations": record.get("relations", ()),
                               "meta": record.get("meta") or {}})


def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InvalidDocument(f"{path}:{n}: not JSON ({exc})") from None


def load(paths: Iterable[str | Path], root: Path | None = None) -> Iterator[Document]:
    """Documents of every stand-off record in ``paths``."""
    for p in paths:
        for rec in read_records(p):
            yield join(rec, root)
