"""Rules-mode throughput and peak memory: characters/second over real report text.

Usage: python benchmarks/bench_rules.py [--mb 5] [--shared ../shared]
Text: the seeds and report passages from ../shared, repeated to the size asked for.
Prints chars/s, MB/s and peak memory (tracemalloc of the extraction, and the process RSS).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc
from pathlib import Path

import govie
from govie.io.standoff import shared_dir


def corpus(shared: Path) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((shared / "seeds").glob("*.txt"))]
    with open(shared / "corpus/report_passages/report_passages.jsonl", encoding="utf-8") as fh:
        texts += [json.loads(line)["text"] for line in fh]
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=5.0, help="megabytes (of characters) to process")
    ap.add_argument("--shared", type=Path, default=None)
    args = ap.parse_args()
    texts = corpus(args.shared or shared_dir())
    target = int(args.mb * 1_000_000)
    docs, n = [], 0
    while n < target:
        for t in texts:
            docs.append(t)
            n += len(t)
            if n >= target:
                break
    ex = govie.Extractor(mode="rules")
    ex(docs[0])  # warm the rule tables
    tracemalloc.start()
    t0 = time.perf_counter()
    ents = 0
    for t in docs:
        ents += len(ex(t).entities)
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rules mode: {len(docs)} documents, {n:,} characters in {dt:.2f} s")
    print(f"  {n / dt:,.0f} chars/s ({n / dt / 1e6:.2f} M chars/s), {len(docs) / dt:,.1f} docs/s, {ents:,} entities")
    print(f"  peak traced memory during extraction {peak / 2**20:.1f} MiB, process max RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
