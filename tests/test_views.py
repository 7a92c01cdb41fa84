"""govie.views: Document.commitments and Document.facts() (invented sentences)."""

import dataclasses

import pytest

import govie
from govie.types import CountValue, DateValue, Document, Entity, Relation
from govie.views import FACT_KEYS, Commitment, commitments, facts

PLAN = ("某区2031年政务公开工作要点\n一、加强政策解读\n"
        "各部门要在2031年6月30日前完成专栏改版,全年发布解读材料不少于20篇。\n"
        "二、强化考核\n县政府办公室将定期开展督查。\n")
REPORT = ("某县2031年政府信息公开工作年度报告\n一、总体情况\n"
          "2031年,全县共受理政府信息公开申请36件,其中网上申请20件。\n"
          "统计表\n主动公开 | 规章 | 3 |\n")


def test_commitments_carry_deadline_and_targets():
    doc = govie.extract(PLAN, mode="rules")
    cs = doc.commitments
    assert [c.text for c in cs] == ["各部门要在2031年6月30日前完成专栏改版,全年发布解读材料不少于20篇",
                                    "县政府办公室将定期开展督查"]
    first, second = cs
    assert first.deadline == DateValue("2031-06-30", "2031-06-30", "day", "before")
    assert first.deadline_text == "2031年6月30日前"
    assert first.targets == (CountValue(20, "篇", "at_least"),)
    assert second.deadline is None and second.targets == ()
    for c in cs:
        assert PLAN[c.start:c.end] == c.text
        assert doc.entity(c.entity_id).label == "COMMITMENT"


def test_commitment_is_immutable_and_serialisable():
    (c, _) = govie.extract(PLAN, mode="rules").commitments
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.text = "x"
    d = c.to_dict()
    assert d["deadline"]["end"] == "2031-06-30" and d["targets"] == [{"value": 20, "unit": "篇", "approx": "at_least"}]


def test_facts_rows():
    doc = govie.extract(REPORT, mode="rules")
    rows = doc.facts()
    assert all(tuple(r) == FACT_KEYS for r in rows)
    assert [(r["subject"], r["value"], r["unit"], r["count_text"], r["date_scope"]) for r in rows] == [
        ("政府信息公开申请", 36, "件", "36件", "2031年"),
        ("网上申请", 20, "件", "20件", "2031年"),
    ]  # the table row's 3 is not a fact
    for r in rows:
        assert REPORT[r["start"]:r["end"]] == r["count_text"]


def test_facts_without_subject_or_date():
    rows = govie.extract("满意率达到95%以上。", mode="rules").facts()
    assert rows == [{"subject": "满意率", "value": 95, "unit": "%", "approx": "at_least", "count_text": "95%以上",
                     "date_scope": None, "start": 5, "end": 10}]
    rows = govie.extract("先后召开三次座谈会,申请量同比增长12%。", mode="rules").facts()
    assert [(r["subject"], r["value"]) for r in rows] == [("座谈会", 3), ("申请量", 12)]
    rows = govie.extract("比上年增长12%。", mode="rules").facts()
    assert [(r["subject"], r["value"]) for r in rows] == [(None, 12)]


def test_views_on_a_hand_built_document():
    text = "年底前完成改版,上线专题不少于3个。"
    c_end = text.index("。")
    n_at, s_at = text.index("不少于3个"), text.index("专题")
    ents = (Entity("d", 0, 3, "DATE", "年底前", DateValue("2031-12-01", "2031-12-31", "month", "before"), "gold"),
            Entity("c", 0, c_end, "COMMITMENT", text[:c_end], None, "gold"),
            Entity("n", n_at, n_at + 5, "COUNT", "不少于3个", CountValue(3, "个", "at_least"), "gold"),
            Entity("s", s_at, s_at + 2, "SUBJECT", "专题", None, "gold"))
    rels = (Relation("c", "d", "deadline"), Relation("c", "n", "target"), Relation("n", "s", "count_of"))
    doc = Document(text=text, entities=ents, relations=rels)
    assert commitments(doc) == (Commitment(text[:c_end], 0, c_end, ents[0].value, (ents[2].value,), "c", "年底前"),)
    (row,) = facts(doc)
    assert row["subject"] == "专题" and row["value"] == 3 and row["date_scope"] == "年底前"


def test_empty_document():
    doc = Document(text="无")
    assert doc.commitments == () and doc.facts() == []


def test_facts_feed_pandas():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(govie.extract(REPORT, mode="rules").facts())
    assert list(df.columns) == list(FACT_KEYS) and len(df) == 2
