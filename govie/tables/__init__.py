"""Statistical tables of the annual information-disclosure report (2019 and 2021 templates).

``find_tables(text)`` finds the tables of sections 二 (主动公开), 三 (收到和处理申请) and
四 (行政复议、行政诉讼) in plain text (pipe / tab / space-separated rows, one cell per
line, rows broken over lines) and in HTML ``<table>`` markup, and returns immutable
:class:`Table` objects whose offsets index the ORIGINAL text.  It never raises: a broken
table gives what is certain, unknown cells have value None, and no number is invented.

``metrics_of(tables)`` flattens the known cells to stable keys
(``s3.natural_person.new_received``), ``metric_columns()`` lists every key of both
templates (stable CSV columns) and ``metrics_row(doc)`` gives one wide row per report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from . import schema
from .types import Cell, Check, Table

__all__ = [
    "META_COLUMNS",
    "Cell",
    "Check",
    "Table",
    "find_tables",
    "metric_columns",
    "metric_key",
    "metrics_of",
    "metrics_row",
    "row_columns",
]

#: the leading columns of ``metrics_row``
META_COLUMNS = ("id", "revision", "tables", "cells", "checks_passed", "checks_failed", "checks_unknown")


def find_tables(text: str) -> list[Table]:
    """Every statistical table in ``text``, in text order; never raises."""
    if not isinstance(text, str) or not text:
        return []
    try:
        return _find(text)
    except Exception:  # pragma: no cover - last resort: a table never breaks extraction
        return []


#: a text holds a standard table only if one of these row/column labels occurs in it (cheap pre-check)
_MARKERS = ("予以公开", "予以公開", "本年新收", "规章", "規章", "行政复议", "行政復議", "行政诉讼", "行政訴訟",
            "自然人", "不予公开", "不予公開", "本年新制作", "本年制发", "本年製發", "处理决定", "處理決定")


def _find(text: str) -> list[Table]:
    from ..text import TextView
    from . import parse_html, parse_text, sections

    if not any(m in text for m in _MARKERS):
        return []

    segs = []
    scan = text
    # markup needs a "<" (no character lower-cases to one): plain text skips the lower() copy
    low = text[:2_000_000].lower() if text.find("<", 0, 2_000_000) >= 0 else ""
    if "<table" in low:
        html_segs, spans = parse_html.segments(text)
        segs.extend(html_segs)
        scan = parse_html.mask(text, spans)
    elif "</p>" in low or "<br" in low or "</div>" in low:
        scan = parse_html.mask(text, [])
    view = TextView.from_text(scan)
    segs.extend(parse_text.segments(scan, view))
    built: list[tuple[Any, Table | None]] = []
    for seg in segs:
        try:
            t = sections.build(text, seg)
        except Exception:
            t = None
        if t is not None or seg.section == 2:  # a section-2 table may need the report's template
            built.append((seg, t))
    revs = {t.revision for _, t in built if t is not None and t.revision}
    if len(revs) == 1:  # one report, one template: tell the undecided tables
        rev = revs.pop()
        out = []
        for seg, t in built:
            if t is None or t.revision is None:
                if seg.section == 2:
                    try:
                        t = sections.build_s2(text, seg, revision_hint=rev) or t
                    except Exception:
                        pass
                if t is not None:
                    t = dataclasses.replace(t, revision=rev)
            out.append((seg, t))
        built = out
    return sorted((t for _, t in built if t is not None), key=lambda t: (t.start, t.section))


# --------------------------------------------------------------------------- metrics
def metric_key(section: int, row_key: str, col_key: str) -> str:
    """``s2.<row>.<col>``, ``s3.<col>.<row>``, ``s4.<row>.<col>``."""
    if section == 3:
        return f"s3.{col_key}.{row_key}"
    return f"s{section}.{row_key}.{col_key}"


@lru_cache(maxsize=1)
def _metric_columns() -> tuple[str, ...]:
    cols: list[str] = []
    s2 = schema.section(2)
    for rev in ("2019", "2021"):
        for item, col_keys in s2.default_columns.get(rev, {}).items():
            for row, e in s2.rows.items():
                if e.item != item or (e.revisions and rev not in e.revisions):
                    continue
                cols.extend(metric_key(2, row, c) for c in col_keys)
    s3 = schema.section(3)
    wanted = set(s3.metric_rows.get("2019", ())) | set(s3.metric_rows.get("2021", ()))
    rows3 = [r for r in s3.row_order if r in wanted]
    for c in s3.col_order:
        cols.extend(metric_key(3, r, c) for r in rows3)
    s4 = schema.section(4)
    for g in s4.row_order:
        cols.extend(metric_key(4, g, c) for c in s4.col_order)
    return tuple(dict.fromkeys(cols))


def metric_columns() -> list[str]:
    """Every metric key of both templates, in a stable order (the CSV's metric columns)."""
    return list(_metric_columns())


def row_columns() -> list[str]:
    """The full column list of ``metrics_row``: META_COLUMNS then metric_columns()."""
    return list(META_COLUMNS) + metric_columns()


def metrics_of(tables: Iterable[Table]) -> dict[str, int | float]:
    """``{metric_key: number}`` of every known cell; the first table wins when two give a key."""
    out: dict[str, int | float] = {}
    for t in sorted((t for t in tables if isinstance(t, Table)), key=lambda t: t.start):
        for c in t.cells:
            if c.value is None:
                continue
            out.setdefault(metric_key(t.section, c.row_key, c.col_key), c.value)
    return out


def metrics_row(doc) -> dict[str, Any]:
    """One wide row (``row_columns()`` keys, None where unknown) for a Document or a list of tables."""
    tables = tuple(getattr(doc, "tables", doc) or ())
    tables = tuple(t for t in tables if isinstance(t, Table))
    m = metrics_of(tables)
    revs = {t.revision for t in tables if t.revision}
    row: dict[str, Any] = {
        "id": getattr(doc, "id", None),
        "revision": revs.pop() if len(revs) == 1 else None,
        "tables": len(tables),
        "cells": sum(1 for t in tables for c in t.cells if c.value is not None),
        "checks_passed": sum(1 for t in tables for ch in t.checks if ch.passed is True),
        "checks_failed": sum(1 for t in tables for ch in t.checks if ch.passed is False),
        "checks_unknown": sum(1 for t in tables for ch in t.checks if ch.passed is None),
    }
    for k in _metric_columns():
        row[k] = m.get(k)
    return row
