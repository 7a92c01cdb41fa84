"""Sentences and clauses of government prose, with the section heading each sentence sits under.

``segment(text)`` splits a text (or a ``TextView``) into ``Sentence`` objects:

* a line break ends a sentence, except a hard-wrapped line (a long line that stops
  mid-sentence and is continued by a line that is no heading, enumerator or short
  fragment);
* ``。 ； ！ ？`` end a sentence (closing quotes/brackets after them stay with it);
* ``， ：`` split a sentence into clauses (``、`` does not: it joins list items);
* a leading enumerator (``一、`` ``(一)`` ``1.`` ``(1)`` ``①`` ``一是`` ``第一,``) is cut off and
  kept in ``Sentence.enumerator``;
* a line that is a heading (an enumerated short line, or a short line without sentence
  punctuation that names a section) has kind ``"heading"``; the short first sentence of
  an enumerated line followed by more text (``(三)加强政策解读。要……``) is a run-in
  heading, kind ``"heading"`` too; both open a section: every later sentence knows the
  chain of headings above it (``sections``, outermost first) and the innermost (``section``);
* table rows (ANNOTATION.md, Tables) have kind ``"table"``; short fragments without
  sentence punctuation (dates, signatures, salutations, page chrome) kind ``"line"``.

All offsets (``start``/``end``) index the ORIGINAL text; ``vstart``/``vend`` index the
normalised view (``govie.text.TextView``) that the rules read.  Spans exclude the
enumerator, surrounding white space and the trailing punctuation.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from .rules.table_lines import is_table_line
from .text import TextView

# ----------------------------------------------------------------------------- patterns
_CN = "一二三四五六七八九十百零〇两"
#: (regex, heading level, is a heading enumerator) -- tried in order at the start of a block
_ENUMERATORS: tuple[tuple[re.Pattern, int, bool], ...] = (
    (re.compile(rf"第[{_CN}\d]+(?:部分|章|节)[、,.:]?\s*"), 1, True),
    (re.compile(rf"[{_CN}]+[、.](?![{_CN}\d])\s*"), 2, True),
    (re.compile(rf"\(\s*[{_CN}]+\s*\)[、.]?\s*"), 3, True),
    (re.compile(r"\d{1,2}(?:[、]|\.(?!\d))\s*"), 4, True),
    (re.compile(r"\(\s*\d{1,2}\s*\)[、.]?\s*"), 5, True),
    (re.compile(r"\d{1,2}\)\s*"), 5, True),
    (re.compile(r"[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]\s*"), 6, True),
    (re.compile(rf"第[{_CN}]{{1,3}}条\s*"), 7, False),
    (re.compile(rf"[{_CN}]{{1,3}}(?:是|要|要是)(?=[^\s,.:;。])"), 8, False),
    (re.compile(rf"第[{_CN}]{{1,3}}(?:[,、:]|\s)\s*"), 8, False),
    (re.compile(r"(?:首先|其次|再次|最后)[,:]\s*"), 8, False),
)
#: sentence terminators in the view (full-width ！？；， are folded to ASCII by TextView)
_TERMINATORS = "。;!?；！？"
_CLOSERS = "”’」』)）】》\"'"
_CLAUSE_SEPARATORS = ",:，："
_TRAIL = set(" \t\r\n\u3000。;!?,:、；！？，：…—-.")
_LEAD = set(" \t\r\n\u3000,:;、，：；")
#: a short unenumerated line is a heading when it names a section
_HEADING_WORDS = re.compile(
    r"(?:情况|措施|问题|要点|报告|方案|计划|目标|要求|思想|原则|任务|安排|打算|事项|工作|建设|机制|保障|"
    r"概述|总则|附则|附件|说明|总体|公开|解读|回应|管理|附表|统计|改进|下一步|下步|举措|做法|成效|体会)$")
_TITLE_END = re.compile(r"(?:通知|要点|报告|方案|意见|办法|规定|细则|决定|年报)$")
_SENTENCE_PUNCT = re.compile(r"[。;!?,；！？，]")
_LEAD_CHARS = "".join(sorted(_LEAD))
_TRAIL_CHARS = "".join(sorted(_TRAIL))
#: characters an enumerator can start with (a cheap pre-check before the patterns above;
#: ``\d`` also matches other decimal digits, hence ``str.isdecimal`` next to this set)
_ENUM_FIRST = frozenset(_CN + "第(①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳首其再最")
#: the first characters each pattern of _ENUMERATORS can start with ("digit": str.isdecimal,
#: as ``\d``); tests/test_perf.py checks this against the patterns themselves
_ENUM_STARTS = ("第", _CN, "(", "digit", "(", "digit", "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳", "第", _CN, "第", "首其再最")
#: the patterns that can match at a character, in _ENUMERATORS order
_ENUM_BY_FIRST = {ch: tuple(p for p, st in zip(_ENUMERATORS, _ENUM_STARTS) if st != "digit" and ch in st)
                  for ch in _ENUM_FIRST}
_ENUM_DIGIT = tuple(p for p, st in zip(_ENUMERATORS, _ENUM_STARTS) if st == "digit")
#: what ``_split_sentences`` and ``_clauses`` look at (everything else is skipped in C)
_SENTENCE_STOPS = re.compile("[《》" + re.escape(_TERMINATORS) + "]")
_AFTER_TERMINATOR = re.compile("[" + re.escape(_CLOSERS + _TERMINATORS) + "]*")
_CLAUSE_STOPS = re.compile("[" + re.escape("《(“》)”" + _CLAUSE_SEPARATORS) + "]")
_CLAUSE_BRACKETS = re.compile("[" + re.escape("《(“》)”") + "]")
_CLAUSE_SEPS = re.compile("[" + re.escape(_CLAUSE_SEPARATORS) + "]")
_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_NEWLINE = re.compile("\n")
_CELL_BAR = re.compile(r"[|\t｜]")
_HEADING_PUNCT = re.compile(r"[。;!?]")
_DATE_LIKE = re.compile(r"\d{4}[-年/.]\d{1,2}")
_RUNIN_PUNCT = re.compile(r"[;!?]")
_DIGIT = re.compile(r"\d")
_COMMA_COLON_DIGIT = re.compile(r"[,:\d]")


# ----------------------------------------------------------------------------- result types
@dataclass(frozen=True, slots=True)
class Clause:
    """A part of a sentence between ``，`` / ``：`` separators."""

    start: int
    end: int
    text: str
    vstart: int
    vend: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence (or heading, table row, fragment line) with its clauses and section."""

    start: int
    end: int
    text: str
    vstart: int
    vend: int
    kind: str  # "sentence" | "heading" | "table" | "line"
    clauses: tuple[Clause, ...] = ()
    enumerator: str | None = None
    level: int | None = None  # heading level (0 = unenumerated title line, 1 = 第X部分, 2 = 一、 ...)
    sections: tuple[str, ...] = ()
    line: int = 0
    terminator: str = ""
    in_table: bool = False  # a cell of a ``|`` table row (plans are often laid out as tables)

    @property
    def section(self) -> str | None:
        """The innermost heading above this sentence (None before the first heading)."""
        return self.sections[-1] if self.sections else None

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


# ----------------------------------------------------------------------------- helpers
def enumerator_at(text: str, pos: int = 0) -> tuple[int, int, bool] | None:
    """``(length, level, heading_type)`` of an enumerator starting at ``pos`` of ``text``."""
    if pos >= len(text):
        return None
    first = text[pos]
    candidates = _ENUM_BY_FIRST.get(first)
    if candidates is None:
        if not first.isdecimal():
            return None  # no pattern can match here
        candidates = _ENUM_DIGIT
    for rx, level, heading in candidates:
        m = rx.match(text, pos)
        if m and m.end() < len(text):
            nxt = text[m.end()]
            if nxt in "。;,:":
                continue
            return m.end() - pos, level, heading
    return None


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    if s >= e or (text[s] not in _LEAD and text[e - 1] not in _TRAIL):
        return s, e
    piece = text[s:e]
    rest = piece.lstrip(_LEAD_CHARS)
    s += len(piece) - len(rest)
    return s, s + len(rest.rstrip(_TRAIL_CHARS))


def _lines(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for m in _LINE_BREAK.finditer(text):
        yield pos, m.start()
        pos = m.end()
    yield pos, len(text)


def _is_heading_line(line: str) -> bool:
    """A line that stands alone as a heading or title (no sentence punctuation inside)."""
    s = line.strip()
    if not s or len(s) > 60:
        return False
    enum = enumerator_at(s)
    body = s[enum[0]:] if enum else s
    body = body.rstrip("。:;")
    if not body:
        return False
    if enum and enum[2]:
        if s.endswith("。") and "," in body and len(body) > 8:
            return False  # 1.加强培训,提高素质。 is a directive sentence, not a heading
        return len(body) <= 40 and not _HEADING_PUNCT.search(body)
    if s[-1] in "。;!?":
        return False  # a one-sentence line (各部门要……。) is prose
    if _SENTENCE_PUNCT.search(body):
        return False
    return len(body) <= 40 or (len(body) <= 80 and bool(_TITLE_END.search(body)))


def _continues(prev: str, nxt: str, table_line=is_table_line, heading_line=None) -> bool:
    """True when ``nxt`` continues the hard-wrapped line ``prev`` (same sentence)."""
    p, n = prev.rstrip(), nxt.strip()
    if not p or not n or len(p) < 20:
        return False
    if p[-1] in _TERMINATORS or p[-1] in ":：" or p[-1] in _CLOSERS and len(p) > 1 and p[-2] in _TERMINATORS:
        return False
    if table_line(prev) or table_line(nxt):
        return False
    if (heading_line or _is_heading_line)(prev) or enumerator_at(n) is not None:
        return False
    if not _SENTENCE_PUNCT.search(p):  # a long line without punctuation is a title
        return False
    # the continuation must itself read as prose: punctuation before it ends
    return bool(_SENTENCE_PUNCT.search(n)) and len(n) >= 6


def _memo(fn) -> callable:
    """``fn`` (a pure test of one line) with a memo for one segmentation: it asks about a line
    up to four times, and table cells (``0``, ``规章``) recur on every row."""
    memo: dict[str, bool] = {}

    def cached(line: str) -> bool:
        hit = memo.get(line)
        if hit is None:
            hit = memo[line] = fn(line)
        return hit

    return cached


def _table_line_memo() -> callable:
    """``is_table_line`` with a memo (see ``_memo``)."""
    return _memo(is_table_line)


def _blocks(text: str, table_line=is_table_line, heading_line=None) -> Iterator[tuple[int, int, int]]:
    """``(start, end, line number)`` of each logical line, hard wraps joined."""
    lines = list(_lines(text))
    i = 0
    while i < len(lines):
        s, e = lines[i]
        first = i
        while i + 1 < len(lines) and _continues(text[lines[i][0]:lines[i][1]], text[lines[i + 1][0]:lines[i + 1][1]],
                                                table_line, heading_line):
            i += 1
            e = lines[i][1]
        yield s, e, first
        i += 1


def _split_sentences(text: str, s: int, e: int) -> Iterator[tuple[int, int, str]]:
    """Raw ``(start, end, terminator)`` pieces of ``text[s:e]`` at sentence terminators."""
    start = s
    skip = s  # stop characters before this were taken in by the previous terminator
    depth = 0  # inside 《》 a terminator does not end the sentence
    for m in _SENTENCE_STOPS.finditer(text, s, e):
        i = m.start()
        if i < skip:
            continue
        ch = text[i]
        if ch == "《":
            depth += 1
        elif ch == "》":
            if depth:
                depth -= 1
        elif depth == 0:
            j = _AFTER_TERMINATOR.match(text, i + 1, e).end()
            yield start, j, ch
            start = skip = j
    if start < e:
        yield start, e, ""


def _clauses(view: TextView, s: int, e: int) -> tuple[Clause, ...]:
    text = view.text
    original = view.original
    identity = not view.starts
    if identity and _CLAUSE_BRACKETS.search(text, s, e) is None:
        # no brackets: every separator cuts (separators are one character each)
        out = []
        pos = s
        for part in _CLAUSE_SEPS.split(text[s:e]):
            a = pos
            b = pos + len(part)
            pos = b + 1
            if a < b and (text[a] in _LEAD or text[b - 1] in _TRAIL):
                a, b = _strip(text, a, b)
            if a < b:
                out.append(Clause(a, b, original[a:b], a, b))
        return tuple(out)
    if _CLAUSE_BRACKETS.search(text, s, e) is None:
        pieces = []
        pos = s
        for part in _CLAUSE_SEPS.split(text[s:e]):
            pieces.append((pos, pos + len(part)))
            pos += len(part) + 1
    else:
        pieces = []
        cs = s
        depth = 0
        for m in _CLAUSE_STOPS.finditer(text, s, e):
            ch = m.group()
            if ch in "《(“":
                depth += 1
            elif ch in "》)”":
                if depth:
                    depth -= 1
            elif depth == 0:
                pieces.append((cs, m.start()))
                cs = m.start() + 1
        pieces.append((cs, e))
    out = []
    for a, b in pieces:
        if a < b and (text[a] in _LEAD or text[b - 1] in _TRAIL):
            a, b = _strip(text, a, b)
        if a < b:
            if identity:
                out.append(Clause(a, b, original[a:b], a, b))
            else:
                os_, oe = view.to_original(a, b)
                out.append(Clause(os_, oe, original[os_:oe], a, b))
    return tuple(out)


# ----------------------------------------------------------------------------- table lines
class TableLines:
    """Which ``\\n``-separated lines of a text are table rows (``is_table_line``), asked per
    position: a bisect over the line breaks and one ``is_table_line`` per line asked about
    (the merge step and the SUBJECT finder ask only about lines with a COUNT on them)."""

    __slots__ = ("flags", "newlines", "text")

    def __init__(self, text: str):
        self.text = text
        self.newlines = [m.start() for m in _NEWLINE.finditer(text)]
        self.flags: dict[int, bool] = {}

    def bounds(self, k: int) -> tuple[int, int]:
        """``(start, end)`` of line ``k`` (end excludes the line break)."""
        nl = self.newlines
        return (nl[k - 1] + 1 if k > 0 else 0), (nl[k] if k < len(nl) else len(self.text))

    def line_of(self, pos: int) -> int:
        return bisect_left(self.newlines, pos)  # the line breaks before pos

    def is_table(self, k: int) -> bool:
        hit = self.flags.get(k)
        if hit is None:
            a, b = self.bounds(k)
            hit = self.flags[k] = is_table_line(self.text[a:b])
        return hit

    def at(self, pos: int) -> bool:
        """Is the line holding ``pos`` a table row?"""
        return self.is_table(self.line_of(pos))

    def overlaps(self, s: int, e: int) -> bool:
        """Does ``[s, e)`` overlap a table row (as the spans of ``table_line_spans`` would)?"""
        for k in range(self.line_of(s), self.line_of(max(s, e - 1)) + 1):
            a, b = self.bounds(k)
            if a < e and s < b and self.is_table(k):
                return True
        return False


@lru_cache(maxsize=4)
def table_lines(text: str) -> TableLines:
    """The (lazily filled) TableLines of ``text``, shared by the layers that read one text."""
    return TableLines(text)


# ----------------------------------------------------------------------------- segmenter
def segment(source: str | TextView) -> tuple[Sentence, ...]:
    """Sentences of ``source`` (a text or a TextView) in text order; see the module doc."""
    view = source if isinstance(source, TextView) else TextView.from_text(source)
    return _segment_view(view)


@lru_cache(maxsize=8)
def segment_text(text: str) -> tuple[Sentence, ...]:
    """``segment(text)``, cached for repeated calls on one text (the relation finders)."""
    return _segment_view(TextView.from_text(text))


def _units(text: str, table_line=is_table_line, heading_line=None) -> Iterator[tuple[int, int, int, bool]]:
    """``(start, end, line number, in_table)``: logical lines, and the cells of ``|``/tab table rows."""
    for bs, be, line_no in _blocks(text, table_line, heading_line):
        raw = text[bs:be]
        if not raw.strip():
            continue
        if ("|" in raw or "\t" in raw) and table_line(raw):
            pos = bs
            for m in _CELL_BAR.finditer(raw + "|"):
                cell_end = bs + m.start()
                if cell_end > pos and text[pos:cell_end].strip():
                    yield pos, cell_end, line_no, True
                pos = bs + m.end()
            continue
        yield bs, be, line_no, False


def _segment_view(view: TextView) -> tuple[Sentence, ...]:
    text = view.text
    out: list[Sentence] = []
    stack: list[tuple[int, str]] = []  # (level, heading text)
    cell = [False]
    titles: list[tuple[str, ...]] = [()]  # the heading titles of ``stack``, rebuilt when it changes

    def make(a: int, b: int, kind: str, enum: str | None, level: int | None, line: int, term: str) -> Sentence:
        os_, oe = view.to_original(a, b)
        return Sentence(os_, oe, view.original[os_:oe], a, b, kind,
                        _clauses(view, a, b) if kind != "table" else (),
                        enum, level, titles[0], line, term, cell[0])

    def close_to(level: int) -> None:
        popped = False
        while stack and stack[-1][0] >= level:
            stack.pop()
            popped = True
        if popped:
            titles[0] = tuple(h for _, h in stack)

    def open_section(level: int, title: str) -> None:
        close_to(level)
        stack.append((level, title))
        titles[0] = tuple(h for _, h in stack)

    table_line = _table_line_memo()
    heading = _memo(_is_heading_line)
    for bs, be, line_no, in_table in _units(text, table_line, heading):
        cell[0] = in_table
        raw_line = text[bs:be]
        if not in_table and table_line(raw_line):
            a, b = _strip(text, bs, be)
            if a < b:
                out.append(make(a, b, "table", None, None, line_no, ""))
            continue
        heading_line = heading(raw_line) and "\n" not in raw_line.strip()
        first = True
        after_heading = bool(out) and out[-1].kind == "heading"
        pieces = list(_split_sentences(text, bs, be))
        stripped = [_strip(text, ps, pe) for ps, pe, _ in pieces]
        # later[k]: a non-empty piece follows piece k on this line
        later = [False] * len(pieces)
        for k in range(len(pieces) - 2, -1, -1):
            x, y = stripped[k + 1]
            later[k] = later[k + 1] or x < y
        for k, (ps, pe, term) in enumerate(pieces):
            a, b = stripped[k]
            if a >= b:
                continue
            enum_text = None
            level = None
            heading_enum = False
            en = enumerator_at(text, a)
            if en is not None:
                length, level, heading_enum = en
                enum_text = text[a:a + length].strip()
                a2, b2 = _strip(text, a + length, b)
                if a2 < b2:
                    a, b = a2, b2
                else:
                    enum_text, level, heading_enum = None, None, False
            body = text[a:b]
            more = later[k]
            if first and heading_line and not more:
                if heading_enum:
                    close_to(level)
                    out.append(make(a, b, "heading", enum_text, level, line_no, term))
                    open_section(level, body)
                elif _HEADING_WORDS.search(body) and not _DATE_LIKE.search(body):
                    out.append(make(a, b, "heading", None, 0, line_no, term))
                    # an unenumerated title opens a top section only before enumerated headings
                    if not any(lv > 0 for lv, _ in stack):
                        stack.clear()
                        stack.append((0, body))
                        titles[0] = (body,)
                    else:
                        open_section(1, body)
                else:
                    out.append(make(a, b, "line", enum_text, None, line_no, term))
            elif (first and heading_enum and more and term == "。" and len(body) <= 30
                  and not _RUNIN_PUNCT.search(body) and (level <= 3 or "," not in body)):
                # (1.加强培训,提高素质。…… with a comma is a directive sentence, not a heading)
                # run-in heading: (一)加强政策解读。要……
                close_to(level)
                out.append(make(a, b, "heading", enum_text, level, line_no, term))
                open_section(level, body)
            elif (enum_text and not heading_enum and more and term == "。" and len(body) <= 22
                  and body.count(",") <= 1 and ":" not in body and not _DIGIT.search(body)):
                # 一是加强政策解读。…… : a short enumerated topic phrase is a run-in heading too
                out.append(make(a, b, "heading", enum_text, None, line_no, term))
            elif (first and after_heading and not enum_text and more and term == "。" and len(body) <= 12
                  and not _COMMA_COLON_DIGIT.search(body)):
                # (二)推进政务新媒体健康有序发展⏎理顺管理机制。建立…… : a topic phrase under a heading
                out.append(make(a, b, "heading", None, None, line_no, term))
            elif not _SENTENCE_PUNCT.search(body) and term in ("", "\n") and len(pieces) == 1 and len(body) <= 25:
                out.append(make(a, b, "line", enum_text, level, line_no, term))
            else:
                out.append(make(a, b, "sentence", enum_text, level if heading_enum else None, line_no, term))
            first = False
    return tuple(out)


def sentence_at(sentences: tuple[Sentence, ...], start: int, end: int | None = None) -> Sentence | None:
    """The sentence whose span contains original offsets ``[start, end)`` (or ``start``)."""
    end = start + 1 if end is None else end
    for s in sentences:
        if s.start <= start and end <= s.end:
            return s
        if s.start > start:
            break
    return None


def headings(source: str | TextView) -> tuple[Sentence, ...]:
    """The heading sentences of ``source``."""
    return tuple(s for s in segment(source) if s.kind == "heading")
