"""Relations by rules: doc_title now; count_of, deadline and target where their finders exist."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from .types import Entity, Relation

#: text allowed between a 《title》 and its 文号: 》 then an opening parenthesis.
#: Never two ``\s*`` side by side (``\s*X?\s*``): on a long run of spaces that does not
#: match they backtrack polynomially; each ``\s*`` follows a required token instead.
_TITLE_THEN_NO = re.compile(r"》\s*(?:[(（〔\[]\s*)?")
#: text allowed between a 文号 and the 《title》 after it
_NO_THEN_TITLE = re.compile(r"\s*(?:[)）]\s*)?(?:[,，、]\s*)?(?:(?:印发的|发布的|的)\s*)?《")


def doc_title(entities: list[Entity], text: str) -> list[Relation]:
    """Link each DOC_NO to the TITLE right before it (《…》(文号)) or right after it.

    The gap is matched in place (fullmatch with pos/endpos), never sliced: a slice per
    number would make a long list of numbers after one title quadratic."""
    titles = sorted((e for e in entities if e.label == "TITLE"), key=lambda e: e.start)
    starts = [t.start for t in titles]
    rels = []
    for d in (e for e in entities if e.label == "DOC_NO"):
        best = None
        i = bisect_right(starts, d.start) - 1  # the last title starting before the number
        if i >= 0 and titles[i].end <= d.start and _TITLE_THEN_NO.fullmatch(text, titles[i].end, d.start):
            best = titles[i]
        j = bisect_left(starts, d.end)  # the first title starting after it
        if best is None and j < len(titles) and _NO_THEN_TITLE.fullmatch(text, d.end, titles[j].start):
            best = titles[j]
        if best is not None:
            rels.append(Relation(d.id, best.id, "doc_title"))
    return rels


def link(entities: list[Entity], text: str) -> list[Relation]:
    rels = doc_title(entities, text)
    from .pipeline import _optional

    semantic = _optional("semantic")
    return rels + semantic.relations(entities, text) if semantic else rels
