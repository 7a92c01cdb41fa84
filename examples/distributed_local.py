"""Run govie on a local Ray cluster: files -> text (Ray tasks) -> extraction (actor pool) -> one JSONL.

    pip install "ray[data]"
    python examples/distributed_local.py --demo 8 --out /tmp/govie_ray.jsonl       # invented documents
    python examples/distributed_local.py reports/ --out results.jsonl --actors 2    # your files

On a real cluster, start Ray there and pass ``--address auto``.  The same code runs:
only ``ray.init`` changes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def demo_files(folder: Path, n: int) -> Path:
    """``n`` small invented documents in three formats, plus one unreadable file."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        s = f"依据《示例办法》(示政发〔2021〕{i + 1}号)，全年受理申请{10 + i}件。下一步，将于2022年6月底前完成改造。"
        if i % 3 == 0:
            (folder / f"doc{i}.txt").write_text(s, encoding="utf-8")
        elif i % 3 == 1:
            (folder / f"doc{i}.txt").write_bytes(s.encode("gb18030"))
        else:
            (folder / f"doc{i}.html").write_text(f"<html><body><p>{s}</p></body></html>", encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="*", help="files or directories (default: --demo documents)")
    ap.add_argument("--out", required=True, help="output JSONL (interchange format)")
    ap.add_argument("--errors", default=None, help="JSONL of files that failed")
    ap.add_argument("--demo", type=int, default=8, help="invented documents to make when no inputs are given")
    ap.add_argument("--actors", type=int, default=1, help="extraction actors (each loads the Extractor once)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--mode", default="rules", choices=("auto", "rules", "model", "hybrid"))
    ap.add_argument("--address", default=None, help="an existing Ray cluster (default: start a local one)")
    ap.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local cluster (default: all)")
    args = ap.parse_args(argv)

    try:
        import ray
    except ImportError:
        print("this example needs Ray Data: pip install 'ray[data]'", file=sys.stderr)
        return 3
    from govie.integrations import distributed as gd

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no network: no usage reports
    t0 = time.perf_counter()
    if args.address:
        ray.init(address=args.address, log_to_driver=False)
    else:
        ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False)
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False
        t_init = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            inputs = args.inputs or [str(demo_files(Path(tmp) / "docs", args.demo))]
            t1 = time.perf_counter()
            done, failed = gd.extract_files(inputs, args.out, errors_path=args.errors, mode=args.mode,
                                            concurrency=args.actors, batch_size=args.batch_size)
            t_run = time.perf_counter() - t1
    finally:
        ray.shutdown()
    print(f"ray: {done} documents written to {args.out}, {failed} failed "
          f"(cluster start {t_init:.1f} s, extraction {t_run:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
