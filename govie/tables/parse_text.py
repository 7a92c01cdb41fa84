"""Plain-text table layouts -> cell tokens, cut into per-section segments.

Layouts: rows of cells separated by ``|`` (with or without border pipes), tabs or runs of
2+ spaces; one cell per line (``规章 |`` / ``0 |`` or bare lines); cells of one row
broken over several lines (PDF copies).  Offsets of tokens are ORIGINAL offsets: the
text is read through ``govie.text.TextView`` (traditional / full-width normalised).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text import TextView
from . import schema
from .cells import Token

_MULTISPACE = re.compile(r" {2,}|\t")
_TOP_HEADING = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")
#: a single-cell line longer than this (or a sentence) is prose, which ends a table
MAX_CELL = 60
MAX_LINES = 600


@dataclass
class Segment:
    """Lines of tokens that belong to one section's table."""

    section: int
    lines: list[list[Token]] = field(default_factory=list)
    source: str = "text"

    @property
    def tokens(self) -> list[Token]:
        return [t for line in self.lines for t in line]


def split_cells(line: str) -> list[tuple[int, int]]:
    """(start, end) of every cell of one line, relative to the line, stripped of spaces.

    An empty cell is (p, p).  Border pipes (a leading ``|`` before the first cell and the
    ``|`` that closes the last) are not cells.
    """
    if not line.strip():
        return []
    if "|" in line:
        pieces = []
        pos = 0
        for part in line.split("|"):
            pieces.append((pos, pos + len(part)))
            pos += len(part) + 1
        if len(pieces) > 1 and not line[pieces[-1][0]:pieces[-1][1]].strip():
            pieces.pop()  # the terminator pipe
        if len(pieces) > 1 and not line[pieces[0][0]:pieces[0][1]].strip() and line.lstrip().startswith("|"):
            pieces.pop(0)  # the border pipe
        return [_strip(line, s, e) for s, e in pieces]
    if "\t" in line:
        out = []
        pos = 0
        for part in line.split("\t"):
            out.append(_strip(line, pos, pos + len(part)))
            pos += len(part) + 1
        while out and out[0][0] == out[0][1]:
            out.pop(0)
        while out and out[-1][0] == out[-1][1]:
            out.pop()
        return out
    stripped = line.strip()
    lead = len(line) - len(line.lstrip())
    if _MULTISPACE.search(stripped):
        out = []
        pos = lead
        for m in _MULTISPACE.finditer(line, lead, lead + len(stripped)):
            out.append(_strip(line, pos, m.start()))
            pos = m.end()
        out.append(_strip(line, pos, lead + len(stripped)))
        return [c for c in out if c[1] > c[0]]
    return [(lead, lead + len(stripped))]


def _strip(line: str, s: int, e: int) -> tuple[int, int]:
    while s < e and line[s].isspace():
        s += 1
    while e > s and line[e - 1].isspace():
        e -= 1
    if s == e:
        return (s, s)
    return (s, e)


def _orig(view: TextView, s: int, e: int) -> tuple[int, int]:
    if e > s:
        return view.to_original(s, e)
    if not view.starts:
        return s, s
    p = view.starts[s] if s < len(view.starts) else len(view.original)
    return p, p


def line_tokens(view: TextView, line_start: int, line_text: str, line_no: int,
                glue: bool = False) -> tuple[list[Token], bool]:
    """Tokens of one line and whether it is a separated (table-row) line.

    With ``glue``, a line without separators that is a known label followed by digits
    (``规章000``) or a run of known labels (``信息内容本年新制作数量...``) is cut into cells.
    """
    cells = split_cells(line_text)
    sep = "|" in line_text or "\t" in line_text or len(cells) > 1
    glued_at = None
    if glue and not sep and len(cells) == 1:
        parts = glued_cells(line_text[cells[0][0]:cells[0][1]])
        if parts:
            base = cells[0][0]
            cells = [(base + s, base + e) for s, e, _ in parts]
            glued_at = {i for i, (_, _, g) in enumerate(parts) if g}
    out = []
    for i, (s, e) in enumerate(cells):
        os_, oe = _orig(view, line_start + s, line_start + e)
        out.append(Token(text=line_text[s:e], start=os_, end=oe, line=line_no,
                         multi=sep or glued_at is not None, glued=bool(glued_at and i in glued_at)))
    return out, sep


_TRAILING_DIGITS = re.compile(r"^(.*?\D)\s*(\d+)$")


def glued_cells(text: str) -> list[tuple[int, int, bool]] | None:
    """Cells of a line whose separators were lost: (start, end, is_digit_run), else None.

    Only when the text is exactly a known row label plus digits, or two or more known
    labels one after the other; anything else stays one cell.
    """
    if len(text) > 160 or not text:
        return None
    if _known_label(text):
        return None
    m = _TRAILING_DIGITS.match(text)
    if m and _known_label(m.group(1), rows_only=True):
        return [(0, len(m.group(1).rstrip()), False), (m.start(2), m.end(2), True)]
    cut = _label_run(text)
    if cut and len(cut) >= 2:
        return [(s, e, False) for s, e in cut]
    return None


def _known_label(text: str, rows_only: bool = False) -> bool:
    for sec in schema.sections():
        if sec.item_of(text) is not None and not rows_only:
            return True
        ms = sec.match(text)
        if ms and ms[0].score >= 3.0 and (not rows_only or ms[0].entry.kind == "row"):
            return True
    return False


def _vocabulary() -> tuple[str, ...]:
    out = set()
    for sec in schema.sections():
        for e in sec.entries:
            out.update(v for v in e.variants if len(v) >= 2)
    return tuple(sorted(out, key=len, reverse=True))


_DROP_CH = re.compile(r"[\s\"'“”‘’「」『』()（）\[\]【】,，.。:：;；、/\\\-—–_·]")


def _label_run(text: str) -> list[tuple[int, int]] | None:
    """Cut ``text`` into known labels (punctuation between or inside them ignored), fewest pieces."""
    from .schema import split_label

    vocab = _VOCAB or _load_vocab()
    n = len(text)
    skip = _skips(text)
    best: list[list[tuple[int, int]] | None] = [None] * (n + 1)
    best[n] = []
    for i in range(n - 1, -1, -1):
        if skip[i] != i:  # a dropped character
            if best[i + 1] is not None:
                best[i] = best[i + 1]
            continue
        cand = None
        # an enumerator (一、 (一) 1.) may open a label
        enum, core_ = split_label(text[i:])
        enum_len = len(text) - i - len(core_) if enum else 0
        for j in _label_ends(text, i, vocab, enum_len, skip):
            rest = best[j]
            if rest is not None and (cand is None or len(rest) + 1 < len(cand)):
                cand = [(i, j)] + rest
        best[i] = cand
    return best[0]


def _skips(text: str) -> list[int]:
    """``skip[j]``: the first index >= j whose character is not dropped (``len(text)`` if none)."""
    n = len(text)
    skip = [n] * (n + 1)
    for j in range(n - 1, -1, -1):
        skip[j] = skip[j + 1] if _DROP_CH.match(text[j]) else j
    return skip


def _label_ends(text: str, i: int, vocab: tuple[str, ...], enum_len: int, skip: list[int] | None = None):
    """End offsets of the vocabulary labels that start at ``i`` (dropped characters ignored)."""
    out = set()
    starts = {i}
    if enum_len:
        from .schema import _ENUM

        m = _ENUM.match(text, i)
        if m:
            starts.add(m.end())
    if skip is None:
        skip = _skips(text)
    n = len(text)
    by_first = _BY_FIRST if vocab is _VOCAB else _by_first(vocab)
    for st in starts:
        if "" in by_first:
            out.add(st)  # an empty label matches anywhere
        j0 = skip[st] if st <= n else n
        if j0 >= n:
            continue
        for v in by_first.get(text[j0], ()):  # only labels whose first character is there
            j = j0 + 1
            ok = True
            for ch in v[1:]:
                j = skip[j]
                if j >= n or text[j] != ch:
                    ok = False
                    break
                j += 1
            if ok:
                out.add(j)
    return sorted(out, reverse=True)


def _by_first(vocab: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for v in vocab:
        groups.setdefault(v[:1], []).append(v)
    return {k: tuple(g) for k, g in groups.items()}


_VOCAB: tuple[str, ...] = ()
_BY_FIRST: dict[str, tuple[str, ...]] = {}


def _load_vocab() -> tuple[str, ...]:
    global _VOCAB, _BY_FIRST
    _VOCAB = _vocabulary()
    _BY_FIRST = _by_first(_VOCAB)
    return _VOCAB


def _anchor(tokens: list[Token], sep: bool) -> int | None:
    """The section whose table a line opens (heading or first header label), else None."""
    if not tokens:
        return None
    first = next((t for t in tokens if t.text), None)
    if first is None:
        return None
    # the answer depends on the first cell's text and ``sep`` only, and report lines recur
    key = (first.text, sep)
    hit = _ANCHORS.get(key, _NO)
    if hit is _NO:
        if len(_ANCHORS) >= 8192:
            _ANCHORS.clear()
        hit = _ANCHORS[key] = _anchor_of(first, sep)
    return hit


_ANCHORS: dict[tuple[str, bool], int | None] = {}
_NO = object()


def _anchor_of(first: Token, sep: bool) -> int | None:
    for sec in schema.sections():
        if sec.is_heading(first.text):
            return sec.number
    s2, s3, s4 = schema.sections()
    if s2.item_of(first.text) is not None:
        return 2
    m2 = s2.match(first.text)
    if m2 and m2[0].entry.kind == "header" and m2[0].score >= 3.0:
        return 2  # 信息内容 opens a sub-table whose caption was lost
    for sec in (s3, s4):
        ms = sec.match(first.text)
        if not ms:
            continue
        m = ms[0]
        exact = m.score >= 3.0 or (sep and m.score >= 2.0)
        if not exact:
            continue
        if sec.number == 3 and (m.entry.kind == "header" or m.entry.key == "new_received"):
            return 3
        if sec.number == 4 and m.entry.kind == "row" and m.entry.key == "review":
            # 行政复议 opens section 4 only as a header cell, next to 行政诉讼 or alone on its line
            if sep or len(schema.core(first.text)) <= 4:
                return 4
    return None


def _is_row_label(text: str) -> bool:
    ms = schema.section(3).match(text)
    return bool(ms) and ms[0].entry.kind == "row" and ms[0].score >= 3.0


def segments(text: str, view: TextView | None = None) -> list[Segment]:
    """Per-section token segments of the text tables in ``text`` (original text)."""
    view = view or TextView.from_text(text)
    vt = view.text
    out: list[Segment] = []
    cur: Segment | None = None
    pos = 0
    line_no = 0
    # where the openers occur, by one scan of the text (an opener never spans a line break)
    hits = [m.start() for m in _OPENERS_RX.finditer(vt)]
    k = 0
    for raw_line in vt.split("\n"):
        start = pos
        pos += len(raw_line) + 1
        line_no += 1
        while k < len(hits) and hits[k] < start:
            k += 1
        if not raw_line.strip():
            continue
        if cur is None and not (k < len(hits) and hits[k] < start + len(raw_line)
                                and _cheap_candidate(raw_line, opener=True)):
            continue
        glue = cur is not None or raw_line.lstrip().startswith("信息内容")
        tokens, sep = line_tokens(view, start, raw_line, line_no, glue=glue)
        anchor = _anchor(tokens, sep)
        if anchor is not None:
            first = next(t for t in tokens if t.text)
            if schema.section(anchor).is_heading(first.text):
                tokens = [t for t in tokens if t is not first]
            if cur is None or cur.section != anchor:
                cur = Segment(anchor)
                out.append(cur)
            cur.lines.append(tokens)
            continue
        if cur is None:
            continue
        single = tokens[0].text if len(tokens) == 1 else None
        if single is not None and not sep:
            if len(single) > MAX_CELL or ("。" in single and len(single) > 20):
                cur = None  # prose ends the table
                continue
            if _TOP_HEADING.match(single) and not _is_row_label(single):
                cur = None  # the next part of the report
                continue
        if len(cur.lines) >= MAX_LINES:
            cur = None
            continue
        cur.lines.append(tokens)
    return [s for s in out if any(t.text for t in s.tokens)]


def _cheap_candidate(line: str, opener: bool | None = None) -> bool:
    """Fast pre-filter: could this line open a table? (``opener``: already known to hold one)"""
    if len(line) > 200 and "|" not in line and "\t" not in line:
        return False
    return opener if opener is not None else any(k in line for k in _OPENERS)


_OPENERS = ("主动公开", "申请情况", "行政复议", "第二十条", "勾稽", "申请人情况", "本年新收", "信息内容",
            "主動公開", "申請情況", "行政複議", "勾稽", "申請人情況")
_OPENERS_RX = re.compile("|".join(re.escape(k) for k in sorted(set(_OPENERS), key=len, reverse=True)))
