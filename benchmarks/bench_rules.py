"""Rules-mode throughput and peak memory of the whole pipeline over real report text.

Usage: python benchmarks/bench_rules.py [--mb 5] [--shared ../shared] [--repeat] [--json OUT]

Text: the seeds, the report passages and then the government work reports from
../shared, in that order, up to ``--mb`` megabytes of UTF-8 text (about 4.2 MB before the
corpus repeats).  ``--repeat`` gives the older text instead: seeds and report passages
only, repeated -- repeated text lets the pipeline's memos (values, table labels) hit more
often than new text does.

Prints, for one warm single-core pass of ``Extractor(mode="rules")`` over every document:
CPU time (``time.process_time``, what a shared machine cannot inflate much) and wall
time, each as characters/second and MB/s of UTF-8 text; then the peak memory of a
second pass under ``tracemalloc`` (timed apart: tracemalloc slows Python several-fold)
and the process max RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
import tracemalloc
from pathlib import Path

import govie
from govie.io.standoff import shared_dir


def corpus(shared: Path, work_reports: bool = True) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((shared / "seeds").glob("*.txt"))]
    with open(shared / "corpus/report_passages/report_passages.jsonl", encoding="utf-8") as fh:
        texts += [json.loads(line)["text"] for line in fh]
    gwr = shared / "corpus/gov_work_reports/gov_work_reports.jsonl"
    if work_reports and gwr.exists():
        with open(gwr, encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh]
    return [t for t in texts if t]


def select(texts: list[str], target_bytes: int) -> list[str]:
    docs, n = [], 0
    while n < target_bytes:
        for t in texts:
            docs.append(t)
            n += len(t.encode("utf-8"))
            if n >= target_bytes:
                break
    return docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=5.0, help="megabytes of UTF-8 text to process")
    ap.add_argument("--shared", type=Path, default=None)
    ap.add_argument("--repeat", action="store_true",
                    help="the old text: seeds and report passages only, repeated (memos hit more often)")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers to this JSON file")
    args = ap.parse_args()
    texts = corpus(args.shared or shared_dir(), work_reports=not args.repeat)
    docs = select(texts, int(args.mb * 1_000_000))
    chars = sum(len(t) for t in docs)
    nbytes = sum(len(t.encode("utf-8")) for t in docs)
    ex = govie.Extractor(mode="rules")
    for t in texts[:3] + texts[-3:]:  # warm: rule tables, table schema, lazy imports
        ex(t)

    ents = 0
    c0, w0 = time.process_time(), time.perf_counter()
    for t in docs:
        ents += len(ex(t).entities)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0

    peak = None
    if not args.no_memory:
        tracemalloc.start()
        for t in docs:
            ex(t)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"rules mode: {len(docs)} documents, {chars:,} characters, {nbytes / 1e6:.2f} MB UTF-8, {ents:,} entities"
          + (f" (load average {load:.1f})" if load is not None else ""))
    print(f"  CPU : {cpu:6.2f} s  {chars / cpu:>12,.0f} chars/s  {nbytes / cpu / 1e6:5.2f} MB/s  "
          f"{len(docs) / cpu:,.1f} docs/s")
    print(f"  wall: {wall:6.2f} s  {chars / wall:>12,.0f} chars/s  {nbytes / wall / 1e6:5.2f} MB/s  "
          f"{len(docs) / wall:,.1f} docs/s")
    if peak is not None:
        print(f"  peak traced memory during extraction {peak / 2**20:.1f} MiB (separate pass), "
              f"process max RSS {rss:.0f} MiB")
    else:
        print(f"  process max RSS {rss:.0f} MiB")
    if args.json:
        args.json.write_text(json.dumps({
            "benchmark": "govie rules", "docs": len(docs), "chars": chars, "utf8_bytes": nbytes,
            "entities": ents, "cpu_s": round(cpu, 3), "wall_s": round(wall, 3),
            "cpu_chars_per_s": round(chars / cpu), "wall_chars_per_s": round(chars / wall),
            "cpu_mb_per_s": round(nbytes / cpu / 1e6, 3), "wall_mb_per_s": round(nbytes / wall / 1e6, 3),
            "peak_traced_mib": round(peak / 2**20, 1) if peak is not None else None,
            "max_rss_mib": round(rss), "load_avg_1m": load, "repeat": args.repeat,
        }, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
