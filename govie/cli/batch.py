"""``govie batch INPUT... --out results.jsonl``: extract from many files or JSONL records, resumably.

Exit status: 0 when every document was extracted, 1 when any failed (see ``--errors``),
2 on a usage error (bad options, the model missing in model mode, an output that cannot
be resumed).
"""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import InvalidDocument, ModelUnavailable


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "batch", help="extract from many files/directories/JSONL records into one JSONL file",
        description="Extract from every input (files, directories walked recursively, .jsonl files of records) "
                    "and write one interchange record a line to --out, flushed per document. Formats: .txt "
                    "(UTF-8/GB18030/BIG5), .html/.htm, .pdf, .docx. Failures go to --errors; exit status 1 if any.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, directories or .jsonl files")
    p.add_argument("--out", "-o", required=True, help="output JSONL (interchange format)")
    p.add_argument("--glob", default=None,
                   help="take files in directories matching this pattern (default: every known format and .jsonl)")
    p.add_argument("--no-recursive", dest="recursive", action="store_false", help="do not walk subdirectories")
    p.add_argument("--workers", "-j", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--resume", action="store_true", help="skip documents already in --out and append the rest")
    p.add_argument("--errors", default=None, help="JSONL of failed documents {source, record, reason, exception}")
    p.add_argument("--mode", choices=("auto", "rules", "model", "hybrid"), default="auto")
    p.add_argument("--model-dir", default=None, help="a model directory (default: the shipped model)")
    p.add_argument("--reference-year", type=int, default=None, help="year for dates without one (default: inferred)")
    p.add_argument("--text-field", default="text", help="text field of .jsonl records (default: text)")
    p.add_argument("--id-field", default="id", help="id field of .jsonl records (default: id)")
    p.add_argument("--facts-csv", default=None, help="one row per prose COUNT (.csv, or .parquet with pyarrow)")
    p.add_argument("--commitments-csv", default=None, help="one row per COMMITMENT with deadline and targets")
    p.add_argument("--docnums-csv", default=None, help="one row per DOC_NO with its value and linked title")
    p.add_argument("--metrics-csv", default=None, help="one wide row of table metrics per report (govie.tables)")
    p.add_argument("--chunk-size", type=int, default=4, help="documents per worker task (default 4)")
    p.add_argument("--max-bytes", type=int, default=None, help="refuse files larger than this (default 100 MB)")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show the bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never show the bar")
    p.add_argument("--stats", action="store_true", help="print a JSON summary on stderr at the end")
    return p


def run(args) -> int:
    from ..batch import run_batch

    if args.workers < 1:
        print("govie batch: --workers must be at least 1", file=sys.stderr)
        return 2
    limits = None
    if args.max_bytes:
        from ..io.readers import Limits

        limits = Limits(max_bytes=args.max_bytes)
    try:
        stats = run_batch(args.inputs, args.out, workers=args.workers, resume=args.resume, errors_path=args.errors,
                          mode=args.mode, model_dir=args.model_dir, reference_year=args.reference_year,
                          glob=args.glob, recursive=args.recursive, text_field=args.text_field,
                          id_field=args.id_field, facts_csv=args.facts_csv, commitments_csv=args.commitments_csv,
                          docnums_csv=args.docnums_csv, metrics_csv=args.metrics_csv, progress=args.progress,
                          chunk_size=args.chunk_size, limits=limits)
    except ModelUnavailable as exc:
        print(f"govie batch: model mode unavailable: {exc}", file=sys.stderr)
        return 2
    except InvalidDocument as exc:  # an output that cannot be resumed
        print(f"govie batch: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:  # e.g. .parquet without pyarrow
        print(f"govie batch: {exc}", file=sys.stderr)
        return 2
    summary = f"govie batch: {stats.docs} done, {stats.failed} failed, {stats.skipped} skipped " \
              f"({stats.docs_per_s:.1f} docs/s, {stats.chars_per_s:.0f} chars/s)"
    print(summary, file=sys.stderr)
    if args.stats:
        print(json.dumps(stats.to_dict()), file=sys.stderr)
    return stats.exit_code
