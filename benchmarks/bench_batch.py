"""Throughput and peak memory of ``govie batch`` with 1 and 2 workers (rules; model modes when installed).

Usage: python benchmarks/bench_batch.py [--docs 600] [--workers 1 2] [--modes rules model]
           [--json benchmarks/results/batch.json]

Documents: the report passages and seeds of the shared directory, cycled to ``--docs``
files (written to a temporary folder, never into the repo).  Each configuration runs
``python -m govie batch`` in a fresh subprocess, so start-up (imports, worker spawn,
Extractor load) is included as a user would see it.  Reported per configuration:
docs/s and chars/s over the batch's own clock (``--stats``), the wall time of the whole
command, the CPU seconds of the command and its workers (start-up included; less
sensitive to other load on the machine than wall time), and peak memory: the largest single process and,
with psutil, the peak sum over the process tree (parent + workers) sampled every 50 ms
(without psutil: ru_maxrss of the children, cumulative over the runs so far).
Model modes run only when ``govie.model.available()``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def corpus_texts() -> list[str]:
    sys.path.insert(0, str(REPO))
    from govie.io.standoff import shared_dir

    shared = shared_dir()
    texts = [p.read_text(encoding="utf-8") for p in sorted((shared / "seeds").glob("*.txt"))]
    with open(shared / "corpus/report_passages/report_passages.jsonl", encoding="utf-8") as fh:
        texts += [json.loads(line)["text"] for line in fh]
    return texts


def make_docs(folder: Path, n: int) -> int:
    texts = corpus_texts()
    chars = 0
    for i in range(n):
        t = texts[i % len(texts)]
        (folder / f"d{i // 500:03d}").mkdir(exist_ok=True)
        (folder / f"d{i // 500:03d}" / f"doc{i:05d}.txt").write_text(t, encoding="utf-8")
        chars += len(t)
    return chars


def tree_rss(proc) -> tuple[int, int]:
    """(sum, max) of the RSS of ``proc`` and its descendants."""
    try:
        procs = [proc] + proc.children(recursive=True)
    except Exception:
        return 0, 0
    total = biggest = 0
    for p in procs:
        try:
            rss = p.memory_info().rss
        except Exception:
            continue
        total += rss
        biggest = max(biggest, rss)
    return total, biggest


def run_one(folder: Path, out_dir: Path, mode: str, workers: int) -> dict:
    out = out_dir / f"out_{mode}_{workers}.jsonl"
    cmd = [sys.executable, "-m", "govie", "batch", str(folder), "--out", str(out), "--mode", mode,
           "--workers", str(workers), "--no-progress", "--stats"]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        import psutil
    except ImportError:
        psutil = None
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    peak_tree = peak_proc = 0
    if psutil is not None:
        ps = psutil.Process(proc.pid)
        while proc.poll() is None:
            total, biggest = tree_rss(ps)
            peak_tree, peak_proc = max(peak_tree, total), max(peak_proc, biggest)
            time.sleep(0.05)
    stderr = proc.communicate()[1]
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)  # parent + workers, start-up included
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {stderr[-2000:]}")
    stats = json.loads(stderr.strip().splitlines()[-1])
    res = {"mode": mode, "workers": workers, "docs": stats["docs"], "failed": stats["failed"],
           "chars": stats["chars"], "batch_s": stats["seconds"], "wall_s": round(wall, 2),
           "docs_per_s": stats["docs_per_s"], "chars_per_s": stats["chars_per_s"], "cpu_s": round(cpu, 2),
           "docs_per_cpu_s": round(stats["docs"] / cpu, 1) if cpu > 0 else None}
    if psutil is not None:
        res["peak_rss_max_process_mb"] = round(peak_proc / 2**20, 1)
        res["peak_rss_tree_mb"] = round(peak_tree / 2**20, 1)
    else:  # cumulative over the children run so far: an upper bound
        res["peak_rss_max_process_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    out.unlink(missing_ok=True)
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=600)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--modes", nargs="+", default=["rules", "model", "hybrid"],
                    help="model modes are skipped when no model is installed")
    ap.add_argument("--json", default=str(REPO / "benchmarks/results/batch.json"))
    args = ap.parse_args(argv)

    sys.path.insert(0, str(REPO))
    from govie import model as model_pkg

    modes = [m for m in args.modes if m == "rules" or model_pkg.available(None)]
    skipped = [m for m in args.modes if m not in modes]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        chars = make_docs(folder, args.docs)
        for mode in modes:
            for w in args.workers:
                r = run_one(folder, Path(tmp), mode, w)
                rows.append(r)
                print(f"  {mode} workers={w}: {r['docs_per_s']} docs/s", file=sys.stderr)
    result = {"benchmark": "govie batch", "docs": args.docs, "chars": chars,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_avg_1m": round(os.getloadavg()[0], 2)},
              "skipped_modes": skipped, "results": rows}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("| mode | workers | docs | docs/s | chars/s | batch s | wall s | CPU s | docs/CPU-s | "
          "peak RSS max process MB | peak RSS tree MB |\n|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['mode']} | {r['workers']} | {r['docs']} | {r['docs_per_s']} | {r['chars_per_s']:.0f} | "
              f"{r['batch_s']} | {r['wall_s']} | {r['cpu_s']} | {r['docs_per_cpu_s']} | "
              f"{r['peak_rss_max_process_mb']} | {r.get('peak_rss_tree_mb', '-')} |")
    print(f"\n(load average over 1 min at the end: {result['machine']['load_avg_1m']} on {os.cpu_count()} CPUs)")
    if skipped:
        print(f"\n(skipped, no model installed: {', '.join(skipped)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
