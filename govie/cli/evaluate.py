"""``govie evaluate GOLD [--pred PRED | --mode rules|model|hybrid] [--split dev|test|train|all]``.

GOLD is a file or directory of stand-off, interchange, doccano or Label Studio files.
Without ``--pred`` the extractor runs on the gold texts.  ``--split`` keeps the gold
documents of one split (``govie.splits``: by the passage's site; seeds are dev). When
a model is used, documents its training config moved to another split (``splits`` in the
model's ``metrics.json``, e.g. the work-plan seed put in train) are scored in that split,
so a model is never scored on its own training data as "dev"; ``--plain-splits`` turns
that off.
Prints the score table (``govie.scoring``); ``--json OUT`` writes the full result.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

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
    p.add_argument("--plain-splits", action="store_true",
                   help="with a model: keep the split rule's splits (by default documents the model's "
                        "training config moved, e.g. a seed put in train, are scored in that split)")
    return p


def load_gold(path: str, split: str = "all", overrides: dict[str, str] | None = None) -> tuple[list, dict[str, int]]:
    """Gold documents of ``path`` in ``split``, and how many documents each split had.
    ``overrides``: document id -> split, winning over the split rule (a model's training config)."""
    from ..io.formats import iter_any
    from ..splits import split_of_document

    docs, seen = [], {"train": 0, "dev": 0, "test": 0, "unknown": 0}
    for doc, info in iter_any(path):
        s = (overrides or {}).get(str(doc.id)) or split_of_document(doc.id, info, doc.meta)
        seen[s or "unknown"] += 1
        if split == "all" or s == split:
            docs.append(doc)
    return docs, seen


def model_split_overrides(model_dir) -> dict[str, str]:
    """Document id -> split that the model in ``model_dir`` was trained with (the ``splits``
    of the training config recorded in its ``metrics.json``; e.g. a seed moved to train)."""
    try:
        with open(Path(model_dir) / "metrics.json", encoding="utf-8") as fh:
            splits = (json.load(fh).get("config") or {}).get("splits") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    return {str(i): str(s) for s, ids in splits.items() for i in (ids or [])}


def run(args) -> int:
    from ..scoring import format_table, score

    t0 = time.perf_counter()
    ex = None
    overrides: dict[str, str] = {}
    if not args.pred:
        from ..api import Extractor

        try:
            ex = Extractor(mode=args.mode or "auto", model_dir=args.model_dir)
        except ModelUnavailable as exc:
            print(f"govie evaluate: model mode unavailable: {exc}", file=sys.stderr)
            return 2
        tagger = ex.pipeline.tagger
        if tagger is not None and tagger.model_dir is not None and args.split != "all" and not args.plain_splits:
            overrides = model_split_overrides(tagger.model_dir)
            if overrides:
                moved = ", ".join(f"{i} -> {s}" for i, s in sorted(overrides.items()))
                print(f"govie evaluate: splits as the model was trained ({tagger.model_dir}/metrics.json): {moved}",
                      file=sys.stderr)
    try:
        gold, seen = load_gold(args.gold, args.split, overrides)
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
    result["split_overrides"] = overrides
    result["engine"] = engine
    result["seconds"] = round(t1 - t0, 3)
    print(f"gold: {args.gold}  split: {args.split}  engine: {engine}")
    print(format_table(result, errors=args.errors or 0))
    if args.json:
        from ..io.paths import ensure_parent

        ensure_parent(args.json)
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
    return 0
