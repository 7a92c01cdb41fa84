"""Score the rule layer's SUBJECT / COMMITMENT spans and count_of / deadline / target relations on the gold.

Matching follows ANNOTATION.md (Scoring): SUBJECT and COMMITMENT match when they share at
least half of the longer span's characters, one-to-one; COUNT/DATE (relation arguments)
match exactly; a relation matches when its label matches and both arguments match gold
arguments.  COUNT and SUBJECT on table lines are ignored on both sides.  When
``govie.scoring`` exists its span matcher is used instead of the one here.

Two settings:
  * ``e2e``: ``govie.extract`` on the raw text (rule COUNT/DATE feed the semantic layer);
  * ``oracle``: the semantic layer on the gold DOC_NO/TITLE/DATE/COUNT entities, which
    isolates it from COUNT/DATE errors.

Usage:
  python -m training.eval_semantic [--split dev|all|train|test|both] [--setting e2e|oracle|both]
                                   [--errors N] [--labels SUBJECT,COMMITMENT] [--json]
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from govie.io.standoff import join, read_records
from govie.rules.table_lines import is_table_line
from govie.text import TextView
from govie.types import Document

GOLD_GLOB = str(Path(__file__).resolve().parent / "data" / "gold" / "*.jsonl")
SPAN_LABELS = ("SUBJECT", "COMMITMENT")
REL_LABELS = ("count_of", "deadline", "target")
OVERLAP = {"SUBJECT", "COMMITMENT"}


# ----------------------------------------------------------------------------- data
def split_of_record(rec: dict) -> str | None:
    from training.splits import split_of_record as rule

    return rule(rec)


def gold_records(paths: Iterable[str] | None = None) -> list[tuple[dict, Document]]:
    out = []
    for p in sorted(paths or glob.glob(GOLD_GLOB)):
        for rec in read_records(p):
            out.append((rec, join(rec)))
    return out


# ----------------------------------------------------------------------------- prediction
def predict_e2e(doc: Document, year: int | None) -> Document:
    import govie

    return govie.extract(doc.text, mode="rules", reference_year=year, doc_id=doc.id)


def predict_oracle(doc: Document, year: int | None) -> Document:
    """The semantic layer on the gold non-semantic entities."""
    from govie import semantic
    from govie.relate import doc_title

    base = [e for e in doc.entities if e.label not in ("SUBJECT", "COMMITMENT")]
    view = TextView.from_text(doc.text)
    new = semantic.entities(view, base, year)
    ents = base + new
    rels = doc_title(ents, doc.text) + semantic.relations(ents, doc.text, year)
    return Document(text=doc.text, entities=tuple(ents), relations=tuple(rels), meta={}, id=doc.id)


# ----------------------------------------------------------------------------- scoring
def _own_score(pairs: list[tuple[Document, Document]]) -> dict:
    """A fallback scorer with the same rules, used only when govie.scoring is absent."""
    from collections import Counter

    def over(a, b):
        return max(0, min(a.end, b.end) - max(a.start, b.start))

    def tbl(text):
        out, pos = [], 0
        for line in text.split("\n"):
            if is_table_line(line):
                out.append((pos, pos + len(line)))
            pos += len(line) + 1
        return out

    counts = {k: Counter() for k in (*SPAN_LABELS, *REL_LABELS)}
    errors = {k: [] for k in counts}
    for g, p in pairs:
        spans = tbl(g.text)

        def keep(e, spans=spans):
            return not (e.label in ("COUNT", "SUBJECT") and any(a < e.end and e.start < b for a, b in spans))
        ge = [e for e in g.entities if keep(e)]
        pe = [e for e in p.entities if keep(e)]
        pmap = {}
        for lab in {e.label for e in ge + pe}:
            gl = [e for e in ge if e.label == lab]
            pl = [e for e in pe if e.label == lab]
            cands = sorted((-over(a, b), i, j) for i, a in enumerate(gl) for j, b in enumerate(pl)
                           if (over(a, b) * 2 >= max(len(a.text), len(b.text)) and over(a, b) > 0)
                           if lab in OVERLAP or a.span == b.span)
            ug, up = set(), set()
            for _, i, j in cands:
                if i in ug or j in up:
                    continue
                ug.add(i); up.add(j); pmap[pl[j].id] = gl[i].id
            if lab in counts:
                counts[lab].update(gold=len(gl), pred=len(pl), tp=len(ug))
                errors[lab] += [{"type": "missed", "doc_id": g.id, "context": _ctx(g.text, e.start, e.end)}
                                for i, e in enumerate(gl) if i not in ug]
                errors[lab] += [{"type": "spurious", "doc_id": g.id, "context": _ctx(g.text, e.start, e.end)}
                                for j, e in enumerate(pl) if j not in up]
        gk, pk = {e.id for e in ge}, {e.id for e in pe}
        grel = {(r.label, r.head, r.tail) for r in g.relations if r.label in REL_LABELS and r.head in gk and r.tail in gk}
        for lab, _, _ in grel:
            counts[lab]["gold"] += 1
        hit = set()
        for r in {(r.label, r.head, r.tail) for r in p.relations if r.label in REL_LABELS and r.head in pk and r.tail in pk}:
            counts[r[0]]["pred"] += 1
            key = (r[0], pmap.get(r[1]), pmap.get(r[2]))
            if key in grel and key not in hit:
                hit.add(key); counts[r[0]]["tp"] += 1
    def row(c):
        tp, n_g, n_p = c["tp"], c["gold"], c["pred"]
        pr = tp / n_p if n_p else 0.0
        rc = tp / n_g if n_g else 0.0
        return {"gold": n_g, "pred": n_p, "tp": tp, "precision": pr, "recall": rc,
                "f1": 2 * pr * rc / (pr + rc) if pr + rc else 0.0}
    micro = Counter()
    for lab in REL_LABELS:
        micro.update(counts[lab])
    return {"entities": {lab: row(counts[lab]) for lab in SPAN_LABELS},
            "relations": {**{lab: row(counts[lab]) for lab in REL_LABELS}, "micro": row(micro)},
            "errors": errors}


def _ctx(text: str, s: int, e: int, w: int = 12) -> str:
    return (text[max(0, s - w):s] + "[" + text[s:e] + "]" + text[e:e + w]).replace("\n", "⏎")


def score_pairs(pairs: list[tuple[Document, Document]]) -> dict:
    """Scores of (gold, predicted) pairs with govie.scoring (or the fallback above)."""
    try:
        from govie import scoring
    except ImportError:
        return _own_score(pairs)
    res = scoring.score([g for g, _ in pairs], [p for _, p in pairs])
    return res


def _flat(res: dict) -> dict:
    out = {}
    for lab in SPAN_LABELS:
        out[lab] = res["entities"].get(lab)
    for lab in (*REL_LABELS, "micro"):
        out["relations" if lab == "micro" else lab] = res["relations"].get(lab)
    return out


def evaluate(split: str = "all", setting: str = "e2e", records=None) -> tuple[dict, dict]:
    """``(flat scores, full scorer result)`` of one setting on one split."""
    predict = predict_e2e if setting == "e2e" else predict_oracle
    pairs = []
    for rec, gold in records if records is not None else gold_records():
        if split != "all" and split_of_record(rec) != split:
            continue
        year = (rec.get("meta") or {}).get("reference_year")
        pairs.append((gold, predict(gold, year)))
    res = score_pairs(pairs)
    scores = _flat(res)
    scores["documents"] = len(pairs)
    return scores, res


def _print(title: str, scores: dict) -> None:
    print(f"== {title}  ({scores['documents']} documents)")
    print(f"  {'label':<12}{'gold':>6}{'pred':>6}{'tp':>6}{'P':>8}{'R':>8}{'F1':>8}")
    for k in (*SPAN_LABELS, *REL_LABELS, "relations"):
        row = scores.get(k)
        if row:
            f = lambda x: f"{x:8.3f}" if x is not None else f"{'-':>8}"
            print(f"  {k:<12}{row['gold']:>6}{row['pred']:>6}{row['tp']:>6}{f(row['precision'])}{f(row['recall'])}"
                  f"{f(row['f1'])}")


def _format_error(e: dict) -> str:
    try:
        from govie.scoring import format_error

        return format_error(e)
    except ImportError:
        return f"{e['type']:<9} {e['doc_id']} | {e['context']}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="both", choices=("dev", "train", "test", "all", "both"))
    ap.add_argument("--setting", default="both", choices=("e2e", "oracle", "both"))
    ap.add_argument("--errors", type=int, default=0, help="print up to N errors per label")
    ap.add_argument("--labels", default="", help="comma-separated labels for the error listing")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    records = gold_records()
    splits = ("dev", "all") if args.split == "both" else (args.split,)
    settings = ("e2e", "oracle") if args.setting == "both" else (args.setting,)
    out = {}
    for setting in settings:
        for split in splits:
            scores, res = evaluate(split, setting, records)
            out[f"{setting}/{split}"] = scores
            if not args.json:
                _print(f"{setting} / {split}", scores)
            if args.errors and split == splits[-1]:
                want = set(filter(None, args.labels.split(","))) or {*SPAN_LABELS, *REL_LABELS}
                for label in (*SPAN_LABELS, *REL_LABELS):
                    if label not in want:
                        continue
                    errs = res.get("errors", {}).get(label, [])
                    print(f"  -- {label}: {min(args.errors, len(errs))} of {len(errs)} errors")
                    for e in errs[:args.errors]:
                        print("    " + _format_error(e))
    if args.json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
