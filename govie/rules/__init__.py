"""Rule-based span finders, one module per label; patterns and lexicons live in tables/."""

from __future__ import annotations

import importlib

from .base import Candidate

#: label -> module with ``find(text) -> list[Candidate]``; optional ones may be absent
FINDERS: dict[str, str] = {
    "DOC_NO": "govie.rules.doc_no",
    "TITLE": "govie.rules.titles",
    "DATE": "govie.rules.dates",
    "COUNT": "govie.rules.counts",
}


def find_all(text: str, labels=None) -> list[Candidate]:
    """Candidates of every rule finder on the normalised text."""
    out: list[Candidate] = []
    for label, modname in FINDERS.items():
        if labels is not None and label not in labels:
            continue
        out.extend(importlib.import_module(modname).find(text))
    return out
