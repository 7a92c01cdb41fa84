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


@lru_cache(maxsize=1)
def _place_spec() -> tuple[str, int, tuple[str, ...]]:
    spec = table("count.yaml").get("place") or {}
    return spec.get("unit", ""), int(spec.get("max_numeral", 1)), tuple(spec.get("after", ()))


@lru_cache(maxsize=1)
def _phase_spec() -> tuple[str, tuple[str, ...]]:
    spec = table("count.yaml").get("phase") or {}
    return spec.get("unit", ""), tuple(spec.get("after_nouns", ()))


def _phase(unit: str | None, text: str, s: int) -> bool:
    """院区二期, 行政中心一期: a construction phase, an ordinal."""
    p_unit, nouns = _phase_spec()
    return bool(unit == p_unit and nouns and text.endswith(nouns, 0, s))


@lru_cache(maxsize=1)
def _score_spec() -> tuple[str, str]:
    spec = table("count.yaml").get("score") or {}
    return spec.get("unit", ""), spec.get("not_before", "")


def _bad_score(unit: str | None, gd: dict, text: str, e: int) -> bool:
    """十分重要, 3分局: 分 that is no score point."""
    s_unit, not_before = _score_spec()
    if unit != s_unit or not s_unit:
        return False
    return gd.get("a") is None or (e < len(text) and text[e] in not_before)


def _place(unit: str | None, numeral: str, text: str, e: int) -> bool:
    """三元区, 四元街道: a place name made of a numeral and 元, not an amount of money."""
    p_unit, max_len, after = _place_spec()
    return bool(unit == p_unit and len(numeral) <= max_len and after and text.startswith(after, e))


@lru_cache(maxsize=1)
def _bare_spec() -> tuple[int, tuple[str, ...], str]:
    spec = table("count.yaml").get("bare") or {}
    return int(spec.get("max_digits", 0)), tuple(spec.get("after", ())), spec.get("end", "")


def _bare(gd: dict, text: str, s: int, e: int) -> bool:
    """发布信息41, / 申请数量为0。: a bare integer after a counted noun, ending its clause."""
    max_digits, after, end = _bare_spec()
    a = gd.get("a")
    if not a or not a.isdigit() or len(a) > max_digits or gd.get("a2") or gd.get("post") or gd.get("pre"):
        return False
    if len(a) > 1 and a[0] == "0":
        return False  # 000, 01: a code or a filler, not a quantity
    if e >= len(text) or text[e] not in end:
        return False  # at the end of a passage the unit may have been cut off (主动公开政府信息30|)
    return bool(after) and text.endswith(after, 0, s)


#: 第二十条、二十一条: the second article number of a list is an ordinal too
_ARTICLE_LIST = re.compile(r"第[一二三四五六七八九十百零〇\d]{1,6}[条款项章节]、$")
_ARTICLE_UNITS = frozenset("条款项章节")


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
    if _bad_score(unit, gd, text, e):
        return None
    if unit in _ARTICLE_UNITS and prev == "、" and _ARTICLE_LIST.search(text, max(0, s - 10), s):
        return None
    kind = units()[unit][1] if unit else None
    post = gd.get("post")
    if post in _CUT_POSTS and kind not in ("duration", "duration_in", "year_duration"):
        e = m.end("post") - len(post)  # 内 belongs to durations only
        post = None
    if gd.get("c") is not None:
        if _session(unit, prev, text, e) or _place(unit, gd["c"], text, e) or _phase(unit, text, s):
            return None
        if not unit or (prev and prev in _CN_NOT_AFTER) or "〇" in gd["c"] or "零" == gd["c"][:1]:
            return None
        if gd["c"] == "一" and prev in _YI_NOT_AFTER and text[s - 2:s] not in ("以上", "以下"):
            return None
    if not unit:
        if not gd.get("mult") and _bare(gd, text, s, e):
            return s, e
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
