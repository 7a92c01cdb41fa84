"""Cell tokens (what text and HTML layouts both produce) and the numbers inside cells."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Token:
    """One cell of a layout: normalised text, ORIGINAL offsets, row (line) index.

    ``col``/``span`` are the grid column and colspan of an HTML cell (None in text);
    ``multi`` tells whether the cell's line holds more than one cell; ``glued`` marks a digit
    run that may hold several cells' numbers (split in govie.tables.sections where certain).
    """

    text: str
    start: int
    end: int
    line: int
    col: int | None = None
    span: int = 1
    multi: bool = False
    glued: bool = False  # digits of several cells run together (``规章000``)


#: cells that state "nothing here" without a number
EMPTY_MARKS = frozenset({"", "-", "--", "—", "——", "–", "/", "\\", "无", "空", "——/", "－", "／"})
_SIGNED = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
_COUNT_UNIT = "件|个|项|条|次|份|宗|人|家|起|例"
_NUMBER = re.compile(rf"(?:(增加|增|减少|减)\s*)?([+-]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)\s*(?:{_COUNT_UNIT})?")
_MONEY = re.compile(r"([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(亿元|万元|千元|元|亿|万)?")
MONEY_FACTOR = {"亿元": 100_000_000, "亿": 100_000_000, "万元": 10_000, "万": 10_000, "千元": 1000, "元": 1}
_UNIT_IN_HEADER = re.compile(r"(?:单位[:：]?\s*)?(亿元|万元|千元|元)")


def tidy(v: float) -> int | float:
    r = round(v, 6)
    return int(r) if r == int(r) and abs(r) < 1e15 else r


def classify(text: str) -> str:
    """'empty', 'number' or 'text' for a (normalised) cell text."""
    t = text.strip().replace(" ", "")
    if t in EMPTY_MARKS:
        return "empty"
    if _NUMBER.fullmatch(t) or _MONEY.fullmatch(t):
        return "number"
    return "text"


def count_value(text: str) -> int | float | None:
    """The number of a count cell (``12``, ``1,234``, ``-3``, ``+2``, ``增加3``, ``5件``); None if none."""
    t = text.strip().replace(" ", "")
    m = _NUMBER.fullmatch(t)
    if not m:
        return None
    try:
        v = float(m.group(2).replace(",", ""))
    except ValueError:
        return None
    if m.group(1) and m.group(1).startswith("减"):
        v = -abs(v)
    return tidy(v)


def money_value(text: str, default_unit: str | None) -> int | float | None:
    """An amount in yuan (``4.74亿元`` -> 474000000); a bare number uses ``default_unit``, else None."""
    t = text.strip().replace(" ", "")
    m = _MONEY.fullmatch(t)
    if not m:
        return None
    unit = m.group(2) or default_unit
    if unit not in MONEY_FACTOR:
        return None
    try:
        return tidy(float(m.group(1).replace(",", "")) * MONEY_FACTOR[unit])
    except ValueError:
        return None


def header_unit(text: str) -> str | None:
    """The money unit a column header states (``本年收费金额(单位:万元)`` -> 万元)."""
    m = _UNIT_IN_HEADER.search(text)
    return m.group(1) if m else None
