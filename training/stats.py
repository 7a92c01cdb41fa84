"""Passages and entities per label per split (train/dev/test) of the gold data, as a markdown table.

Usage: python -m training.stats [--gold DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from govie.io.formats import iter_any
from govie.labels import ENTITY_LABELS, RELATION_LABELS
from govie.splits import split_of_document

GOLD_DIR = Path(__file__).resolve().parent / "data" / "gold"
COLUMNS = ("train", "dev", "test", "unknown")


def stats(gold_dir: Path = GOLD_DIR) -> dict[str, Any]:
    """``{split: Counter}`` with keys ``passages``, each entity label, each relation label,
    ``chars`` and ``valued`` (entities with a value)."""
    out: dict[str, Counter] = {s: Counter() for s in COLUMNS}
    seen: set[str] = set()
    dup = 0
    for doc, info in iter_any(gold_dir):
        if doc.id in seen:
            dup += 1
            continue
        seen.add(doc.id)
        c = out[split_of_document(doc.id, info, doc.meta) or "unknown"]
        c["passages"] += 1
        c["chars"] += len(doc.text)
        for e in doc.entities:
            c[e.label] += 1
            if e.value is not None:
                c["valued"] += 1
        for r in doc.relations:
            c[r.label] += 1
    res: dict[str, Any] = {s: dict(c) for s, c in out.items()}
    res["duplicates_skipped"] = dup
    return res


def markdown(res: dict[str, Any]) -> str:
    cols = [c for c in COLUMNS if c != "unknown" or res["unknown"]]
    rows = ["passages", "chars", *ENTITY_LABELS, "valued", *RELATION_LABELS]
    lines = ["| | " + " | ".join(cols) + " | all |", "|---|" + "---:|" * (len(cols) + 1)]
    for r in rows:
        vals = [res[c].get(r, 0) for c in cols]
        lines.append(f"| {r} | " + " | ".join(str(v) for v in vals) + f" | {sum(vals)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(GOLD_DIR))
    ap.add_argument("--json", default=None, metavar="OUT")
    args = ap.parse_args(argv)
    res = stats(Path(args.gold))
    print(markdown(res))
    if res["duplicates_skipped"]:
        print(f"\n({res['duplicates_skipped']} duplicate doc_ids skipped)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(res, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
