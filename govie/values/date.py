"""DATE value: {start, end, granularity, modifier} from span text and a reference year. Never raises."""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import lru_cache

from ..rules.compile import alternation, lexicon
from ..types import DateValue
from .numerals import cn_to_int, digit_string, normalised

_AY = r"(?:19|20)\d{2}"
_CY = r"[〇○零Ｏ一二三四五六七八九]{4}"
_AM = r"(?:1[0-2]|0?[1-9])"
_CM = r"(?:十[一二]?|[一二三四五六七八九])"
_AD = r"(?:3[01]|[12]\d|0?[1-9])"
_CD = r"(?:三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"

_BEFORE = ("以前", "之前", "底前", "前")
_AFTER = ("以来", "以后", "之后", "起", "年来")  # 2021年来 = since 2021

_PARTS = {  # part -> (first month, first day, last month, last day or None=end of month, granularity)
    "year": (1, 1, 12, None, "year"), "dec": (12, 1, 12, None, "month"), "jan": (1, 1, 1, None, "month"),
    "first_half": (1, 1, 6, None, "half"), "second_half": (7, 1, 12, None, "half"),
    "q1": (1, 1, 3, None, "quarter"), "q2": (4, 1, 6, None, "quarter"), "q3": (7, 1, 9, None, "quarter"),
    "q4": (10, 1, 12, None, "quarter"), "q1_q3": (1, 1, 9, None, "quarter"),
}
_YEAR_PARTS = {"底": "dec", "末": "dec", "年底": "dec", "年末": "dec", "初": "jan", "年初": "jan", "年终": "dec", "终": "dec",
               "上半年": "first_half", "下半年": "second_half", "前三季度": "q1_q3", "全年": "year", "度": "year"}
_QUARTERS = {"一": "q1", "二": "q2", "三": "q3", "四": "q4", "1": "q1", "2": "q2", "3": "q3", "4": "q4"}


@lru_cache(maxsize=1)
def _relative() -> dict[str, tuple[int, str]]:
    return {r[0]: (int(r[1]), r[2]) for r in lexicon("date_words.tsv")}


@lru_cache(maxsize=1)
def _token_re() -> re.Pattern:
    rel = alternation(_relative())
    return re.compile(
        rf"(?P<iso>(?P<iy>{_AY})[-/.](?P<im>\d{{1,2}})[-/.](?P<id>\d{{1,2}}))"
        rf"|(?P<gy>{_AY})(?P<gm>1[0-2]|0[1-9])(?P<gd>3[01]|[12]\d|0[1-9])日"
        rf"|(?P<hy>{_AY})(?P<hm>1[0-2]|[1-9])(?P<hd>3[01]|[12]\d|[1-9])日"
        rf"|(?P<jy>{_AY})(?=(?:{_AM}) ?月)"
        rf"|(?<!\d)(?P<y>{_AY}|{_CY}) ?年"  # (?<!\d): 13月 is no 3月, 12020年 no 2020年
        rf"|(?<!\d)(?P<m0>{_AM}|{_CM})(?=(?:-|~|—|–|至|到)(?:{_AM}|{_CM}) ?月)"  # 1-12月
        rf"|(?:(?<!\d)|(?<=(?:19|20)\d\d))(?P<m>{_AM}|{_CM}) ?月"  # but 20231月 (garbled, lost 年)
        rf"|(?<!\d)(?P<d>{_AD}|{_CD}) ?[日号]"
        rf"|(?P<rel>{rel})"
        rf"|(?P<pom>上旬|中旬|下旬|底|末|初|终)"
        rf"|(?P<q>第?(?P<qn>[一二三四1-4])季度)"
        rf"|(?P<sep>至|到|—|–|~|-)"
    )


def _num(s: str) -> int | None:
    return digit_string(s) if len(s) == 4 else cn_to_int(s)


def _ymd(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except (ValueError, OverflowError):
        return None


def _last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _point_bounds(p: dict, year: int | None) -> tuple[date | None, date | None, str]:
    """First and last day of one point, and its granularity."""
    m, d, part = p.get("m"), p.get("d"), p.get("part")
    if d is not None:
        if year is None or m is None:
            return None, None, "day"
        day = _ymd(year, m, d)
        return day, day, "day"
    if m is not None:
        if year is None or not 1 <= m <= 12:
            return None, None, "month"
        last = _last_day(year, m)
        lo, hi = {"上旬": (1, 10), "中旬": (11, 20), "下旬": (21, last)}.get(part or "", (1, last))
        return _ymd(year, m, lo), _ymd(year, m, hi), "month"
    spec = _PARTS.get(part or "year", _PARTS["year"])
    gran = spec[4]
    if year is None:
        return None, None, gran
    m1, d1, m2, d2, _ = spec
    return _ymd(year, m1, d1), _ymd(year, m2, d2 or _last_day(year, m2)), gran


def parse(text: str, reference_year: int | None = None) -> DateValue | None:
    """Parse a DATE span; None when nothing date-like is in it."""
    try:
        return _parse(text, reference_year)
    except Exception:  # values never raise: an odd span gets no value
        return None


def _parse(text: str, reference_year: int | None) -> DateValue | None:
    text = normalised(text)
    points: list[dict] = []
    cur: dict = {}
    for m in _token_re().finditer(text):
        g = m.lastgroup
        gd = m.groupdict()
        if gd["iso"]:
            cur = {"y": int(gd["iy"]), "m": int(gd["im"]), "d": int(gd["id"])}
            points.append(cur)
        elif gd["gy"] or gd["hy"]:
            k = "g" if gd["gy"] else "h"
            cur = {"y": int(gd[k + "y"]), "m": int(gd[k + "m"]), "d": int(gd[k + "d"])}
            points.append(cur)
        elif gd["jy"]:
            cur = {"y": int(gd["jy"])}
            points.append(cur)
        elif gd["y"]:
            cur = {"y": _num(gd["y"])}
            points.append(cur)
        elif gd["m"] or gd["m0"]:
            if not cur or "m" in cur or "part" in cur:
                cur = {}
                points.append(cur)
            cur["m"] = cn_to_int(gd["m"] or gd["m0"])
        elif gd["d"]:
            if not cur or "d" in cur:
                cur = {}
                points.append(cur)
            cur["d"] = cn_to_int(gd["d"])
        elif gd["rel"]:
            off, part = _relative()[gd["rel"]]
            if cur and "y" in cur and "m" not in cur and off == 0:
                cur["part"] = _YEAR_PARTS.get(gd["rel"], part)  # 2020年第一季度, 2025年全年
            else:
                cur = {"rel": off, "part": part}
                points.append(cur)
        elif gd["pom"]:
            if cur:
                cur["part"] = gd["pom"] if "m" in cur else _YEAR_PARTS.get(gd["pom"], "year")
        elif gd["q"]:
            q = _QUARTERS[gd["qn"]]
            if cur and "y" in cur and "m" not in cur:
                cur["part"] = q
            else:
                cur = {"rel": 0, "part": q}
                points.append(cur)
        elif g == "sep":
            cur = {}
    points = [p for p in points if p]
    if not points:
        return None
    # a year word that directly follows a year (2019年度) was folded in above; resolve years
    year = None
    month = None
    bounds = []
    for p in points:
        if "d" in p and "m" not in p and month is not None:
            p = {**p, "m": month}  # 3月1日至15日: the end inherits the month
        month = p.get("m", month)
        if "y" in p:
            year = p["y"]
        elif "rel" in p:
            year = None if reference_year is None else reference_year + p["rel"]
        elif year is None:
            year = reference_year
        bounds.append(_point_bounds(p, year))
    start, _, gran = bounds[0]
    _, end, _ = bounds[-1]
    if start and end and start > end:
        start = end = None
    t = text.rstrip().rstrip("止")
    modifier = None
    if t.endswith(_BEFORE):
        modifier = "before"
    elif t.endswith(_AFTER):
        modifier = "after"
    return DateValue(start.isoformat() if start else None, end.isoformat() if end else None, gran, modifier)
