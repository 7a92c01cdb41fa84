"""DOC_NO finder: 文号 such as 乌政办〔2020〕91号 and orders such as 国务院令第711号."""

from __future__ import annotations

import re
from functools import lru_cache

from .base import Candidate, drop_overlaps
from .compile import alternation, patterns, table, words

#: parts of names that contain a cut word (和 in 共和国) and must not be cut
_PROTECT = ("共和国",)
#: brackets that open a 文号 year even when the issuer is missing (〔2022〕42号)
_NO_ISSUER_OPEN = "〔【["


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


def _windows(text: str, anchor: str, width: int, after: int = 1) -> list[tuple[int, int]]:
    """Merged windows around each anchor character (号): the only places a 文号 can be."""
    out: list[tuple[int, int]] = []
    i = text.find(anchor)
    while i >= 0:
        s, e = max(0, i - width), min(len(text), i + after)
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
        i = text.find(anchor, i + 1)
    return out


def find(text: str) -> list[Candidate]:
    cands = []
    t = table("doc_no.yaml")
    width = int(t["window"])
    spec = {p["name"]: p for p in t["patterns"]}
    windows: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for name, rx in patterns("doc_no.yaml"):
        anchor = spec[name].get("anchor", t["anchor"])
        after = int(spec[name].get("after", 1))
        if (anchor, after) not in windows:
            windows[(anchor, after)] = _windows(text, anchor, width, after)
        for ws, we in windows[(anchor, after)]:
            _scan(name, rx, text, ws, we, cands)
    return drop_overlaps(cands)


def _scan(name: str, rx, text: str, ws: int, we: int, cands: list[Candidate]) -> None:
    for m in rx.finditer(text, ws, we):
        issuer = m.group("issuer")
        trimmed = trim_issuer(issuer)
        if name == "order" and trimmed in ("", "令"):
            continue
        start = m.start("issuer") + len(issuer) - len(trimmed)
        if not trimmed:  # no issuer (…》(〔2022〕42号)): only with a 文号 bracket, not ( )
            while start < m.end() and text[start] == " ":
                start += 1
            if name != "bracketed" or text[start] not in _NO_ISSUER_OPEN:
                continue
        cands.append(Candidate(start, m.end(), "DOC_NO", name))
