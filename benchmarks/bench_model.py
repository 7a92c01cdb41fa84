"""Throughput and peak memory of rules vs model vs hybrid extraction on CPU.

Usage: python benchmarks/bench_model.py [--model-dir models/govie-zh-small] [--chars 100000]
           [--threads 2] [--quantize both|none|int8] [--backend auto|torch|onnx] [--json OUT]

Text: report passages and seeds from the shared directory, cut to ``--chars`` characters.
For each engine it prints characters/second of ``Extractor.pipe`` (after one warm-up
text), the tagger alone (``Tagger.predict``), and peak memory: the process's peak RSS
(ru_maxrss) measured in a fresh subprocess per engine, so engines do not share a peak.
Beside wall-clock characters/second it reports characters per CPU second of the process
(``chars_per_cpu_s``, all threads added up), which a busy machine disturbs less.

``--backend``: the tagger's forward pass (govie.model.tagger): "onnx" needs a model.onnx in
the model directory (python -m training.export_onnx) and onnxruntime; its quantisation is
the file's own, so ``--quantize`` does not apply to it (the row says ``onnx``/``onnx-int8``).
"auto" (default) is what the library picks: onnx when the directory has a model.onnx.
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


def run_one(engine: str, model_dir: str | None, n_chars: int, threads: int, quantize: str,
            backend: str = "auto") -> dict:
    import os

    os.environ["GOVIE_TAGGER_BACKEND"] = backend  # the pipeline's Tagger.load reads it
    if backend != "onnx":
        import torch

        torch.set_num_threads(threads)
    texts = texts_of(n_chars)
    chars = sum(map(len, texts))
    res = {"engine": engine, "quantize": quantize, "threads": threads, "chars": chars}
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tagger = None
    if engine == "tagger":
        from govie.model.tagger import Tagger

        t0 = time.perf_counter()
        tagger = Tagger.load(model_dir, quantize=(quantize == "int8"), threads=threads, backend=backend)
        res["load_s"] = round(time.perf_counter() - t0, 2)
        tagger.predict(texts[:1])
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, len(texts), 16):
            tagger.predict(texts[i:i + 16])
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
    else:
        import govie

        mode = {"rules": "rules", "model": "model", "hybrid": "hybrid"}[engine]
        t0 = time.perf_counter()
        ex = govie.Extractor(mode=mode, model_dir=model_dir)
        tagger = ex.pipeline.tagger
        if tagger is not None and (quantize == "int8" or getattr(tagger, "backend", "torch") == "onnx"
                                   or (quantize == "none" and tagger.quantized)):  # onnx: to pass threads
            from govie.model.tagger import Tagger

            tagger = ex.pipeline.tagger = Tagger.load(model_dir, quantize=(quantize == "int8"), threads=threads,
                                                      backend=backend)
        res["load_s"] = round(time.perf_counter() - t0, 2)
        ex(texts[0])
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in ex.pipe(texts, batch_size=16):
            pass
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
    if tagger is not None:
        res["backend"] = getattr(tagger, "backend", "torch")
        if res["backend"] == "onnx":
            res["quantize"] = "onnx-int8" if tagger.quantized else "onnx"
    res["seconds"] = round(dt, 2)
    res["chars_per_s"] = round(chars / dt)
    res["cpu_s"] = round(dc, 2)
    res["chars_per_cpu_s"] = round(chars / dc) if dc else None
    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    res["rss_before_mb"] = round(rss0 / 1024, 1)
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", default=None, help="model directory (default: the shipped model)")
    ap.add_argument("--chars", type=int, default=100_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quantize", choices=("both", "none", "int8"), default="both")
    ap.add_argument("--backend", choices=("auto", "torch", "onnx"), default="auto",
                    help="the tagger's backend (onnx: the model directory's model.onnx)")
    ap.add_argument("--engines", default="rules,tagger,model,hybrid")
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # internal: run one engine, print JSON
    args = ap.parse_args(argv)
    if args.model_dir is None:
        from govie.model import default_model_dir

        args.model_dir = str(default_model_dir())
    if args.one:
        engine, q = args.one.split(":")
        print(json.dumps(run_one(engine, args.model_dir, args.chars, args.threads, q, args.backend)))
        return 0
    runs = []
    quants = ["none", "int8"] if args.quantize == "both" else [args.quantize]
    if args.backend == "onnx":
        quants = ["none"]  # the model.onnx is as exported
    for engine in args.engines.split(","):
        for q in (["none"] if engine == "rules" else quants):
            cmd = [sys.executable, __file__, "--one", f"{engine}:{q}", "--model-dir", args.model_dir,
                   "--chars", str(args.chars), "--threads", str(args.threads), "--backend", args.backend]
            p = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if p.returncode:
                print(f"{engine}/{q}: failed\n{p.stderr[-2000:]}", file=sys.stderr)
                continue
            runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
            r = runs[-1]
            cpu = f"{r['chars_per_cpu_s']:>9,}" if r.get("chars_per_cpu_s") else f"{'-':>9}"
            print(f"{engine:<7} quantize={r['quantize']:<9} {r['chars_per_s']:>9,} chars/s {cpu} chars/CPU-s  "
                  f"peak RSS {r['peak_rss_mb']:>7.1f} MB  (load {r['load_s']} s, {r['chars']:,} chars in "
                  f"{r['seconds']} s, {r['threads']} threads)", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
