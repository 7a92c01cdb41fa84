"""Turn an annotator's draft (entities given by their text, in document order) into stand-off gold.

Draft JSONL, one document a line::

    {"doc_id": "p0001", "source": "corpus/report_passages/report_passages.jsonl", "key": "p0001",
     "meta": {"reference_year": 2021}, "annotator": "A",
     "entities": [{"id": "e1", "label": "TITLE", "text": "...", "value": null}, ...],
     "relations": [{"head": "e2", "tail": "e1", "label": "doc_title"}]}

Entities must be listed in order of their start in the text (a COMMITMENT before the
DATE inside it).  Each is anchored at the first occurrence at or after the previous
entity's start that is not already taken by the same label; ``"at": N`` pins an exact
start offset instead.  The output record carries offsets, labels and values but no
text, and is validated by joining it back (``govie.io.standoff.join``).

Usage: python -m training.anchor DRAFT.jsonl --out training/data/gold/NAME.jsonl [--show]
"""

from __future__ import annotations

import argparse
import json
import sys

from govie.io.standoff import join, sha256, source_text


def anchor(draft: dict) -> dict:
    text = source_text(draft["source"], draft.get("key"))
    cursor = 0
    taken: set[tuple[int, str]] = set()
    ents = []
    for e in draft.get("entities", ()):
        needle = e["text"]
        if "at" in e:
            pos = e["at"]
            if text[pos:pos + len(needle)] != needle:
                raise ValueError(f"{draft['doc_id']} {e['id']}: text at {pos} is not {needle!r}")
        else:
            pos = text.find(needle, cursor)
            while pos >= 0 and (pos, e["label"]) in taken:
                pos = text.find(needle, pos + 1)
            if pos < 0:
                raise ValueError(f"{draft['doc_id']} {e['id']}: {needle!r} not found after offset {cursor}")
        taken.add((pos, e["label"]))
        cursor = pos
        rec = {"id": e["id"], "start": pos, "end": pos + len(needle), "label": e["label"]}
        if e.get("value") is not None:
            rec["value"] = e["value"]
        ents.append(rec)
    out = {"doc_id": draft["doc_id"], "source": draft["source"], "key": draft.get("key"),
           "sha256": sha256(text), "entities": ents, "relations": draft.get("relations", []),
           "meta": draft.get("meta", {})}
    if draft.get("annotator"):
        out["annotator"] = draft["annotator"]
    join(out)  # validates offsets, labels, overlaps, relations and values
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("draft")
    ap.add_argument("--out", required=True)
    ap.add_argument("--show", action="store_true", help="print each entity with context")
    args = ap.parse_args(argv)
    ok = bad = 0
    with open(args.draft, encoding="utf-8") as fh, open(args.out, "w", encoding="utf-8") as out:
        for line in fh:
            if not line.strip():
                continue
            draft = json.loads(line)
            try:
                rec = anchor(draft)
            except Exception as exc:  # report every bad document, keep going
                bad += 1
                print(f"ERROR {draft.get('doc_id')}: {exc}", file=sys.stderr)
                continue
            ok += 1
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            if args.show:
                text = source_text(rec["source"], rec.get("key"))
                for e in rec["entities"]:
                    s, t = e["start"], e["end"]
                    print(f"{rec['doc_id']} {e['id']:>4} {e['label']:<10} {s:>5} "
                          f"…{text[max(0, s - 8):s]}[{text[s:t]}]{text[t:t + 8]}… {e.get('value', '')}")
    print(f"{ok} documents written, {bad} failed", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
