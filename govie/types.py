"""Result types: immutable entities, relations and documents in the ANNOTATION.md format.

``Document.to_dict()`` emits exactly one interchange JSONL record and
``Document.from_dict()`` reads one back; the two round-trip.  Invariants
(offsets, labels, same-label overlap, relation arguments, value schemas) are
checked on construction, so an invalid Document cannot exist.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Union

from .errors import InvalidDocument
from .labels import (
    COUNT_APPROX,
    DATE_GRANULARITIES,
    DATE_MODIFIERS,
    ENTITY_LABELS,
    RELATION_LABELS,
    SOURCES,
)

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


# --------------------------------------------------------------------------- values
@dataclass(frozen=True, slots=True)
class DocNoValue:
    """Value of a DOC_NO: ``{"issuer": str, "year": int|null, "serial": int}``."""

    issuer: str | None
    year: int | None
    serial: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "year": self.year, "serial": self.serial}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DocNoValue:
        return cls(d.get("issuer"), d.get("year"), d.get("serial"))

    def check(self) -> None:
        for name in ("year", "serial"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                raise InvalidDocument(f"DOC_NO {name} must be int or null, got {v!r}")
        if self.serial is None:
            raise InvalidDocument("DOC_NO serial must be an int, got null")
        if self.issuer is not None and not isinstance(self.issuer, str):
            raise InvalidDocument(f"DOC_NO issuer must be str or null, got {self.issuer!r}")


@dataclass(frozen=True, slots=True)
class DateValue:
    """Value of a DATE: first/last day covered, granularity and modifier."""

    start: str | None
    end: str | None
    granularity: str | None
    modifier: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end,
                "granularity": self.granularity, "modifier": self.modifier}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DateValue:
        return cls(d.get("start"), d.get("end"), d.get("granularity"), d.get("modifier"))

    def check(self) -> None:
        for name in ("start", "end"):
            v = getattr(self, name)
            if v is None:
                continue
            if not isinstance(v, str) or not _ISO.fullmatch(v):
                raise InvalidDocument(f"DATE {name} must be YYYY-MM-DD or null, got {v!r}")
            try:
                date.fromisoformat(v)
            except ValueError as exc:
                raise InvalidDocument(f"DATE {name} {v!r} is not a calendar date") from exc
        if self.start and self.end and self.start > self.end:
            raise InvalidDocument(f"DATE start {self.start} is after end {self.end}")
        if self.granularity is not None and self.granularity not in DATE_GRANULARITIES:
            raise InvalidDocument(f"DATE granularity {self.granularity!r} not in {DATE_GRANULARITIES}")
        if self.modifier not in DATE_MODIFIERS:
            raise InvalidDocument(f"DATE modifier {self.modifier!r} not in {DATE_MODIFIERS}")


@dataclass(frozen=True, slots=True)
class CountValue:
    """Value of a COUNT: number, unit (simplified, ``%`` for percent) and approx."""

    value: float | int | None
    unit: str
    approx: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "approx": self.approx}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CountValue:
        return cls(d.get("value"), d.get("unit") or "", d.get("approx"))

    def check(self) -> None:
        v = self.value
        if v is not None:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise InvalidDocument(f"COUNT value must be a number or null, got {v!r}")
            if isinstance(v, float) and not math.isfinite(v):
                raise InvalidDocument(f"COUNT value must be finite, got {v!r}")
            if isinstance(v, int) and v.bit_length() > 1000:  # beyond what a float (JSON reader) holds
                raise InvalidDocument(f"COUNT value must be finite, got an int of {v.bit_length()} bits")
        if not isinstance(self.unit, str):
            raise InvalidDocument(f"COUNT unit must be str, got {self.unit!r}")
        if self.approx not in COUNT_APPROX:
            raise InvalidDocument(f"COUNT approx {self.approx!r} not in {COUNT_APPROX}")


Value = Union[DocNoValue, DateValue, CountValue]
_VALUE_TYPES: dict[str, type] = {"DOC_NO": DocNoValue, "DATE": DateValue, "COUNT": CountValue}


def value_from_dict(label: str, d: Mapping[str, Any] | None) -> Value | None:
    """Build the typed value of ``label`` from its JSON dict (None stays None)."""
    if d is None:
        return None
    cls = _VALUE_TYPES.get(label)
    if cls is None:
        raise InvalidDocument(f"label {label} carries no value, got {dict(d)!r}")
    return cls.from_dict(d)


# --------------------------------------------------------------------------- entity / relation
@dataclass(frozen=True, slots=True)
class Entity:
    """A labelled span ``text[start:end]`` of the original text, end exclusive."""

    id: str
    start: int
    end: int
    label: str
    text: str
    value: Value | None = None
    source: str = "rules"
    score: float | None = None

    def __post_init__(self) -> None:
        if self.label not in ENTITY_LABELS:
            raise InvalidDocument(f"entity {self.id}: unknown label {self.label!r}; expected one of {ENTITY_LABELS}")
        if not (isinstance(self.start, int) and isinstance(self.end, int)) or not 0 <= self.start < self.end:
            raise InvalidDocument(f"entity {self.id}: bad offsets {self.start}..{self.end}")
        if len(self.text) != self.end - self.start:
            raise InvalidDocument(f"entity {self.id}: text length {len(self.text)} != end-start {self.end - self.start}")
        if self.source not in SOURCES:
            raise InvalidDocument(f"entity {self.id}: source {self.source!r} not in {SOURCES}")
        if self.value is not None:
            expected = _VALUE_TYPES.get(self.label)
            if expected is None or not isinstance(self.value, expected):
                raise InvalidDocument(f"entity {self.id}: {type(self.value).__name__} is no value for {self.label}")
            self.value.check()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "start": self.start, "end": self.end,
                             "label": self.label, "text": self.text}
        if self.value is not None:
            d["value"] = self.value.to_dict()
        if self.source != "gold":
            d["source"] = self.source
        if self.score is not None:
            d["score"] = self.score
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Entity:
        try:
            label = d["label"]
            return cls(id=str(d["id"]), start=d["start"], end=d["end"], label=label,
                       text=d["text"], value=value_from_dict(label, d.get("value")),
                       source=d.get("source", "gold"), score=d.get("score"))
        except KeyError as exc:
            raise InvalidDocument(f"entity record lacks field {exc}: {dict(d)!r}") from None

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


@dataclass(frozen=True, slots=True)
class Relation:
    """A directed relation between two entity ids (see ANNOTATION.md Relations)."""

    head: str
    tail: str
    label: str
    score: float | None = None

    def __post_init__(self) -> None:
        if self.label not in RELATION_LABELS:
            raise InvalidDocument(f"relation {self.head}->{self.tail}: unknown label {self.label!r}")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"head": self.head, "tail": self.tail, "label": self.label}
        if self.score is not None:
            d["score"] = self.score
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Relation:
        try:
            return cls(str(d["head"]), str(d["tail"]), d["label"], d.get("score"))
        except KeyError as exc:
            raise InvalidDocument(f"relation record lacks field {exc}: {dict(d)!r}") from None


# --------------------------------------------------------------------------- document
@dataclass(frozen=True)
class Document:
    """Text plus its entities, relations and metadata; one interchange JSONL record.

    ``tables`` holds the statistical tables found in the text (see ``govie.tables``).
    """

    text: str
    entities: tuple[Entity, ...] = ()
    relations: tuple[Relation, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None
    tables: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "entities", tuple(sorted(self.entities, key=lambda e: (e.start, -e.end, e.label))))
        object.__setattr__(self, "relations", tuple(self.relations))
        object.__setattr__(self, "tables", tuple(self.tables))
        check_document(self)

    # ---- views
    def by_label(self, label: str) -> tuple[Entity, ...]:
        return tuple(e for e in self.entities if e.label == label)

    @property
    def doc_numbers(self) -> tuple[Entity, ...]:
        return self.by_label("DOC_NO")

    @property
    def titles(self) -> tuple[Entity, ...]:
        return self.by_label("TITLE")

    @property
    def dates(self) -> tuple[Entity, ...]:
        return self.by_label("DATE")

    @property
    def counts(self) -> tuple[Entity, ...]:
        return self.by_label("COUNT")

    @property
    def subjects(self) -> tuple[Entity, ...]:
        return self.by_label("SUBJECT")

    @property
    def commitments(self) -> tuple[Any, ...]:
        """The commitments with their deadline and targets (``govie.views.Commitment``)."""
        from .views import commitments

        return commitments(self)

    def facts(self) -> list[dict[str, Any]]:
        """One flat row per prose COUNT (subject, value, unit, approx, ...); see ``govie.views.facts``."""
        from .views import facts

        return facts(self)

    @property
    def metrics(self) -> dict[str, Any]:
        """Flat ``{metric_name: number|None}`` from the statistical tables (see govie.tables)."""
        if not self.tables:
            return {}
        from .tables import metrics_of

        return metrics_of(self.tables)

    def entity(self, entity_id: str) -> Entity:
        for e in self.entities:
            if e.id == entity_id:
                return e
        raise KeyError(entity_id)

    def related(self, entity: Entity | str, label: str) -> Iterator[Entity]:
        """Entities that ``entity`` points at (as head) by relations of ``label``."""
        eid = entity if isinstance(entity, str) else entity.id
        for r in self.relations:
            if r.head == eid and r.label == label:
                yield self.entity(r.tail)

    # ---- interchange
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.id is not None:
            d["id"] = self.id
        d["text"] = self.text
        d["entities"] = [e.to_dict() for e in self.entities]
        d["relations"] = [r.to_dict() for r in self.relations]
        d["meta"] = dict(self.meta)
        if self.tables:
            d["tables"] = [t.to_dict() if hasattr(t, "to_dict") else dict(t) for t in self.tables]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Document:
        if not isinstance(d, Mapping) or not isinstance(d.get("text"), str):
            raise InvalidDocument("a document record needs a 'text' string")
        tables: tuple[Any, ...] = ()
        if d.get("tables"):
            try:
                from .tables.types import Table  # optional layer
                tables = tuple(Table.from_dict(t) for t in d["tables"])
            except ImportError:
                tables = tuple(d["tables"])
        return cls(text=d["text"],
                   entities=tuple(Entity.from_dict(e) for e in d.get("entities", ())),
                   relations=tuple(Relation.from_dict(r) for r in d.get("relations", ())),
                   meta=dict(d.get("meta") or {}), id=d.get("id"), tables=tables)


def check_document(doc: Document) -> None:
    """Raise InvalidDocument naming the document and entity when an invariant fails."""
    name = doc.id or "<document>"
    text = doc.text
    ids: dict[str, Entity] = {}
    last_end: dict[str, tuple[int, str]] = {}
    for e in doc.entities:
        if e.id in ids:
            raise InvalidDocument(f"{name}: duplicate entity id {e.id}")
        ids[e.id] = e
        if e.end > len(text):
            raise InvalidDocument(f"{name}: entity {e.id} ends at {e.end} beyond text length {len(text)}")
        if text[e.start:e.end] != e.text:
            raise InvalidDocument(
                f"{name}: entity {e.id} text {e.text!r} != text[{e.start}:{e.end}] {text[e.start:e.end]!r}")
        prev = last_end.get(e.label)
        if prev is not None and e.start < prev[0]:
            raise InvalidDocument(f"{name}: {e.label} entities {prev[1]} and {e.id} overlap")
        if prev is None or e.end > prev[0]:
            last_end[e.label] = (e.end, e.id)
    for r in doc.relations:
        want = RELATION_LABELS[r.label]
        for role, eid, lab in (("head", r.head, want[0]), ("tail", r.tail, want[1])):
            ent = ids.get(eid)
            if ent is None:
                raise InvalidDocument(f"{name}: relation {r.label} {role} {eid} is not an entity id")
            if ent.label != lab:
                raise InvalidDocument(f"{name}: relation {r.label} {role} {eid} is {ent.label}, expected {lab}")
