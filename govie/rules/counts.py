"""COUNT finder: cardinal quantities with a unit, percentages and money (values in values/count.py)."""

from __future__ import annotations

import re
from functools import lru_cache

from .base import Candidate, cut_title_tail, drop_overlaps, inside_quote, quote_spans, touches
from .compile import alternation, char_class, lexicon, patterns, table, words

#: a Chinese numeral right after one of these is an ordinal, a distributive or part of a word
_CN_NOT_AFTER = set("第每逐进统唯单同之其某任哪周初专万千届")  # 届: 八届四次全会
#: 一 after these is part of a word (上一年, 下一阶段, 新一轮), unlike 以下四种方式
_YI_NOT_AFTER = set("上下新")
_NOT_BEFORE_ANY = set("第")
_IN_POSTS = ("内", "以内", "之内")
#: after a non-duration unit only a bare 内 is cut (3个内设机构); 80项以内 keeps 以内 (at_most)
_CUT_POSTS = ("内",)


@lru_cache(maxsize=1)
def units() -> dict[str, tuple[str, str]]:
    """unit as written -> (unit in the value, kind)."""
    return {r[0]: (r[1], r[2]) for r in lexicon("count_units.tsv")}


@lru_cache(maxsize=1)
def qualifiers() -> dict[tuple[str, str], str]:
    """(word, position) -> approx."""
    return {(r[0], r[1]): r[2] for r in lexicon("count_qualifiers.tsv")}


@lru_cache(maxsize=1)
def compiled() -> tuple[tuple[str, re.Pattern], ...]:
    q = qualifiers()
    extra = (
        ("UNIT", alternation(units())),
        ("PRE", alternation([w for (w, pos) in q if pos == "pre"])),
        ("MID", alternation([w for (w, pos) in q if pos == "mid"])),
        ("POST", alternation([w for (w, pos) in q if pos == "post"])),
        ("PRE_FIRST", char_class([w for (w, pos) in q if pos == "pre"])),
    )
    return patterns("count.yaml", extra)


@lru_cache(maxsize=1)
def _slogans() -> re.Pattern:
    return re.compile(alternation(words("count_not.tsv")))


def _slogan_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _slogans().finditer(text)]


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """Contents of short quotations (“三个着力”, “两个加强,两个完善”): slogans and names."""
    return quote_spans(text, int(table("count.yaml").get("quote_max", 16)))


@lru_cache(maxsize=1)
def _session_spec() -> tuple[str, str, tuple[str, ...]]:
    spec = table("count.yaml").get("session") or {}
    return spec.get("unit", ""), spec.get("before", ""), tuple(spec.get("after", ()))


def _session(unit: str | None, prev: str, text: str, e: int) -> bool:
    """十八届人大二次会议: an ordinal session number, not a count of meetings."""
    s_unit, before, after = _session_spec()
    return bool(unit == s_unit and prev and prev in before and after and text.startswith(after, e))


def accept(m: re.Match, text: str) -> tuple[int, int] | None:
    """The span of a COUNT match after the checks the regex cannot do, or None."""
    s, e = m.span()
    gd = m.groupdict()
    if "pc" in gd and gd.get("pc"):
        return s, e
    unit = gd.get("unit")
    prev = text[s - 1] if s > 0 else ""
    if prev and (prev in _NOT_BEFORE_ANY or prev.isascii() and (prev.isalnum() or prev in "./")):
        return None
    if gd.get("a") is not None and e < len(text) and text[e].isascii() and text[e].isalnum() and not unit:
        return None
    kind = units()[unit][1] if unit else None
    post = gd.get("post")
    if post in _CUT_POSTS and kind not in ("duration", "duration_in", "year_duration"):
        e = m.end("post") - len(post)  # 内 belongs to durations only
        post = None
    if gd.get("c") is not None:
        if _session(unit, prev, text, e):
            return None
        if not unit or (prev and prev in _CN_NOT_AFTER) or "〇" in gd["c"] or "零" == gd["c"][:1]:
            return None
        if gd["c"] == "一" and prev in _YI_NOT_AFTER and text[s - 2:s] not in ("以上", "以下"):
            return None
    if not unit:
        if not gd.get("mult") or gd.get("mid"):
            return None
        if e < len(text) and ("\u4e00" <= text[e] <= "\u9fff") and not post:
            return None  # 269万 only when the number ends there
    if kind == "duration_in" and post not in _IN_POSTS:
        return None
    if kind == "year_duration" and gd.get("a") and not gd.get("a2") and re.fullmatch(r"(?:19|20)\d{2}", gd["a"]):
        return None
    if kind in ("year_duration",) and e < len(text) and text[e] in "度底初末":
        return None
    if gd.get("a") and len(gd["a"].replace(",", "").split(".")[0]) >= 7 and not unit:
        return None
    return s, e


def find(text: str) -> list[Candidate]:
    cands = []
    slogans = _slogan_spans(text)
    slogan_starts = [a for a, _ in slogans]
    quotes = _quote_spans(text)
    quote_starts = [a for a, _ in quotes]
    tail = cut_title_tail(text)
    for name, rx in compiled():
        for m in rx.finditer(text):
            span = accept(m, text)
            if span is None:
                continue
            s, e = span
            if touches(s, e, slogans, slogan_starts):
                continue
            if inside_quote(s, e, quotes, quote_starts):
                continue  # a numeral inside a quoted slogan or name, not the whole quotation
            if tail and s >= tail[0]:
                continue  # inside a 《title cut off by the end of the passage
            cands.append(Candidate(s, e, "COUNT", name))
    return drop_overlaps(cands)
