"""Training data: gold documents, their split, and rule-labelled silver sentences.

Gold: every file under the configured paths, in any format ``govie.io.formats`` reads
(stand-off records joined to the shared text, interchange JSONL, doccano JSONL, Label
Studio JSON); without that module, stand-off and interchange only (``_fallback_iter``).
A document listed twice (same id) is taken once, the first time.

Split: an explicit ``splits`` mapping of the config wins; else the split rule of
training/splits.py (by the passage's site; seeds are dev); a document the rule cannot
place (user data without a domain) goes by ``sha1(id) % 10`` with the same thresholds.

Examples carry the *normalised view* text (govie.text.TextView), which is what the
runtime tagger reads, with spans moved into view offsets.

Silver (``silver_examples``): rules-mode extraction (``govie.extract(text, mode="rules")``)
over shared corpus text, keeping only DOC_NO/TITLE/DATE/COUNT. Filter: lines that are
table rows (ANNOTATION.md Tables) are dropped; the rest are cut into sentences at
。！？； and a sentence is kept only when the rules fire in it and it is 8–240
characters long; consecutive kept sentences of one document are packed into chunks of
up to 300 characters. Report passages that are gold, or whose site is in the dev or
test split, are never used as silver; neither are the seeds. Silver tokens are
down-weighted (``silver.weight``, default 0.3) and SUBJECT/COMMITMENT count as
*unannotated* there (partial-label loss, see training/encode.py), so silver never
teaches the model that something is not a SUBJECT or COMMITMENT.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govie.labels import ENTITY_LABELS
from govie.text import TextView
from govie.types import Document


@dataclass
class Example:
    id: str
    text: str  # the normalised view text the model reads
    spans: list[tuple[int, int, str]]  # view offsets
    split: str = "train"
    weight: float = 1.0
    unannotated: tuple[str, ...] = ()
    kind: str = "gold"
    doc: Document | None = field(default=None, repr=False)  # the gold document (original offsets)


# ----------------------------------------------------------------------------- gold
def _fallback_iter(path: Path) -> Iterator[tuple[Document, dict[str, Any]]]:
    """Stand-off and interchange JSONL only (used when govie.io.formats is missing)."""
    from govie.io.standoff import join

    files = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                rec = json.loads(line)
                if "text" not in rec and "source" in rec:
                    yield join(rec), {"path": str(f), "line": n, "format": "standoff",
                                      "source": rec.get("source"), "key": rec.get("key")}
                else:
                    yield Document.from_dict(rec), {"path": str(f), "line": n, "format": "interchange"}


def iter_gold(paths: Iterable[str | Path]) -> Iterator[tuple[Document, dict[str, Any]]]:
    """(Document, info) for every gold document in ``paths`` (files or folders)."""
    try:
        from govie.io.formats import iter_any  # hook: doccano / Label Studio / stand-off / JSONL
    except ImportError:
        iter_any = None
    for p in paths:
        p = Path(p)
        if iter_any is not None:
            yield from iter_any(p)
        else:
            yield from _fallback_iter(p)


def _hash_split(key: str) -> str:
    h = int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 10
    return "test" if h < 2 else "dev" if h < 4 else "train"


def split_for(doc: Document, info: Mapping[str, Any], explicit: Mapping[str, str] | None = None) -> str:
    """The split of a gold document (see the module docstring)."""
    if explicit and doc.id in explicit:
        return explicit[doc.id]
    if isinstance(doc.meta.get("split"), str) and doc.meta["split"] in ("train", "dev", "test"):
        return doc.meta["split"]
    try:
        from training.splits import split_of_document
    except ImportError:  # older training/splits.py
        split_of_document = None
    s = None
    if split_of_document is not None:
        s = split_of_document(doc.id, info, doc.meta)
    return s or _hash_split(str(doc.id or doc.text[:64]))


def to_example(doc: Document, split: str, labels: Iterable[str] = ENTITY_LABELS) -> Example:
    """The view-text example of a gold document."""
    view = TextView.from_text(doc.text)
    labels = set(labels)
    spans = []
    for e in doc.entities:
        if e.label not in labels:
            continue
        s, t = view.to_view(e.start, e.end)
        if t > s:
            spans.append((s, t, e.label))
    return Example(str(doc.id), view.text, sorted(spans), split, 1.0, (), "gold", doc)


def load_gold(paths: Iterable[str | Path], splits: Mapping[str, list[str]] | None = None,
              log=print) -> list[Example]:
    """Gold examples of every document in ``paths`` with their split."""
    explicit = {str(i): s for s, ids in (splits or {}).items() for i in ids}
    seen: set[str] = set()
    out: list[Example] = []
    dup = 0
    for doc, info in iter_gold(paths):
        key = str(doc.id) if doc.id is not None else hashlib.sha1(doc.text.encode()).hexdigest()
        if key in seen:
            dup += 1
            continue
        seen.add(key)
        out.append(to_example(doc, split_for(doc, info, explicit)))
    if dup and log:
        log(f"data: {dup} duplicate gold documents skipped")
    return out


# ----------------------------------------------------------------------------- silver
_SENT_END = re.compile(r"[。！？；!?;]")


def _is_table_line(line: str) -> bool:
    try:
        from govie.scoring import is_table_line
    except ImportError:
        from govie.rules.table_lines import is_table_line
    return is_table_line(line)


def sentences(text: str, min_chars: int = 8, max_chars: int = 240) -> Iterator[tuple[int, int]]:
    """(start, end) of the prose sentences of ``text``: no table rows, length-bounded."""
    pos = 0
    for line in text.split("\n"):
        lstart = pos
        pos += len(line) + 1
        if not line.strip() or _is_table_line(line):
            continue
        s = 0
        for m in _SENT_END.finditer(line):
            e = m.end()
            yield from _bounded(line, lstart, s, e, min_chars, max_chars)
            s = e
        if s < len(line):
            yield from _bounded(line, lstart, s, len(line), min_chars, max_chars)


def _bounded(line, base, s, e, lo, hi):
    while s < e and line[s].isspace():
        s += 1
    while e > s and line[e - 1].isspace():
        e -= 1
    if lo <= e - s <= hi:
        yield base + s, base + e


def _source_texts(path: Path, exclude_ids: set[str], limit_chars: int, rng: random.Random) -> list[tuple[str, str]]:
    """(id, text) of a JSONL corpus file, shuffled, skipping excluded ids."""
    recs = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            r = json.loads(line)
            rid = str(r.get("id"))
            if rid in exclude_ids or not isinstance(r.get("text"), str):
                continue
            recs.append((rid, r["text"]))
    rng.shuffle(recs)
    out, total = [], 0
    for rid, text in recs:
        out.append((rid, text))
        total += len(text)
        if total >= limit_chars:
            break
    return out


def silver_from_text(doc_id: str, text: str, labels: Iterable[str], cfg, extract=None) -> list[Example]:
    """Silver chunks of one text: rules-mode spans of ``labels`` inside kept sentences."""
    if extract is None:
        from govie import extract
    labels = tuple(labels)
    doc = extract(text, mode="rules")
    view = TextView.from_text(text)
    vt = view.text
    ents = []
    for e in doc.entities:
        if e.label in labels:
            s, t = view.to_view(e.start, e.end)
            if t > s:
                ents.append((s, t, e.label))
    ents.sort()
    out: list[Example] = []
    chunk: list[tuple[int, int]] = []

    def flush():
        if not chunk:
            return
        cs, ce = chunk[0][0], chunk[-1][1]
        spans = [(s - cs, t - cs, lab) for s, t, lab in ents if s >= cs and t <= ce]
        out.append(Example(f"silver:{doc_id}:{cs}", vt[cs:ce], spans, "train", cfg.weight,
                           tuple(lab for lab in ENTITY_LABELS if lab not in labels), "silver"))

    import bisect

    starts = [s for s, _, _ in ents]
    for s, e in sentences(vt, cfg.min_chars, cfg.max_chars):
        i = bisect.bisect_left(starts, s)
        inside = i < len(ents) and ents[i][0] < e
        # a span cut by the sentence edge makes the sentence unusable
        cut = any(a < s < b or a < e < b for a, b, _ in ents[max(0, i - 2):i + 8])
        if not inside or cut:
            flush()
            chunk = []
            continue
        if chunk and (e - chunk[0][0] > cfg.chunk_chars or vt[chunk[-1][1]:s].count("\n") > 1):
            flush()
            chunk = []
        chunk.append((s, e))
    flush()
    return out


def silver_examples(cfg, shared: Path, exclude_passages: set[str], seed: int = 13, log=print) -> list[Example]:
    """Rule-labelled silver examples (see the module docstring); ``cfg`` is a SilverConfig."""
    if not cfg.max_sentences or cfg.weight <= 0:
        return []
    rng = random.Random(seed)
    sources = list(cfg.sources)
    mix = list(cfg.mix) + [None] * (len(sources) - len(cfg.mix))
    even = 1.0 / max(1, len(sources))
    out: list[Example] = []
    for src, share in zip(sources, mix):
        path = shared / src
        if not path.exists():
            if log:
                log(f"silver: {src} not found, skipped")
            continue
        want = int(cfg.max_sentences * (share if share is not None else even))
        exclude = set(exclude_passages) if "report_passages" in src else set()
        if "report_passages" in src:
            exclude |= _held_out_passages(shared)
        texts = _source_texts(path, exclude, limit_chars=max(2000, want * 400), rng=rng)
        got: list[Example] = []
        n_sent = 0
        for rid, text in texts:
            for ex in silver_from_text(rid, text, cfg.labels, cfg):
                got.append(ex)
                n_sent += len(_SENT_END.findall(ex.text)) or 1
            if n_sent >= want:
                break
        if log:
            log(f"silver: {src}: {len(got)} chunks, ~{n_sent} sentences, "
                f"{sum(len(e.spans) for e in got)} spans")
        out.extend(got)
    return out


def _held_out_passages(shared: Path) -> set[str]:
    """Ids of report passages whose site is in dev or test (never silver)."""
    from training.splits import split_of_domain

    out = set()
    path = shared / "corpus/report_passages/report_passages.jsonl"
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                if not r.get("domain") or split_of_domain(r["domain"]) != "train":
                    out.add(str(r["id"]))
    return out


def summary(examples: Iterable[Example]) -> dict[str, dict[str, int]]:
    """Counts per split and kind: documents, characters and spans per label."""
    out: dict[str, dict[str, int]] = {}
    for ex in examples:
        key = f"{ex.kind}:{ex.split}"
        d = out.setdefault(key, {"docs": 0, "chars": 0})
        d["docs"] += 1
        d["chars"] += len(ex.text)
        for _, _, lab in ex.spans:
            d[lab] = d.get(lab, 0) + 1
    return out
