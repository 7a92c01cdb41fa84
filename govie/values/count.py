"""COUNT value: {value, unit, approx} from the (normalised) span text. Never raises."""

from __future__ import annotations

import math

from ..types import CountValue
from .numerals import cn_to_int

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

    t = text.replace(" ", "")
    for _name, rx in compiled():
        m = rx.search(t)
        if m:
            break
    else:
        return None
    gd = m.groupdict()
    q = qualifiers()
    approx = None
    for pos in ("pre", "mid", "post"):
        w = gd.get(pos)
        if w and approx is None:
            approx = q.get((w, pos))
    if gd.get("pc"):
        v = _number(gd["pc"]) if gd["pc"][0].isdigit() else cn_to_int(gd["pc"])
        return None if v is None else CountValue(_tidy(v), "%", approx)
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
        if v is None:
            return None
    if not math.isfinite(v):
        return CountValue(None, unit, approx)
    return CountValue(_tidy(v), unit, approx)
