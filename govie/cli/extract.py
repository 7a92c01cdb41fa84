"""``govie extract FILE... [--format jsonl|json|table]``: extract from text files or stdin (``-``)."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import InvalidDocument, ModelUnavailable
from ..io.decode import decode
from ..io.readers import read_document


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("extract", help="extract entities, relations and tables from text files",
                       description="Extract from each input (a text file, or - for stdin) and print the result.")
    p.add_argument("inputs", nargs="+", metavar="FILE", help="text (UTF-8, GB18030, BIG5), .html, .pdf or .docx files, or - for stdin")
    p.add_argument("--format", choices=("jsonl", "json", "table"), default="jsonl",
                   help="jsonl: one interchange record a line (default); json: indented; table: readable summary")
    p.add_argument("--mode", choices=("auto", "rules", "model", "hybrid"), default="auto")
    p.add_argument("--reference-year", type=int, default=None, help="year for dates without one (default: inferred)")
    p.add_argument("--model-dir", default=None, help="a model directory (default: the shipped model)")
    p.add_argument("--out", "-o", default=None, help="write here instead of stdout")
    return p


def _texts(inputs):
    for name in inputs:
        try:
            if name == "-":
                text, _ = decode(sys.stdin.buffer.read(), "<stdin>")
            else:
                text, _ = read_document(name)  # .txt/.html/.pdf/.docx by extension and content
        except (OSError, InvalidDocument) as exc:
            yield name, None, str(exc)
            continue
        yield name, text, None


def run(args) -> int:
    from ..api import Extractor

    try:
        ex = Extractor(mode=args.mode, model_dir=args.model_dir, reference_year=args.reference_year)
    except ModelUnavailable as exc:
        print(f"govie: model mode unavailable: {exc}", file=sys.stderr)
        return 2
    if args.out:
        from ..io.paths import ensure_parent

        ensure_parent(args.out)
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    failed = 0
    try:
        for name, text, error in _texts(args.inputs):
            if error is not None:
                print(f"govie: {error}", file=sys.stderr)
                failed += 1
                continue
            doc = ex(text, doc_id=name)
            if args.format == "table":
                from .show import render

                out.write(render(doc, name) + "\n")
            else:
                d = doc.to_dict()
                d.setdefault("meta", {})["source_path"] = name
                out.write(json.dumps(d, ensure_ascii=False, indent=2 if args.format == "json" else None) + "\n")
            out.flush()
    finally:
        if args.out:
            out.close()
    return 1 if failed else 0
