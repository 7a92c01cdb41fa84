"""DATE finder: absolute, partial, garbled and relative dates, ranges and attached modifiers."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from .base import Candidate, cut_title_tail, drop_overlaps, inside_quote, quote_spans
from .compile import alternation, char_class, expand, lexicon, patterns, table

_NUMERAL_BEFORE = set("0123456789〇○零一二两三四五六七八九十百千万几多数近")
#: relative words that, like a bare year, may open the name of a report (本年度政府信息公开工作报告)
_NAME_WORDS = frozenset(("本年度", "本年", "今年", "当年", "年度"))
_BARE_YEAR = re.compile(r"(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4}) ?年度?")
#: a bare year's phrase ends at punctuation, a line break or two spaces (one space may stand in a title)
_STOP = re.compile(r"[\n\t,，。;；:：、()（）《》<>“”\"'!！?？]|\s{2}")
#: a year that opens a list of bodies (2020年各区县…年度报告) is read up to the end of its clause
_LIST_START_WITHIN = 8
_TITLE_LINE = 40
_SENTENCE = re.compile(r"[。;；,，:：!！?？]")
_CLAUSE_STOP = re.compile(r"[\n,，。;；:：《》!！?？]")


class _Blocked(NamedTuple):
    rel: re.Pattern  # after a relative word: a document or a table column (本年度报告, 本年新制作数量)
    rel_only: dict  # word after a relative word -> the relative words it blocks (年度内部)
    rel_ok: re.Pattern  # a word after a relative word that is no block after all (本年报送)
    year: re.Pattern  # a document noun after a bare year (2020年政务公开工作要点)
    year_not: re.Pattern  # a noun that is a verb here (报告如下)
    action: re.Pattern  # a verb before the noun: the year dates an action (2020年完成…方案)
    list_start: re.Pattern  # words that open a list of bodies after a year (各)
    caption: re.Pattern  # a noun that names even after a verb (…发布数量统计, a chart caption)
    rel_name: re.Pattern  # report nouns a relative word may open (本年度政府信息公开工作报告)
    paren: re.Pattern  # a document noun, then a bare year in parentheses: 指南(2024年), 预案(2022年修订)


@lru_cache(maxsize=1)
def _blocked() -> _Blocked:
    rows = lexicon("date_blocked.tsv")

    def alt(kind):
        return re.compile(alternation([r[0] for r in rows if r[1] == kind]) if any(r[1] == kind for r in rows)
                          else r"(?!)")

    rel_only: dict = {}
    for r in rows:
        if r[1] == "rel" and len(r) > 2 and r[2]:
            rel_only[r[0]] = tuple(w.strip() for w in r[2].split(","))
    rel = re.compile(alternation([r[0] for r in rows if r[1] == "rel"]))
    names = [r[0] for r in rows if r[1] == "paren_name"]
    tails = [r[0] for r in rows if r[1] == "paren_tail"]
    paren = re.compile(alternation(names) + r"[(（]$" if names else r"(?!)"), re.compile(
        "(?:" + alternation(tails) + ")?[)）]" if tails else r"[)）]")
    return _Blocked(rel, rel_only, alt("rel_ok"), alt("year"), alt("year_not"), alt("action"),
                    alt("list_start"), alt("caption"), alt("rel_name"), paren)


@lru_cache(maxsize=1)
def _relative_re() -> re.Pattern:
    frags = table("date.yaml")["fragments"]
    words = [r[0] for r in lexicon("date_words.tsv")]
    return re.compile("(?=" + char_class(words) + ")" + alternation(words) + "(?:" + expand("{MODIFIER}", frags) + ")?")


def is_name_year(text: str, end: int, nouns: re.Pattern | None = None) -> bool:
    """A bare year (2020年) followed, within its phrase, by a document noun: part of a name.

    A verb between the year and the noun (2020年完成…方案) makes it a time; a noun used as a
    verb (…情况报告如下) is no noun.
    """
    b = _blocked()
    window = text[end:end + 28]
    stop = _STOP.search(window)
    if stop:
        if window[stop.start()] == "\n" and _wrapped_title(text, end, end + stop.start()):
            nxt = text[end + stop.start() + 1:end + stop.start() + 29]
            stop2 = _STOP.search(nxt)
            window = window[:stop.start()] + (nxt[:stop2.start()] if stop2 else nxt)
            if (stop2 is None or nxt[stop2.start()] == "\n") and b.year.search(window[-6:]) and \
                    _ends_with_noun(window, b.year):
                return True  # 某厅2025年政务信息⏎公开工作开展年度报告: a title line ends with its noun
        else:
            window = window[:stop.start()]
    if b.list_start.search(window, 0, _LIST_START_WITHIN):  # 2020年某市各区县、各部门…年度报告
        window = text[end:end + 60]
        stop = _CLAUSE_STOP.search(window)
        if stop:
            window = window[:stop.start()]
    if b.caption.search(window):
        return True
    as_verb = text[end - 1:end] == "年"  # 2022年…工作报告如下 reports; 2022年度…工作报告 is the report's name
    for m in (nouns or b.year).finditer(window):
        if b.year_not.match(window, m.start()) or as_verb and window.startswith("如下", m.end()):
            continue  # …工作报告如下: 报告 is the verb here
        return not b.action.search(window, 0, m.start())
    return False


def _paren_name_year(text: str, s: int, e: int) -> bool:
    """信息公开指南(2024年), 应急预案(2022年修订): a year in parentheses after a document noun
    is part of the document's name or edition, not a time."""
    if s == 0 or text[s - 1] not in "(（":
        return False
    before, after = _blocked().paren
    return bool(after.match(text, e) and before.search(text, max(0, s - 5), s))


def _ends_with_noun(window: str, nouns: re.Pattern) -> bool:
    return any(m.end() == len(window) for m in nouns.finditer(window, max(0, len(window) - 8)))


def _wrapped_title(text: str, year_end: int, nl: int) -> bool:
    """A short line without punctuation that breaks before its end: a title wrapped over two lines
    (某局2021年政府信息公开⏎工作年度报告)."""
    line_start = text.rfind("\n", 0, year_end) + 1
    line = text[line_start:nl]
    return len(line.strip()) <= _TITLE_LINE and not _SENTENCE.search(line)


def _rel_blocked(text: str, s: int, e: int) -> bool:
    """A relative date word that names a document or a table column (本年度报告, 本年报, 年度内部)."""
    b = _blocked()
    probe = text[e:e + 16]
    if "\n" in probe:  # a column name broken over lines, one cell a line (本年新⏎制作数量)
        probe = probe.replace("\n", "")
    m = b.rel.match(probe)
    if not m:
        return False
    only = b.rel_only.get(m.group())
    if only is not None and text[s:e] not in only:
        return False
    return not b.rel_ok.match(probe)


def find(text: str) -> list[Candidate]:
    cands: list[Candidate] = []
    for name, rx in patterns("date.yaml"):
        for m in rx.finditer(text):
            s, e = m.span()
            if s > 0 and text[s - 1].isdigit() or e < len(text) and text[e].isdigit() and name == "point" \
                    and not _ends_with_unit(m.group()):
                continue  # part of a longer number
            if _BARE_YEAR.fullmatch(m.group()) and (is_name_year(text, e) or _paren_name_year(text, s, e)):
                continue
            cands.append(Candidate(s, e, "DATE", name))
    for m in _relative_re().finditer(text):
        s, e = m.span()
        if s > 0 and text[s - 1] in _NUMERAL_BEFORE:
            continue  # 三年内, 2年底 are not relative words
        if _rel_blocked(text, s, e):
            continue  # 本年度报告, 上年结转
        if m.group() in _NAME_WORDS and is_name_year(text, e, _blocked().rel_name):
            continue  # 本年度政府信息公开报告 names the report
        cands.append(Candidate(s, e, "DATE", "relative"))
    quotes = quote_spans(text, int(table("date.yaml").get("quote_max", 16)))
    if quotes:  # “全年红”, “一季度一通报”: a slogan or a name, not a time
        starts = [a for a, _ in quotes]
        cands = [c for c in cands if not inside_quote(c.start, c.end, quotes, starts)]
    tail = cut_title_tail(text)
    if tail:  # …《某县2020年政务公开绩 (end of passage): a name cut off
        cands = [c for c in cands if c.start < tail[0]]
    return drop_overlaps(cands)


def _ends_with_unit(s: str) -> bool:
    return s[-1:] in "年月日号前起来后"
