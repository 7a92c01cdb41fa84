"""HTML ``<table>`` layouts -> cell tokens with grid columns (rowspan/colspan resolved).

Uses the standard library's ``html.parser`` only for the structure (table/tr/td/th tags
and their positions); a cell's text is read from the original characters between its
tags, so token offsets are ORIGINAL offsets.  Entities are decoded one at a time and only
when they stand for a single character (``&nbsp;`` ``&#38;``), never expanded further;
spans are clamped (at most ``MAX_SPAN`` rows/columns, ``MAX_CELLS`` grid cells).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ..text import normalise_char
from . import schema
from .cells import Token
from .parse_text import Segment, _anchor

MAX_SPAN = 60
MAX_CELLS = 20_000
_TAG = re.compile(r"<[^<>]{0,2000}>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,9});")
_BLOCK = re.compile(r"<\s*/?\s*(?:p|div|br|tr|li|h[1-6]|table|section|article|td|th)\b[^<>]{0,2000}>", re.IGNORECASE)


@dataclass
class _Cell:
    start: int  # content start (after the start tag)
    end: int | None = None
    rowspan: int = 1
    colspan: int = 1
    skips: list[tuple[int, int]] = field(default_factory=list)  # nested tables inside


@dataclass
class _Table:
    start: int
    end: int | None = None
    rows: list[list[_Cell]] = field(default_factory=list)
    cell: _Cell | None = None


class _Parser(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.line_starts.append(i + 1)
        self.stack: list[_Table] = []
        self.done: list[_Table] = []

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _close_cell(self, t: _Table, at: int) -> None:
        if t.cell is not None:
            t.cell.end = at
            t.cell = None

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        pos = self._pos()
        if tag == "table":
            if self.stack and self.stack[-1].cell is not None:
                self.stack[-1].cell.skips.append((pos, pos))  # end filled when the inner table ends
            self.stack.append(_Table(start=pos))
            return
        if not self.stack:
            return
        t = self.stack[-1]
        if tag == "tr":
            self._close_cell(t, pos)
            t.rows.append([])
        elif tag in ("td", "th"):
            self._close_cell(t, pos)
            if not t.rows:
                t.rows.append([])
            a = {k.lower(): (v or "") for k, v in attrs}
            raw = self.get_starttag_text() or ""
            c = _Cell(start=pos + len(raw), rowspan=_span(a.get("rowspan")), colspan=_span(a.get("colspan")))
            t.rows[-1].append(c)
            t.cell = c

    def handle_endtag(self, tag):
        tag = tag.lower()
        if not self.stack:
            return
        pos = self._pos()
        t = self.stack[-1]
        if tag in ("td", "th") or tag == "tr":
            self._close_cell(t, pos)
        elif tag == "table":
            self._close_cell(t, pos)
            gt = self.text.find(">", pos)
            t.end = (gt + 1) if gt >= 0 else len(self.text)
            self.stack.pop()
            self.done.append(t)
            if self.stack and self.stack[-1].cell is not None and self.stack[-1].cell.skips:
                s, _ = self.stack[-1].cell.skips[-1]
                self.stack[-1].cell.skips[-1] = (s, t.end)

    def finish(self) -> list[_Table]:
        end = len(self.text)
        while self.stack:  # unclosed tables end with the text
            t = self.stack.pop()
            self._close_cell(t, end)
            t.end = end
            self.done.append(t)
        for t in self.done:
            for row in t.rows:
                for c in row:
                    if c.end is None:
                        c.end = t.end
        return sorted(self.done, key=lambda t: t.start)


def _span(v: str | None) -> int:
    try:
        n = int(str(v).strip() or 1)
    except ValueError:
        return 1
    return max(1, min(n, MAX_SPAN))


def cell_text(text: str, start: int, end: int, skips=()) -> tuple[str, int, int]:
    """Visible, normalised text of ``text[start:end]`` (tags dropped) and its original span."""
    chars: list[tuple[str, int, int]] = []
    i = start
    skips = sorted(skips)
    while i < end:
        skip = next(((a, b) for a, b in skips if a <= i < b), None)
        if skip:
            i = skip[1]
            continue
        ch = text[i]
        if ch == "<":
            m = _TAG.match(text, i)
            if m and m.end() <= end:
                chars.append((" ", i, m.end()))
                i = m.end()
                continue
        if ch == "&":
            m = _ENTITY.match(text, i)
            if m and m.end() <= end:
                dec = html.unescape(m.group())
                if len(dec) == 1 and dec != m.group():
                    norm = normalise_char(dec)
                    if norm:
                        chars.append((norm, i, m.end()))
                    i = m.end()
                    continue
        norm = normalise_char(ch)
        if norm:
            chars.append((norm, i, i + 1))
        i += 1
    # collapse white space, strip
    out: list[tuple[str, int, int]] = []
    for c in chars:
        if c[0].isspace():
            if out and not out[-1][0].isspace():
                out.append((" ", c[1], c[2]))
            continue
        out.append(c)
    while out and out[-1][0].isspace():
        out.pop()
    if not out:
        return "", start, start
    return "".join(c[0] for c in out), out[0][1], out[-1][2]


def _grid_lines(text: str, t: _Table, base_line: int) -> list[list[Token]]:
    """Rows of tokens with their grid columns (merged cells appear once, at their first row)."""
    occupied: dict[int, set[int]] = {}
    lines: list[list[Token]] = []
    cells = 0
    for r, row in enumerate(t.rows):
        taken = occupied.setdefault(r, set())
        col = 0
        toks: list[Token] = []
        for c in row:
            while col in taken:
                col += 1
            cells += c.rowspan * c.colspan
            if cells > MAX_CELLS:
                return lines
            for dr in range(c.rowspan):
                occ = occupied.setdefault(r + dr, set())
                for dc in range(c.colspan):
                    occ.add(col + dc)
            txt, s, e = cell_text(text, c.start, c.end or c.start, c.skips)
            toks.append(Token(text=txt, start=s, end=e, line=base_line + r, col=col, span=c.colspan, multi=True))
            col += c.colspan
        lines.append(toks)
    return lines


def tables(text: str) -> list[_Table]:
    """The ``<table>`` elements of ``text`` (innermost ones included)."""
    p = _Parser(text)
    try:
        p.feed(text)
        p.close()
    except Exception:  # malformed markup: keep what was read
        pass
    return p.finish()


def _heading_before(text: str, start: int) -> int | None:
    """The section named by a heading just before a table (within a few hundred characters)."""
    chunk = text[max(0, start - 400):start]
    chunk = _BLOCK.sub("\n", chunk)
    chunk = _TAG.sub("", chunk)
    lines = [ln.strip() for ln in chunk.split("\n") if ln.strip()]
    for ln in reversed(lines[-3:]):
        for sec in schema.sections():
            if sec.is_heading(html.unescape(ln)[:80]):
                return sec.number
    return None


def _content_section(lines: list[list[Token]]) -> int | None:
    score = {2: 0, 3: 0, 4: 0}
    for line in lines:
        for tok in line:
            if not tok.text:
                continue
            for sec in schema.sections():
                if sec.number == 2 and sec.item_of(tok.text) is not None:
                    score[2] += 3
                    continue
                ms = sec.match(tok.text)
                if ms and ms[0].score >= 3.0:
                    score[sec.number] += 1
    best = max(score, key=lambda k: score[k])
    return best if score[best] >= 2 else None


def segments(text: str) -> tuple[list[Segment], list[tuple[int, int]]]:
    """Per-section segments of the HTML tables of ``text`` and the spans of those tables."""
    out: list[Segment] = []
    spans: list[tuple[int, int]] = []
    base = 1_000_000
    found = tables(text)
    for t in found:
        if not t.rows:
            continue
        lines = _grid_lines(text, t, base)
        base += len(t.rows) + 1
        if not lines:
            continue
        spans.append((t.start, t.end or t.start))
        section = _heading_before(text, t.start) or _content_section(lines)
        cur: Segment | None = Segment(section, source="html") if section else None
        if cur is not None:
            out.append(cur)
        for line in lines:
            anchor = _anchor(line, True)
            if anchor is not None:
                first = next(tok for tok in line if tok.text)
                if schema.section(anchor).is_heading(first.text):
                    line = [tok for tok in line if tok is not first]
                if cur is None or cur.section != anchor:
                    cur = Segment(anchor, source="html")
                    out.append(cur)
            if cur is not None:
                cur.lines.append(line)
    return [s for s in out if any(tok.text for tok in s.tokens)], spans


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the given table spans blanked and other tags turned into line breaks/spaces.

    The result has the same length, so offsets into it are offsets into ``text``.
    """
    chars = list(text)
    for s, e in spans:
        for i in range(s, min(e, len(chars))):
            if chars[i] != "\n":
                chars[i] = " "
    out = "".join(chars)
    if "<" not in out:
        return out

    def blank(m: re.Match) -> str:
        g = m.group()
        return "\n" + " " * (len(g) - 1)

    out = _BLOCK.sub(blank, out)
    out = _TAG.sub(lambda m: " " * len(m.group()), out)
    return out
