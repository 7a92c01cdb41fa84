"""What every rule finder returns: a candidate span in view offsets."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple


class Candidate(NamedTuple):
    start: int  # view offsets, end exclusive
    end: int
    label: str
    rule: str = ""
    score: float = 1.0


def drop_overlaps(cands: list[Candidate]) -> list[Candidate]:
    """Keep the earliest, then longest, candidate of each overlapping same-label group."""
    out: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (c.start, -(c.end - c.start))):
        if out and c.start < out[-1].end:
            continue
        out.append(c)
    return out


@lru_cache(maxsize=8)
def _quote_re(n: int) -> re.Pattern:
    return re.compile(rf"“[^“”\n]{{1,{n}}}”|「[^「」\n]{{1,{n}}}」|‘[^‘’\n]{{1,{n}}}’|\"[^\"\n]{{1,{n}}}\"")


def quote_spans(text: str, max_len: int) -> list[tuple[int, int]]:
    """(start, end) of the contents of quotations of at most ``max_len`` characters on one line
    (“三个着力”, “全年红”): slogans and names, whose numerals are no COUNT or DATE."""
    if not any(q in text for q in "“「‘\""):
        return []
    return [(m.start() + 1, m.end() - 1) for m in _quote_re(max_len).finditer(text)]


def inside_quote(s: int, e: int, quotes: list[tuple[int, int]]) -> bool:
    """Whether (s, e) lies in one of ``quotes`` without being the whole quotation."""
    return any(a <= s and e <= b and (s, e) != (a, b) for a, b in quotes)
