"""The label set of ANNOTATION.md v1.1: the single source for entity and relation labels."""

from __future__ import annotations

ENTITY_LABELS: tuple[str, ...] = ("DOC_NO", "TITLE", "DATE", "COUNT", "SUBJECT", "COMMITMENT")

#: Labels scored by exact span match.
EXACT_LABELS: tuple[str, ...] = ("DOC_NO", "TITLE", "DATE", "COUNT")
#: Labels scored by half-overlap match.
OVERLAP_LABELS: tuple[str, ...] = ("SUBJECT", "COMMITMENT")
#: Labels that carry a normalised value.
VALUED_LABELS: tuple[str, ...] = ("DOC_NO", "DATE", "COUNT")

#: relation label -> (head label, tail label)
RELATION_LABELS: dict[str, tuple[str, str]] = {
    "doc_title": ("DOC_NO", "TITLE"),
    "count_of": ("COUNT", "SUBJECT"),
    "deadline": ("COMMITMENT", "DATE"),
    "target": ("COMMITMENT", "COUNT"),
}

DATE_GRANULARITIES: tuple[str, ...] = ("year", "half", "quarter", "month", "day")
DATE_MODIFIERS: tuple[str | None, ...] = ("before", "after", None)
COUNT_APPROX: tuple[str | None, ...] = (
    None, "more_than", "at_least", "nearly", "about", "at_most", "less_than",
)
SOURCES: tuple[str, ...] = ("rules", "model", "gold")
