"""Relations by rules: doc_title now; count_of, deadline and target where their finders exist."""

from __future__ import annotations

import re

from .types import Entity, Relation

#: text allowed between a 《title》 and its 文号: 》 then an opening parenthesis
_TITLE_THEN_NO = re.compile(r"^》\s*[(（〔\[]?\s*$")
#: text allowed between a 文号 and the 《title》 after it
_NO_THEN_TITLE = re.compile(r"^\s*[)）]?\s*[,，、]?\s*(?:印发的|发布的|的)?\s*《$")


def doc_title(entities: list[Entity], text: str) -> list[Relation]:
    """Link each DOC_NO to the TITLE right before it (《…》(文号)) or right after it."""
    titles = [e for e in entities if e.label == "TITLE"]
    rels = []
    for d in (e for e in entities if e.label == "DOC_NO"):
        best = None
        for t in titles:
            if t.end <= d.start and _TITLE_THEN_NO.match(text[t.end:d.start]):
                best = t
            elif d.end <= t.start and best is None and _NO_THEN_TITLE.match(text[d.end:t.start]):
                best = t
        if best is not None:
            rels.append(Relation(d.id, best.id, "doc_title"))
    return rels


def link(entities: list[Entity], text: str) -> list[Relation]:
    rels = doc_title(entities, text)
    from .pipeline import _optional

    semantic = _optional("semantic")
    return rels + semantic.relations(entities, text) if semantic else rels
