"""Pathological inputs: extraction time must grow linearly with the size of ONE document.

Usage: python benchmarks/pathological.py [--sizes 1 5] [--model-sizes 0.01 0.05] [--no-model]
            [--cases NAME ...] [--max-ratio 7] [--limit 600] [--out benchmarks/results/pathological.txt]

Each case builds a single document of ``size`` MB (10**6 characters) and times
``Extractor(mode=...)(text)``.  It prints seconds per MB for every size and the ratio
``time(big) / time(small)``; for linear work the ratio is about ``big/small`` (5 for
1 MB -> 5 MB), for quadratic work 25.  The script exits 1 when any ratio exceeds
``--max-ratio`` (default 7), i.e. when a case is clearly superlinear, or when one
extraction runs past ``--limit`` seconds (default 600; it is then killed).

Cases: one repeated CJK character, one repeated digit, 《 alone, 〔2020〕 alone, a
single line with no punctuation (the sample report with punctuation and line breaks
removed), alternating scripts (CJK/Latin/digits/Arabic), 》 alone, repeated 年/月/号
units, the sample report repeated, the report as one sentence of comma clauses, a run
of time adverbials and a list of 文号 after one title.  Rules mode always; model mode too when
``govie.model.available()`` (otherwise it says it is skipped).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import sys
import time
from pathlib import Path

import govie

ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000

_FALLBACK_REPORT = (  # used only when examples/sample_report.txt is absent; invented text
    "某某区人民政府2020年政府信息公开工作年度报告\n"
    "依据《政府信息公开条例》（某政办发〔2020〕12号）编制。2020年1月1日至2020年12月31日，"
    "全区主动公开政府信息1,234条，受理依申请公开56件，较上年增长约8%。\n"
    "下一步，区政府将于2021年6月底前完成门户网站改造，确保答复率不低于95%。\n"
)


def sample_report() -> str:
    p = ROOT / "examples" / "sample_report.txt"
    return p.read_text(encoding="utf-8") if p.exists() else _FALLBACK_REPORT


def _fill(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _no_punct(report: str) -> str:
    return re.sub(r"[\s\u3000,，。;；:：、!！?？()（）《》〈〉〔〕“”\"'【】\[\]|-]", "", report)


def cases(report: str) -> dict[str, callable]:
    alt = "政府abc123مرحبا公开XYZ٤٥٦信息"
    return {
        "repeat_cjk": lambda n: _fill("公", n),
        "repeat_digit": lambda n: _fill("7", n),
        "open_title_only": lambda n: _fill("《", n),
        "close_title_only": lambda n: _fill("》", n),
        "bracket_year_only": lambda n: _fill("〔2020〕", n),
        "units_only": lambda n: _fill("年月日号万", n),
        "one_line_no_punct": lambda n: _fill(_no_punct(report), n),
        "alternating_scripts": lambda n: _fill(alt, n),
        "report_repeated": lambda n: _fill(report + "\n", n),
        # full stops lost: the whole report as one sentence of comma clauses
        "one_sentence_clauses": lambda n: _fill(re.sub(r"[。；;！？!?\n]+", "，", report), n),
        # a run of time adverbials (下一步，同时，…) in one sentence
        "adverbial_clauses": lambda n: _fill("下一步，同时，", n),
        # a long list of 文号 after one 《title》
        "doc_no_list": lambda n: "《某某办法》" + _fill("某办〔2020〕1号、", n - 6),
    }


def timed(extractor, text: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    doc = extractor(text)
    return time.perf_counter() - t0, len(doc.entities)


def _child(conn, mode: str, name: str, n: int) -> None:
    ex = _extractor(mode)
    conn.send(timed(ex, cases(sample_report())[name](n)))
    conn.close()


def _extractor(mode: str):
    ex = govie.Extractor(mode=mode)
    ex("预热2020年3月1日，《办法》某办〔2020〕1号，共5件。")  # load tables / weights outside the timing
    return ex


def timed_limited(mode: str, name: str, n: int, limit: float) -> tuple[float | None, int]:
    """Time one case in a fresh (spawned, so torch-safe) process killed after ``limit`` seconds
    of extraction: (None, 0) when it ran out.  ``limit <= 0`` times it in this process."""
    if limit <= 0:
        return timed(_extractor(mode), cases(sample_report())[name](n))
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, mode, name, n))
    proc.start()
    child.close()
    # the child loads govie (and the model) first: allow for that on top of the limit
    if parent.poll(limit + 120):
        out = parent.recv()
        proc.join()
        return out
    proc.kill()
    proc.join()
    return None, 0


def run(mode: str, sizes: list[float], names: list[str] | None, max_ratio: float, lines: list[str],
        limit: float = 0.0) -> bool:
    ok = True
    table = cases(sample_report())
    head = f"{'case':22s}" + "".join(f"{f'{s:g}MB s':>10s}{'s/MB':>8s}" for s in sizes) + f"{'ratio':>8s}{'ents':>9s}"
    lines.append(f"[{mode} mode] sizes {sizes} MB; limit ratio {max_ratio} (linear = {sizes[-1] / sizes[0]:g})")
    lines.append(head)
    print(lines[-2], "\n" + head, flush=True)
    for name in table:
        if names and name not in names:
            continue
        times, ents, cut = [], 0, False
        for s in sizes:
            dt, ents = timed_limited(mode, name, int(s * MB), limit)
            if dt is None:  # ran out of time: the ratio is at least limit / first time
                cut = True
                times.append(float(limit))
                break
            times.append(dt)
        ratio = times[-1] / max(times[0], 1e-9)
        bad = ratio > max_ratio or cut  # killed: far slower than linear work needs, count it as a failure
        ok = ok and not bad
        cells = [f"{t:10.2f}{t / s:8.2f}" for t, s in zip(times, sizes)]
        if cut:
            cells[-1] = f"{'>' + format(limit, 'g'):>10s}{'-':>8s}"
        cells += [f"{'-':>10s}{'-':>8s}"] * (len(sizes) - len(cells))
        row = f"{name:22s}" + "".join(cells) + f"{('>=' if cut else '') + format(ratio, '.2f'):>8s}" + \
            (f"{'-':>9s}" if cut else f"{ents:9d}")
        if bad:
            row += f"  TIMEOUT (killed after {limit:g} s)" if cut else "  SUPERLINEAR"
        lines.append(row)
        print(row, flush=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1.0, 5.0], help="document sizes in MB (chars)")
    ap.add_argument("--model-sizes", type=float, nargs="+", default=None,
                    help="sizes for model mode (default: --sizes); on CPU the model reads ~1 kB/s")
    ap.add_argument("--no-model", action="store_true", help="rules mode only")
    ap.add_argument("--cases", nargs="*", default=None, help="case names (default: all)")
    ap.add_argument("--max-ratio", type=float, default=7.0)
    ap.add_argument("--out", type=Path, default=None, help="also write the table to this file")
    ap.add_argument("--limit", type=float, default=600.0,
                    help="seconds one extraction may take before it is killed and counted superlinear (0: no limit)")
    args = ap.parse_args(argv)
    lines: list[str] = [f"govie {govie.__version__}, python {sys.version.split()[0]}"]
    ok = run("rules", args.sizes, args.cases, args.max_ratio, lines, args.limit)
    from govie import model

    if args.no_model:
        lines.append("[model mode] skipped: --no-model")
        print(lines[-1])
    elif model.available():
        ok = run("model", args.model_sizes or args.sizes, args.cases, args.max_ratio, lines, args.limit) and ok
    else:
        lines.append(f"[model mode] skipped: {model.unavailable_reason()}")
        print(lines[-1])
    lines.append("PASS: no case is superlinear" if ok else "FAIL: superlinear or timed-out case(s) above")
    print(lines[-1])
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
