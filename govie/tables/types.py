"""Immutable result types of table extraction: Table, Cell, Check (with to_dict/from_dict).

Offsets (``start``/``end``) index the ORIGINAL text, end exclusive, like entity offsets.
A cell whose value was deduced from the template's equations because its own text was
lost (a collapsed PDF cell) has ``derived=True`` and no offsets (``start``/``end`` None).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidDocument

SECTIONS = (2, 3, 4)
REVISIONS = ("2019", "2021")


def _num_ok(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return not (isinstance(v, float) and not math.isfinite(v))


@dataclass(frozen=True, slots=True)
class Cell:
    """One data cell: ``row_key`` x ``col_key`` (schema keys), its number (None = unknown)."""

    row_key: str
    col_key: str
    value: int | float | None
    raw: str = ""
    start: int | None = None
    end: int | None = None
    derived: bool = False

    def __post_init__(self) -> None:
        if not _num_ok(self.value):
            raise InvalidDocument(f"table cell {self.row_key}/{self.col_key}: value {self.value!r} is not a number")
        if (self.start is None) != (self.end is None):
            raise InvalidDocument(f"table cell {self.row_key}/{self.col_key}: start and end must both be set or both None")
        if self.start is not None and not (isinstance(self.start, int) and isinstance(self.end, int)
                                           and 0 <= self.start <= self.end):
            raise InvalidDocument(f"table cell {self.row_key}/{self.col_key}: bad offsets {self.start}..{self.end}")

    @property
    def key(self) -> tuple[str, str]:
        return (self.row_key, self.col_key)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"row": self.row_key, "col": self.col_key, "value": self.value,
                             "raw": self.raw, "start": self.start, "end": self.end}
        if self.derived:
            d["derived"] = True
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Cell:
        try:
            return cls(row_key=d["row"], col_key=d["col"], value=d.get("value"), raw=d.get("raw") or "",
                       start=d.get("start"), end=d.get("end"), derived=bool(d.get("derived", False)))
        except KeyError as exc:
            raise InvalidDocument(f"table cell record lacks field {exc}: {dict(d)!r}") from None


@dataclass(frozen=True, slots=True)
class Check:
    """One consistency rule of the template: ``expected`` (the stated total) vs ``actual`` (the sum).

    ``passed`` is None when a cell it needs is unknown.
    """

    name: str
    passed: bool | None
    expected: int | float | None = None
    actual: int | float | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.passed not in (True, False, None):
            raise InvalidDocument(f"check {self.name}: passed must be bool or None")
        if not (_num_ok(self.expected) and _num_ok(self.actual)):
            raise InvalidDocument(f"check {self.name}: expected/actual must be numbers or None")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "expected": self.expected,
                "actual": self.actual, "detail": self.detail}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Check:
        try:
            return cls(name=d["name"], passed=d.get("passed"), expected=d.get("expected"),
                       actual=d.get("actual"), detail=d.get("detail") or "")
        except KeyError as exc:
            raise InvalidDocument(f"table check record lacks field {exc}: {dict(d)!r}") from None


@dataclass(frozen=True, slots=True)
class Table:
    """One statistical table (section 2, 3 or 4 of the report) found in a text."""

    section: int
    revision: str | None
    start: int
    end: int
    cells: tuple[Cell, ...] = ()
    checks: tuple[Check, ...] = ()
    source: str = "text"  # "text" or "html"

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", tuple(self.cells))
        object.__setattr__(self, "checks", tuple(self.checks))
        if self.section not in SECTIONS:
            raise InvalidDocument(f"table section must be one of {SECTIONS}, got {self.section!r}")
        if self.revision is not None and self.revision not in REVISIONS:
            raise InvalidDocument(f"table revision must be one of {REVISIONS} or None, got {self.revision!r}")
        if not (isinstance(self.start, int) and isinstance(self.end, int) and 0 <= self.start <= self.end):
            raise InvalidDocument(f"table offsets {self.start}..{self.end} are invalid")
        seen = set()
        for c in self.cells:
            if not isinstance(c, Cell):
                raise InvalidDocument(f"table cell {c!r} is not a Cell")
            if c.key in seen:
                raise InvalidDocument(f"table section {self.section}: duplicate cell {c.key}")
            seen.add(c.key)

    # ---- views
    def cell(self, row_key: str, col_key: str) -> Cell | None:
        for c in self.cells:
            if c.row_key == row_key and c.col_key == col_key:
                return c
        return None

    def value(self, row_key: str, col_key: str) -> int | float | None:
        c = self.cell(row_key, col_key)
        return None if c is None else c.value

    @property
    def numbers(self) -> dict[tuple[str, str], int | float]:
        """``{(row, col): value}`` of every cell with a known value."""
        return {c.key: c.value for c in self.cells if c.value is not None}

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(ch for ch in self.checks if ch.passed is False)

    @property
    def passed(self) -> tuple[Check, ...]:
        return tuple(ch for ch in self.checks if ch.passed is True)

    # ---- interchange
    def to_dict(self) -> dict[str, Any]:
        return {"section": self.section, "revision": self.revision, "start": self.start, "end": self.end,
                "source": self.source, "cells": [c.to_dict() for c in self.cells],
                "checks": [ch.to_dict() for ch in self.checks]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Table:
        if not isinstance(d, Mapping):
            raise InvalidDocument(f"a table record must be an object, got {d!r}")
        try:
            return cls(section=d["section"], revision=d.get("revision"), start=d["start"], end=d["end"],
                       cells=tuple(Cell.from_dict(c) for c in d.get("cells", ())),
                       checks=tuple(Check.from_dict(c) for c in d.get("checks", ())),
                       source=d.get("source", "text"))
        except KeyError as exc:
            raise InvalidDocument(f"table record lacks field {exc}") from None
