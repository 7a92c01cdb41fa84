"""``govie evaluate`` and ``govie annotate`` through govie.cli.main on tiny invented files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govie.cli import main
from govie.io import doccano, jsonl
from govie.io.formats import load_any
from govie.types import CountValue, DocNoValue, Document, Entity, Relation

GOLD_DIR = Path(__file__).resolve().parent.parent / "training" / "data" / "gold"

T1 = "依据《示例公开办法》(示政发〔2021〕3号)，本年受理申请12件。"
T2 = "全年发布信息300条，比上年增加20条。"


def _e(eid, label, text, sub, value=None, source="gold", nth=0):
    s = -1
    for _ in range(nth + 1):
        s = text.index(sub, s + 1)
    return Entity(eid, s, s + len(sub), label, sub, value, source)


def gold_docs():
    d1 = Document(text=T1, id="g1", meta={"reference_year": 2021}, entities=(
        _e("e1", "TITLE", T1, "示例公开办法"),
        _e("e2", "DOC_NO", T1, "示政发〔2021〕3号", DocNoValue("示政发", 2021, 3)),
        _e("e3", "SUBJECT", T1, "申请"),
        _e("e4", "COUNT", T1, "12件", CountValue(12, "件"))),
        relations=(Relation("e2", "e1", "doc_title"), Relation("e4", "e3", "count_of")))
    d2 = Document(text=T2, id="g2", entities=(
        _e("e1", "SUBJECT", T2, "信息"), _e("e2", "COUNT", T2, "300条", CountValue(300, "条")),
        _e("e3", "COUNT", T2, "20条", CountValue(20, "条"))),
        relations=(Relation("e2", "e1", "count_of"),))
    return [d1, d2]


def pred_docs():
    d1 = Document(text=T1, id="g1", entities=(
        _e("p1", "TITLE", T1, "示例公开办法", source="rules"),
        _e("p2", "DOC_NO", T1, "示政发〔2021〕3号", DocNoValue("示政发", 2021, 3), "rules"),
        _e("p3", "COUNT", T1, "12件", CountValue(12, "个"), "rules")),   # wrong unit
        relations=(Relation("p2", "p1", "doc_title"),))
    d2 = Document(text=T2, id="g2", entities=(
        _e("p1", "COUNT", T2, "300条", CountValue(300, "条"), "rules"),
        _e("p2", "COUNT", T2, "20", CountValue(20, ""), "rules")))        # boundary error
    return [d1, d2]


@pytest.fixture()
def files(tmp_path):
    gold = tmp_path / "gold.jsonl"
    pred = tmp_path / "pred.jsonl"
    jsonl.write(gold_docs(), gold)
    jsonl.write(pred_docs(), pred)
    return tmp_path, gold, pred


def test_evaluate_predictions_file(files, capsys):
    tmp, gold, pred = files
    out = tmp / "result.json"
    assert main(["evaluate", str(gold), "--pred", str(pred), "--json", str(out), "--errors", "5"]) == 0
    printed = capsys.readouterr().out
    assert "DOC_NO" in printed and "micro" in printed and "boundary" in printed and "'20'" in printed
    r = json.loads(out.read_text(encoding="utf-8"))
    ents = r["entities"]
    assert (ents["TITLE"]["tp"], ents["TITLE"]["f1"]) == (1, 1.0)
    assert (ents["COUNT"]["gold"], ents["COUNT"]["pred"], ents["COUNT"]["tp"]) == (3, 3, 2)
    assert ents["SUBJECT"]["recall"] == 0.0
    assert r["values"]["COUNT"] == {"n": 2, "correct": 1, "accuracy": 0.5,
                                    "fields": {"approx": 1.0, "unit": 0.5, "value": 1.0}}
    assert r["relations"]["doc_title"]["f1"] == 1.0 and r["relations"]["count_of"]["fn"] == 2
    assert r["error_counts"]["COUNT"] == {"boundary": 1, "label": 0, "missed": 0, "spurious": 0, "value": 1}
    assert r["split"] == "all" and r["documents"] == 2


def test_evaluate_doccano_gold_equals_jsonl_gold(files, capsys):
    tmp, gold, pred = files
    dcc = tmp / "gold_doccano.jsonl"
    doccano.write(gold_docs(), dcc)
    a, b = tmp / "a.json", tmp / "b.json"
    assert main(["evaluate", str(gold), "--pred", str(pred), "--json", str(a)]) == 0
    assert main(["evaluate", str(dcc), "--pred", str(pred), "--json", str(b)]) == 0
    ra, rb = (json.loads(p.read_text(encoding="utf-8")) for p in (a, b))
    assert ra["entities"] == rb["entities"] and ra["relations"] == rb["relations"]


def test_evaluate_runs_the_rules(files):
    tmp, gold, _ = files
    out = tmp / "r.json"
    assert main(["evaluate", str(gold), "--mode", "rules", "--json", str(out)]) == 0
    r = json.loads(out.read_text(encoding="utf-8"))
    assert r["engine"] == "rules"
    assert r["entities"]["TITLE"]["tp"] == 1 and r["entities"]["DOC_NO"]["tp"] == 1


def test_evaluate_split_on_real_standoff_gold(shared, tmp_path):
    from govie.splits import split_of_record

    by_split = {}
    for f in sorted(GOLD_DIR.glob("*.jsonl")):
        for rec in jsonl.read_records(f):
            by_split.setdefault(split_of_record(rec), rec)
    assert {"train", "dev", "test"} <= set(by_split)
    gold = tmp_path / "mini_gold.jsonl"
    jsonl.write([by_split["train"], by_split["dev"], by_split["test"]], gold)
    out = tmp_path / "dev.json"
    assert main(["evaluate", str(gold), "--mode", "rules", "--split", "dev", "--json", str(out)]) == 0
    r = json.loads(out.read_text(encoding="utf-8"))
    assert r["documents"] == 1 and r["split_counts"]["dev"] == 1 and r["split_counts"]["train"] == 1


def test_evaluate_bad_input(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing.jsonl"), "--mode", "rules"]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "ab", "entities": [{"id": "e1", "start": 0, "end": 5, '
                   '"label": "DATE", "text": "ab"}]}\n', encoding="utf-8")
    assert main(["evaluate", str(bad), "--mode", "rules"]) == 2
    assert "e1" in capsys.readouterr().err


def test_annotate_writes_loadable_files(tmp_path):
    txt = tmp_path / "a.txt"
    txt.write_text(T1, encoding="utf-8")
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "x9", "text": T2}, ensure_ascii=False) + "\n", encoding="utf-8")
    for fmt, name in (("jsonl", "o.jsonl"), ("doccano", "o_doccano.jsonl"), ("labelstudio", "o_ls.json")):
        out = tmp_path / name
        assert main(["annotate", str(txt), str(src), "--out", str(out), "--format", fmt, "--mode", "rules"]) == 0
        docs = list(load_any(out))
        assert [d.id for d in docs] == ["a", "x9"]
        assert [d.text for d in docs] == [T1, T2]
        assert any(e.label == "TITLE" and e.text == "示例公开办法" for e in docs[0].entities)
        if fmt == "labelstudio":
            assert "predictions" in json.loads(out.read_text(encoding="utf-8"))[0]


@pytest.mark.parametrize("metrics, expected", [
    ({"config": {"splits": {"train": ["seed_001"], "test": ["p9"]}}}, {"seed_001": "train", "p9": "test"}),
    ({"config": {"splits": None}}, {}),
    ({}, {}),
    (None, {}),  # no metrics.json
])
def test_model_split_overrides_read_the_training_config(tmp_path, metrics, expected):
    from govie.cli.evaluate import model_split_overrides

    if metrics is not None:
        (tmp_path / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    assert model_split_overrides(tmp_path) == expected


def test_split_overrides_move_documents_between_splits(tmp_path):
    from govie.cli.evaluate import load_gold

    gold = tmp_path / "gold.jsonl"
    jsonl.write(gold_docs(), gold)
    assert load_gold(str(gold), "dev")[0] == []  # invented ids: the split rule knows neither
    docs, seen = load_gold(str(gold), "dev", {"g2": "dev"})
    assert [d.id for d in docs] == ["g2"] and seen["dev"] == 1 and seen["unknown"] == 1
