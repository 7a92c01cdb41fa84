"""``govie evaluate GOLD [--pred PRED | --mode rules|model|hybrid] [--split dev|test|train|all]``.

GOLD is a file or directory of stand-off, interchange, doccano or Label Studio files.
Without ``--pred`` the extractor runs on the gold texts.  ``--split`` keeps the gold
documents of one split (``govie.splits``: by the passage's site; seeds are dev).
Prints the score table (``govie.scoring``); ``--json OUT`` writes the full result.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from ..errors import InvalidDocument, ModelUnavailable


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("evaluate", help="score predictions (or the extractor) against gold annotations",
                       description=__doc__.splitlines()[0].strip("`"))
    p.add_argument("gold", metavar="GOLD", help="gold file or directory (stand-off, interchange, doccano, Label Studio)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--pred", default=None, metavar="PRED", help="predictions file or directory (any format)")
    src.add_argument("--mode", choices=("auto", "rules", "model", "hybrid"), default=None,
                     help="run the extractor in this mode on the gold texts (default: auto)")
    p.add_argument("--split", choices=("dev", "test", "train", "all"), default="all",
                   help="score only the gold documents of this split (default: all)")
    p.add_argument("--json", default=None, metavar="OUT", help="write the full result (with every error) as JSON")
    p.add_argument("--errors", nargs="?", type=int, const=20, default=0, metavar="N",
                   help="print up to N errors per label (default N: 20)")
    p.add_argument("--save-pred", default=None, metavar="FILE", help="write the predictions as interchange JSONL")
    p.add_argument("--gold-year", action="store_true",
                   help="give the extractor the gold meta.reference_year instead of inferring it")
    p.add_argument("--keep-table-lines", action="store_true",
                   help="also score COUNT/SUBJECT on table lines (ANNOTATION.md excludes them)")
    p.add_argument("--model-dir", default=None)
    return p


def load_gold(path: str, split: str = "all") -> tuple[list, dict[str, int]]:
    """Gold documents of ``path`` in ``split``, and how many documents each split had."""
    from ..io.formats import iter_any
    from ..splits import split_of_document

    docs, seen = [], {"train": 0, "dev": 0, "test": 0, "unknown": 0}
    for doc, info in iter_any(path):
        s = split_of_document(doc.id, info, doc.meta)
        seen[s or "unknown"] += 1
        if split == "all" or s == split:
            docs.append(doc)
    return docs, seen


def run(args) -> int:
    from ..scoring import format_table, score

    t0 = time.perf_counter()
    try:
        gold, seen = load_gold(args.gold, args.split)
    except (OSError, InvalidDocument, ValueError) as exc:
        print(f"govie evaluate: cannot read gold {args.gold}: {exc}", file=sys.stderr)
        return 2
    if args.split != "all" and seen["unknown"]:
        print(f"govie evaluate: {seen['unknown']} gold documents have no known split and are left out",
              file=sys.stderr)
    if not gold:
        print(f"govie evaluate: no gold documents in {args.gold} (split {args.split}; found {seen})", file=sys.stderr)
        return 2
    engine = "predictions"
    if args.pred:
        from ..io.formats import load_any

        try:
            preds = list(load_any(args.pred))
        except (OSError, InvalidDocument, ValueError) as exc:
            print(f"govie evaluate: cannot read predictions {args.pred}: {exc}", file=sys.stderr)
            return 2
    else:
        from ..api import Extractor

        try:
            ex = Extractor(mode=args.mode or "auto", model_dir=args.model_dir)
        except ModelUnavailable as exc:
            print(f"govie evaluate: model mode unavailable: {exc}", file=sys.stderr)
            return 2
        engine = ex.engine
        preds = [ex(g.text, doc_id=g.id,
                    reference_year=g.meta.get("reference_year") if args.gold_year else None) for g in gold]
    t1 = time.perf_counter()
    if args.save_pred:
        from ..io import jsonl

        jsonl.write(preds, args.save_pred)
    try:
        result = score(gold, preds, exclude_table_lines=not args.keep_table_lines)
    except ValueError as exc:
        print(f"govie evaluate: {exc}", file=sys.stderr)
        return 2
    result["gold"] = args.gold
    result["split"] = args.split
    result["split_counts"] = seen
    result["engine"] = engine
    result["seconds"] = round(t1 - t0, 3)
    print(f"gold: {args.gold}  split: {args.split}  engine: {engine}")
    print(format_table(result, errors=args.errors or 0))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
    return 0
