"""COUNT value: {value, unit, approx} from the (normalised) span text. Never raises."""

from __future__ import annotations

import math
import re

from ..types import CountValue
from .numerals import cn_to_int, normalised

#: a number filled in between parentheses, (1386)条
_PAREN_NUM = re.compile(r"^\((\d[\d,.]*)\)")
_MULT = {"万": 10_000, "亿": 100_000_000, "千万": 10_000_000, "百万": 1_000_000, "万亿": 1_000_000_000_000}


def _number(s: str) -> float | None:
    try:
        return float(s.replace(",", ""))
    except ValueError:
        return None


def _tidy(v: float) -> int | float:
    r = round(v, 6)
    return int(r) if r == int(r) and abs(r) < 1e15 else r


def parse(text: str) -> CountValue | None:
    """Parse a COUNT span; None when no number can be read."""
    try:
        return _parse(text)
    except Exception:
        return None


def _parse(text: str) -> CountValue | None:
    from ..rules.counts import compiled, qualifiers, units

    t = _PAREN_NUM.sub(r"\1", normalised(text).replace(" ", ""))
    for _name, rx in compiled():
        m = rx.search(t)
        if m:
            break
    else:
        return None
    gd = m.groupdict()
    q = qualifiers()
    approx = None
    for group, pos in (("pre", "pre"), ("premid", "mid"), ("mid", "mid"), ("post", "post")):
        w = gd.get(group)
        if w and approx is None:
            approx = q.get((w, pos))
    if gd.get("pc"):
        v = _number(gd["pc"]) if gd["pc"][0].isdigit() else cn_to_int(gd["pc"])
        if v is None or not _finite(v):
            return CountValue(None, "%", approx)
        return CountValue(_tidy(v), "%", approx)
    unit_text = gd.get("unit") or ""
    unit = units()[unit_text][0] if unit_text else ""
    if gd.get("a") is not None:
        raw = gd["a2"] or gd["a"]
        if gd.get("a2"):
            approx = "at_most"  # a numeric range is valued at its upper bound
        v = _number(raw)
        if v is None:
            return None
        v *= _MULT.get(gd.get("mult") or "", 1)
    else:
        v = cn_to_int(gd["c"])
        if v is None:  # 三万万亿, 500 numerals: a span without a number
            return CountValue(None, unit, approx)
    if not _finite(v):  # 500 digits or 万万亿…: the span stays, its number is null
        return CountValue(None, unit, approx)
    return CountValue(_tidy(v), unit, approx)


def _finite(v: float) -> bool:
    """True when ``v`` is a finite number a float (and JSON reader) can hold."""
    try:
        return math.isfinite(float(v))
    except OverflowError:  # an int beyond float range
        return False
