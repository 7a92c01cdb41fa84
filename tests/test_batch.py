"""govie.batch / ``govie batch``: streaming inputs, errors file, exit codes, flat outputs, kill + resume.

Every document is generated here (invented sentences, numbered so that a result can be
traced back to its source); nothing is read from shared/.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from test_readers import _p, _tbl, make_docx, make_pdf

from govie.batch import Item, flat_columns, iter_inputs, run_batch, scan_output
from govie.errors import InvalidDocument

REPO = Path(__file__).resolve().parents[1]


def sentence(i: int) -> str:
    return f"依据《示例办法第{i}号》(示政发〔2021〕{i}号)，全年受理申请{i + 1}件。"


def sentence_big5(i: int) -> str:
    return f"依據《示例辦法》(示政發〔2021〕{i}號)，全年受理申請{i + 1}件。"


def write_doc(path: Path, kind: str, i: int) -> Path:
    """One small document of ``kind`` whose DOC_NO serial is ``i``."""
    if kind == "utf8":
        path = path.with_suffix(".txt")
        path.write_text(sentence(i), encoding="utf-8")
    elif kind == "gb18030":
        path = path.with_suffix(".txt")
        path.write_bytes(sentence(i).encode("gb18030"))
    elif kind == "big5":
        path = path.with_suffix(".txt")
        path.write_bytes(sentence_big5(i).encode("big5"))
    elif kind == "html":
        path = path.with_suffix(".html")
        path.write_text(f"<html><body><p>{sentence(i)}</p><table><tr><td>规章</td><td>{i}</td></tr></table>"
                        "</body></html>", encoding="utf-8")
    elif kind == "docx":
        path = path.with_suffix(".docx")
        path.write_bytes(make_docx(_p(sentence(i)) + _tbl([["项目", str(i)]])))
    elif kind == "pdf":
        path = path.with_suffix(".pdf")
        path.write_bytes(make_pdf([sentence(i)]))
    else:
        raise ValueError(kind)
    return path


def serial_of(rec: dict) -> int | None:
    for e in rec["entities"]:
        if e["label"] == "DOC_NO" and e.get("value"):
            return e["value"]["serial"]
    return None


def read_out(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def key(rec: dict) -> tuple:
    return (rec["meta"]["source_path"], rec["meta"].get("source_record"))


def govie_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "govie", "batch", *args]


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(govie_cmd(*args), capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)


# --------------------------------------------------------------------------- inputs
def test_iter_inputs_walks_sorted_with_glob_and_records(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "deep").mkdir()
    (tmp_path / ".hidden").mkdir()
    for rel in ("a.txt", "c.html", "b/x.txt", "b/deep/y.txt", ".hidden/z.txt", ".dot.txt", "skip.bin"):
        (tmp_path / rel).write_text("示例", encoding="utf-8")
    (tmp_path / "r.jsonl").write_text(
        '{"id": "k1", "text": "甲"}\n\n{"text": "乙"}\n{"id": "k1", "text": "丙"}\n{"id": 5, "body": "x"}\n[1]\nnot json\n',
        encoding="utf-8")
    items = list(iter_inputs([tmp_path]))
    srcs = [os.path.relpath(it.source, tmp_path) for it in items]
    assert srcs == ["a.txt", "c.html", "r.jsonl", "r.jsonl", "r.jsonl", "r.jsonl", "r.jsonl", "r.jsonl",
                    "b/x.txt", "b/deep/y.txt"]
    recs = [it for it in items if it.source.endswith(".jsonl")]
    assert [(r.record, r.text, r.error is not None) for r in recs] == [
        ("k1", "甲", False), ("#3", "乙", False), ("k1#4", "丙", False), ("5", None, True), ("#6", None, True),
        ("#7", None, True)]
    assert "no string field 'text'" in recs[3].error and "not a JSON line" in recs[5].error
    assert [os.path.basename(it.source) for it in iter_inputs([tmp_path], glob="*.html")] == ["c.html"]
    assert [os.path.relpath(it.source, tmp_path) for it in iter_inputs([tmp_path], glob="b/*.txt")] == ["b/x.txt"]
    flat = [os.path.relpath(it.source, tmp_path) for it in iter_inputs([tmp_path], recursive=False, glob="*.txt")]
    assert flat == ["a.txt"]
    # a named file is always taken, an excluded one never; a missing path is an error item
    got = list(iter_inputs([tmp_path / "skip.bin", tmp_path / "nope.txt"], exclude=[]))
    assert got[0] == Item(str(tmp_path / "skip.bin"), doc_id=str(tmp_path / "skip.bin"))
    assert got[1].error and "no such file" in got[1].error
    assert list(iter_inputs([tmp_path], glob="a.txt", exclude=[tmp_path / "a.txt"])) == []
    assert [r.text for r in iter_inputs(tmp_path / "r.jsonl", text_field="body") if r.text] == ["x"]


def test_iter_inputs_is_lazy(tmp_path):
    for i in range(50):
        (tmp_path / f"{i:03d}.txt").write_text("x", encoding="utf-8")
    it = iter_inputs([tmp_path])
    first = next(it)
    assert first.source.endswith("000.txt")  # a generator: nothing else was read yet


# --------------------------------------------------------------------------- resume bookkeeping
@pytest.mark.parametrize("tail,kept", [
    ("", 2),
    ('{"id": "c", "text": "x", "meta": {"source_path": "c.txt"', 2),   # killed mid-line
    ("\n", 2),
])
def test_scan_output_truncates_partial_tail(tmp_path, tail, kept):
    out = tmp_path / "out.jsonl"
    lines = [json.dumps({"id": k, "text": "t", "meta": {"source_path": f"{k}.txt"}}) for k in ("a", "b")]
    out.write_text("\n".join(lines) + "\n" + tail, encoding="utf-8")
    keys = scan_output(out)
    assert keys == {("a.txt", None), ("b.txt", None)}
    assert out.read_text(encoding="utf-8") == "\n".join(lines) + "\n" + (tail if tail == "\n" else "")
    assert len(read_out(out)) == kept


def test_scan_output_refuses_a_corrupt_complete_line(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text('{"meta": {"source_path": "a"}}\nnot json\n{"meta": {"source_path": "b"}}\n', encoding="utf-8")
    with pytest.raises(InvalidDocument, match=":2: not a JSON line"):
        scan_output(out)


# --------------------------------------------------------------------------- run_batch in process
@pytest.fixture()
def small_dir(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    paths = []
    for i, kind in enumerate(["utf8", "gb18030", "big5", "html", "docx", "pdf"]):
        if kind == "pdf":
            pytest.importorskip("pypdf")
        paths.append(write_doc(d / f"doc{i}", kind, i + 1))
    (d / "recs.jsonl").write_text("".join(json.dumps({"id": f"r{i}", "text": sentence(100 + i)}, ensure_ascii=False)
                                          + "\n" for i in range(3)), encoding="utf-8")
    return d


def test_run_batch_outputs_and_meta(small_dir, tmp_path):
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    flat = {k: tmp_path / f"{k}.csv" for k in ("facts", "commitments", "docnums")}
    stats = run_batch([small_dir], out, errors_path=err, mode="rules", progress=False,
                      facts_csv=flat["facts"], commitments_csv=flat["commitments"], docnums_csv=flat["docnums"])
    assert (stats.docs, stats.failed, stats.skipped, stats.exit_code) == (9, 0, 0, 0)
    assert err.read_text() == ""
    recs = read_out(out)
    by_src = {key(r): r for r in recs}
    assert len(by_src) == 9
    for r in recs:
        m = r["meta"]
        if m.get("source_record") is None:
            data = Path(m["source_path"]).read_bytes()
            assert m["source_sha256"] == hashlib.sha256(data).hexdigest()
            i = int(Path(m["source_path"]).stem[3:])
            assert serial_of(r) == i + 1 and r["id"] == m["source_path"]
        else:
            assert m["source_sha256"] == hashlib.sha256(r["text"].encode()).hexdigest()
            assert r["id"] == m["source_record"] and m["source_format"] == "jsonl"
        for e in r["entities"]:  # offsets index the extracted text
            assert r["text"][e["start"]:e["end"]] == e["text"]
    formats = Counter(r["meta"]["source_format"] for r in recs)
    assert formats == {"txt": 3, "html": 1, "docx": 1, "pdf": 1, "jsonl": 3}
    with open(flat["docnums"], encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == flat_columns("docnums")
    assert sorted(int(r["serial"]) for r in rows) == [1, 2, 3, 4, 5, 6, 100, 101, 102]
    assert all(r["title"].startswith("示例") for r in rows)
    with open(flat["facts"], encoding="utf-8") as fh:
        facts = list(csv.DictReader(fh))
    assert stats.rows["facts"] == len(facts) and {f["doc_id"] for f in facts} <= {r["id"] for r in recs}


def test_run_batch_errors_file_and_exit_code(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    write_doc(d / "good", "utf8", 7)
    (d / "renamed.txt").write_bytes(make_pdf(["甲"]))
    (d / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (d / "empty.docx").write_bytes(b"PK\x03\x04broken")
    (d / "r.jsonl").write_text('{"id": "ok", "text": "甲"}\n{"id": "bad"}\n', encoding="utf-8")
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    stats = run_batch([d, tmp_path / "missing.txt"], out, errors_path=err, mode="rules", progress=False)
    assert (stats.docs, stats.failed, stats.exit_code) == (2, 5, 1)
    errs = {(Path(e["source"]).name, e["record"]): e for e in read_out(err)}
    assert set(errs) == {("renamed.txt", None), ("old.doc", None), ("empty.docx", None), ("r.jsonl", "bad"),
                         ("missing.txt", None)}
    assert "binary file (pdf)" in errs[("renamed.txt", None)]["reason"]
    assert "convert it to .docx" in errs[("old.doc", None)]["reason"]
    assert errs[("empty.docx", None)]["exception"] == "InvalidDocument"
    assert errs[("missing.txt", None)]["exception"] == "FileNotFoundError"
    assert all(set(e) == {"source", "record", "reason", "exception"} for e in errs.values())


def test_outputs_inside_the_input_dir_are_not_inputs(small_dir):
    out = small_dir / "out.jsonl"
    run_batch([small_dir], out, mode="rules", progress=False)
    first = read_out(out)
    stats = run_batch([small_dir], out, mode="rules", progress=False)  # out.jsonl is not read as records
    assert stats.docs == len(first) == 9


def test_parquet_flat_output(small_dir, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "out.jsonl"
    stats = run_batch([small_dir], out, mode="rules", progress=False, docnums_csv=tmp_path / "dn.parquet",
                      facts_csv=tmp_path / "f.parquet")
    t = pq.read_table(tmp_path / "dn.parquet")
    assert t.num_rows == stats.rows["docnums"] == 9
    assert sorted(t.column("serial").to_pylist()) == [1, 2, 3, 4, 5, 6, 100, 101, 102]
    assert pq.read_table(tmp_path / "f.parquet").num_rows == stats.rows["facts"] > 0


def test_metrics_csv_one_row_per_report(small_dir, tmp_path):
    tables = pytest.importorskip("govie.tables")
    if not hasattr(tables, "metrics_row"):
        pytest.skip("govie.tables has no metrics_row")
    out, m = tmp_path / "out.jsonl", tmp_path / "m.csv"
    run_batch([small_dir], out, mode="rules", progress=False, metrics_csv=m)
    with open(m, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 9 and list(rows[0])[:3] == ["doc_id", "source_path", "source_record"]


def test_resume_in_process_skips_done_and_rebuilds_flat(small_dir, tmp_path):
    out, f = tmp_path / "out.jsonl", tmp_path / "dn.csv"
    run_batch([small_dir], out, mode="rules", progress=False, docnums_csv=f)
    full = out.read_text(encoding="utf-8")
    lines = full.splitlines(keepends=True)
    out.write_text("".join(lines[:4]) + lines[4][:30], encoding="utf-8")  # as if killed while writing line 5
    stats = run_batch([small_dir], out, mode="rules", progress=False, resume=True, docnums_csv=f)
    assert (stats.skipped, stats.docs) == (4, 5)
    recs = read_out(out)
    assert sorted(map(key, recs)) == sorted(map(key, (json.loads(x) for x in lines)))
    with open(f, encoding="utf-8") as fh:
        assert sorted(int(r["serial"]) for r in csv.DictReader(fh)) == [1, 2, 3, 4, 5, 6, 100, 101, 102]


# --------------------------------------------------------------------------- the CLI: 1,000 files, kill, resume
KINDS = ("utf8", "gb18030", "big5", "html", "docx", "pdf")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """~1,000 documents: 780 files of six formats in nested folders, 200 JSONL records, 25 failures."""
    have_pdf = True
    try:
        import pypdf  # noqa: F401
    except ImportError:
        have_pdf = False
    root = tmp_path_factory.mktemp("archive")
    good: set[tuple] = set()
    serial: dict[tuple, int] = {}
    bad: set[tuple] = set()
    n = 0
    for i in range(780):
        kind = KINDS[i % len(KINDS)]
        if kind == "pdf" and not have_pdf:
            kind = "utf8"
        sub = root / f"d{i // 100}" / f"e{i % 3}"
        sub.mkdir(parents=True, exist_ok=True)
        p = write_doc(sub / f"f{i:04d}", kind, 1000 + i)
        good.add((str(p), None))
        serial[(str(p), None)] = 1000 + i
        n += 1
    for j in range(10):
        p = root / "recs" / f"batch{j}.jsonl"
        p.parent.mkdir(exist_ok=True)
        with open(p, "w", encoding="utf-8") as fh:
            for k in range(20):
                s = 5000 + j * 20 + k
                fh.write(json.dumps({"id": f"rec{k}", "text": sentence(s)}, ensure_ascii=False) + "\n")
                good.add((str(p), f"rec{k}"))
                serial[(str(p), f"rec{k}")] = s
            if j < 3:
                fh.write("{broken json\n")
                bad.add((str(p), "#21"))
    badd = root / "bad"
    badd.mkdir()
    for j in range(10):
        p = badd / f"bin{j}.txt"
        p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
        bad.add((str(p), None))
    for j in range(6):
        p = badd / f"old{j}.doc"
        p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
        bad.add((str(p), None))
    for j in range(6):
        p = badd / f"broken{j}.docx"
        p.write_bytes(b"PK\x03\x04" + b"\x01" * 64)
        bad.add((str(p), None))
    return root, good, bad, serial


def _line_count(path: Path) -> int:
    try:
        with open(path, "rb") as fh:
            return fh.read().count(b"\n")
    except FileNotFoundError:
        return 0


def test_cli_kill_and_resume_no_duplicates_no_losses(archive, tmp_path):
    root, good, bad, serial = archive
    out, err, facts = tmp_path / "out.jsonl", tmp_path / "err.jsonl", tmp_path / "facts.csv"
    args = [str(root), "--out", str(out), "--errors", str(err), "--workers", "2", "--mode", "rules",
            "--facts-csv", str(facts), "--no-progress"]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(govie_cmd(*args), cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 90
    try:
        while _line_count(out) < 120:
            assert proc.poll() is None, f"batch ended before it could be killed: {proc.stderr.read()!r}"
            assert time.monotonic() < deadline, "batch too slow to reach 120 documents"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # parent and its workers
        proc.wait(timeout=30)
        proc.stderr.close()
    written = _line_count(out)
    assert 120 <= written < len(good)
    with open(out, "ab") as fh:  # make sure a torn last line is there to repair
        fh.write(b'{"id": "torn", "text": "')

    res = run_cli(*args, "--resume")
    assert res.returncode == 1, res.stderr  # the bad inputs fail again
    recs = read_out(out)
    keys = [key(r) for r in recs]
    dup = [k for k, c in Counter(keys).items() if c > 1]
    assert not dup, f"duplicates after resume: {dup[:5]}"
    assert set(keys) == good, f"lost: {sorted(good - set(keys))[:5]}, extra: {sorted(set(keys) - good)[:5]}"
    for r in recs:  # each result belongs to its own source
        assert serial_of(r) == serial[key(r)], key(r)
    errs = read_out(err)
    assert {(e["source"], e["record"]) for e in errs} == bad
    assert f"{len(good) - written} done" in res.stderr and f"{written} skipped" in res.stderr
    # facts.csv was rebuilt from out.jsonl and appended: exactly one row set per document
    with open(facts, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    per_doc = Counter((r["source_path"], r["source_record"] or None) for r in rows)
    assert set(per_doc) == set(keys)
    assert len(rows) == len({(r["source_path"], r["source_record"], r["start"]) for r in rows})

    # a second resume has nothing left to do but the failures
    before = out.read_bytes()
    res2 = run_cli(*args, "--resume", "--workers", "1")
    assert res2.returncode == 1 and out.read_bytes() == before
    assert f"0 done, {len(bad)} failed, {len(good)} skipped" in res2.stderr


@pytest.mark.parametrize("extra,code", [
    ([], 0),                       # every document extracted
    (["--workers", "0"], 2),       # usage error
])
def test_cli_exit_codes(tmp_path, extra, code):
    d = tmp_path / "in"
    d.mkdir()
    write_doc(d / "a", "utf8", 1)
    write_doc(d / "b", "html", 2)
    res = run_cli(str(d), "--out", str(tmp_path / "o.jsonl"), "--mode", "rules", "--no-progress", *extra)
    assert res.returncode == code, res.stderr
    if code == 0:
        assert len(read_out(tmp_path / "o.jsonl")) == 2 and "2 done, 0 failed" in res.stderr


def test_cli_failure_exit_code_and_stderr_without_errors_file(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    write_doc(d / "a", "utf8", 1)
    (d / "x.txt").write_bytes(b"\x00\x01\x02" * 100)
    res = run_cli(str(d), "--out", str(tmp_path / "o.jsonl"), "--mode", "rules", "--no-progress")
    assert res.returncode == 1
    assert "x.txt" in res.stderr and "binary" in res.stderr and "1 done, 1 failed" in res.stderr


def _poisoned(original):
    def process(item, ex=None, opts=None):
        if item.source.endswith("poison.txt"):
            os._exit(3)  # a worker dying hard (segfault, OOM kill) on this document
        return original(item, ex, opts)
    return process


@pytest.mark.skipif(sys.platform != "linux", reason="needs the fork start method")
def test_dead_worker_costs_only_its_document(tmp_path, monkeypatch):
    import govie.batch as gb

    d = tmp_path / "in"
    d.mkdir()
    for i in range(9):
        write_doc(d / f"a{i}", "utf8", i + 1)
    (d / "a4_poison.txt").write_text(sentence(99), encoding="utf-8")
    monkeypatch.setenv("GOVIE_MP_START", "fork")  # forked workers inherit the patched function
    monkeypatch.setattr(gb, "process_item", _poisoned(gb.process_item))
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    stats = run_batch([d], out, errors_path=err, mode="rules", progress=False, workers=2, chunk_size=3)
    assert (stats.docs, stats.failed, stats.exit_code) == (9, 1, 1)
    recs = read_out(out)
    assert sorted(serial_of(r) for r in recs) == list(range(1, 10))
    errs = read_out(err)
    assert [Path(e["source"]).name for e in errs] == ["a4_poison.txt"]
    assert errs[0]["exception"] == "BrokenProcessPool" and "worker process died" in errs[0]["reason"]
