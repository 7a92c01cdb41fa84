"""Inter-annotator agreement: each double annotation in training/data/iaa/ against the gold record
of the same doc_id in training/data/gold/ (the gold one is scored as gold, the second as
prediction, with the ANNOTATION.md scorer: per-label F1, value agreement, relations).

Usage: python -m training.iaa [--iaa DIR] [--gold DIR] [--json OUT] [--errors N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from govie.io.formats import iter_any
from govie.scoring import format_table, score

ROOT = Path(__file__).resolve().parent
IAA_DIR = ROOT / "data" / "iaa"
GOLD_DIR = ROOT / "data" / "gold"


def _annotator(path: str) -> str:
    """The second annotator's name from passages_X.jsonl (X), else the file stem."""
    stem = Path(path).name.split(".")[0]
    return stem.split("_", 1)[1] if stem.startswith("passages_") else stem


def pairs(iaa_dir: Path = IAA_DIR, gold_dir: Path = GOLD_DIR):
    """(annotator, gold Document, second Document) for every doubly annotated document."""
    gold = {}
    for doc, _ in iter_any(gold_dir):
        gold[doc.id] = doc
    out = []
    for doc, info in iter_any(iaa_dir):
        g = gold.get(doc.id)
        if g is None:
            print(f"iaa: {doc.id} ({info['path']}) has no gold record, skipped", file=sys.stderr)
            continue
        out.append((_annotator(info["path"]), g, doc))
    return out


def agreement(iaa_dir: Path = IAA_DIR, gold_dir: Path = GOLD_DIR) -> dict[str, Any]:
    """The scorer's result over all pairs, plus one per second annotator under ``by_annotator``."""
    ps = pairs(iaa_dir, gold_dir)
    result = score([g for _, g, _ in ps], [d for _, _, d in ps])
    by: dict[str, Any] = {}
    for name in sorted({a for a, _, _ in ps}):
        sub = [(g, d) for a, g, d in ps if a == name]
        r = score([g for g, _ in sub], [d for _, d in sub])
        by[name] = {"documents": [g.id for g, _ in sub], "entities": r["entities"], "values": r["values"],
                    "relations": r["relations"], "error_counts": r["error_counts"]}
    result["by_annotator"] = by
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iaa", default=str(IAA_DIR))
    ap.add_argument("--gold", default=str(GOLD_DIR))
    ap.add_argument("--json", default=None, metavar="OUT", help="write the full result as JSON")
    ap.add_argument("--errors", type=int, default=0, metavar="N", help="print up to N disagreements per label")
    args = ap.parse_args(argv)
    result = agreement(Path(args.iaa), Path(args.gold))
    if not result["documents"]:
        print("iaa: no doubly annotated documents found", file=sys.stderr)
        return 1
    print(f"agreement of {result['documents']} doubly annotated documents (gold as reference)")
    print(format_table(result, errors=args.errors))
    print()
    print("per second annotator (entity F1 by label, micro; value agreement):")
    labels = [k for k in result["entities"] if k not in ("micro", "micro_exact")]
    head = f"{'annotator':<10} {'docs':>4} " + " ".join(f"{lab[:10]:>10}" for lab in labels) + f" {'micro':>6} {'values':>6}"
    print(head)
    for name, r in result["by_annotator"].items():
        cells = []
        for lab in labels:
            f1 = r["entities"][lab]["f1"]
            cells.append(f"{'-' if f1 is None else f'{100 * f1:.1f}':>10}")
        mf = r["entities"]["micro"]["f1"]
        va = r["values"]["all"]["accuracy"]
        print(f"{name:<10} {len(r['documents']):>4} " + " ".join(cells)
              + f" {'-' if mf is None else f'{100 * mf:.1f}':>6} {'-' if va is None else f'{100 * va:.1f}':>6}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
