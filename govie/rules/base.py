"""What every rule finder returns: a candidate span in view offsets."""

from __future__ import annotations

from typing import NamedTuple


class Candidate(NamedTuple):
    start: int  # view offsets, end exclusive
    end: int
    label: str
    rule: str = ""
    score: float = 1.0


def drop_overlaps(cands: list[Candidate]) -> list[Candidate]:
    """Keep the earliest, then longest, candidate of each overlapping same-label group."""
    out: list[Candidate] = []
    for c in sorted(cands, key=lambda c: (c.start, -(c.end - c.start))):
        if out and c.start < out[-1].end:
            continue
        out.append(c)
    return out
