"""Scoring predictions against gold, exactly as ANNOTATION.md "Scoring" and "Tables" say.

* DOC_NO, TITLE, DATE, COUNT: exact span match; precision/recall/F1 per label and micro.
  For non-overlapping spans this equals seqeval on the BIO encoding of the spans.
* SUBJECT, COMMITMENT: a prediction matches a gold span of the same label when they
  share at least half of the longer span's characters; matching is one-to-one, greedy
  by overlap (largest first).
* Value accuracy: among exactly matched spans whose gold entity has a value, the share
  whose predicted value equals the gold value field by field.
* Relations: a predicted relation matches a gold one when the labels are equal and both
  arguments are matched to the gold arguments under their label's span rule.
* COUNT and SUBJECT entities (gold and predicted) on table lines (``is_table_line``) are
  not scored, nor are relations with such an argument.

``score(gold_docs, pred_docs)`` returns a plain JSON-able dict; ``format_table`` prints it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .labels import ENTITY_LABELS, EXACT_LABELS, OVERLAP_LABELS, RELATION_LABELS, VALUED_LABELS
from .types import Document, Entity

#: labels ignored on table lines (ANNOTATION.md, Tables)
TABLE_EXCLUDED: tuple[str, ...] = ("COUNT", "SUBJECT")
ERROR_TYPES: tuple[str, ...] = ("boundary", "label", "missed", "spurious", "value")

# ----------------------------------------------------------------------------- table lines
#: a run of two or more spaces between two cells (not leading/trailing indentation)
_SPACE_RUN = re.compile(r"(?<=[^\s])[ \u3000\u00a0]{2,}(?=[^\s])")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*%?")


def is_table_line(line: str) -> bool:
    """True when ``line`` is a table row whose COUNT/SUBJECT are not scored.

    A line is a table row when it has two or more ``|`` or tabs, a ``|`` and at most 20
    other characters (``0 |``, ``规章 |``), two or more runs of 2+ spaces between cells,
    or nothing but a number.
    """
    line = line.rstrip("\r\n")
    bars = line.count("|") + line.count("｜")
    tabs = line.count("\t")
    if bars + tabs >= 2:
        return True
    stripped = line.strip()
    if bars == 1 and len(stripped) - 1 <= 20:
        return True
    if len(_SPACE_RUN.findall(line)) >= 2:
        return True
    return bool(stripped) and bool(_NUMBER.fullmatch(stripped))


def table_line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the table lines of ``text`` (end excludes the newline)."""
    out = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if is_table_line(line):
            out.append((pos, end))
        pos = end + 1
    return out


def _on_table_line(e: Entity, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether ``e`` shares a character with one of the (sorted) table-line spans."""
    for s, t in spans:
        if s >= e.end:
            break
        if e.start < t:
            return True
    return False


# ----------------------------------------------------------------------------- matching
def overlap(a: Entity, b: Entity) -> int:
    """Characters shared by two spans."""
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def half_overlap(a: Entity, b: Entity) -> bool:
    """The SUBJECT/COMMITMENT rule: they share at least half of the longer span."""
    longer = max(a.end - a.start, b.end - b.start)
    return 2 * overlap(a, b) >= longer and overlap(a, b) > 0


def match_exact(gold: Sequence[Entity], pred: Sequence[Entity]) -> list[tuple[Entity, Entity]]:
    """(gold, pred) pairs with identical spans, one-to-one."""
    by_span: dict[tuple[int, int], Entity] = {}
    for g in gold:
        by_span.setdefault(g.span, g)
    used: set[tuple[int, int]] = set()
    pairs = []
    for p in pred:
        g = by_span.get(p.span)
        if g is not None and p.span not in used:
            used.add(p.span)
            pairs.append((g, p))
    return pairs


def match_overlap(gold: Sequence[Entity], pred: Sequence[Entity],
                  accept=half_overlap) -> list[tuple[Entity, Entity]]:
    """One-to-one (gold, pred) pairs accepted by ``accept``, greedy by overlap (largest first)."""
    cands = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if p.start >= g.end or p.end <= g.start:
                continue
            if accept(g, p):
                cands.append((-overlap(g, p), g.start, p.start, gi, pi))
    cands.sort()
    gu: set[int] = set()
    pu: set[int] = set()
    pairs = []
    for _, _, _, gi, pi in cands:
        if gi in gu or pi in pu:
            continue
        gu.add(gi)
        pu.add(pi)
        pairs.append((gold[gi], pred[pi]))
    return pairs


def match_label(label: str, gold: Sequence[Entity], pred: Sequence[Entity]) -> list[tuple[Entity, Entity]]:
    """Pairs of matched entities of one label under that label's span rule."""
    if label in OVERLAP_LABELS:
        return match_overlap(gold, pred)
    return match_exact(gold, pred)


# ----------------------------------------------------------------------------- values
def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def value_fields(gold: Entity, pred: Entity) -> dict[str, bool]:
    """Field -> whether the predicted value equals the gold one (gold must have a value)."""
    g = gold.value.to_dict()  # type: ignore[union-attr]
    p = pred.value.to_dict() if pred.value is not None else {}
    return {k: (k in p and _same(v, p[k])) for k, v in g.items()}


# ----------------------------------------------------------------------------- metrics
def prf(tp: int, n_gold: int, n_pred: int) -> dict[str, Any]:
    """P/R/F1 with seqeval's zero-division convention (0.0); None when nothing to score."""
    if n_gold == 0 and n_pred == 0:
        return {"precision": None, "recall": None, "f1": None}
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def _row(tp: int, n_gold: int, n_pred: int, **extra) -> dict[str, Any]:
    d = {"gold": n_gold, "pred": n_pred, "tp": tp, "fp": n_pred - tp, "fn": n_gold - tp}
    d.update(prf(tp, n_gold, n_pred))
    d.update(extra)
    return d


def _context(text: str, start: int, end: int, width: int) -> str:
    left = text[max(0, start - width):start]
    right = text[end:end + width]
    s = f"{'…' if start > width else ''}{left}[{text[start:end]}]{right}{'…' if end + width < len(text) else ''}"
    return s.replace("\r", "").replace("\n", "⏎")


def _span(e: Entity | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"id": e.id, "start": e.start, "end": e.end, "text": e.text}


# ----------------------------------------------------------------------------- alignment
def align(gold_docs: Iterable[Document], pred_docs: Iterable[Document] | Mapping[str, Document]
          ) -> tuple[list[tuple[Document, Document | None]], list[str]]:
    """Pair each gold document with its prediction (by id, else by position).

    Returns the pairs (prediction None when missing) and the ids of predictions without gold.
    """
    gold = list(gold_docs)
    if isinstance(pred_docs, Mapping):
        pred_map = dict(pred_docs)
        pred_list = list(pred_map.values())
    else:
        pred_list = list(pred_docs)
        pred_map = {}
    gold_ids = [g.id for g in gold]
    if all(i is not None for i in gold_ids):
        dup = [i for i, n in Counter(gold_ids).items() if n > 1]
        if dup:
            raise ValueError(f"gold has duplicate document ids: {', '.join(map(str, dup[:5]))}")
    by_id = all(i is not None for i in gold_ids) and (
        bool(pred_map) or all(p.id is not None for p in pred_list))
    if by_id:
        if not pred_map:
            for p in pred_list:
                if p.id in pred_map:
                    raise ValueError(f"predictions have duplicate document id {p.id}")
                pred_map[p.id] = p
        pairs = [(g, pred_map.get(g.id)) for g in gold]
        extra = sorted(str(i) for i in set(pred_map) - set(gold_ids))
    else:
        if len(pred_list) != len(gold):
            raise ValueError(f"{len(gold)} gold and {len(pred_list)} predicted documents, and ids are "
                             "missing, so they cannot be paired")
        pairs = list(zip(gold, pred_list))
        extra = []
    for g, p in pairs:
        if p is not None and p.text != g.text:
            raise ValueError(f"{g.id}: the predicted document's text differs from the gold text "
                             f"({len(p.text)} vs {len(g.text)} characters); offsets cannot be compared")
    return pairs, extra


# ----------------------------------------------------------------------------- score
def score(gold_docs: Iterable[Document], pred_docs: Iterable[Document] | Mapping[str, Document], *,
          labels: Sequence[str] = ENTITY_LABELS, exclude_table_lines: bool = True,
          context: int = 20) -> dict[str, Any]:
    """Score predicted documents against gold ones; see the module docstring.

    ``pred_docs`` is paired with ``gold_docs`` by document id (by position when ids are
    missing); a gold document without a prediction counts as predicting nothing.
    """
    pairs, extra = align(gold_docs, pred_docs)
    labels = tuple(labels)
    counts = {lab: Counter() for lab in labels}
    vals: dict[str, dict[str, Any]] = {lab: {"n": 0, "correct": 0, "fields": Counter()}
                                       for lab in labels if lab in VALUED_LABELS}
    rel_counts = {lab: Counter() for lab in RELATION_LABELS}
    errors: dict[str, list[dict[str, Any]]] = {lab: [] for lab in (*labels, *RELATION_LABELS)}
    missing: list[str] = []

    for gdoc, pdoc in pairs:
        if pdoc is None:
            missing.append(str(gdoc.id))
            pdoc = Document(text=gdoc.text, id=gdoc.id)
        doc_id = gdoc.id
        text = gdoc.text
        tspans = table_line_spans(text) if exclude_table_lines else []

        G = _kept(gdoc, labels, tspans, counts, "gold")
        P = _kept(pdoc, labels, tspans, counts, "pred")
        pmap: dict[str, str] = {}  # pred entity id -> gold entity id
        un_g: list[Entity] = []
        un_p: list[Entity] = []
        for lab in labels:
            g, p = G[lab], P[lab]
            pairs_l = match_label(lab, g, p)
            c = counts[lab]
            c["gold"] += len(g)
            c["pred"] += len(p)
            c["tp"] += len(pairs_l)
            for ge, pe in pairs_l:
                pmap[pe.id] = ge.id
                if lab in vals and ge.value is not None:
                    v = vals[lab]
                    v["n"] += 1
                    fields = value_fields(ge, pe)
                    v["fields"].update(k for k, ok in fields.items() if ok)
                    v.setdefault("field_n", Counter()).update(fields.keys())
                    if all(fields.values()):
                        v["correct"] += 1
                    else:
                        errors[lab].append({
                            "type": "value", "label": lab, "doc_id": doc_id, "gold": _span(ge), "pred": _span(pe),
                            "gold_value": ge.value.to_dict(),
                            "pred_value": pe.value.to_dict() if pe.value is not None else None,
                            "wrong_fields": [k for k, ok in fields.items() if not ok],
                            "context": _context(text, ge.start, ge.end, context)})
            mg = {id(ge) for ge, _ in pairs_l}
            mp = {id(pe) for _, pe in pairs_l}
            un_g.extend(e for e in g if id(e) not in mg)
            un_p.extend(e for e in p if id(e) not in mp)
        _typed_errors(un_g, un_p, errors, counts, doc_id, text, context)

        # relations: only those whose arguments are both scored
        gkept = {e.id for lab in labels for e in G[lab]}
        pkept = {e.id for lab in labels for e in P[lab]}
        gents = {e.id: e for e in gdoc.entities}
        pents = {e.id: e for e in pdoc.entities}
        gold_rel: dict[tuple[str, str, str], bool] = {}
        for r in gdoc.relations:
            if r.head in gkept and r.tail in gkept:
                gold_rel.setdefault((r.label, r.head, r.tail), False)
        seen_pred: set[tuple[str, str, str]] = set()
        for lab, _h, _t in gold_rel:
            rel_counts[lab]["gold"] += 1
        for r in pdoc.relations:
            if r.label not in rel_counts or r.head not in pkept or r.tail not in pkept:
                continue
            key = (r.label, r.head, r.tail)
            if key in seen_pred:
                continue
            seen_pred.add(key)
            rel_counts[r.label]["pred"] += 1
            gkey = (r.label, pmap.get(r.head, ""), pmap.get(r.tail, ""))
            if gkey in gold_rel and not gold_rel[gkey]:
                gold_rel[gkey] = True
                rel_counts[r.label]["tp"] += 1
            else:
                h, t = pents[r.head], pents[r.tail]
                errors[r.label].append({
                    "type": "spurious", "label": r.label, "doc_id": doc_id, "gold": None,
                    "pred": {"head": _span(h), "tail": _span(t)},
                    "context": _context(text, min(h.start, t.start), max(h.end, t.end), context)})
        for (lab, h, t), hit in gold_rel.items():
            if not hit:
                he, te = gents[h], gents[t]
                errors[lab].append({
                    "type": "missed", "label": lab, "doc_id": doc_id,
                    "gold": {"head": _span(he), "tail": _span(te)}, "pred": None,
                    "context": _context(text, min(he.start, te.start), max(he.end, te.end), context)})

    # ---- assemble
    ents_out: dict[str, Any] = {}
    for lab in labels:
        c = counts[lab]
        extra_fields: dict[str, Any] = {"match": "overlap" if lab in OVERLAP_LABELS else "exact"}
        if lab in TABLE_EXCLUDED and exclude_table_lines:
            extra_fields["excluded_gold"] = c["excluded_gold"]
            extra_fields["excluded_pred"] = c["excluded_pred"]
        ents_out[lab] = _row(c["tp"], c["gold"], c["pred"], **extra_fields)
    tot = _sum(counts, labels)
    ents_out["micro"] = _row(*tot)
    exact = [lab for lab in labels if lab in EXACT_LABELS]
    ents_out["micro_exact"] = _row(*_sum(counts, exact))

    values_out: dict[str, Any] = {}
    for lab, v in vals.items():
        field_n = v.get("field_n", Counter())
        values_out[lab] = {
            "n": v["n"], "correct": v["correct"],
            "accuracy": v["correct"] / v["n"] if v["n"] else None,
            "fields": {k: v["fields"][k] / n for k, n in sorted(field_n.items())}}
    vn = sum(v["n"] for v in vals.values())
    values_out["all"] = {"n": vn, "correct": sum(v["correct"] for v in vals.values()),
                         "accuracy": sum(v["correct"] for v in vals.values()) / vn if vn else None}

    rel_out: dict[str, Any] = {lab: _row(c["tp"], c["gold"], c["pred"]) for lab, c in rel_counts.items()}
    rel_out["micro"] = _row(*_sum(rel_counts, RELATION_LABELS))

    error_counts = {lab: {t: 0 for t in ERROR_TYPES} for lab in errors}
    for lab, errs in errors.items():
        for e in errs:
            error_counts[lab][e["type"]] += 1
    return {
        "documents": len(pairs),
        "missing_predictions": missing,
        "predictions_without_gold": extra,
        "settings": {"labels": list(labels), "exclude_table_lines": exclude_table_lines},
        "entities": ents_out,
        "values": values_out,
        "relations": rel_out,
        "error_counts": error_counts,
        "errors": errors,
    }


def _kept(doc: Document, labels: Sequence[str], tspans: Sequence[tuple[int, int]],
          counts: Mapping[str, Counter], side: str) -> dict[str, list[Entity]]:
    """label -> the entities of ``doc`` that are scored (COUNT/SUBJECT off table lines)."""
    out: dict[str, list[Entity]] = {}
    for lab in labels:
        ents = []
        for e in doc.by_label(lab):
            if lab in TABLE_EXCLUDED and tspans and _on_table_line(e, tspans):
                counts[lab][f"excluded_{side}"] += 1
                continue
            ents.append(e)
        out[lab] = ents
    return out


def _sum(counts: Mapping[str, Counter], labels: Iterable[str]) -> tuple[int, int, int]:
    tp = sum(counts[lab]["tp"] for lab in labels)
    g = sum(counts[lab]["gold"] for lab in labels)
    p = sum(counts[lab]["pred"] for lab in labels)
    return tp, g, p


def _typed_errors(un_g: list[Entity], un_p: list[Entity], errors, counts, doc_id, text, width) -> None:
    """Type the unmatched entities of one document: boundary, label, missed, spurious."""
    used_g: set[int] = set()
    used_p: set[int] = set()

    def pair(same_label: bool, accept) -> list[tuple[int, int]]:
        cands = []
        for gi, g in enumerate(un_g):
            if gi in used_g:
                continue
            for pi, p in enumerate(un_p):
                if pi in used_p or (g.label == p.label) != same_label:
                    continue
                if accept(g, p):
                    cands.append((-overlap(g, p), g.start, p.start, gi, pi))
        cands.sort()
        out = []
        for _, _, _, gi, pi in cands:
            if gi in used_g or pi in used_p:
                continue
            used_g.add(gi)
            used_p.add(pi)
            out.append((gi, pi))
        return out

    for gi, pi in pair(True, lambda g, p: overlap(g, p) > 0):
        g, p = un_g[gi], un_p[pi]
        errors[g.label].append({"type": "boundary", "label": g.label, "doc_id": doc_id,
                                "gold": _span(g), "pred": _span(p),
                                "context": _context(text, min(g.start, p.start), max(g.end, p.end), width)})
    for gi, pi in pair(False, lambda g, p: g.span == p.span or half_overlap(g, p)):
        g, p = un_g[gi], un_p[pi]
        errors[g.label].append({"type": "label", "label": g.label, "pred_label": p.label, "doc_id": doc_id,
                                "gold": _span(g), "pred": _span(p),
                                "context": _context(text, min(g.start, p.start), max(g.end, p.end), width)})
    for gi, g in enumerate(un_g):
        if gi not in used_g:
            errors[g.label].append({"type": "missed", "label": g.label, "doc_id": doc_id, "gold": _span(g),
                                    "pred": None, "context": _context(text, g.start, g.end, width)})
    for pi, p in enumerate(un_p):
        if pi not in used_p:
            errors[p.label].append({"type": "spurious", "label": p.label, "doc_id": doc_id, "gold": None,
                                    "pred": _span(p), "context": _context(text, p.start, p.end, width)})


# ----------------------------------------------------------------------------- printing
def _f(x: float | None) -> str:
    return f"{'-':>5}" if x is None else f"{100 * x:5.1f}"


def format_table(result: Mapping[str, Any], errors: int = 0) -> str:
    """A plain-text report of ``score``'s result; ``errors`` > 0 lists that many errors per label."""
    lines = [f"documents: {result['documents']}"
             + (f" ({len(result['missing_predictions'])} without prediction)" if result.get("missing_predictions") else "")]
    head = f"{'label':<12} {'match':<7} {'gold':>5} {'pred':>5} {'tp':>5} {'P':>5} {'R':>5} {'F1':>5}  {'value acc':>12}"
    lines += ["", head, "-" * len(head)]
    ents = result["entities"]
    vals = result.get("values", {})
    for lab, row in ents.items():
        if lab in ("micro", "micro_exact"):
            continue
        v = vals.get(lab)
        vtxt = f"{_f(v['accuracy'])} ({v['n']})" if v else ""
        excl = ""
        if row.get("excluded_gold") or row.get("excluded_pred"):
            excl = f"  [table lines: {row['excluded_gold']} gold, {row['excluded_pred']} pred ignored]"
        lines.append(f"{lab:<12} {row['match']:<7} {row['gold']:>5} {row['pred']:>5} {row['tp']:>5} "
                     f"{_f(row['precision'])} {_f(row['recall'])} {_f(row['f1'])}  {vtxt:>12}{excl}")
    lines.append("-" * len(head))
    for key, name in (("micro_exact", "micro exact"), ("micro", "micro all")):
        row = ents[key]
        vtxt = ""
        if key == "micro_exact" and "all" in vals:
            vtxt = f"{_f(vals['all']['accuracy'])} ({vals['all']['n']})"
        lines.append(f"{name:<20} {row['gold']:>5} {row['pred']:>5} {row['tp']:>5} "
                     f"{_f(row['precision'])} {_f(row['recall'])} {_f(row['f1'])}  {vtxt:>12}")
    rels = result.get("relations", {})
    if rels:
        head = f"{'relation':<12} {'gold':>13} {'pred':>5} {'tp':>5} {'P':>5} {'R':>5} {'F1':>5}"
        lines += ["", head, "-" * len(head)]
        for lab, row in rels.items():
            if lab == "micro":
                lines.append("-" * len(head))
            lines.append(f"{lab:<12} {row['gold']:>13} {row['pred']:>5} {row['tp']:>5} "
                         f"{_f(row['precision'])} {_f(row['recall'])} {_f(row['f1'])}")
    ec = result.get("error_counts", {})
    if ec and any(any(v.values()) for v in ec.values()):
        head = f"{'errors':<12} " + " ".join(f"{t:>9}" for t in ERROR_TYPES)
        lines += ["", head, "-" * len(head)]
        for lab, c in ec.items():
            if any(c.values()):
                lines.append(f"{lab:<12} " + " ".join(f"{c[t]:>9}" for t in ERROR_TYPES))
    if errors > 0:
        for lab, errs in result.get("errors", {}).items():
            if not errs:
                continue
            lines += ["", f"{lab}: first {min(errors, len(errs))} of {len(errs)} errors"]
            for e in errs[:errors]:
                lines.append("  " + format_error(e))
    return "\n".join(lines)


def format_error(e: Mapping[str, Any]) -> str:
    """One error on one line."""
    def sp(s):
        if s is None:
            return "-"
        if "head" in s:
            return f"{sp(s['head'])} -> {sp(s['tail'])}"
        return f"{s['start']}:{s['end']} {s['text']!r}"

    kind = e["type"]
    if kind == "label":
        kind = f"label({e['pred_label']})"
    out = f"{kind:<9} {e['doc_id']}  gold {sp(e['gold'])}  pred {sp(e['pred'])}"
    if e["type"] == "value":
        out += f"  gold={e['gold_value']} pred={e['pred_value']}"
    return out + f"  | {e['context']}"
