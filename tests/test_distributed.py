"""govie.integrations.distributed: the Ray actor and decode step as plain Python (always), and
examples/distributed_local.py on a local Ray cluster (skipped when Ray is not installed)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from govie.integrations.distributed import GovieActor, decode_batch

REPO = Path(__file__).resolve().parents[1]
S = "依据《示例办法》(示政发〔2021〕{}号)，全年受理申请{}件。"


def test_decode_batch_reads_and_reports():
    good = S.format(3, 12).encode("gb18030")
    batch = {"bytes": [good, b"\x89PNG\r\n\x1a\n\x00"], "path": ["a.txt", "b.txt"]}
    out = decode_batch(batch)
    assert out["text"] == [S.format(3, 12), ""]
    assert out["source_sha256"][0] == hashlib.sha256(good).hexdigest()
    assert out["source_format"] == ["txt", None]
    assert out["error"][0] is None and "binary file (png)" in out["error"][1]


@pytest.mark.parametrize("output", ["columns", "record"])
def test_actor_loads_once_and_maps_a_batch(output):
    actor = GovieActor(mode="rules", output=output, id_column="source_path")
    ex = actor.extractor
    batch = {"text": [S.format(1, 5), "", S.format(2, 6)], "source_path": ["x", "y", "z"],
             "error": [None, "unreadable", None]}
    out = actor(batch)
    out2 = actor(batch)
    assert actor.extractor is ex and out == out2  # the same Extractor serves every batch
    assert out["error"] == [None, "unreadable", None] and out["source_path"] == ["x", "y", "z"]
    if output == "columns":
        ents = [json.loads(e) for e in out["entities"]]
        assert [e["value"]["serial"] for e in ents[0] if e["label"] == "DOC_NO"] == [1]
        assert ents[1] == [] and json.loads(out["meta"][2])["source_path"] == "z"
        assert out["text"] == batch["text"]
    else:
        recs = [json.loads(r) if r else None for r in out["record"]]
        assert recs[1] is None and recs[0]["id"] == "x" and recs[2]["meta"]["source_path"] == "z"
        assert "text" not in out  # carried inside the record


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="Ray is not installed (pip install 'ray[data]')")
def test_example_runs_on_a_local_ray_cluster(tmp_path):
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               RAY_USAGE_STATS_ENABLED="0")
    res = subprocess.run([sys.executable, str(REPO / "examples" / "distributed_local.py"), "--demo", "6",
                          "--out", str(out), "--errors", str(err), "--num-cpus", "2", "--actors", "1"],
                         capture_output=True, text=True, timeout=240, env=env, cwd=tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr[-3000:]  # the demo's one broken file
    assert "6 documents written" in res.stdout
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    serials = sorted(e["value"]["serial"] for r in recs for e in r["entities"] if e["label"] == "DOC_NO")
    assert serials == [1, 2, 3, 4, 5, 6]
    for r in recs:
        assert r["id"] == r["meta"]["source_path"] and len(r["meta"]["source_sha256"]) == 64
    errs = [json.loads(line) for line in err.read_text(encoding="utf-8").splitlines()]
    assert len(errs) == 1 and errs[0]["source"].endswith("broken.txt")
