"""govie.io: the real stand-off gold loads, validates and round-trips losslessly through doccano,
Label Studio, interchange JSONL and (when spaCy is installed) DocBin; validation names doc and entity."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from govie.errors import InvalidDocument
from govie.io import doccano, jsonl, labelstudio
from govie.io.formats import detect, detect_record, iter_any, load_any
from govie.io.validate import validate
from govie.types import CountValue, Document, Entity, Relation

GOLD_DIR = Path(__file__).resolve().parent.parent / "training" / "data" / "gold"


@pytest.fixture(scope="module")
def gold(shared):
    docs = list(load_any(GOLD_DIR))
    assert len(docs) >= 50
    return docs


# ----------------------------------------------------------------------------- the real gold
def test_gold_loads_and_validates(gold):
    ids = [d.id for d in gold]
    assert len(ids) == len(set(ids)), "duplicate doc_id in training/data/gold"
    for d in gold:
        assert validate(d.to_dict()) == [], d.id
    labels = {e.label for d in gold for e in d.entities}
    assert {"DOC_NO", "TITLE", "DATE", "COUNT", "SUBJECT"} <= labels


def test_standoff_records_validate_raw(shared):
    n = 0
    for f in sorted(GOLD_DIR.glob("*.jsonl")):
        assert detect(f) == "standoff"
        for rec in jsonl.read_records(f):
            assert validate(rec) == [], (f.name, rec.get("doc_id"))
            n += 1
    assert n >= 50


def test_gold_roundtrips_doccano(gold, tmp_path):
    path = tmp_path / "gold.doccano.jsonl"
    assert doccano.write(gold, path) == len(gold)
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert {"text", "entities", "relations"} <= set(first)
    assert set(first["entities"][0]) == {"id", "start_offset", "end_offset", "label"}
    assert detect(path) == "doccano"
    back = list(load_any(path))
    assert [d.to_dict() for d in back] == [d.to_dict() for d in gold]


def test_gold_roundtrips_labelstudio(gold, tmp_path):
    path = tmp_path / "gold.ls.json"
    assert labelstudio.write(gold, path) == len(gold)
    tasks = json.loads(path.read_text(encoding="utf-8"))
    assert "annotations" in tasks[0] and tasks[0]["data"]["text"] == gold[0].text
    kinds = {r["type"] for t in tasks for r in t["annotations"][0]["result"]}
    assert kinds == {"labels", "relation"}
    assert detect(path) == "labelstudio"
    back = list(load_any(path))
    assert [d.to_dict() for d in back] == [d.to_dict() for d in gold]


def test_gold_roundtrips_interchange(gold, tmp_path):
    path = tmp_path / "gold.jsonl"
    jsonl.write(gold, path)
    assert detect(path) == "interchange"
    assert [d.to_dict() for d in jsonl.read(path)] == [d.to_dict() for d in gold]


def test_iter_any_reports_standoff_source(shared):
    _, info = next(iter_any(GOLD_DIR))
    assert info["format"] == "standoff" and info["source"] and info["path"].endswith(".jsonl")


# ----------------------------------------------------------------------------- invented documents
TEXT = "依据示政发〔2021〕3号，受理申请12件，\U00020000字样3次。"


def _doc(source="rules", score=None):
    s = TEXT.index("12件")
    t = TEXT.index("3次")
    return Document(text=TEXT, id="inv-1", meta={"reference_year": 2021, "engine": "rules"},
                    entities=(Entity("c1", s, s + 3, "COUNT", "12件", CountValue(12, "件"), source, score),
                              Entity("s1", s - 2, s, "SUBJECT", "申请", None, source, score),
                              Entity("c2", t, t + 2, "COUNT", "3次", CountValue(3, "次"), source)),
                    relations=(Relation("c1", "s1", "count_of", 0.75),))


@pytest.mark.parametrize("source,score", [("rules", None), ("model", 0.91), ("gold", None)])
def test_prediction_roundtrips_with_sources_and_scores(source, score):
    d = _doc(source, score)
    assert doccano.from_record(json.loads(json.dumps(doccano.to_record(d)))).to_dict() == d.to_dict()
    task = labelstudio.to_task(d)
    assert ("predictions" if source != "gold" else "annotations") in task
    assert labelstudio.from_task(json.loads(json.dumps(task))).to_dict() == d.to_dict()


def test_labelstudio_utf16_offsets_are_understood():
    d = _doc()
    task = labelstudio.to_task(d)
    for item in task["predictions"][0]["result"]:
        if item["type"] == "labels" and item["value"]["text"] == "3次":
            item["value"]["start"] += 1  # an older Label Studio counts the astral character twice
            item["value"]["end"] += 1
    assert labelstudio.from_task(task).to_dict() == d.to_dict()


def test_edited_span_drops_stale_value():
    d = _doc()
    rec = doccano.to_record(d)
    num = next(e["id"] for e in rec["entities"] if rec["text"][e["start_offset"]:e["end_offset"]] == "12件")
    next(e for e in rec["entities"] if e["id"] == num)["end_offset"] -= 1  # the annotator shortened "12件"
    back = doccano.from_record(rec)
    e = back.entity(f"e{num}")
    assert e.text == "12" and e.value is None
    assert back.entity("s1").label == "SUBJECT"  # untouched entities keep ids


def test_doccano_old_label_list_form():
    rec = {"id": 7, "text": "共受理申请12件。", "label": [[5, 8, "COUNT"]]}
    d = doccano.from_record(rec)
    assert d.id == "7" and [(e.label, e.text) for e in d.entities] == [("COUNT", "12件")]
    assert detect_record(rec) == "doccano"


def test_detect_records():
    assert detect_record({"doc_id": "x", "source": "seeds/a.txt", "sha256": "0", "entities": []}) == "standoff"
    assert detect_record({"id": "x", "text": "t", "entities": [], "relations": []}) == "interchange"
    assert detect_record({"data": {"text": "t"}, "predictions": []}) == "labelstudio"
    with pytest.raises(InvalidDocument):
        detect_record({"foo": 1})


def test_docbin_roundtrip(gold):
    pytest.importorskip("spacy")
    from govie.io import docbin

    db = docbin.export(gold[:8])
    back = list(docbin.read(db))
    assert [d.to_dict() for d in back] == [d.to_dict() for d in gold[:8]]
    sdoc = docbin.to_spacy(gold[0])
    assert sdoc.text == gold[0].text
    assert len(sdoc.spans["govie"]) == len(gold[0].entities)
    assert [(s.start_char, s.end_char, s.label_) for s in sdoc.spans["govie"]] == \
           [(e.start, e.end, e.label) for e in gold[0].entities]
    ents = [(s.start_char, s.end_char) for s in sdoc.ents]
    assert all(a[1] <= b[0] for a, b in zip(ents, ents[1:]))  # non-overlapping
    assert all(s.label_ != "COMMITMENT" for s in sdoc.ents)


def test_docbin_clear_error_without_spacy(monkeypatch):
    import builtins

    from govie.io import docbin

    real = builtins.__import__

    def fake(name, *a, **kw):
        if name == "spacy" or name.startswith("spacy."):
            raise ImportError("no spacy")
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match="pip install spacy"):
        docbin.export([_doc()])


# ----------------------------------------------------------------------------- validation
def _good():
    return _doc("gold").to_dict()


def _mutate(path, value):
    """Set (or delete) a field; ("entity", ID, ...) addresses an entity by its id."""
    def f(rec):
        obj = rec
        keys = list(path)
        if keys[0] == "entity":
            obj = next(e for e in rec["entities"] if e["id"] == keys[1])
            keys = keys[2:]
        for k in keys[:-1]:
            obj = obj[k]
        if value is _DELETE:
            del obj[keys[-1]]
        else:
            obj[keys[-1]] = value
        return rec
    return f


_DELETE = object()

BAD = [
    # mutation, words the message must contain (the doc id "inv-1" always)
    (_mutate(("entity", "c1", "end"), 999), ["entity c1", "bad offsets"]),
    (_mutate(("entity", "c1", "start"), -1), ["entity c1", "bad offsets"]),
    (_mutate(("entity", "c1", "text"), "13件"), ["entity c1", "text"]),
    (_mutate(("entity", "s1", "label"), "PERSON"), ["entity s1", "unknown label"]),
    (None, ["entity c9", "COUNT", "overlaps", "c1"]),  # filled in below: a second COUNT over c1
    (_mutate(("relations", 0, "tail"), "e99"), ["relation", "e99", "dangling"]),
    (_mutate(("relations", 0, "tail"), "c2"), ["relation", "c2", "is COUNT", "needs SUBJECT"]),
    (_mutate(("relations", 0, "label"), "owns"), ["relation", "unknown relation label"]),
    (_mutate(("entity", "c1", "value", "value"), "twelve"), ["entity c1", "value", "wrong type"]),
    (_mutate(("entity", "c1", "value", "approx"), "roughly"), ["entity c1", "approx"]),
    (_mutate(("entity", "c1", "value", "unit"), _DELETE), ["entity c1", "lacks field 'unit'"]),
    (_mutate(("entity", "s1", "value"), {"value": 1}), ["entity s1", "carries no value"]),
    (_mutate(("entity", "c1", "id"), "c2"), ["entity c2", "duplicate"]),
]


def _overlap_case(rec):
    # a second COUNT overlapping c1
    e = dict(next(e for e in rec["entities"] if e["id"] == "c1"))
    e.update(id="c9", start=e["start"] + 1, text=TEXT[e["start"] + 1:e["end"]])
    e.pop("value")
    rec["entities"].append(e)
    return rec


BAD[4] = (_overlap_case, ["entity c9", "COUNT", "overlaps", "c1"])

DATE_BAD = [
    ({"start": "2021-02-30", "end": "2021-03-01", "granularity": "day", "modifier": None}, "calendar date"),
    ({"start": "2021-05-01", "end": "2021-04-01", "granularity": "day", "modifier": None}, "after end"),
    ({"start": "2021/05/01", "end": None, "granularity": "day", "modifier": None}, "YYYY-MM-DD"),
    ({"start": None, "end": None, "granularity": "week", "modifier": None}, "granularity"),
    ({"start": None, "end": None, "granularity": "day", "modifier": "soon"}, "modifier"),
]


@pytest.mark.parametrize("mutation,words", BAD)
def test_validation_rejects_bad_records(mutation, words):
    assert validate(_good()) == []
    rec = mutation(copy.deepcopy(_good()))
    errs = validate(rec)
    assert errs, "the bad record passed"
    joined = "\n".join(errs)
    assert all(e.startswith("inv-1:") for e in errs)
    for w in words:
        assert w in joined, (w, errs)
    with pytest.raises(InvalidDocument, match="inv-1"):
        validate(rec, raise_errors=True)


@pytest.mark.parametrize("value,word", DATE_BAD)
def test_validation_of_date_values(value, word):
    text = "于2021年5月1日完成。"
    rec = {"id": "inv-2", "text": text,
           "entities": [{"id": "d1", "start": 1, "end": 10, "label": "DATE", "text": text[1:10], "value": value}]}
    errs = validate(rec)
    assert errs and all("inv-2: entity d1" in e for e in errs) and word in "\n".join(errs)


def test_validation_collects_every_problem():
    rec = _good()
    rec["entities"][0]["end"] = 999
    rec["entities"][1]["label"] = "X"
    assert {rec["entities"][0]["id"], rec["entities"][1]["id"]} == {"s1", "c1"}
    rec["relations"][0]["head"] = "nope"
    assert len(validate(rec)) >= 3


def test_validation_of_standoff_hash(shared):
    rec = next(jsonl.read_records(sorted(GOLD_DIR.glob("*.jsonl"))[0]))
    rec = dict(rec, sha256="0" * 64)
    errs = validate(rec)
    assert errs and "sha256" in errs[0] and errs[0].startswith(rec["doc_id"])


def test_bad_file_names_path_and_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    good = json.dumps(_good(), ensure_ascii=False)
    bad = _good()
    _mutate(("entity", "c1", "text"), "xx")(bad)
    p.write_text(good + "\n" + json.dumps(bad, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(InvalidDocument, match=r"bad.jsonl:2: .*c1"):
        list(load_any(p))
    q = tmp_path / "broken.jsonl"
    q.write_text(good + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InvalidDocument, match=r"broken.jsonl:2"):
        list(jsonl.read(q))
