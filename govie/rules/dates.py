"""DATE finder: absolute, partial, garbled and relative dates, ranges and attached modifiers."""

from __future__ import annotations

import re
from functools import lru_cache

from .base import Candidate, drop_overlaps
from .compile import alternation, char_class, expand, lexicon, patterns, table

_NUMERAL_BEFORE = set("0123456789〇○零一二两三四五六七八九十百千万几多数近")
_BARE_YEAR = re.compile(r"(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4}) ?年度?")
_STOP = re.compile(r"[\s,，。;；:：、()（）《》<>“”\"'!！?？]")
#: verbs that show the words after a bare year are an action, not a document name
_ACTION = re.compile(r"完成|开展|发布|印发|制定|建立|推进|实现|收到|办理|公开了|编制|起草|修订")


@lru_cache(maxsize=1)
def _blocked() -> tuple[re.Pattern, re.Pattern]:
    rows = lexicon("date_blocked.tsv")
    rel = re.compile(alternation([r[0] for r in rows if r[1] == "rel"]))
    year = re.compile(alternation([r[0] for r in rows if r[1] == "year"]))
    return rel, year


@lru_cache(maxsize=1)
def _relative_re() -> re.Pattern:
    frags = table("date.yaml")["fragments"]
    words = [r[0] for r in lexicon("date_words.tsv")]
    return re.compile("(?=" + char_class(words) + ")" + alternation(words) + "(?:" + expand("{MODIFIER}", frags) + ")?")


def is_name_year(text: str, end: int) -> bool:
    """A bare year (2020年) followed, within its phrase, by a document noun: part of a name."""
    window = text[end:end + 28]
    stop = _STOP.search(window)
    if stop:
        window = window[:stop.start()]
    return bool(_blocked()[1].search(window)) and not _ACTION.search(window)


def find(text: str) -> list[Candidate]:
    cands: list[Candidate] = []
    for name, rx in patterns("date.yaml"):
        for m in rx.finditer(text):
            s, e = m.span()
            if s > 0 and text[s - 1].isdigit() or e < len(text) and text[e].isdigit() and name == "point" \
                    and not _ends_with_unit(m.group()):
                continue  # part of a longer number
            if _BARE_YEAR.fullmatch(m.group()) and is_name_year(text, e):
                continue
            cands.append(Candidate(s, e, "DATE", name))
    rel_block = _blocked()[0]
    for m in _relative_re().finditer(text):
        s, e = m.span()
        if s > 0 and text[s - 1] in _NUMERAL_BEFORE:
            continue  # 三年内, 2年底 are not relative words
        if rel_block.match(text, e):
            continue  # 本年度报告, 上年结转
        cands.append(Candidate(s, e, "DATE", "relative"))
    return drop_overlaps(cands)


def _ends_with_unit(s: str) -> bool:
    return s[-1:] in "年月日号前起来后"
