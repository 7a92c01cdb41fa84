"""A readable plain-text rendering of a Document (``govie extract --format table``)."""

from __future__ import annotations

from ..types import Document

_ORDER = ("DOC_NO", "TITLE", "DATE", "COUNT", "SUBJECT", "COMMITMENT")


def _value(v) -> str:
    if v is None:
        return ""
    return ", ".join(f"{k}={x}" for k, x in v.to_dict().items() if x is not None)


def _clip(s: str, n: int = 60) -> str:
    s = s.replace("\n", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


def render(doc: Document, name: str | None = None) -> str:
    m = doc.meta
    lines = [f"== {name or doc.id or 'document'}  ({len(doc.text)} chars, engine={m.get('engine')}, "
             f"reference_year={m.get('reference_year')}, type={m.get('doc_type')})"]
    if m.get("title"):
        lines.append(f"title: {m['title']}")
    for label in _ORDER:
        ents = doc.by_label(label)
        if not ents:
            continue
        lines.append(f"-- {label} ({len(ents)})")
        for e in ents:
            lines.append(f"  {e.start:>6}-{e.end:<6} {_clip(e.text):<40} {_value(e.value)}")
    commitments = getattr(doc, "commitments", None)
    if commitments:
        lines.append(f"-- commitments ({len(commitments)})")
        for c in commitments:
            extra = []
            if c.deadline is not None:
                when = c.deadline.end or c.deadline.start
                extra.append(f"due {c.deadline_text}" + (f" ({when})" if when else ""))
            if c.targets:
                extra.append("target " + "; ".join(_value(t) for t in c.targets))
            lines.append(f"  * {_clip(c.text, 70)}" + (f"  [{' | '.join(extra)}]" if extra else ""))
    facts = getattr(doc, "facts", None)
    rows = list(facts()) if callable(facts) else []
    if rows:
        lines.append(f"-- facts ({len(rows)})")
        for r in rows:
            approx = f" ({r['approx']})" if r.get("approx") else ""
            lines.append(f"  {_clip(r['subject'] or '-', 30):<30} {r['value']}{r['unit'] or ''}{approx}"
                         + (f"  @ {r['date_scope']}" if r.get("date_scope") else ""))
    if doc.relations:
        lines.append(f"-- relations ({len(doc.relations)})")
        for r in doc.relations:
            lines.append(f"  {r.label}: {_clip(doc.entity(r.head).text, 30)} -> {_clip(doc.entity(r.tail).text, 30)}")
    for t in doc.tables:
        lines.append(f"-- table {getattr(t, 'section', '?')}")
    return "\n".join(lines)
