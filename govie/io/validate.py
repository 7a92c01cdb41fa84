"""Validate a record dict (interchange or stand-off) and report every problem, not just the first.

``validate(record)`` returns a list of messages, each naming the document id and the
entity (or relation) concerned; ``validate(record, raise_errors=True)`` raises
``govie.errors.InvalidDocument`` with all of them instead.  Checked: the text, offsets,
entity text against the text, labels, same-label overlaps, relation labels, dangling
relation arguments, argument labels and value schemas (ANNOTATION.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InvalidDocument
from ..labels import COUNT_APPROX, DATE_GRANULARITIES, DATE_MODIFIERS, ENTITY_LABELS, RELATION_LABELS

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")

#: label -> field -> (allowed types, may be null).  DOC_NO issuer may be null as in
#: govie.types (a number that lost its issuer, e.g. ``〔2022〕42号``).
VALUE_SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], bool]]] = {
    "DOC_NO": {"issuer": ((str,), True), "year": ((int,), True), "serial": ((int,), False)},
    "DATE": {"start": ((str,), True), "end": ((str,), True), "granularity": ((str,), False),
             "modifier": ((str,), True)},
    "COUNT": {"value": ((int, float), False), "unit": ((str,), False), "approx": ((str,), True)},
}


def _is(v: Any, types: tuple[type, ...]) -> bool:
    return isinstance(v, types) and not isinstance(v, bool)


def value_errors(label: str, value: Any) -> list[str]:
    """Problems of one entity value (empty when it fits the schema of ``label``)."""
    schema = VALUE_SCHEMA.get(label)
    if schema is None:
        return [f"{label} carries no value, got {value!r}"]
    if not isinstance(value, Mapping):
        return [f"value must be an object, got {value!r}"]
    out = []
    for k in value:
        if k not in schema:
            out.append(f"value has unknown field {k!r}")
    for k, (types, nullable) in schema.items():
        if k not in value:
            out.append(f"value lacks field {k!r}")
            continue
        v = value[k]
        if v is None:
            if not nullable:
                out.append(f"value field {k!r} must not be null")
        elif not _is(v, types):
            out.append(f"value field {k!r} has wrong type {type(v).__name__}: {v!r}")
    if out:
        return out
    if label == "DATE":
        for k in ("start", "end"):
            v = value[k]
            if v is None:
                continue
            if not _ISO.fullmatch(v):
                out.append(f"value {k} {v!r} is not YYYY-MM-DD")
                continue
            try:
                date.fromisoformat(v)
            except ValueError:
                out.append(f"value {k} {v!r} is not a calendar date")
        if not out and value["start"] and value["end"] and value["start"] > value["end"]:
            out.append(f"value start {value['start']} is after end {value['end']}")
        if value["granularity"] not in DATE_GRANULARITIES:
            out.append(f"value granularity {value['granularity']!r} not in {DATE_GRANULARITIES}")
        if value["modifier"] not in DATE_MODIFIERS:
            out.append(f"value modifier {value['modifier']!r} not in {DATE_MODIFIERS}")
    elif label == "COUNT":
        if value["approx"] not in COUNT_APPROX:
            out.append(f"value approx {value['approx']!r} not in {COUNT_APPROX}")
        v = value["value"]
        if isinstance(v, float) and not math.isfinite(v):
            out.append(f"value {v!r} is not finite")
    elif label == "DOC_NO" and value["issuer"] is not None and not value["issuer"].strip():
        out.append("value issuer is empty")
    return out


def _text_of(record: Mapping[str, Any], root: Path | None, errors: list[str], name: str) -> str | None:
    if isinstance(record.get("text"), str):
        return record["text"]
    if "text" in record:
        errors.append(f"{name}: 'text' must be a string, got {type(record['text']).__name__}")
        return None
    if "source" in record:  # stand-off
        from .standoff import sha256, source_text

        try:
            text = source_text(record["source"], record.get("key"), root)
        except (OSError, InvalidDocument) as exc:
            errors.append(f"{name}: cannot read the source text: {exc}")
            return None
        want = record.get("sha256")
        if want is not None and sha256(text) != want:
            errors.append(f"{name}: text of {record['source']} has sha256 {sha256(text)[:12]}…, "
                          f"the record expects {str(want)[:12]}…")
        return text
    errors.append(f"{name}: record has no 'text' (nor a stand-off 'source')")
    return None


def validate(record: Mapping[str, Any], *, raise_errors: bool = False, root: Path | None = None) -> list[str]:
    """Every problem of ``record``, each message naming the document and entity."""
    errors: list[str] = []
    if not isinstance(record, Mapping):
        errors.append(f"<record>: a record must be an object, got {type(record).__name__}")
        return _done(errors, raise_errors)
    name = str(record.get("id", record.get("doc_id")) or "<document>")
    text = _text_of(record, root, errors, name)
    standoff = "text" not in record
    ents = record.get("entities", [])
    if not isinstance(ents, list):
        errors.append(f"{name}: 'entities' must be a list")
        ents = []
    by_id: dict[str, Mapping[str, Any]] = {}
    good: list[tuple[int, int, str, str]] = []
    for n, e in enumerate(ents, 1):
        if not isinstance(e, Mapping):
            errors.append(f"{name}: entity #{n} is not an object")
            continue
        eid = e.get("id")
        where = f"{name}: entity {eid if eid is not None else '#' + str(n)}"
        if eid is None:
            errors.append(f"{where}: has no id")
        elif str(eid) in by_id:
            errors.append(f"{where}: duplicate entity id")
        else:
            by_id[str(eid)] = e
        label = e.get("label")
        if label not in ENTITY_LABELS:
            errors.append(f"{where}: unknown label {label!r}; expected one of {', '.join(ENTITY_LABELS)}")
        s, t = e.get("start"), e.get("end")
        ok = _is(s, (int,)) and _is(t, (int,)) and 0 <= s < t and (text is None or t <= len(text))
        if not ok:
            size = "" if text is None else f" (text length {len(text)})"
            errors.append(f"{where}: bad offsets {s!r}..{t!r}{size}")
        elif text is not None:
            if "text" in e:
                if e["text"] != text[s:t]:
                    errors.append(f"{where}: text {e['text']!r} != text[{s}:{t}] {text[s:t]!r}")
            elif not standoff:
                errors.append(f"{where}: has no 'text' (interchange entities carry their text)")
        if ok and label in ENTITY_LABELS:
            good.append((s, t, label, str(eid)))
        if "value" in e and e["value"] is not None and label in ENTITY_LABELS:
            for msg in value_errors(label, e["value"]):
                errors.append(f"{where}: {msg}")
        if e.get("source") not in (None, "rules", "model", "gold"):
            errors.append(f"{where}: source {e.get('source')!r} is not rules, model or gold")
    # same-label overlaps
    last: dict[str, tuple[int, str]] = {}
    for s, t, label, eid in sorted(good):
        prev = last.get(label)
        if prev is not None and s < prev[0]:
            errors.append(f"{name}: entity {eid}: {label} span {s}..{t} overlaps {label} entity {prev[1]}")
        if prev is None or t > prev[0]:
            last[label] = (t, eid)
    rels = record.get("relations", [])
    if not isinstance(rels, list):
        errors.append(f"{name}: 'relations' must be a list")
        rels = []
    seen: set[tuple[Any, Any, Any]] = set()
    for n, r in enumerate(rels, 1):
        if not isinstance(r, Mapping):
            errors.append(f"{name}: relation #{n} is not an object")
            continue
        lab, head, tail = r.get("label"), r.get("head"), r.get("tail")
        where = f"{name}: relation #{n} {lab} {head}->{tail}"
        if lab not in RELATION_LABELS:
            errors.append(f"{where}: unknown relation label {lab!r}; expected one of {', '.join(RELATION_LABELS)}")
        key = (lab, head, tail)
        if key in seen:
            errors.append(f"{where}: duplicate relation")
        seen.add(key)
        for role, eid, idx in (("head", head, 0), ("tail", tail, 1)):
            ent = by_id.get(str(eid)) if eid is not None else None
            if ent is None:
                errors.append(f"{where}: {role} entity {eid} does not exist (dangling relation)")
            elif lab in RELATION_LABELS and ent.get("label") != RELATION_LABELS[lab][idx]:
                errors.append(f"{where}: {role} entity {eid} is {ent.get('label')}, "
                              f"{lab} needs {RELATION_LABELS[lab][idx]}")
    return _done(errors, raise_errors)


def _done(errors: list[str], raise_errors: bool) -> list[str]:
    if errors and raise_errors:
        raise InvalidDocument("\n".join(errors))
    return errors


def check(record: Mapping[str, Any], root: Path | None = None) -> None:
    """Raise InvalidDocument listing every problem of ``record``."""
    validate(record, raise_errors=True, root=root)
