"""Throughput and peak memory of rules vs model vs hybrid extraction on CPU.

Usage: python benchmarks/bench_model.py [--model-dir models/govie-zh-small] [--chars 100000]
           [--threads 2] [--quantize both|none|int8] [--json OUT]

Text: report passages and seeds from the shared directory, cut to ``--chars`` characters.
For each engine it prints characters/second of ``Extractor.pipe`` (after one warm-up
text), the tagger alone (``Tagger.predict``), and peak memory: the process's peak RSS
(ru_maxrss) measured in a fresh subprocess per engine, so engines do not share a peak.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def texts_of(n_chars: int) -> list[str]:
    from govie.io.standoff import shared_dir

    shared = shared_dir()
    texts = [p.read_text(encoding="utf-8") for p in sorted((shared / "seeds").glob("*.txt"))]
    with open(shared / "corpus/report_passages/report_passages.jsonl", encoding="utf-8") as fh:
        texts += [json.loads(line)["text"] for line in fh]
    out, total = [], 0
    while total < n_chars:
        for t in texts:
            out.append(t)
            total += len(t)
            if total >= n_chars:
                break
    return out


def run_one(engine: str, model_dir: str | None, n_chars: int, threads: int, quantize: str) -> dict:
    import torch

    torch.set_num_threads(threads)
    texts = texts_of(n_chars)
    chars = sum(map(len, texts))
    res = {"engine": engine, "quantize": quantize, "threads": threads, "chars": chars}
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if engine == "tagger":
        from govie.model.tagger import Tagger

        t0 = time.perf_counter()
        tagger = Tagger.load(model_dir, quantize=(quantize == "int8"))
        res["load_s"] = round(time.perf_counter() - t0, 2)
        tagger.predict(texts[:1])
        t0 = time.perf_counter()
        for i in range(0, len(texts), 16):
            tagger.predict(texts[i:i + 16])
        dt = time.perf_counter() - t0
    else:
        import govie

        mode = {"rules": "rules", "model": "model", "hybrid": "hybrid"}[engine]
        t0 = time.perf_counter()
        ex = govie.Extractor(mode=mode, model_dir=model_dir)
        if ex.pipeline.tagger is not None and quantize == "int8":
            from govie.model.tagger import Tagger

            ex.pipeline.tagger = Tagger.load(model_dir, quantize=True)
        elif ex.pipeline.tagger is not None and quantize == "none" and ex.pipeline.tagger.quantized:
            from govie.model.tagger import Tagger

            ex.pipeline.tagger = Tagger.load(model_dir, quantize=False)
        res["load_s"] = round(time.perf_counter() - t0, 2)
        ex(texts[0])
        t0 = time.perf_counter()
        for _ in ex.pipe(texts, batch_size=16):
            pass
        dt = time.perf_counter() - t0
    res["seconds"] = round(dt, 2)
    res["chars_per_s"] = round(chars / dt)
    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    res["rss_before_mb"] = round(rss0 / 1024, 1)
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", default=None, help="model directory (default: the shipped model)")
    ap.add_argument("--chars", type=int, default=100_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quantize", choices=("both", "none", "int8"), default="both")
    ap.add_argument("--engines", default="rules,tagger,model,hybrid")
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # internal: run one engine, print JSON
    args = ap.parse_args(argv)
    if args.model_dir is None:
        from govie.model import default_model_dir

        args.model_dir = str(default_model_dir())
    if args.one:
        engine, q = args.one.split(":")
        print(json.dumps(run_one(engine, args.model_dir, args.chars, args.threads, q)))
        return 0
    runs = []
    quants = ["none", "int8"] if args.quantize == "both" else [args.quantize]
    for engine in args.engines.split(","):
        for q in (["none"] if engine == "rules" else quants):
            cmd = [sys.executable, __file__, "--one", f"{engine}:{q}", "--model-dir", args.model_dir,
                   "--chars", str(args.chars), "--threads", str(args.threads)]
            p = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if p.returncode:
                print(f"{engine}/{q}: failed\n{p.stderr[-2000:]}", file=sys.stderr)
                continue
            runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
            r = runs[-1]
            print(f"{engine:<7} quantize={q:<5} {r['chars_per_s']:>9,} chars/s  peak RSS {r['peak_rss_mb']:>7.1f} MB  "
                  f"(load {r['load_s']} s, {r['chars']:,} chars in {r['seconds']} s, {r['threads']} threads)",
                  flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
