"""TITLE finder: the text inside 《》, nested <> kept inside, unbalanced brackets bounded."""

from __future__ import annotations

import re
from functools import lru_cache

from .base import Candidate
from .compile import alternation, lexicon

MAX_TITLE = 160  # longer "titles" are runaway spans from a lost 》
_LOST_OPEN_MAX = 80  # a title that lost its 《 is at most this long
#: a lost 《: the title starts at the line start when the piece before 》 reads as one title
_LOST_OPEN_BAD = re.compile(r"[。;；!?！？,，:：]")
_BRACKETS = re.compile(r"[《》\n]")


def find(text: str) -> list[Candidate]:
    cands: list[Candidate] = []
    open_at: int | None = None
    depth = 0
    line_start = 0
    for m in _BRACKETS.finditer(text):
        ch, i = m.group(), m.start()
        if ch == "\n":
            open_at, depth, line_start = None, 0, i + 1  # titles do not cross lines
        elif ch == "《":
            if open_at is None:
                open_at, depth = i, 1
            elif i == open_at + 1 and depth == 1:
                open_at = i  # a doubled 《《 typed by mistake: one bracket
            elif i - open_at > MAX_TITLE:
                open_at, depth = i, 1  # the earlier 《 lost its 》
            else:
                depth += 1
        else:  # 》
            if open_at is None:
                _lost_open(text, line_start, i, cands)
                continue
            depth -= 1
            if depth == 0:
                if 0 < i - open_at - 1 <= MAX_TITLE:
                    cands.append(Candidate(open_at + 1, i, "TITLE", "brackets"))
                open_at = None
    return cands


@lru_cache(maxsize=1)
def _lexicons() -> tuple[tuple[str, ...], re.Pattern]:
    """Document nouns a title ends with, and the verbs a title follows (按照, 根据, 印发 …)."""
    rows = lexicon("title_words.tsv")
    ends = tuple(r[0] for r in rows if r[1] == "end")
    cues = re.compile(alternation([r[0] for r in rows if r[1] == "cue"]))
    return ends, cues


def _lost_open(text: str, line_start: int, close: int, cands: list[Candidate]) -> None:
    """A 》 with no 《 on its line: a title only if the line up to it is one clean phrase,
    or the phrase after the last cue verb (按照…要点》要求) is: both ends are clear."""
    lo = cands[-1].end + 1 if cands and cands[-1].end >= line_start else line_start
    if close - lo > _LOST_OPEN_MAX + 1:  # longer than any title: look at the last stretch only
        lo = close - _LOST_OPEN_MAX - 1
    ends, cues = _lexicons()
    # the last cue verb before the 》 within its clause: 严格按照某区政务公开工作要点》要求
    bad = None
    lo = max(lo, close - MAX_TITLE - 1)  # a title is never longer: scan a bounded window (linear time)
    for bad in _LOST_OPEN_BAD.finditer(text, lo, close):
        pass
    clause = bad.end() if bad else lo
    cue = None
    for cue in cues.finditer(text, clause, close):
        pass
    if cue is not None and "关于" in text[clause:cue.start()]:
        cue = None  # 关于贯彻落实…的意见》: the cue is inside the title
    if cue is not None:
        piece = text[cue.end():close]
        if 6 <= len(piece) <= _LOST_OPEN_MAX and "》" not in piece and piece.endswith(ends):
            cands.append(Candidate(cue.end(), close, "TITLE", "lost_open_cue"))
        return
    if lo != line_start or close - line_start > 80 + 64:  # 80 chars + indentation at most
        return
    start = line_start
    while start < close and text[start] in " \t":
        start += 1
    piece = text[start:close]
    if 6 <= len(piece) <= _LOST_OPEN_MAX and not _LOST_OPEN_BAD.search(piece) and piece.endswith(ends):
        cands.append(Candidate(start, close, "TITLE", "lost_open"))
