"""Combine rule candidates with model spans, per label, by a small policy table.

Policies (one per label):

=============  ===============================================================
``rules``      rule spans only (for SUBJECT/COMMITMENT: the semantic layer's)
``model``      model spans only (score >= ``min_score``)
``union``      rule spans, plus model spans that overlap no rule span of the label
``intersect``  rule spans that a model span of the label overlaps
``fill``       SUBJECT: rule spans, plus model spans that overlap none of them and end
               right before a COUNT (at most ``FILL_GAP`` characters, no punctuation
               between) that has no rule SUBJECT there; other labels: the rules
=============  ===============================================================

``mode="model"`` uses model spans for every label the model knows; ``"hybrid"`` and
``"auto"`` use the policy: the table the model directory carries (``govie.json``
``hybrid_policy``, chosen per label on the dev split by ``training.train``), else
``DEFAULT_POLICY`` below. Each label's ``min_score`` is the model-score floor of its
model spans. SUBJECT and COMMITMENT have no rule candidates here: they come from the
semantic layer after merging, so ``combine`` leaves their model spans out and
``merge_semantic`` applies the same four policies to those two labels.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .rules.base import Candidate

POLICIES = ("rules", "model", "union", "intersect", "fill")

#: label -> {"policy": ..., "min_score": ...}: the fallback for a model directory without its own
#: measured table. Measured on dev with models/govie-zh-small (see its MODEL_CARD.md): the rules
#: beat or tie every other policy on every label, so the fallback is rules throughout.
DEFAULT_POLICY: dict[str, dict[str, Any]] = {
    "DOC_NO": {"policy": "rules", "min_score": 0.5},
    "TITLE": {"policy": "rules", "min_score": 0.5},
    "DATE": {"policy": "rules", "min_score": 0.5},
    "COUNT": {"policy": "rules", "min_score": 0.5},
    "SUBJECT": {"policy": "rules", "min_score": 0.5},
    "COMMITMENT": {"policy": "rules", "min_score": 0.5},
}

#: labels whose rule side is the semantic layer (merged after the entities are built)
SEMANTIC_LABELS = ("SUBJECT", "COMMITMENT")

ModelSpan = tuple  # (start, end, label, score)


def policy_table(policy: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """DEFAULT_POLICY updated with ``policy`` (label -> name or {"policy", "min_score"})."""
    table = {k: dict(v) for k, v in DEFAULT_POLICY.items()}
    for label, p in (policy or {}).items():
        row = table.setdefault(label, {"policy": "rules", "min_score": 0.5})
        if isinstance(p, str):
            row["policy"] = p
        else:
            row.update({k: v for k, v in dict(p).items() if k in ("policy", "min_score")})
        if row["policy"] not in POLICIES:
            raise ValueError(f"hybrid policy for {label}: {row['policy']!r} not in {POLICIES}")
    return table


def uses_model(policy: Mapping[str, Any] | None = None) -> bool:
    """Whether hybrid/auto extraction with this policy takes anything from the model."""
    return any(row["policy"] != "rules" for row in policy_table(policy).values())


#: ``fill``: most characters between a model SUBJECT and the COUNT after it (政策法规公开2条)
FILL_GAP = 3
_FILL_GAP_TEXT = re.compile(r"[^\s,，。;；:：、()（）\[\]【】《》“”\"]*")


def _fill(rspans: Sequence[tuple[int, int]], model: Sequence[tuple[int, int, float]], entities: Sequence[Any],
          text: str) -> list[tuple[int, int, float]]:
    """The model spans the ``fill`` policy adds (see the module docstring)."""
    counts = sorted(e.start for e in entities if e.label == "COUNT")
    rule_starts = sorted(a for a, _ in rspans)
    out: list[tuple[int, int, float]] = []
    taken: list[tuple[int, int]] = []  # the spans of ``out``
    for a, b, score in model:
        if _overlaps(a, b, rspans) or _overlaps(a, b, taken):
            continue
        i = bisect.bisect_left(counts, b)
        if i == len(counts) or counts[i] - b > FILL_GAP or not _FILL_GAP_TEXT.fullmatch(text, b, counts[i]):
            continue
        j = bisect.bisect_left(rule_starts, b)
        if j < len(rule_starts) and rule_starts[j] < counts[i]:
            continue  # the rules have a SUBJECT of their own right before that count
        out.append((a, b, score))
        taken.append((a, b))
    return out


def _overlaps(s: int, e: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(a < e and s < b for a, b in spans)


def _mode_policy(mode: str, label: str, table: Mapping[str, Mapping[str, Any]]) -> str:
    if mode == "model":
        return "model"
    if mode == "rules":
        return "rules"
    return table.get(label, {"policy": "rules"})["policy"]


def combine(rule_cands: list[Candidate], model_spans: Iterable[ModelSpan] | None, mode: str = "hybrid",
            policy: Mapping[str, Any] | None = None) -> list[Candidate]:
    """Candidates to merge: rule candidates and model spans combined per label.

    ``model_spans`` are ``(start, end, label, score)`` in the same (view) offsets as the
    rule candidates; model candidates get ``rule="model"`` and the model's score.
    """
    table = policy_table(policy)
    by_label_rules: dict[str, list[Candidate]] = {}
    for c in rule_cands:
        by_label_rules.setdefault(c.label, []).append(c)
    by_label_model: dict[str, list[Candidate]] = {}
    for s, e, label, score in model_spans or ():
        by_label_model.setdefault(label, []).append(Candidate(int(s), int(e), label, "model", float(score)))
    out: list[Candidate] = []
    for label in sorted(set(by_label_rules) | set(by_label_model)):
        rules = by_label_rules.get(label, [])
        row = table.get(label, {"policy": "rules", "min_score": 0.5})
        floor = float(row.get("min_score", 0.0)) if mode != "model" else 0.0
        model = [c for c in by_label_model.get(label, []) if c.score >= floor]
        p = _mode_policy(mode, label, table)
        if label in SEMANTIC_LABELS and not rules:
            # the rule side comes later: merge_semantic weighs these spans against it
            if mode == "model":
                out.extend(model)
            continue
        rspans = [(c.start, c.end) for c in rules]
        mspans = [(c.start, c.end) for c in model]
        if p in ("rules", "fill"):  # fill adds SUBJECT spans only, in merge_semantic
            out.extend(rules)
        elif p == "model":
            out.extend(model)
        elif p == "union":
            out.extend(rules)
            out.extend(c for c in model if not _overlaps(c.start, c.end, rspans))
        elif p == "intersect":
            out.extend(c for c in rules if _overlaps(c.start, c.end, mspans))
    return out


def merge_semantic(entities: Sequence[Any], semantic: Sequence[Any], mode: str = "hybrid",
                   policy: Mapping[str, Any] | None = None, model_spans: Iterable[ModelSpan] = (),
                   text: str = "") -> list[Any]:
    """The SUBJECT/COMMITMENT entities to add to ``entities``, per label policy.

    ``semantic`` are the semantic layer's entities (the rule side); ``model_spans`` the
    model's ``(start, end, label, score)`` of those labels in offsets of ``text`` (the
    original text), which the policy turns into entities with ``source="model"``:
    ``rules`` keeps the semantic spans, ``model`` the model spans, ``union`` the semantic
    spans plus the model spans that overlap none of them, ``intersect`` the semantic spans
    that a model span overlaps, ``fill`` (SUBJECT) the semantic spans plus the model spans
    right before a COUNT that has no semantic SUBJECT there. In ``mode="model"`` the model's spans are already among
    ``entities`` (``combine``), so semantic ones are dropped. Entities of other labels in
    ``semantic`` pass through. Never returns two overlapping entities of one label.
    """
    table = policy_table(policy)
    if mode == "model":
        return [e for e in semantic if e.label not in SEMANTIC_LABELS]
    model_by: dict[str, list[tuple[int, int, float]]] = {}
    for s, e, label, score in model_spans:
        if label in SEMANTIC_LABELS:
            model_by.setdefault(label, []).append((int(s), int(e), float(score)))
    out = [e for e in semantic if e.label not in SEMANTIC_LABELS]
    nid = 1 + max((_id_number(e) for e in (*entities, *semantic)), default=0)
    for label in SEMANTIC_LABELS:
        rules = [e for e in semantic if e.label == label]
        row = table.get(label, {"policy": "rules", "min_score": 0.5})
        p = _mode_policy(mode, label, table)
        floor = float(row.get("min_score", 0.0))
        model = sorted(m for m in model_by.get(label, ()) if m[2] >= floor)
        mspans = [(a, b) for a, b, _ in model]
        rspans = [(e.start, e.end) for e in rules]
        if p == "rules" or (p == "fill" and label != "SUBJECT"):
            out.extend(rules)
        elif p == "intersect":
            out.extend(e for e in rules if _overlaps(e.start, e.end, mspans))
        elif p == "fill":
            out.extend(rules)
            for a, b, score in _fill(rspans, model, entities, text):
                out.append(_model_entity(nid, a, b, label, score, text))
                nid += 1
        else:
            if p == "union":
                out.extend(rules)
            kept: list[tuple[int, int]] = []
            for a, b, score in model:
                if (p == "union" and _overlaps(a, b, rspans)) or _overlaps(a, b, kept):
                    continue
                kept.append((a, b))
                out.append(_model_entity(nid, a, b, label, score, text))
                nid += 1
    return sorted(out, key=lambda e: (e.start, -e.end, e.label))


def _id_number(entity: Any) -> int:
    ident = str(getattr(entity, "id", "") or "")
    return int(ident[1:]) if ident[1:].isdigit() else 0


def _model_entity(n: int, s: int, e: int, label: str, score: float, text: str):
    from .types import Entity

    return Entity(id=f"e{n}", start=s, end=e, label=label, text=text[s:e], source="model",
                  score=round(score, 4))
