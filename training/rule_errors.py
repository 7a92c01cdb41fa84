"""Rule-layer quality on the gold (issue 2): per-label P/R/F1 (exact span), value accuracy, errors.

Runs ``govie.extract(mode="rules")`` on every gold document of the chosen splits (by
default train+dev; the test split is never listed error by error), scores DOC_NO, TITLE,
DATE and COUNT by exact span as ANNOTATION.md "Scoring" says (COUNT on table lines is
ignored, gold and predicted, as "Tables" says) and lists the errors with context:
missed, spurious, boundary (overlapping but different span) and value (same span,
different value).

Usage:
  python -m training.rule_errors [--split train,dev] [--labels DOC_NO,TITLE,DATE,COUNT]
                                 [--errors N] [--types missed,spurious,boundary,value]
                                 [--by-text] [--json]

``--split test`` prints the scores only (no error listing), so that nobody tunes on it.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

GOLD_GLOB = str(Path(__file__).resolve().parent / "data" / "gold" / "*.jsonl")
LABELS = ("DOC_NO", "TITLE", "DATE", "COUNT")
ERROR_TYPES = ("missed", "spurious", "boundary", "value")


# ----------------------------------------------------------------------------- data
def record_split(rec: dict) -> str | None:
    """Split of a stand-off record: ``split_of(source, domain)`` (seeds are dev)."""
    from training.splits import passage_domains, split_of

    source = rec.get("source") or ""
    if source.startswith("seeds/"):
        return split_of(source)
    domain = passage_domains().get(str(rec.get("key") or rec.get("doc_id")))
    return split_of(source, domain) if domain else None


def gold_documents(splits: Iterable[str], paths: Iterable[str] | None = None):
    """(document, reference year) of every gold record in ``splits``; one record per doc id."""
    from govie.io.standoff import join, read_records

    splits = set(splits)
    out = []
    seen: set[str] = set()
    for p in sorted(paths or glob.glob(GOLD_GLOB)):
        for rec in read_records(p):
            if record_split(rec) not in splits:
                continue
            doc = join(rec)
            if doc.id in seen:  # the same passage annotated twice: keep the first file's
                continue
            seen.add(doc.id)
            out.append((doc, (rec.get("meta") or {}).get("reference_year")))
    return out


def predict(docs) -> list:
    import govie

    return [govie.extract(d.text, mode="rules", reference_year=y, doc_id=d.id) for d, y in docs]


# ----------------------------------------------------------------------------- scoring
def evaluate(splits=("train", "dev"), labels=LABELS, paths=None, context: int = 18) -> dict[str, Any]:
    from govie.scoring import score

    docs = gold_documents(splits, paths)
    preds = predict(docs)
    res = score([d for d, _ in docs], preds, labels=labels, context=context)
    res["splits"] = list(splits)
    return res


def summary(res: dict[str, Any], labels=LABELS) -> dict[str, dict[str, Any]]:
    """label -> {gold, pred, tp, P, R, F1, value accuracy, value n}."""
    out = {}
    for lab in labels:
        row = res["entities"][lab]
        v = res["values"].get(lab) or {}
        out[lab] = {k: row[k] for k in ("gold", "pred", "tp", "precision", "recall", "f1")}
        out[lab]["value_acc"] = v.get("accuracy")
        out[lab]["value_n"] = v.get("n", 0)
    return out


def _pct(x) -> str:
    return "    -" if x is None else f"{100 * x:5.1f}"


def format_summary(res: dict[str, Any], labels=LABELS) -> str:
    s = summary(res, labels)
    lines = [f"rules mode, splits {'+'.join(res['splits'])}, {res['documents']} documents "
             "(exact span; COUNT on table lines ignored)",
             f"{'label':<8} {'gold':>5} {'pred':>5} {'tp':>5} {'P':>6} {'R':>6} {'F1':>6} {'value acc':>14}"]
    for lab, r in s.items():
        lines.append(f"{lab:<8} {r['gold']:>5} {r['pred']:>5} {r['tp']:>5} {_pct(r['precision']):>6} "
                     f"{_pct(r['recall']):>6} {_pct(r['f1']):>6} {_pct(r['value_acc']):>8} ({r['value_n']})")
    ec = res["error_counts"]
    lines.append("")
    lines.append(f"{'errors':<8} " + " ".join(f"{t:>9}" for t in ERROR_TYPES))
    for lab in labels:
        lines.append(f"{lab:<8} " + " ".join(f"{ec[lab].get(t, 0):>9}" for t in ERROR_TYPES))
    return "\n".join(lines)


def _sp(s) -> str:
    return "-" if s is None else f"{s['text']!r}"


def format_error(e: dict[str, Any]) -> str:
    out = f"{e['type']:<9} {e['doc_id']:<10} gold {_sp(e['gold']):<22} pred {_sp(e['pred']):<22}"
    if e["type"] == "value":
        out += f" fields {','.join(e['wrong_fields'])}: gold={e['gold_value']} pred={e['pred_value']}"
    return out + f" | {e['context']}"


def list_errors(res: dict[str, Any], labels=LABELS, types=ERROR_TYPES, limit: int = 0,
                by_text: bool = False) -> str:
    lines = []
    for lab in labels:
        errs = [e for e in res["errors"].get(lab, []) if e["type"] in types]
        if not errs:
            continue
        if by_text:  # the most frequent error strings first: the error classes to fix
            c = Counter((e["type"], _sp(e["gold"]), _sp(e["pred"])) for e in errs)
            lines.append(f"\n{lab}: {len(errs)} errors, {len(c)} distinct")
            for (t, g, p), n in c.most_common(limit or None):
                lines.append(f"  {n:>3}x {t:<9} gold {g:<22} pred {p}")
            continue
        shown = errs[:limit] if limit else errs
        lines.append(f"\n{lab}: {len(shown)} of {len(errs)} errors")
        lines.extend("  " + format_error(e) for e in shown)
    return "\n".join(lines)


# ----------------------------------------------------------------------------- cli
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="train,dev", help="comma-separated splits (train,dev,test)")
    ap.add_argument("--labels", default=",".join(LABELS))
    ap.add_argument("--errors", type=int, default=0, help="errors listed per label (0 = all)")
    ap.add_argument("--types", default=",".join(ERROR_TYPES))
    ap.add_argument("--by-text", action="store_true", help="group errors by (type, gold, pred) text")
    ap.add_argument("--no-errors", action="store_true", help="scores only")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    ap.add_argument("--gold", nargs="*", help="gold JSONL files (default training/data/gold/*.jsonl)")
    args = ap.parse_args(argv)
    splits = tuple(s.strip() for s in args.split.split(",") if s.strip())
    bad = set(splits) - {"train", "dev", "test"}
    if bad:
        ap.error(f"unknown split(s): {', '.join(sorted(bad))}")
    labels = tuple(x.strip() for x in args.labels.split(",") if x.strip())
    res = evaluate(splits, labels, args.gold)
    if args.json:
        print(json.dumps({"splits": list(splits), "documents": res["documents"],
                          "labels": summary(res, labels), "error_counts": res["error_counts"]},
                         ensure_ascii=False, indent=1))
        return 0
    print(format_summary(res, labels))
    if args.no_errors:
        return 0
    if "test" in splits:
        print("\n(errors are not listed when the test split is included)", file=sys.stderr)
        return 0
    types = tuple(t.strip() for t in args.types.split(",") if t.strip())
    print(list_errors(res, labels, types, args.errors, args.by_text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
