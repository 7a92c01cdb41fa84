"""Label Studio JSON tasks (Text + Labels + Relations), lossless through the task's ``meta``.

A task::

    {"data": {"text": "...", "doc_id": "p0001"},
     "predictions": [{"model_version": "govie 0.1.0", "result": [
         {"id": "e1", "from_name": "label", "to_name": "text", "type": "labels",
          "value": {"start": 3, "end": 18, "text": "...", "labels": ["TITLE"]}},
         {"type": "relation", "from_id": "e2", "to_id": "e1", "direction": "right", "labels": ["doc_title"]}]}],
     "meta": {"govie": {"doc_id": "p0001", "meta": {...},
                        "entities": {"e1": {"start": 3, "end": 18, "label": "TITLE", "value": ...}}}}}

Gold documents go to ``annotations``, predicted ones to ``predictions`` (pre-labels).
On import the newest annotation that was not cancelled is read, else the first prediction.
A value in ``meta`` is applied only while its region still has the same span and label.

Offsets are code points (what Label Studio stores since its emoji fix); a region whose
``text`` only fits when the offsets are read as UTF-16 units (older versions, characters
outside the BMP) is read that way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..errors import InvalidDocument
from ..labels import ENTITY_LABELS, RELATION_LABELS
from ..types import Document, Entity, Relation, value_from_dict
from . import jsonl

SIDE = "govie"
FROM_NAME = "label"
TO_NAME = "text"


def label_config() -> str:
    """A Label Studio labelling config for the govie labels and relations."""
    labels = "\n".join(f'    <Label value="{lab}"/>' for lab in ENTITY_LABELS)
    rels = "\n".join(f'    <Relation value="{lab}"/>' for lab in RELATION_LABELS)
    return (f'<View>\n  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{labels}\n  </Labels>\n'
            f'  <Text name="{TO_NAME}" value="$text" granularity="symbol"/>\n'
            f'  <Relations>\n{rels}\n  </Relations>\n</View>\n')


def _result(doc: Document) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for e in doc.entities:
        item: dict[str, Any] = {"id": e.id, "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels",
                                "value": {"start": e.start, "end": e.end, "text": e.text, "labels": [e.label]}}
        if e.score is not None:
            item["score"] = e.score
        out.append(item)
    for r in doc.relations:
        out.append({"from_id": r.head, "to_id": r.tail, "type": "relation", "direction": "right",
                    "labels": [r.label]})
    return out


def to_task(doc: Document, kind: str = "auto", model_version: str | None = None) -> dict[str, Any]:
    """The Label Studio task of ``doc``; ``kind`` is "annotations", "predictions" or "auto"
    (annotations when every entity is gold)."""
    if kind == "auto":
        kind = "annotations" if all(e.source == "gold" for e in doc.entities) else "predictions"
    if kind not in ("annotations", "predictions"):
        raise ValueError(f"kind must be annotations, predictions or auto, got {kind!r}")
    side_ents = {}
    for e in doc.entities:
        d = e.to_dict()
        d.pop("id")
        d.pop("text")
        side_ents[e.id] = d
    side: dict[str, Any] = {"doc_id": doc.id, "meta": dict(doc.meta), "entities": side_ents, "kind": kind}
    rel_scores = [r.score for r in doc.relations]
    if any(s is not None for s in rel_scores):
        side["relation_scores"] = rel_scores
    if doc.tables:
        side["tables"] = doc.to_dict().get("tables", [])
    data: dict[str, Any] = {"text": doc.text}
    if doc.id is not None:
        data["doc_id"] = doc.id
    task: dict[str, Any] = {"data": data}
    if kind == "predictions":
        if model_version is None:
            from .. import __version__
            model_version = f"govie {__version__} {doc.meta.get('engine', '')}".strip()
        task["predictions"] = [{"model_version": model_version, "result": _result(doc)}]
    else:
        task["annotations"] = [{"result": _result(doc), "was_cancelled": False}]
    task["meta"] = {SIDE: side}
    return task


def _utf16_to_cp(text: str, off: int) -> int:
    """Code-point offset of a UTF-16 code-unit offset into ``text``."""
    units = 0
    for i, ch in enumerate(text):
        if units >= off:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def _offsets(text: str, value: Mapping[str, Any], name: str, rid: Any) -> tuple[int, int]:
    s, t = value.get("start"), value.get("end")
    if not (isinstance(s, int) and isinstance(t, int)):
        raise InvalidDocument(f"{name}: region {rid} has no integer start/end (only Text tasks are supported)")
    want = value.get("text")
    if want is not None and text[s:t] != want and any(ord(c) > 0xFFFF for c in text):
        s2, t2 = _utf16_to_cp(text, s), _utf16_to_cp(text, t)
        if text[s2:t2] == want:
            return s2, t2
    if not 0 <= s < t <= len(text):
        raise InvalidDocument(f"{name}: region {rid} has bad offsets {s}..{t}")
    if want is not None and text[s:t] != want:
        raise InvalidDocument(f"{name}: region {rid} text {want!r} != text[{s}:{t}] {text[s:t]!r}")
    return s, t


def _pick_result(task: Mapping[str, Any], prefer: str) -> tuple[list[dict[str, Any]], str]:
    anns = [a for a in task.get("annotations") or task.get("completions") or ()
            if not a.get("was_cancelled") and a.get("result") is not None]
    preds = [p for p in task.get("predictions") or () if p.get("result") is not None]
    order = [("annotations", anns[-1:]), ("predictions", preds[:1])]
    if prefer == "predictions":
        order.reverse()
    for kind, got in order:
        if got:
            return list(got[0]["result"]), kind
    return [], "annotations"


def from_task(task: Mapping[str, Any], prefer: str = "annotations") -> Document:
    """The Document of a Label Studio task (see the module docstring)."""
    data = task.get("data") or {}
    text = data.get("text")
    if not isinstance(text, str):
        raise InvalidDocument(f"Label Studio task {task.get('id')} has no data.text string")
    side = (task.get("meta") or {}).get(SIDE) or {}
    doc_id = side.get("doc_id", data.get("doc_id", data.get("id", task.get("id"))))
    doc_id = None if doc_id is None else str(doc_id)
    name = doc_id or f"<task {task.get('id')}>"
    result, kind = _pick_result(task, prefer)
    side_ents = side.get("entities") or {}
    default_source = "model" if kind == "predictions" and not side_ents else "gold"
    regions: dict[str, list[Entity]] = {}
    ents: list[Entity] = []
    used: set[str] = set()
    for item in result:
        if item.get("type") != "labels":
            continue
        rid = str(item.get("id"))
        value = item.get("value") or {}
        s, t = _offsets(text, value, name, rid)
        labs = value.get("labels") or []
        if not labs:
            raise InvalidDocument(f"{name}: region {rid} has no label")
        for lab in labs:
            eid = rid if len(labs) == 1 else f"{rid}:{lab}"
            while eid in used:
                eid += "'"
            used.add(eid)
            extra = side_ents.get(rid)
            keep = extra is not None and (extra.get("start"), extra.get("end"), extra.get("label")) == (s, t, lab)
            try:
                e = Entity(id=eid, start=s, end=t, label=lab, text=text[s:t],
                           value=value_from_dict(lab, extra.get("value")) if keep else None,
                           source=extra.get("source", "gold") if keep else default_source,
                           score=extra.get("score", item.get("score")) if keep else item.get("score"))
            except InvalidDocument as exc:
                raise InvalidDocument(f"{name}: {exc}") from None
            ents.append(e)
            regions.setdefault(rid, []).append(e)
    rel_scores = side.get("relation_scores") or []
    rels: list[Relation] = []
    n = 0
    for item in result:
        if item.get("type") != "relation":
            continue
        for lab in item.get("labels") or ():
            want = RELATION_LABELS.get(lab)
            if want is None:
                raise InvalidDocument(f"{name}: relation {item.get('from_id')}->{item.get('to_id')} "
                                      f"has unknown label {lab!r}")
            a, b = str(item.get("from_id")), str(item.get("to_id"))
            if item.get("direction") == "left":
                a, b = b, a
            head = _region_entity(regions, a, want[0], name)
            tail = _region_entity(regions, b, want[1], name)
            score = rel_scores[n] if n < len(rel_scores) else None
            rels.append(Relation(head, tail, lab, score))
            n += 1
    rec: dict[str, Any] = {"id": doc_id, "text": text, "entities": [e.to_dict() for e in ents],
                           "relations": [r.to_dict() for r in rels], "meta": dict(side.get("meta") or {})}
    if side.get("tables"):
        rec["tables"] = side["tables"]
    try:
        return Document.from_dict(rec)
    except InvalidDocument as exc:
        msg = str(exc)
        raise InvalidDocument(msg if msg.startswith(name) else f"{name}: {msg}") from None


def _region_entity(regions: Mapping[str, list[Entity]], rid: str, label: str, name: str) -> str:
    ents = regions.get(rid)
    if not ents:
        raise InvalidDocument(f"{name}: relation points at unknown region {rid}")
    for e in ents:
        if e.label == label:
            return e.id
    return ents[0].id  # wrong argument label: Document validation names it


def is_task(rec: Mapping[str, Any]) -> bool:
    return isinstance(rec.get("data"), Mapping) and ("text" in rec["data"])


def write(docs: Iterable[Document], path, kind: str = "auto", indent: int | None = None) -> int:
    """Write a JSON list of tasks (streaming, one task a line); returns how many."""
    n = 0
    with jsonl.open_text(path, "w") as fh:
        fh.write("[")
        for doc in docs:
            fh.write(("," if n else "") + "\n" + json.dumps(to_task(doc, kind), ensure_ascii=False, indent=indent))
            n += 1
        fh.write("\n]\n")
    return n


def iter_tasks(path) -> Iterator[dict[str, Any]]:
    """Tasks of a Label Studio JSON export (a list, or one task) or of a JSONL file of tasks."""
    with jsonl.open_text(path) as fh:
        head = fh.read(1)
        while head and head.isspace() or head == "\ufeff":
            head = fh.read(1)
        rest = fh.read()
    body = head + rest
    if head == "[":
        tasks = json.loads(body)
    elif head == "{":
        try:
            tasks = [json.loads(body)]
        except json.JSONDecodeError:
            tasks = [json.loads(line) for line in body.splitlines() if line.strip()]
    else:
        tasks = []
    for t in tasks:
        if not isinstance(t, dict):
            raise InvalidDocument(f"{path}: a Label Studio task must be a JSON object")
        yield t


def read(path, prefer: str = "annotations") -> Iterator[Document]:
    """Documents of a Label Studio JSON/JSONL file."""
    for n, task in enumerate(iter_tasks(path), 1):
        try:
            yield from_task(task, prefer=prefer)
        except InvalidDocument as exc:
            raise InvalidDocument(f"{path}: task {n}: {exc}") from None
