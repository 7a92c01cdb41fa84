"""Document/Entity/Relation: immutable, to_dict/from_dict round-trip the interchange format exactly."""

import dataclasses
import json

import pytest

import govie
from govie import Document, Entity, Relation
from govie.errors import InvalidDocument
from govie.types import check_document

TEXT = "依据《示例条例》(示政发〔2020〕9号)，2021年6月30日前完成，共收到申请12件。"


def test_roundtrip_of_extracted_document():
    doc = govie.extract(TEXT, mode="rules", doc_id="d1")
    d = doc.to_dict()
    assert set(d) >= {"id", "text", "entities", "relations", "meta"}
    again = Document.from_dict(json.loads(json.dumps(d, ensure_ascii=False)))
    assert again.to_dict() == d
    assert again == Document.from_dict(d)


def test_interchange_example_roundtrips():
    rec = {"id": "doc-1", "text": "见乌政办〔2020〕91号。",
           "entities": [{"id": "e1", "start": 1, "end": 13, "label": "DOC_NO", "text": "乌政办〔2020〕91号",
                         "value": {"issuer": "乌政办", "year": 2020, "serial": 91}}],
           "relations": [], "meta": {"reference_year": 2020}}
    doc = Document.from_dict(rec)
    out = doc.to_dict()
    for k in ("id", "text", "relations", "meta"):
        assert out[k] == rec[k]
    e = out["entities"][0]
    assert {k: e[k] for k in rec["entities"][0]} == rec["entities"][0]


def test_objects_are_immutable():
    doc = govie.extract(TEXT, mode="rules")
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.entities[0].start = 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.text = "x"


@pytest.mark.parametrize("bad,msg", [
    ({"entities": [{"id": "e1", "start": 0, "end": 3, "label": "TITLE", "text": "xyz"}]}, "e1"),
    ({"entities": [{"id": "e1", "start": 0, "end": 2, "label": "TITLE", "text": "依据"},
                   {"id": "e2", "start": 1, "end": 3, "label": "TITLE", "text": "据《"}]}, "overlap"),
    ({"entities": [{"id": "e1", "start": 0, "end": 2, "label": "TITLE", "text": "依据"}],
      "relations": [{"head": "e9", "tail": "e1", "label": "doc_title"}]}, "e9"),
])
def test_invalid_documents_are_rejected_with_names(bad, msg):
    rec = {"id": "bad-doc", "text": TEXT, "entities": [], "relations": [], "meta": {}, **bad}
    with pytest.raises(InvalidDocument, match=msg):
        check_document(Document.from_dict(rec))


def test_unknown_label_rejected():
    with pytest.raises((InvalidDocument, ValueError)):
        Entity(id="e1", start=0, end=1, label="PERSON", text="依")


def test_relation_label_checked():
    with pytest.raises((InvalidDocument, ValueError)):
        Relation("e1", "e2", "likes")
