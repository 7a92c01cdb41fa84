"""Which lines are statistical-table rows (ANNOTATION.md, Tables): no COUNT/SUBJECT there."""

from __future__ import annotations

import re

_SPACE_RUN = re.compile(r"\S(?: {2,}|\u3000{1,})(?=\S)")
_NUMBER_ONLY = re.compile(r"\s*[-+]?\d+(?:[.,]\d+)*\s*(?:%\s*)?")  # not \s*%?\s*: quadratic backtracking


def is_table_line(line: str) -> bool:
    """True for a table row: 2+ ``|`` or tabs, a ``|`` with <= 20 other characters,
    two or more runs of 2+ spaces between cells, or nothing but a number."""
    bars = line.count("|")
    tabs = line.count("\t")
    if bars + tabs >= 2:
        return True
    if bars == 1 and len(line.strip()) - 1 <= 20:
        return True
    if len(_SPACE_RUN.findall(line)) >= 2:
        return True
    return bool(line.strip()) and bool(_NUMBER_ONLY.fullmatch(line))


def table_line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every table-row line in ``text``."""
    spans = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if is_table_line(line):
            spans.append((pos, end))
        pos = end + 1
    return spans
