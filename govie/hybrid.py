"""Combine rule candidates with model spans, per label, by a small policy table.

Policies (one per label):

=============  ===============================================================
``rules``      rule spans only (for SUBJECT/COMMITMENT: the semantic layer's)
``model``      model spans only (score >= ``min_score``)
``union``      rule spans, plus model spans that overlap no rule span of the label
``intersect``  rule spans that a model span of the label overlaps
=============  ===============================================================

``mode="model"`` uses model spans for every label the model knows; ``"hybrid"`` and
``"auto"`` use the policy: the table the model directory carries (``govie.json``
``hybrid_policy``, chosen per label on the dev split by ``training.train``), else
``DEFAULT_POLICY`` below. SUBJECT and COMMITMENT have no rule candidates here: they come
from the semantic layer after merging, so ``merge_semantic`` applies the same policy
to those two labels (``intersect`` acts as ``rules`` for them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .rules.base import Candidate

POLICIES = ("rules", "model", "union", "intersect")

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
            # the rule side comes later (merge_semantic); "intersect" acts as "rules" there
            out.extend(model if p in ("model", "union") else [])
            continue
        rspans = [(c.start, c.end) for c in rules]
        mspans = [(c.start, c.end) for c in model]
        if p == "rules":
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
                   policy: Mapping[str, Any] | None = None) -> list[Any]:
    """The semantic layer's SUBJECT/COMMITMENT entities to keep next to the model's ones.

    ``entities`` are the entities built so far (model spans have ``source == "model"``);
    ``semantic`` the semantic layer's. Never returns an entity overlapping a kept one of
    the same label.
    """
    table = policy_table(policy)
    model_by: dict[str, list[tuple[int, int]]] = {}
    for e in entities:
        if e.label in SEMANTIC_LABELS:
            model_by.setdefault(e.label, []).append((e.start, e.end))
    out = []
    for e in semantic:
        if e.label not in SEMANTIC_LABELS:
            out.append(e)
            continue
        p = _mode_policy(mode, e.label, table)
        have = model_by.get(e.label, [])
        if p == "model":
            continue
        if _overlaps(e.start, e.end, have):
            continue  # union: the model span is kept there
        out.append(e)
    return out
