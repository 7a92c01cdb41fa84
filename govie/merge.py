"""Reconcile candidate spans: cross-label policy, table rows, no same-label overlap."""

from __future__ import annotations

from bisect import bisect_right

from .rules.base import Candidate, drop_overlaps
from .segment import table_lines

#: a span of the first label inside/overlapping one of the second label is dropped
DOMINATES: tuple[tuple[str, str], ...] = (
    ("DATE", "DOC_NO"), ("DATE", "TITLE"), ("COUNT", "DOC_NO"), ("COUNT", "TITLE"),
    ("COUNT", "DATE"), ("SUBJECT", "TITLE"), ("SUBJECT", "DOC_NO"),
)
TABLE_FREE = ("COUNT", "SUBJECT")


class _Spans:
    def __init__(self, spans):
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]

    def overlaps(self, s: int, e: int) -> bool:
        i = bisect_right(self.starts, e - 1)
        # spans are non-overlapping within a label, so only the nearest few can overlap
        for j in range(max(0, i - 2), i):
            a, b = self.spans[j]
            if a < e and s < b:
                return True
        return False


def resolve(cands: list[Candidate], text: str) -> list[Candidate]:
    """One span set: same-label overlaps removed, dominated and table-row spans dropped."""
    by_label: dict[str, list[Candidate]] = {}
    for c in cands:
        by_label.setdefault(c.label, []).append(c)
    for label in by_label:
        by_label[label] = drop_overlaps(by_label[label])
    index = {label: _Spans([(c.start, c.end) for c in cs]) for label, cs in by_label.items()}
    tables = None
    out: list[Candidate] = []
    for label, cs in by_label.items():
        # the labels that dominate this one and have spans here (in DOMINATES order)
        strong = [index[s] for w, s in DOMINATES if w == label and s in index]
        for c in cs:
            if strong and any(sp.overlaps(c.start, c.end) for sp in strong):
                continue
            if label in TABLE_FREE:
                if tables is None:
                    tables = table_lines(text)  # lines looked at only where a span is
                if tables.overlaps(c.start, c.end):
                    continue
            out.append(c)
    return sorted(out, key=lambda c: (c.start, -c.end))
