"""TITLE finder: the text inside 《》, nested <> kept inside, unbalanced brackets bounded."""

from __future__ import annotations

import re

from .base import Candidate

MAX_TITLE = 160  # longer "titles" are runaway spans from a lost 》
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


def _lost_open(text: str, line_start: int, close: int, cands: list[Candidate]) -> None:
    """A 》 with no 《 on its line: a title only if the line up to it is one clean phrase."""
    if cands and cands[-1].end >= line_start:
        return
    start = line_start
    while start < close and text[start] in " \t":
        start += 1
    piece = text[start:close]
    if 6 <= len(piece) <= 80 and not _LOST_OPEN_BAD.search(piece) and piece.endswith(
            ("通知", "意见", "办法", "规定", "方案", "要点", "条例", "决定", "规划", "报告", "细则", "制度", "规则", "指南", "纲要")):
        cands.append(Candidate(start, close, "TITLE", "lost_open"))
