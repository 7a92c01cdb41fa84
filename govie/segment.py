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
    for rx, level, heading in _ENUMERATORS:
        m = rx.match(text, pos)
        if m and m.end() < len(text):
            nxt = text[m.end()]
            if nxt in "。;,:":
                continue
            return m.end() - pos, level, heading
    return None


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in _LEAD:
        s += 1
    while e > s and text[e - 1] in _TRAIL:
        e -= 1
    return s, e


def _lines(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for m in re.finditer(r"\r\n|\n|\r", text):
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
        return len(body) <= 40 and not re.search(r"[。;!?]", body)
    if s[-1] in "。;!?":
        return False  # a one-sentence line (各部门要……。) is prose
    if _SENTENCE_PUNCT.search(body):
        return False
    return len(body) <= 40 or (len(body) <= 80 and bool(_TITLE_END.search(body)))


def _continues(prev: str, nxt: str) -> bool:
    """True when ``nxt`` continues the hard-wrapped line ``prev`` (same sentence)."""
    p, n = prev.rstrip(), nxt.strip()
    if not p or not n or len(p) < 20:
        return False
    if p[-1] in _TERMINATORS or p[-1] in ":：" or p[-1] in _CLOSERS and len(p) > 1 and p[-2] in _TERMINATORS:
        return False
    if is_table_line(prev) or is_table_line(nxt):
        return False
    if _is_heading_line(prev) or enumerator_at(n) is not None:
        return False
    if not _SENTENCE_PUNCT.search(p):  # a long line without punctuation is a title
        return False
    # the continuation must itself read as prose: punctuation before it ends
    return bool(_SENTENCE_PUNCT.search(n)) and len(n) >= 6


def _blocks(text: str) -> Iterator[tuple[int, int, int]]:
    """``(start, end, line number)`` of each logical line, hard wraps joined."""
    lines = list(_lines(text))
    i = 0
    while i < len(lines):
        s, e = lines[i]
        first = i
        while i + 1 < len(lines) and _continues(text[lines[i][0]:lines[i][1]], text[lines[i + 1][0]:lines[i + 1][1]]):
            i += 1
            e = lines[i][1]
        yield s, e, first
        i += 1


def _split_sentences(text: str, s: int, e: int) -> Iterator[tuple[int, int, str]]:
    """Raw ``(start, end, terminator)`` pieces of ``text[s:e]`` at sentence terminators."""
    start = s
    i = s
    depth = 0  # inside 《》 a terminator does not end the sentence
    while i < e:
        ch = text[i]
        if ch == "《":
            depth += 1
        elif ch == "》":
            depth = max(0, depth - 1)
        elif ch in _TERMINATORS and depth == 0:
            j = i + 1
            while j < e and (text[j] in _CLOSERS or text[j] in _TERMINATORS):
                j += 1
            yield start, j, ch
            start = i = j
            continue
        i += 1
    if start < e:
        yield start, e, ""


def _clauses(view: TextView, s: int, e: int) -> tuple[Clause, ...]:
    text = view.text
    out = []
    cs = s
    depth = 0
    for i in range(s, e + 1):
        ch = text[i] if i < e else ","
        if ch in "《(“":
            depth += 1
        elif ch in "》)”" and depth:
            depth -= 1
        if (ch in _CLAUSE_SEPARATORS and depth == 0) or i == e:
            a, b = _strip(text, cs, i)
            if a < b:
                os_, oe = view.to_original(a, b)
                out.append(Clause(os_, oe, view.original[os_:oe], a, b))
            cs = i + 1
    return tuple(out)


# ----------------------------------------------------------------------------- segmenter
def segment(source: str | TextView) -> tuple[Sentence, ...]:
    """Sentences of ``source`` (a text or a TextView) in text order; see the module doc."""
    view = source if isinstance(source, TextView) else TextView.from_text(source)
    return _segment_view(view)


@lru_cache(maxsize=8)
def segment_text(text: str) -> tuple[Sentence, ...]:
    """``segment(text)``, cached for repeated calls on one text (the relation finders)."""
    return _segment_view(TextView.from_text(text))


def _units(text: str) -> Iterator[tuple[int, int, int, bool]]:
    """``(start, end, line number, in_table)``: logical lines, and the cells of ``|``/tab table rows."""
    for bs, be, line_no in _blocks(text):
        raw = text[bs:be]
        if not raw.strip():
            continue
        if is_table_line(raw) and ("|" in raw or "\t" in raw):
            pos = bs
            for m in re.finditer(r"[|\t｜]", raw + "|"):
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

    def make(a: int, b: int, kind: str, enum: str | None, level: int | None, line: int, term: str) -> Sentence:
        os_, oe = view.to_original(a, b)
        return Sentence(os_, oe, view.original[os_:oe], a, b, kind,
                        _clauses(view, a, b) if kind != "table" else (),
                        enum, level, tuple(h for _, h in stack), line, term, cell[0])

    def close_to(level: int) -> None:
        while stack and stack[-1][0] >= level:
            stack.pop()

    def open_section(level: int, title: str) -> None:
        close_to(level)
        stack.append((level, title))

    for bs, be, line_no, in_table in _units(text):
        cell[0] = in_table
        raw_line = text[bs:be]
        if not in_table and is_table_line(raw_line):
            a, b = _strip(text, bs, be)
            if a < b:
                out.append(make(a, b, "table", None, None, line_no, ""))
            continue
        heading_line = _is_heading_line(raw_line) and "\n" not in raw_line.strip()
        first = True
        after_heading = bool(out) and out[-1].kind == "heading"
        pieces = list(_split_sentences(text, bs, be))
        for k, (ps, pe, term) in enumerate(pieces):
            a, b = _strip(text, ps, pe)
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
            more = any(_strip(text, x, y)[0] < _strip(text, x, y)[1] for x, y, _ in pieces[k + 1:])
            if first and heading_line and not more:
                if heading_enum:
                    close_to(level)
                    out.append(make(a, b, "heading", enum_text, level, line_no, term))
                    open_section(level, body)
                elif _HEADING_WORDS.search(body) and not re.search(r"\d{4}[-年/.]\d{1,2}", body):
                    out.append(make(a, b, "heading", None, 0, line_no, term))
                    # an unenumerated title opens a top section only before enumerated headings
                    if not any(lv > 0 for lv, _ in stack):
                        stack.clear()
                        stack.append((0, body))
                    else:
                        open_section(1, body)
                else:
                    out.append(make(a, b, "line", enum_text, None, line_no, term))
            elif (first and heading_enum and more and term == "。" and len(body) <= 30
                  and not re.search(r"[;!?]", body) and (level <= 3 or "," not in body)):
                # (1.加强培训,提高素质。…… with a comma is a directive sentence, not a heading)
                # run-in heading: (一)加强政策解读。要……
                close_to(level)
                out.append(make(a, b, "heading", enum_text, level, line_no, term))
                open_section(level, body)
            elif (enum_text and not heading_enum and more and term == "。" and len(body) <= 22
                  and body.count(",") <= 1 and ":" not in body and not re.search(r"\d", body)):
                # 一是加强政策解读。…… : a short enumerated topic phrase is a run-in heading too
                out.append(make(a, b, "heading", enum_text, None, line_no, term))
            elif (first and after_heading and not enum_text and more and term == "。" and len(body) <= 12
                  and not re.search(r"[,:\d]", body)):
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
