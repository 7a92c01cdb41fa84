"""DOC_NO stress test on the 38,000 real 文号 strings of ../shared/corpus/policy_transparency_docnums.

Every well-formed document number must be found whole, with its serial parsed. Prints the
share found exactly / partially / not at all, and lists the misses for inspection.

Usage: python benchmarks/docnums_stress.py [--show 20]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter

import govie
from govie.io.standoff import shared_dir

_SERIAL = re.compile(r"(\d+)\s*[号號]\s*$")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", type=int, default=20, help="misses to print")
    args = ap.parse_args()
    path = shared_dir() / "corpus/policy_transparency_docnums/docnums.jsonl"
    ex = govie.Extractor(mode="rules")
    outcome: Counter = Counter()
    misses: list[tuple[str, str]] = []
    t0 = time.perf_counter()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            want = (rec.get("doc_number") or "").strip()
            if not want or not re.search(r"\d\s*[号號]", want):
                continue  # not a document number (empty cell, title text)
            doc = ex(want)
            nos = doc.doc_numbers
            m = _SERIAL.search(want)
            serial = int(m.group(1)) if m else None
            if any(e.text == want and e.value and e.value.serial == serial for e in nos):
                outcome["exact"] += 1
            elif any(want.endswith(e.text) and e.value and e.value.serial == serial for e in nos):
                outcome["suffix"] += 1  # a junk prefix ("发文字号：", "已发布") correctly left out
            elif nos:
                outcome["partial"] += 1
                misses.append(("partial", want))
            else:
                outcome["none"] += 1
                misses.append(("none", want))
    dt = time.perf_counter() - t0
    total = sum(outcome.values())
    ok = outcome["exact"] + outcome["suffix"]
    print(f"{total:,} document-number strings in {dt:.1f} s")
    for k in ("exact", "suffix", "partial", "none"):
        print(f"  {k:<8} {outcome[k]:>7,}  {outcome[k] / total:7.2%}")
    print(f"  found whole with serial: {ok / total:.2%}")
    for kind, s in misses[: args.show]:
        print(f"  {kind:<8} {s!r}")


if __name__ == "__main__":
    main()
