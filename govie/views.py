"""Task-shaped views of a Document: its commitments, and its counts as flat fact rows.

``commitments(doc)`` gives one immutable ``Commitment`` per COMMITMENT entity, with the
normalised value of its ``deadline`` DATE and of its ``target`` COUNTs;
``facts(doc)`` gives one plain dict per prose COUNT (table rows excluded, as in
ANNOTATION.md Tables) with the SUBJECT it counts and the DATE that scopes it, ready for
``pandas.DataFrame(doc.facts())``.  Both are reached as ``doc.commitments`` and
``doc.facts()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .rules.table_lines import table_line_spans
from .types import CountValue, DateValue, Document, Entity

#: the keys of a fact row, in order
FACT_KEYS: tuple[str, ...] = ("subject", "value", "unit", "approx", "count_text", "date_scope", "start", "end")


@dataclass(frozen=True, slots=True)
class Commitment:
    """A planned or required action: its span, its deadline and its quantitative targets."""

    text: str
    start: int
    end: int
    deadline: DateValue | None = None
    targets: tuple[CountValue, ...] = ()
    entity_id: str = ""
    deadline_text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end,
                "deadline": self.deadline.to_dict() if self.deadline is not None else None,
                "deadline_text": self.deadline_text,
                "targets": [t.to_dict() for t in self.targets], "entity_id": self.entity_id}


def commitments(doc: Document) -> tuple[Commitment, ...]:
    """The COMMITMENT entities of ``doc`` with their deadline and targets, in text order."""
    ents = {e.id: e for e in doc.entities}
    deadline: dict[str, Entity] = {}
    targets: dict[str, list[Entity]] = {}
    for r in doc.relations:
        tail = ents.get(r.tail)
        if tail is None:
            continue
        if r.label == "deadline" and r.head not in deadline:
            deadline[r.head] = tail
        elif r.label == "target":
            targets.setdefault(r.head, []).append(tail)
    out = []
    for e in doc.by_label("COMMITMENT"):
        d = deadline.get(e.id)
        ts = sorted(targets.get(e.id, ()), key=lambda t: t.start)
        out.append(Commitment(
            text=e.text, start=e.start, end=e.end,
            deadline=d.value if d is not None and isinstance(d.value, DateValue) else None,
            targets=tuple(t.value for t in ts if isinstance(t.value, CountValue)),
            entity_id=e.id, deadline_text=d.text if d is not None else None))
    return tuple(out)


def _on_lines(e: Entity, spans: list[tuple[int, int]]) -> bool:
    return any(s < e.end and e.start < t for s, t in spans)


def facts(doc: Document) -> list[dict[str, Any]]:
    """One row per prose COUNT: ``{subject, value, unit, approx, count_text, date_scope, start, end}``.

    ``subject`` is the text of the SUBJECT the count is linked to by ``count_of`` (None when
    it has none); ``date_scope`` is the text of the DATE that scopes the count: the last
    DATE before it in its sentence, else the last one earlier in its paragraph (None when
    there is none).  ``start``/``end`` are the COUNT's offsets in the original text.
    """
    from .segment import segment_text

    ents = {e.id: e for e in doc.entities}
    subject_of: dict[str, Entity] = {}
    for r in doc.relations:
        if r.label == "count_of" and r.head not in subject_of and r.tail in ents:
            subject_of[r.head] = ents[r.tail]
    tables = table_line_spans(doc.text)
    dates = sorted(doc.by_label("DATE"), key=lambda d: d.start)
    sentences = segment_text(doc.text) if dates else ()
    rows = []
    for c in doc.by_label("COUNT"):
        if _on_lines(c, tables):
            continue
        v = c.value if isinstance(c.value, CountValue) else None
        s = subject_of.get(c.id)
        rows.append({
            "subject": s.text if s is not None else None,
            "value": v.value if v is not None else None,
            "unit": v.unit if v is not None else None,
            "approx": v.approx if v is not None else None,
            "count_text": c.text,
            "date_scope": _date_scope(doc.text, c, dates, sentences),
            "start": c.start,
            "end": c.end,
        })
    return rows


def _date_scope(text: str, count: Entity, dates: list[Entity], sentences) -> str | None:
    if not dates:
        return None
    sent_start = count.start
    for s in sentences:
        if s.start <= count.start < max(s.end, s.start + 1):
            sent_start = s.start
            break
        if s.start > count.start:
            break
    para_start = text.rfind("\n", 0, count.start) + 1
    best_sentence = best_para = None
    for d in dates:
        if d.end > count.start:
            break
        if d.start >= sent_start:
            best_sentence = d
        elif d.start >= para_start:
            best_para = d
    best = best_sentence or best_para
    return best.text if best is not None else None
