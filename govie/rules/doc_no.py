"""DOC_NO finder: 文号 such as 乌政办〔2020〕91号 and orders such as 国务院令第711号."""

from __future__ import annotations

import re
from functools import lru_cache

from .base import Candidate, drop_overlaps
from .compile import alternation, patterns, words

#: parts of names that contain a cut word (和 in 共和国) and must not be cut
_PROTECT = ("共和国",)


@lru_cache(maxsize=1)
def _cut_re() -> re.Pattern:
    return re.compile(alternation(words("issuer_cut.tsv")))


def trim_issuer(issuer: str) -> str:
    """The issuer after the last word that cannot be part of it (根据, 印发, 和 …)."""
    masked = issuer
    for p in _PROTECT:
        masked = masked.replace(p, "\0" * len(p))
    cut = 0
    for m in _cut_re().finditer(masked):
        cut = m.end()
    return issuer[cut:]


def find(text: str) -> list[Candidate]:
    cands = []
    for name, rx in patterns("doc_no.yaml"):
        for m in rx.finditer(text):
            issuer = m.group("issuer")
            trimmed = trim_issuer(issuer)
            if not trimmed or (name == "order" and trimmed == "令"):
                continue
            start = m.start("issuer") + len(issuer) - len(trimmed)
            cands.append(Candidate(start, m.end(), "DOC_NO", name))
    return drop_overlaps(cands)
