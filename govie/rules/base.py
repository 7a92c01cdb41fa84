"""What every rule finder returns: a candidate span in view offsets."""

from __future__ import annotations

import re
from bisect import bisect_right
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


@lru_cache(maxsize=4)  # COUNT and DATE ask for the same text one after the other
def quote_spans(text: str, max_len: int) -> tuple[tuple[int, int], ...]:
    """(start, end) of the contents of quotations of at most ``max_len`` characters on one line
    (“三个着力”, “全年红”): slogans and names, whose numerals are no COUNT or DATE."""
    if not any(q in text for q in "“「‘\""):
        return ()
    return tuple((m.start() + 1, m.end() - 1) for m in _quote_re(max_len).finditer(text))


def _last_starting_at_or_before(spans: list[tuple[int, int]], starts: list[int], pos: int):
    i = bisect_right(starts, pos) - 1
    return spans[i] if i >= 0 else None


def inside_quote(s: int, e: int, quotes: list[tuple[int, int]], starts: list[int] | None = None) -> bool:
    """Whether (s, e) lies in one of ``quotes`` (sorted, disjoint) without being the whole quotation."""
    if not quotes:
        return False
    q = _last_starting_at_or_before(quotes, starts if starts is not None else [a for a, _ in quotes], s)
    return q is not None and e <= q[1] and (s, e) != q


def touches(s: int, e: int, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    """Whether (s, e) starts or ends inside one of ``spans`` (sorted, disjoint; ``starts`` their starts)."""
    if not spans:
        return False
    a = _last_starting_at_or_before(spans, starts, s)  # a span holding the start
    if a is not None and s < a[1]:
        return True
    b = _last_starting_at_or_before(spans, starts, e - 1)  # a span holding the last character
    return b is not None and b[0] < e <= b[1]


def cut_title_tail(text: str, max_len: int = 160) -> tuple[int, int] | None:
    """The inside of a 《 that the end of the passage cuts off (…印发《某县2020年政务公开绩):
    not a TITLE, but its numbers are still part of a name, so no DATE or COUNT there."""
    i = text.rfind("《")
    if i < 0 or len(text) - i - 1 > max_len:
        return None
    rest = text[i + 1:]
    if "》" in rest or "\n" in rest.rstrip():
        return None
    return i + 1, len(text)
