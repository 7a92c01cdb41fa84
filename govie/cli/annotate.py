"""``govie annotate INPUT... --out FILE [--format jsonl|doccano|labelstudio]``: pre-label texts.

INPUT is a ``.txt`` file (one document; GB18030/BIG5 detected) or a JSONL file whose
lines have a ``text`` (and optionally an ``id``/``doc_id`` and ``meta.reference_year``),
e.g. corpus passages or interchange records; ``-`` reads JSONL from stdin.  Each text is
extracted with the current extractor and written for an annotation tool: interchange
JSONL, doccano JSONL, or a Label Studio task list with the entities as predictions.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InvalidDocument, ModelUnavailable


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("annotate", help="pre-label texts for doccano / Label Studio with the extractor",
                       description=__doc__.splitlines()[0].strip("`"))
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=".txt files or JSONL files with a 'text' field")
    p.add_argument("--out", "-o", required=True, help="output file (- for stdout)")
    p.add_argument("--format", choices=("jsonl", "doccano", "labelstudio"), default="jsonl")
    p.add_argument("--mode", choices=("auto", "rules", "model", "hybrid"), default="auto")
    p.add_argument("--model-dir", default=None)
    p.add_argument("--reference-year", type=int, default=None, help="year for dates without one")
    p.add_argument("--limit", type=int, default=None, help="stop after N documents")
    p.add_argument("--labels", default=None,
                   help="comma-separated labels to keep (default: all), e.g. DOC_NO,TITLE,DATE,COUNT")
    return p


def inputs(names: list[str]) -> Iterator[tuple[str | None, str, dict[str, Any]]]:
    """(doc id, text, meta) of every input document."""
    from ..io import jsonl
    from ..io.decode import read_text

    for name in names:
        if name != "-" and not name.endswith((".jsonl", ".jsonl.gz", ".json")):
            text, _ = read_text(name)
            yield Path(name).stem, text, {"source_path": name}
            continue
        for n, rec in jsonl.iter_lines(name):
            text = rec.get("text")
            if text is None and isinstance(rec.get("data"), dict):
                text = rec["data"].get("text")  # a Label Studio task
            if not isinstance(text, str):
                raise InvalidDocument(f"{name}:{n}: the record has no 'text' string")
            doc_id = rec.get("id", rec.get("doc_id"))
            meta = {"source_path": name}
            year = (rec.get("meta") or {}).get("reference_year") if isinstance(rec.get("meta"), dict) else None
            if year is not None:
                meta["reference_year"] = year
            for k in ("url", "domain", "title"):
                if rec.get(k):
                    meta[k] = rec[k]
            yield (str(doc_id) if doc_id is not None else f"{Path(name).stem}:{n}"), text, meta


def run(args) -> int:
    from ..api import Extractor
    from ..io.formats import write_any
    from ..types import Document

    try:
        ex = Extractor(mode=args.mode, model_dir=args.model_dir, reference_year=args.reference_year)
    except ModelUnavailable as exc:
        print(f"govie annotate: model mode unavailable: {exc}", file=sys.stderr)
        return 2
    keep = set(args.labels.split(",")) if args.labels else None
    counter = {"n": 0}

    def docs() -> Iterator[Document]:
        for doc_id, text, meta in inputs(args.inputs):
            if args.limit is not None and counter["n"] >= args.limit:
                return
            doc = ex(text, doc_id=doc_id, reference_year=meta.get("reference_year"))
            m = dict(doc.meta)
            m.update({k: v for k, v in meta.items() if k != "reference_year"})
            ents = doc.entities
            rels = doc.relations
            if keep is not None:
                ents = tuple(e for e in ents if e.label in keep)
                ids = {e.id for e in ents}
                rels = tuple(r for r in rels if r.head in ids and r.tail in ids)
            counter["n"] += 1
            yield Document(text=doc.text, entities=ents, relations=rels, meta=m, id=doc.id, tables=doc.tables)

    try:
        kw = {"kind": "predictions"} if args.format == "labelstudio" else {}
        n = write_any(docs(), args.out, args.format, **kw)
    except (OSError, InvalidDocument) as exc:
        print(f"govie annotate: {exc}", file=sys.stderr)
        return 1
    print(f"govie annotate: {n} documents written to {args.out} ({args.format})", file=sys.stderr)
    return 0
