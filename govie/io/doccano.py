"""doccano JSONL (sequence labelling with relations), lossless through a ``govie`` side field.

A doccano record::

    {"id": "p0001", "text": "...",
     "entities": [{"id": 1, "start_offset": 3, "end_offset": 18, "label": "TITLE"}],
     "relations": [{"id": 1, "from_id": 2, "to_id": 1, "type": "doc_title"}],
     "govie": {"doc_id": "p0001", "meta": {...},
               "entities": {"1": {"id": "e1", "start": 3, "end": 18, "label": "TITLE", "value": ...}},
               "relations": {"1": {"score": 0.9}}, "tables": [...]}}

doccano keeps unknown fields, so values, our entity ids, sources and scores survive a
trip through the tool.  On import a side entry is applied only while its span and label
still match the doccano entity (an annotator's edit drops the stale value); entities
added in doccano get the id ``e<doccano id>`` (made unique) and no value.  The older
``"label": [[start, end, "LABEL"], ...]`` form is read as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..errors import InvalidDocument
from ..types import Document, Entity, Relation, value_from_dict
from . import jsonl

SIDE = "govie"


def to_record(doc: Document) -> dict[str, Any]:
    """The doccano record of ``doc``."""
    ents, side_ents, num = [], {}, {}
    for n, e in enumerate(doc.entities, 1):
        num[e.id] = n
        ents.append({"id": n, "start_offset": e.start, "end_offset": e.end, "label": e.label})
        side = {"id": e.id, "start": e.start, "end": e.end, "label": e.label}
        if e.value is not None:
            side["value"] = e.value.to_dict()
        if e.source != "gold":
            side["source"] = e.source
        if e.score is not None:
            side["score"] = e.score
        side_ents[str(n)] = side
    rels, side_rels = [], {}
    for n, r in enumerate(doc.relations, 1):
        rels.append({"id": n, "from_id": num[r.head], "to_id": num[r.tail], "type": r.label})
        if r.score is not None:
            side_rels[str(n)] = {"score": r.score}
    side_doc: dict[str, Any] = {"doc_id": doc.id, "meta": dict(doc.meta), "entities": side_ents}
    if side_rels:
        side_doc["relations"] = side_rels
    if doc.tables:
        side_doc["tables"] = doc.to_dict().get("tables", [])
    rec: dict[str, Any] = {}
    if doc.id is not None:
        rec["id"] = doc.id
    rec.update({"text": doc.text, "entities": ents, "relations": rels, SIDE: side_doc})
    return rec


def _entities_of(rec: Mapping[str, Any]) -> list[dict[str, Any]]:
    if isinstance(rec.get("entities"), list):
        return list(rec["entities"])
    label = rec.get("label", rec.get("labels"))
    if isinstance(label, list):  # [[start, end, label], ...]
        return [{"id": n, "start_offset": x[0], "end_offset": x[1], "label": x[2]}
                for n, x in enumerate(label, 1)]
    return []


def from_record(rec: Mapping[str, Any], *, default_source: str = "gold") -> Document:
    """The Document of a doccano record (see the module docstring)."""
    if not isinstance(rec.get("text"), str):
        raise InvalidDocument("a doccano record needs a 'text' string")
    side = rec.get(SIDE) or {}
    doc_id = side.get("doc_id", rec.get("id"))
    doc_id = None if doc_id is None else str(doc_id)
    name = doc_id or "<doccano record>"
    text = rec["text"]
    side_ents = side.get("entities") or {}
    ids: dict[Any, str] = {}
    used: set[str] = set()
    ents: list[Entity] = []
    for d in _entities_of(rec):
        try:
            did, s, t, label = d["id"], d["start_offset"], d["end_offset"], d["label"]
        except KeyError as exc:
            raise InvalidDocument(f"{name}: doccano entity lacks {exc}: {dict(d)!r}") from None
        if not (isinstance(s, int) and isinstance(t, int) and 0 <= s < t <= len(text)):
            raise InvalidDocument(f"{name}: doccano entity {did} has bad offsets {s}..{t}")
        extra = side_ents.get(str(did))
        fresh = extra is None or (extra.get("start"), extra.get("end"), extra.get("label")) != (s, t, label)
        eid = f"e{did}" if fresh else str(extra["id"])
        while eid in used:
            eid += "'"
        used.add(eid)
        ids[did] = eid
        try:
            ents.append(Entity(id=eid, start=s, end=t, label=label, text=text[s:t],
                               value=None if fresh else value_from_dict(label, extra.get("value")),
                               source=default_source if fresh else extra.get("source", "gold"),
                               score=None if fresh else extra.get("score")))
        except InvalidDocument as exc:
            raise InvalidDocument(f"{name}: {exc}") from None
    side_rels = side.get("relations") or {}
    rels = []
    for r in rec.get("relations") or ():
        try:
            head, tail = ids[r["from_id"]], ids[r["to_id"]]
        except KeyError as exc:
            raise InvalidDocument(f"{name}: doccano relation {r.get('id')} points at unknown entity {exc}") from None
        rels.append(Relation(head, tail, r["type"], (side_rels.get(str(r.get("id"))) or {}).get("score")))
    out: dict[str, Any] = {"id": doc_id, "text": text, "entities": [e.to_dict() for e in ents],
                           "relations": [r.to_dict() for r in rels], "meta": dict(side.get("meta") or {})}
    if side.get("tables"):
        out["tables"] = side["tables"]
    try:
        return Document.from_dict(out)
    except InvalidDocument as exc:
        msg = str(exc)
        raise InvalidDocument(msg if msg.startswith(name) else f"{name}: {msg}") from None


def is_record(rec: Mapping[str, Any]) -> bool:
    """Whether a JSON object looks like a doccano record rather than an interchange one."""
    if SIDE in rec:
        return True
    ents = rec.get("entities")
    if isinstance(ents, list) and ents and isinstance(ents[0], dict) and "start_offset" in ents[0]:
        return True
    rels = rec.get("relations")
    if isinstance(rels, list) and rels and isinstance(rels[0], dict) and "from_id" in rels[0]:
        return True
    return isinstance(rec.get("label"), list) and "text" in rec


def write(docs: Iterable[Document], path) -> int:
    """Write doccano JSONL; returns how many records were written."""
    return jsonl.write((to_record(d) for d in docs), path)


def read(path, *, default_source: str = "gold") -> Iterator[Document]:
    """Documents of a doccano JSONL file, streaming."""
    name = getattr(path, "name", str(path))
    for n, rec in jsonl.iter_lines(path):
        try:
            yield from_record(rec, default_source=default_source)
        except InvalidDocument as exc:
            raise InvalidDocument(f"{name}:{n}: {exc}") from None
