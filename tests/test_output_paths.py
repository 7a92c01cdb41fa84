"""Every command that writes a file makes its missing parent directories (no traceback, nothing lost)."""

from __future__ import annotations

import json

import pytest

from govie.cli import main

TEXT = "全年共接到市民来信12件,均已按期回复。"


@pytest.fixture()
def src(tmp_path):
    p = tmp_path / "in" / "a.txt"
    p.parent.mkdir()
    p.write_text(TEXT, encoding="utf-8")
    return p


@pytest.mark.parametrize("argv, outputs", [
    (["batch", "{src}", "--mode", "rules", "--no-progress", "--out", "{d}/b/out.jsonl", "--errors", "{d}/c/err.jsonl",
      "--facts-csv", "{d}/f/facts.csv"], ["b/out.jsonl", "c/err.jsonl", "f/facts.csv"]),
    (["extract", "{src}", "--mode", "rules", "--out", "{d}/e/out.jsonl"], ["e/out.jsonl"]),
    (["annotate", "{src}", "--out", "{d}/a/tasks.json", "--format", "doccano"], ["a/tasks.json"]),
])
def test_outputs_go_into_new_directories(tmp_path, src, argv, outputs):
    d = tmp_path / "new" / "deep"
    assert main([a.format(src=src, d=d) for a in argv]) == 0
    for rel in outputs:
        assert (d / rel).exists(), rel
    first = (d / outputs[0]).read_text(encoding="utf-8")
    assert "12件" in first


def test_evaluate_json_into_a_new_directory(tmp_path, src):
    from govie import extract
    from govie.io import jsonl

    gold = tmp_path / "gold.jsonl"
    jsonl.write([extract(TEXT, mode="rules")], gold)
    out = tmp_path / "x" / "y" / "res.json"
    assert main(["evaluate", str(gold), "--mode", "rules", "--json", str(out), "--save-pred", str(tmp_path / "p" / "pred.jsonl")]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["entities"]["COUNT"]["f1"] == 1.0
    assert (tmp_path / "p" / "pred.jsonl").exists()


@pytest.mark.parametrize("fmt, name", [("jsonl", "d.jsonl"), ("doccano", "d.jsonl"), ("labelstudio", "d.json"),
                                       ("docbin", "d.spacy")])
def test_every_writer_makes_its_directory(tmp_path, fmt, name):
    if fmt == "docbin":
        pytest.importorskip("spacy")
    from govie import extract
    from govie.io.formats import write_any

    out = tmp_path / "a" / fmt / name
    assert write_any([extract(TEXT, mode="rules")], out, fmt) == 1
    assert out.exists()
