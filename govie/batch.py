"""Batch extraction over many files or JSONL records: streaming, parallel, resumable.

``run_batch(inputs, out)`` reads every input (files of :mod:`govie.io.readers` formats,
directories walked streaming, and ``.jsonl`` files whose records hold a text field),
extracts, and writes one interchange JSONL record per document to ``out`` as soon as it
is done (flushed per document), with ``meta.source_path``, ``meta.source_sha256`` (of the
file's bytes; of the UTF-8 text for a JSONL record) and, for records, ``meta.source_record``.

* Memory is bounded: inputs are streamed, and at most ``2 * workers`` chunks of
  ``chunk_size`` documents are in flight; results are written in input order (except
  for the documents re-run after a worker died).
* ``workers > 1`` runs a process pool whose workers each load the Extractor once (start
  method spawn, safe with torch and threads; ``GOVIE_MP_START=fork`` starts ~1.5 s faster);
  a worker that dies (crash, out of memory) costs only its document: the documents in
  flight are re-run one at a time, alone, and the one that kills a worker again is reported.
* ``resume=True`` skips every document whose (source_path, source_record) is already in
  ``out``; a truncated last line (a killed run) is cut away first.  Flat outputs are
  rebuilt from ``out`` on resume, so they always match it exactly.
* Failures (unreadable, unsupported, too large, extraction errors) go to ``errors_path``
  as JSONL ``{"source", "record", "reason", "exception"}`` and never stop the batch;
  :attr:`BatchStats.exit_code` is 1 when any document failed.
* Flat outputs, streamed: facts (one row per prose COUNT), commitments, document numbers
  and metrics (one wide row per report, from ``govie.tables`` when present); ``.csv``, or
  ``.parquet`` when pyarrow is installed.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import json
import os
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from .errors import InvalidDocument
from .io.paths import ensure_parent

#: record-container extensions read line by line
JSONL_EXTENSIONS = (".jsonl", ".ndjson", ".jsonl.gz")


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Item:
    """One document to extract: a file, or one record of a JSONL file.

    ``error`` is set for an input that failed before extraction (a bad JSON line, a
    missing path); such an item goes straight to the errors file.
    """

    source: str
    record: str | None = None
    text: str | None = None
    doc_id: str | None = None
    reference_year: int | None = None
    error: str | None = None
    exception: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.source, self.record)


def _is_jsonl(name: str) -> bool:
    return name.lower().endswith(JSONL_EXTENSIONS)


@lru_cache(maxsize=32)
def _glob_regex(pattern: str) -> re.Pattern:
    """A path glob: ``*`` and ``?`` stay within one folder, ``**/`` spans any number of folders."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape("["))
                i += 1
            else:
                out.append(fnmatch.translate(pattern[i:j + 1])[4:-3])
                i = j + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _wanted(rel: str, name: str, glob: str | None) -> bool:
    if name.startswith("."):
        return False
    if glob:
        if "/" in glob:
            return _glob_regex(glob).match(rel) is not None
        return fnmatch.fnmatch(name, glob)
    from .io.readers import format_of

    return format_of(name) is not None or _is_jsonl(name)


def _walk(root: str, glob: str | None, recursive: bool, exclude: set[str]) -> Iterator[str]:
    """Files under ``root`` in sorted order, one directory listing at a time."""
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    if recursive and not e.name.startswith("."):
                        subdirs.append(e.path)
                    continue
                if not e.is_file():
                    continue
            except OSError:
                continue
            rel = os.path.relpath(e.path, root).replace(os.sep, "/")
            if _wanted(rel, e.name, glob) and os.path.realpath(e.path) not in exclude:
                yield e.path
        stack.extend(reversed(subdirs))


def _records(path: str, text_field: str, id_field: str) -> Iterator[Item]:
    from .io.jsonl import open_text

    seen: set[str] = set()
    try:
        with open_text(path) as fh:
            for n, line in enumerate(fh, 1):
                if n == 1 and line.startswith("\ufeff"):
                    line = line[1:]
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield Item(path, f"#{n}", error=f"{path}:{n}: not a JSON line ({exc.msg})",
                               exception="JSONDecodeError")
                    continue
                rid_raw = rec.get(id_field) if isinstance(rec, dict) else None
                rid = str(rid_raw) if rid_raw is not None else f"#{n}"
                if rid in seen:  # a repeated id would make resume ambiguous
                    rid = f"{rid}#{n}"
                seen.add(rid)
                if not isinstance(rec, dict):
                    yield Item(path, rid, error=f"{path}:{n}: a line must hold a JSON object", exception="InvalidDocument")
                    continue
                text = rec.get(text_field)
                if not isinstance(text, str):
                    yield Item(path, rid, error=f"{path}:{n}: no string field {text_field!r}",
                               exception="InvalidDocument")
                    continue
                ry = rec.get("reference_year")
                if ry is None and isinstance(rec.get("meta"), dict):
                    ry = rec["meta"].get("reference_year")
                yield Item(path, rid, text=text, doc_id=str(rid_raw) if rid_raw is not None else f"{path}{rid}",
                           reference_year=ry if isinstance(ry, int) and not isinstance(ry, bool) else None)
    except (OSError, EOFError, UnicodeDecodeError) as exc:  # unreadable or broken .gz
        yield Item(path, None, error=f"{path}: cannot read: {exc}", exception=type(exc).__name__)


def iter_inputs(inputs: str | Path | Iterable[str | Path], glob: str | None = None, recursive: bool = True,
                text_field: str = "text", id_field: str = "id", exclude: Iterable[str | Path] = ()) -> Iterator[Item]:
    """Stream the documents of ``inputs``: files, directories (walked) and ``.jsonl`` record files.

    A file named on its own is always taken; files found in a directory are taken when
    they match ``glob`` (on the name, or on the path relative to the directory when the
    pattern has a ``/``), by default when their extension is a known format or ``.jsonl``.
    Paths in ``exclude`` (e.g. the batch's own outputs) are skipped.
    """
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    excl = {os.path.realpath(str(p)) for p in exclude}
    for inp in inputs:
        p = str(inp)
        if os.path.isdir(p):
            for f in _walk(p, glob, recursive, excl):
                if _is_jsonl(f):
                    yield from _records(f, text_field, id_field)
                else:
                    yield Item(f, doc_id=f)
        elif os.path.exists(p):
            if os.path.realpath(p) in excl:
                continue
            if _is_jsonl(p):
                yield from _records(p, text_field, id_field)
            else:
                yield Item(p, doc_id=p)
        else:
            yield Item(p, error=f"{p}: no such file or directory", exception="FileNotFoundError")


# --------------------------------------------------------------------------- flat rows
KEY_COLUMNS = ("doc_id", "source_path", "source_record")
COMMITMENT_COLUMNS = ("text", "start", "end", "deadline_text", "deadline_start", "deadline_end",
                      "deadline_granularity", "deadline_modifier", "targets", "entity_id")
DOCNUM_COLUMNS = ("text", "start", "end", "issuer", "year", "serial", "title", "entity_id")
_INT = {"start", "end", "year", "serial", "tables", "cells", "checks_passed", "checks_failed", "checks_unknown"}
_FLOAT = {"value"}


def _tables_module():
    try:
        from . import tables
    except ImportError:
        return None
    return tables if hasattr(tables, "metrics_row") else None


def flat_columns(kind: str) -> list[str]:
    """The columns of a flat output ("facts", "commitments", "docnums", "metrics")."""
    if kind == "facts":
        from .views import FACT_KEYS

        return list(KEY_COLUMNS) + list(FACT_KEYS)
    if kind == "commitments":
        return list(KEY_COLUMNS) + list(COMMITMENT_COLUMNS)
    if kind == "docnums":
        return list(KEY_COLUMNS) + list(DOCNUM_COLUMNS)
    if kind == "metrics":
        tables = _tables_module()
        if tables is None:
            raise ImportError("govie.tables is not available: no metrics output")
        cols = tables.row_columns() if hasattr(tables, "row_columns") else ["id"] + tables.metric_columns()
        return ["doc_id", "source_path", "source_record"] + [c for c in cols if c != "id"]
    raise ValueError(f"unknown flat output {kind!r}")


def flat_rows(doc, kind: str) -> list[dict[str, Any]]:
    """The rows of ``doc`` (a Document whose meta has source_path/source_record) for ``kind``."""
    meta = doc.meta or {}
    key = {"doc_id": doc.id, "source_path": meta.get("source_path"), "source_record": meta.get("source_record")}
    if kind == "facts":
        return [{**key, **r} for r in doc.facts()]
    if kind == "commitments":
        out = []
        for c in doc.commitments:
            d = c.deadline
            out.append({**key, "text": c.text, "start": c.start, "end": c.end, "deadline_text": c.deadline_text,
                        "deadline_start": d.start if d else None, "deadline_end": d.end if d else None,
                        "deadline_granularity": d.granularity if d else None,
                        "deadline_modifier": d.modifier if d else None,
                        "targets": json.dumps([t.to_dict() for t in c.targets], ensure_ascii=False) if c.targets
                        else None, "entity_id": c.entity_id})
        return out
    if kind == "docnums":
        title: dict[str, str] = {}
        ents = {e.id: e for e in doc.entities}
        for r in doc.relations:
            if r.label == "doc_title" and r.head not in title and r.tail in ents:
                title[r.head] = ents[r.tail].text
        out = []
        for e in doc.doc_numbers:
            v = e.value
            out.append({**key, "text": e.text, "start": e.start, "end": e.end,
                        "issuer": getattr(v, "issuer", None), "year": getattr(v, "year", None),
                        "serial": getattr(v, "serial", None), "title": title.get(e.id), "entity_id": e.id})
        return out
    if kind == "metrics":
        tables = _tables_module()
        if tables is None:
            return []
        row = dict(tables.metrics_row(doc))
        row.pop("id", None)
        return [{**key, **row}]
    raise ValueError(f"unknown flat output {kind!r}")


class FlatWriter:
    """Streams rows to ``.csv`` (flushed per document) or ``.parquet`` (row groups)."""

    def __init__(self, path: str, columns: Sequence[str], row_group: int = 2000):
        self.path = str(path)
        self.columns = list(columns)
        self.parquet = self.path.lower().endswith(".parquet")
        self._rows: list[dict] = []
        self._row_group = row_group
        self.count = 0
        if self.parquet:
            try:
                import pyarrow as pa
                import pyarrow.parquet as pq
            except ImportError:
                raise ImportError(f"{self.path}: writing .parquet needs pyarrow (pip install pyarrow)") from None
            self._pa = pa

            def typ(c):
                if c in _INT:
                    return pa.int64()
                if c in _FLOAT or c.startswith("s") and "." in c:  # metric keys like s3.x.y
                    return pa.float64()
                return pa.string()

            self._schema = pa.schema([(c, typ(c)) for c in self.columns])
            ensure_parent(self.path)
            self._writer = pq.ParquetWriter(self.path, self._schema)
        else:
            ensure_parent(self.path)
            self._fh = open(self.path, "w", encoding="utf-8", newline="")
            self._csv = csv.DictWriter(self._fh, fieldnames=self.columns, extrasaction="ignore")
            self._csv.writeheader()

    def write(self, rows: Iterable[dict]) -> None:
        rows = list(rows)
        self.count += len(rows)
        if self.parquet:
            self._rows.extend(rows)
            if len(self._rows) >= self._row_group:
                self._flush_parquet()
        elif rows:
            self._csv.writerows(rows)

    def flush(self) -> None:
        if not self.parquet:
            self._fh.flush()

    def _flush_parquet(self) -> None:
        if not self._rows:
            return
        pa = self._pa
        cols = {}
        for f in self._schema:
            vals = [r.get(f.name) for r in self._rows]
            if pa.types.is_floating(f.type):
                vals = [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None for v in vals]
            elif pa.types.is_integer(f.type):
                vals = [int(v) if isinstance(v, int) and not isinstance(v, bool) else None for v in vals]
            else:
                vals = [None if v is None else str(v) for v in vals]
            cols[f.name] = pa.array(vals, type=f.type)
        self._writer.write_table(pa.table(cols, schema=self._schema))
        self._rows = []

    def close(self) -> None:
        if self.parquet:
            self._flush_parquet()
            self._writer.close()
        else:
            self._fh.close()


# --------------------------------------------------------------------------- worker
_STATE: dict[str, Any] = {}


def _init_worker(opts: dict) -> None:
    """Load the Extractor once per process."""
    if opts.get("single_thread"):
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    from .api import Extractor

    _STATE["opts"] = opts
    _STATE["ex"] = Extractor(mode=opts["mode"], model_dir=opts.get("model_dir"),
                             reference_year=opts.get("reference_year"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def process_item(item: Item, ex=None, opts: dict | None = None) -> tuple:
    """Extract one item; ``("ok", key, json_line, {kind: rows}, n_chars)`` or ``("error", key, error_record)``."""
    ex = ex or _STATE["ex"]
    opts = opts if opts is not None else _STATE["opts"]
    try:
        if item.text is not None:
            text = item.text
            digest = _sha256(text.encode("utf-8", "surrogatepass"))
            rmeta: dict[str, Any] = {"format": "jsonl"}
        else:
            from .io.readers import Limits, read_bytes

            limits = opts.get("limits") or Limits()
            try:
                size = os.stat(item.source).st_size
            except OSError as exc:
                raise InvalidDocument(f"{item.source}: cannot read: {exc.strerror or exc}") from None
            if size > limits.max_bytes:
                raise InvalidDocument(f"{item.source}: {size} bytes is more than the limit of {limits.max_bytes}")
            try:
                with open(item.source, "rb") as fh:
                    data = fh.read()
            except OSError as exc:
                raise InvalidDocument(f"{item.source}: cannot read: {exc.strerror or exc}") from None
            digest = _sha256(data)
            text, rmeta = read_bytes(data, item.source, limits=limits)
            del data
        doc = ex(text, reference_year=item.reference_year, doc_id=item.doc_id)
        d = doc.to_dict()
        meta = d.setdefault("meta", {})
        meta["source_path"] = item.source
        if item.record is not None:
            meta["source_record"] = item.record
        meta["source_sha256"] = digest
        for k, v in rmeta.items():
            meta[f"source_{k}"] = v
        line = json.dumps(d, ensure_ascii=False)
        rows: dict[str, list] = {}
        kinds = opts.get("flat") or ()
        if kinds:
            import dataclasses

            doc2 = dataclasses.replace(doc, meta=meta) if hasattr(doc, "__dataclass_fields__") else doc
            for kind in kinds:
                rows[kind] = flat_rows(doc2, kind)
        return ("ok", item.key, line, rows, len(text))
    except Exception as exc:  # one document never stops the batch
        return ("error", item.key, _error_record(item, str(exc) or type(exc).__name__, type(exc).__name__))


def _error_record(item: Item, reason: str, exception: str) -> dict:
    return {"source": item.source, "record": item.record, "reason": reason, "exception": exception}


def _process_chunk(items: list[Item]) -> list[tuple]:
    return [process_item(it) for it in items]


# --------------------------------------------------------------------------- resume
def scan_output(path: str | Path, on_record: Callable[[dict], None] | None = None) -> set[tuple[str, str | None]]:
    """Keys (source_path, source_record) of the records in ``path``, streaming.

    A last line without its newline (a run killed mid-write) is truncated away; a
    complete line that is not JSON raises InvalidDocument (the file is not ours to fix).
    """
    keys: set[tuple[str, str | None]] = set()
    p = Path(path)
    if not p.exists():
        return keys
    good = 0
    with open(p, "rb+") as fh:
        n = 0
        for raw in fh:
            if not raw.endswith(b"\n"):
                break  # truncated tail
            n += 1
            s = raw.strip()
            if s:
                try:
                    rec = json.loads(s)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise InvalidDocument(f"{p}:{n}: not a JSON line ({exc}); cannot resume this output") from None
                meta = (rec.get("meta") or {}) if isinstance(rec, dict) else {}
                sp = meta.get("source_path")
                if sp is not None:
                    keys.add((sp, meta.get("source_record")))
                if on_record is not None:
                    on_record(rec)
            good += len(raw)
        fh.seek(0, os.SEEK_END)
        if fh.tell() != good:
            fh.truncate(good)
    return keys


# --------------------------------------------------------------------------- run
@dataclass
class BatchStats:
    """What a batch did; ``exit_code`` is 1 when any document failed."""

    docs: int = 0
    failed: int = 0
    skipped: int = 0
    chars: int = 0
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def docs_per_s(self) -> float:
        return self.docs / self.seconds if self.seconds > 0 else 0.0

    @property
    def chars_per_s(self) -> float:
        return self.chars / self.seconds if self.seconds > 0 else 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def to_dict(self) -> dict:
        return {"docs": self.docs, "failed": self.failed, "skipped": self.skipped, "chars": self.chars,
                "seconds": round(self.seconds, 3), "docs_per_s": round(self.docs_per_s, 2),
                "chars_per_s": round(self.chars_per_s, 1), "rows": dict(self.rows)}


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    buf: list[Item] = []
    for it in items:
        buf.append(it)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def _human(x: float) -> str:
    for unit, div in (("M", 1e6), ("k", 1e3)):
        if x >= div:
            return f"{x / div:.1f}{unit}"
    return f"{x:.1f}"


def run_batch(inputs: str | Path | Iterable[str | Path], out: str | Path, *, workers: int = 1, resume: bool = False,
              errors_path: str | Path | None = None, mode: str = "auto", model_dir: str | None = None,
              reference_year: int | None = None, glob: str | None = None, recursive: bool = True,
              text_field: str = "text", id_field: str = "id", facts_csv: str | Path | None = None,
              commitments_csv: str | Path | None = None, docnums_csv: str | Path | None = None,
              metrics_csv: str | Path | None = None, progress: bool | None = None, chunk_size: int = 4,
              max_in_flight: int | None = None, limits=None, log: IO[str] | None = None) -> BatchStats:
    """Extract every document of ``inputs`` into the JSONL file ``out``; see the module docs.

    Args:
        workers: processes; 1 runs in this process.
        resume: append to ``out``, skipping documents already there.
        errors_path: JSONL of failures (default: reported on ``log`` only).
        facts_csv/commitments_csv/docnums_csv/metrics_csv: flat outputs (``.csv`` or ``.parquet``).
        progress: a tqdm bar on stderr (None: when stderr is a terminal).
        chunk_size: documents sent to a worker at once; ``max_in_flight`` chunks (default 2*workers).
    Raises:
        ModelUnavailable: the mode needs a model that is not there (checked before any work).
    """
    log = log or sys.stderr
    workers = max(1, int(workers))
    out = str(out)
    flat_paths = {"facts": facts_csv, "commitments": commitments_csv, "docnums": docnums_csv, "metrics": metrics_csv}
    flat_paths = {k: str(v) for k, v in flat_paths.items() if v}
    if "metrics" in flat_paths and _tables_module() is None:
        print("govie batch: govie.tables is not available; no metrics output", file=log)
        flat_paths.pop("metrics")
    opts = {"mode": mode, "model_dir": model_dir, "reference_year": reference_year, "flat": tuple(flat_paths),
            "limits": limits, "single_thread": workers > 1}
    stats = BatchStats(rows={k: 0 for k in flat_paths})
    t0 = time.perf_counter()

    # check the mode here, before anything is written (a missing model fails fast)
    if workers == 1:
        _init_worker(opts)
    elif mode in ("model", "hybrid"):
        from . import model as model_pkg
        from .errors import ModelUnavailable

        if not model_pkg.available(model_dir):
            raise ModelUnavailable(model_pkg.unavailable_reason(model_dir))

    writers: dict[str, FlatWriter] = {}
    for kind, path in flat_paths.items():
        writers[kind] = FlatWriter(path, flat_columns(kind))

    done: set[tuple[str, str | None]] = set()
    if resume and os.path.exists(out):
        from .types import Document

        def rebuild(rec: dict) -> None:
            if not writers:
                return
            try:
                doc = Document.from_dict(rec)
            except InvalidDocument:
                return
            for kind, w in writers.items():
                w.write(flat_rows(doc, kind))

        done = scan_output(out, rebuild if writers else None)
        for w in writers.values():
            w.flush()
    ensure_parent(out)
    ensure_parent(errors_path)
    out_fh = open(out, "a" if resume else "w", encoding="utf-8")
    err_fh = open(errors_path, "a" if resume else "w", encoding="utf-8") if errors_path else None

    bar = None
    if progress or (progress is None and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        try:
            from tqdm import tqdm

            bar = tqdm(unit="doc", file=sys.stderr, dynamic_ncols=True, desc="govie batch")
        except ImportError:
            bar = None
    last_post = [0.0]

    def postfix() -> None:
        el = max(1e-9, time.perf_counter() - t0)
        bar.set_postfix_str(f"{stats.docs / el:.1f} docs/s, {_human(stats.chars / el)} chars/s, "
                            f"{stats.failed} failed", refresh=False)

    def tick() -> None:
        if bar is None:
            return
        bar.update(1)
        now = time.perf_counter()
        if now - last_post[0] > 0.5:
            last_post[0] = now
            postfix()

    def fail(rec: dict) -> None:
        stats.failed += 1
        if err_fh is not None:
            err_fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            err_fh.flush()
        else:
            where = rec["source"] + (f" {rec['record']}" if rec.get("record") else "")
            print(f"govie batch: {where}: {rec['reason']}", file=log)
        tick()

    def handle(result: tuple) -> None:
        if result[0] == "ok":
            _, _key, line, rows, nchars = result
            for kind, w in writers.items():  # flat rows first: the JSONL line commits the document
                rs = rows.get(kind, ())
                w.write(rs)
                w.flush()
                stats.rows[kind] += len(rs)
            out_fh.write(line + "\n")
            out_fh.flush()
            stats.docs += 1
            stats.chars += nchars
            tick()
        else:
            fail(result[2])

    excl = [out] + ([str(errors_path)] if errors_path else []) + list(flat_paths.values())

    def todo() -> Iterator[Item]:
        for it in iter_inputs(inputs, glob=glob, recursive=recursive, text_field=text_field, id_field=id_field,
                              exclude=excl):
            if it.key in done:
                stats.skipped += 1
                continue
            if it.error is not None:
                fail(_error_record(it, it.error, it.exception or "InvalidDocument"))
                continue
            yield it

    try:
        if workers == 1:
            for it in todo():
                handle(process_item(it))
        else:
            _run_pool(todo(), workers, opts, chunk_size, max_in_flight or 2 * workers, handle)
    finally:
        out_fh.close()
        if err_fh is not None:
            err_fh.close()
        for w in writers.values():
            w.close()
        if bar is not None:
            postfix()
            bar.close()
        stats.seconds = time.perf_counter() - t0
    return stats


def _run_pool(items: Iterator[Item], workers: int, opts: dict, chunk_size: int, max_in_flight: int,
              handle: Callable[[tuple], None]) -> None:
    """Ordered, bounded parallel map.

    When a worker dies every future of the pool fails, so the culprit is unknown: the
    unfinished chunks become suspects and are re-run one document at a time, alone in
    the pool, so that a second death names its document exactly.
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context(os.environ.get("GOVIE_MP_START", "spawn"))

    def new_pool():
        return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(opts,))

    pool = new_pool()
    pending: deque = deque()   # (chunk, future), oldest first
    suspects: deque = deque()  # items to re-run in isolation after a worker died

    def restart() -> None:
        nonlocal pool
        pool.shutdown(wait=True, cancel_futures=True)
        pool = new_pool()

    def submit(chunk: list[Item]):
        try:
            return pool.submit(_process_chunk, chunk)
        except (BrokenProcessPool, RuntimeError):
            restart()
            return pool.submit(_process_chunk, chunk)

    def drain_one() -> None:
        chunk, fut = pending.popleft()
        try:
            results = fut.result()
        except BrokenProcessPool:
            suspects.extend(chunk)
            while pending:  # the other futures of the broken pool: keep what finished
                c, f = pending.popleft()
                if f.done() and not f.cancelled() and f.exception() is None:
                    for res in f.result():
                        handle(res)
                else:
                    suspects.extend(c)
            restart()
            return
        for res in results:
            handle(res)

    def isolate() -> None:
        while pending:
            drain_one()
        while suspects:
            it = suspects.popleft()
            try:
                results = submit([it]).result()
            except BrokenProcessPool:
                handle(("error", it.key, _error_record(it, "worker process died on this document "
                                                          "(crash or out of memory)", "BrokenProcessPool")))
                restart()
                continue
            for res in results:
                handle(res)

    try:
        for chunk in _chunks(items, max(1, chunk_size)):
            pending.append((chunk, submit(chunk)))
            while len(pending) >= max_in_flight:
                drain_one()
            if suspects:
                isolate()
        while pending:
            drain_one()
        isolate()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
