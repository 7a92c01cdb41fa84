"""govie.scoring: exact and half-overlap matching, values, relations, table lines, errors, seqeval parity."""

from __future__ import annotations

import json
import random

import pytest

from govie.scoring import format_table, half_overlap, is_table_line, score
from govie.types import CountValue, DateValue, DocNoValue, Document, Entity, Relation

# Invented text; offsets below are checked by Document on construction.
TEXT = "本局依据示政发〔2021〕3号文件，于2021年收到申请表12份，计划2022年6月底前完成平台改造工作。"


def ent(eid, label, start, end, text=TEXT, value=None, source="gold"):
    return Entity(id=eid, start=start, end=end, label=label, text=text[start:end], value=value, source=source)


def doc(ents=(), rels=(), text=TEXT, doc_id="d1"):
    return Document(text=text, entities=tuple(ents), relations=tuple(rels), id=doc_id)


def spans_doc(label, spans, text, doc_id="d1"):
    return doc([ent(f"e{i}", label, s, t, text) for i, (s, t) in enumerate(spans, 1)], text=text, doc_id=doc_id)


def pos(sub, text=TEXT):
    s = text.index(sub)
    return s, s + len(sub)


# ----------------------------------------------------------------------------- exact labels
EXACT_CASES = [
    # label, gold spans, predicted spans, (tp, fp, fn)
    ("DATE", [(0, 4)], [(0, 4)], (1, 0, 0)),
    ("DATE", [(0, 4)], [(0, 5)], (0, 1, 1)),            # one character longer: no match
    ("DATE", [(0, 4)], [(1, 4)], (0, 1, 1)),
    ("COUNT", [(0, 2), (5, 8)], [(0, 2)], (1, 0, 1)),
    ("COUNT", [(0, 2)], [(0, 2), (3, 4)], (1, 1, 0)),
    ("COUNT", [], [(3, 4)], (0, 1, 0)),
    ("DOC_NO", [(2, 6)], [], (0, 0, 1)),
    ("TITLE", [(0, 3), (3, 6)], [(0, 6)], (0, 1, 2)),   # adjacent gold spans are two entities
]


@pytest.mark.parametrize("label,gold,pred,expected", EXACT_CASES)
def test_exact_match_counts(label, gold, pred, expected):
    text = "一二三四五六七八九十"
    r = score([spans_doc(label, gold, text)], [spans_doc(label, pred, text)])
    row = r["entities"][label]
    assert (row["tp"], row["fp"], row["fn"]) == expected
    tp, fp, fn = expected
    p = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    assert row["precision"] == pytest.approx(p)
    assert row["recall"] == pytest.approx(rc)
    assert row["f1"] == pytest.approx(2 * p * rc / (p + rc) if p + rc else 0.0)
    assert row["match"] == "exact"


def test_prf_values_and_micro():
    text = "一二三四五六七八九十"
    g = doc([ent("a", "DATE", 0, 2, text), ent("b", "DATE", 3, 5, text), ent("c", "COUNT", 6, 8, text),
             ent("d", "SUBJECT", 8, 10, text)], text=text)
    p = doc([ent("a", "DATE", 0, 2, text), ent("c", "COUNT", 6, 8, text), ent("x", "COUNT", 2, 3, text),
             ent("d", "SUBJECT", 8, 10, text)], text=text)
    r = score([g], [p])
    assert r["entities"]["DATE"]["precision"] == 1.0 and r["entities"]["DATE"]["recall"] == 0.5
    assert r["entities"]["DATE"]["f1"] == pytest.approx(2 / 3)
    assert r["entities"]["COUNT"]["precision"] == 0.5 and r["entities"]["COUNT"]["recall"] == 1.0
    micro = r["entities"]["micro_exact"]
    assert (micro["tp"], micro["gold"], micro["pred"]) == (2, 3, 3)
    assert r["entities"]["micro"]["tp"] == 3 and r["entities"]["micro"]["gold"] == 4
    assert r["entities"]["TITLE"]["f1"] is None  # nothing to score
    json.dumps(r, ensure_ascii=False)  # JSON-able


# ----------------------------------------------------------------------------- overlap labels
OVERLAP_CASES = [
    # gold span, predicted span, matches?  (text has 20 characters)
    ((0, 10), (0, 10), True),
    ((0, 10), (0, 5), True),     # shares 5 of the longer 10: exactly half
    ((0, 10), (0, 4), False),    # 4 of 10
    ((0, 10), (5, 15), True),    # 5 shared, longer is 10
    ((0, 10), (6, 16), False),
    ((2, 4), (0, 4), True),      # 2 of the longer 4
    ((2, 4), (0, 5), False),     # 2 of 5
    ((0, 3), (0, 6), True),      # 3 of 6: exactly half
    ((0, 3), (0, 7), False),     # 3 of 7
    ((0, 9), (9, 18), False),    # touching, no shared character
]


@pytest.mark.parametrize("label", ["SUBJECT", "COMMITMENT"])
@pytest.mark.parametrize("gold,pred,matches", OVERLAP_CASES)
def test_half_overlap_rule(label, gold, pred, matches):
    text = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"
    r = score([spans_doc(label, [gold], text)], [spans_doc(label, [pred], text)])
    row = r["entities"][label]
    assert row["match"] == "overlap"
    assert row["tp"] == (1 if matches else 0)
    a = ent("a", label, *gold, text=text)
    b = ent("b", label, *pred, text=text)
    assert half_overlap(a, b) is matches and half_overlap(b, a) is matches


def test_overlap_is_one_to_one_and_greedy_by_overlap():
    text = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"
    # one gold, two predictions that both qualify: only one counts
    r = score([spans_doc("SUBJECT", [(0, 10)], text)], [spans_doc("SUBJECT", [(0, 5), (5, 10)], text)])
    assert (r["entities"]["SUBJECT"]["tp"], r["entities"]["SUBJECT"]["fp"]) == (1, 1)
    # two golds, one prediction qualifying for both: matches one gold only
    r = score([spans_doc("SUBJECT", [(0, 4), (4, 8)], text)], [spans_doc("SUBJECT", [(1, 7)], text)])
    assert (r["entities"]["SUBJECT"]["tp"], r["entities"]["SUBJECT"]["fn"]) == (1, 1)
    # p1 = (2,6) shares exactly half with g1 = (0,4) and with g2 = (4,8), p2 = (6,8) half of g2:
    # equal overlaps are taken in text order, (g1, p1) then (g2, p2) -> both match
    g = spans_doc("COMMITMENT", [(0, 4), (4, 8)], text)
    p = spans_doc("COMMITMENT", [(2, 6), (6, 8)], text)
    assert score([g], [p])["entities"]["COMMITMENT"]["tp"] == 2
    p = doc([ent("p1", "COMMITMENT", 2, 5, text), ent("p2", "COMMITMENT", 5, 8, text)], text=text)
    # p1 = (2,5): 2 with g1 (longer 4: ok), 1 with g2 (no); p2 = (5,8): 3 with g2
    assert score([g], [p])["entities"]["COMMITMENT"]["tp"] == 2
    # a prediction qualifying for two golds takes the larger overlap
    g = spans_doc("SUBJECT", [(0, 3), (3, 8)], text)
    p = spans_doc("SUBJECT", [(1, 7)], text)  # 2 with (0,3) [longer 6: no], 4 with (3,8) [yes]
    r = score([g], [p])
    (miss,) = [e for e in r["errors"]["SUBJECT"] if e["type"] == "missed"]
    assert r["entities"]["SUBJECT"]["tp"] == 1 and miss["gold"]["start"] == 0


# ----------------------------------------------------------------------------- values
def test_value_accuracy_field_by_field():
    g = doc([ent("n", "DOC_NO", *pos("示政发〔2021〕3号"), value=DocNoValue("示政发", 2021, 3)),
             ent("d", "DATE", *pos("2021年"), value=DateValue("2021-01-01", "2021-12-31", "year")),
             ent("c", "COUNT", *pos("12份"), value=CountValue(12, "份")),
             ent("d2", "DATE", *pos("2022年6月底前"))])  # gold without value: not counted
    p = doc([ent("n", "DOC_NO", *pos("示政发〔2021〕3号"), value=DocNoValue("示政发", 2021, 3), source="rules"),
             ent("d", "DATE", *pos("2021年"), value=DateValue("2021-01-01", "2021-12-31", "month"), source="rules"),
             ent("c", "COUNT", *pos("12份"), value=CountValue(12.0, "份"), source="rules"),
             ent("d2", "DATE", *pos("2022年6月底前"),
                 value=DateValue("2022-06-01", "2022-06-30", "month", "before"), source="rules")])
    r = score([g], [p])
    assert r["values"]["DOC_NO"] == {"n": 1, "correct": 1, "accuracy": 1.0,
                                     "fields": {"issuer": 1.0, "serial": 1.0, "year": 1.0}}
    assert r["values"]["DATE"]["n"] == 1 and r["values"]["DATE"]["accuracy"] == 0.0
    assert r["values"]["DATE"]["fields"]["granularity"] == 0.0 and r["values"]["DATE"]["fields"]["start"] == 1.0
    assert r["values"]["COUNT"]["accuracy"] == 1.0  # 12 == 12.0
    assert r["values"]["all"] == {"n": 3, "correct": 2, "accuracy": pytest.approx(2 / 3)}
    (err,) = r["errors"]["DATE"]
    assert err["type"] == "value" and err["wrong_fields"] == ["granularity"]
    assert r["error_counts"]["DATE"]["value"] == 1


def test_missing_predicted_value_is_wrong():
    g = doc([ent("c", "COUNT", *pos("12份"), value=CountValue(12, "份"))])
    p = doc([ent("c", "COUNT", *pos("12份"), source="rules")])
    assert score([g], [p])["values"]["COUNT"]["accuracy"] == 0.0


# ----------------------------------------------------------------------------- relations
def _rel_docs():
    text = "收到群众来信48件，受理申请表79份。"
    g = doc([ent("c1", "COUNT", *pos("48件", text), text), ent("s1", "SUBJECT", *pos("群众来信", text), text),
             ent("c2", "COUNT", *pos("79份", text), text), ent("s2", "SUBJECT", *pos("申请表", text), text)],
            [Relation("c1", "s1", "count_of"), Relation("c2", "s2", "count_of")], text=text)
    return text, g


def test_relation_matches_through_overlap_arguments():
    text, g = _rel_docs()
    # SUBJECT "来信" shares 2 of the longer 4 chars with "群众来信": argument matches under the overlap rule
    p = doc([ent("x", "COUNT", *pos("48件", text), text), ent("y", "SUBJECT", *pos("来信", text), text),
             ent("z", "COUNT", *pos("79份", text), text), ent("w", "SUBJECT", *pos("受理申请表", text), text)],
            [Relation("x", "y", "count_of"), Relation("z", "w", "count_of")], text=text)
    r = score([g], [p])
    assert r["relations"]["count_of"]["tp"] == 2
    assert r["relations"]["micro"]["f1"] == 1.0


def test_relation_needs_both_arguments_and_label():
    text, g = _rel_docs()
    p = doc([ent("x", "COUNT", *pos("48件", text), text), ent("y", "SUBJECT", *pos("群众来信", text), text),
             ent("z", "COUNT", *pos("79", text), text), ent("w", "SUBJECT", *pos("申请表", text), text)],
            [Relation("x", "y", "count_of"), Relation("z", "w", "count_of"), Relation("x", "w", "count_of")],
            text=text)
    r = score([g], [p])
    row = r["relations"]["count_of"]
    assert (row["tp"], row["fp"], row["fn"]) == (1, 2, 1)  # z is a boundary error; x->w is wrong
    kinds = sorted(e["type"] for e in r["errors"]["count_of"])
    assert kinds == ["missed", "spurious", "spurious"]


# ----------------------------------------------------------------------------- table lines
TABLE_LINES = [
    ("收到申请 | 12 | 8", True),         # two bars
    ("收到申请\t12\t8", True),           # two tabs
    ("收到申请|12", True),               # one bar, 7 other characters
    ("0 |", True),
    ("规章 |", True),
    ("本年度共收到政府信息公开申请，全部按时办结并已答复申请人 | 备注", False),  # one bar, > 20 others
    ("新收申请  12  件", True),          # two runs of 2+ spaces between cells
    ("新收申请  12件", False),           # only one run
    ("　　本年共收到申请12件。", False),  # leading indentation is not a cell gap
    ("新收申请\u3000\u300012\u3000\u3000件", True),
    ("135", True),
    (" 4.5 ", True),
    ("98%", True),
    ("共135件", False),
    ("", False),
    ("全年主动公开政府信息1200条。", False),
]


@pytest.mark.parametrize("line,expected", TABLE_LINES)
def test_is_table_line(line, expected):
    assert is_table_line(line) is expected


def test_count_and_subject_on_table_lines_are_ignored_both_sides():
    text = "全年受理申请12件，办结10件。\n申请 | 12 | 10\n2021年 | 合计\n35"
    line2 = text.index("申请 |")
    c_t = text.index("12 |")
    d_t = text.index("2021年")
    n_t = text.rindex("35")
    g = doc([ent("s1", "SUBJECT", *pos("申请", text), text), ent("c1", "COUNT", *pos("12件", text), text),
             ent("c2", "COUNT", *pos("10件", text), text),
             ent("s2", "SUBJECT", line2, line2 + 2, text), ent("c3", "COUNT", c_t, c_t + 2, text),
             ent("d1", "DATE", d_t, d_t + 5, text), ent("c4", "COUNT", n_t, n_t + 2, text)],
            [Relation("c1", "s1", "count_of"), Relation("c3", "s2", "count_of")], text=text)
    # prediction: finds the prose entities, one table-row COUNT (gold has it too), a spurious
    # table-row COUNT, and misses the DATE on the table line
    p = doc([ent("a", "SUBJECT", *pos("申请", text), text), ent("b", "COUNT", *pos("12件", text), text),
             ent("c", "COUNT", *pos("10件", text), text), ent("x", "COUNT", c_t + 5, c_t + 7, text)],
            [Relation("b", "a", "count_of")], text=text)
    r = score([g], [p])
    cnt = r["entities"]["COUNT"]
    assert (cnt["gold"], cnt["pred"], cnt["tp"]) == (2, 2, 2)
    assert (cnt["excluded_gold"], cnt["excluded_pred"]) == (2, 1)
    assert r["entities"]["SUBJECT"]["gold"] == 1 and r["entities"]["SUBJECT"]["excluded_gold"] == 1
    assert r["entities"]["DATE"]["fn"] == 1  # DATE is scored on table lines
    assert r["relations"]["count_of"]["gold"] == 1 and r["relations"]["count_of"]["tp"] == 1
    off = score([g], [p], exclude_table_lines=False)
    assert off["entities"]["COUNT"]["gold"] == 4 and off["relations"]["count_of"]["gold"] == 2


# ----------------------------------------------------------------------------- errors
def test_error_types():
    text = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"
    g = doc([ent("g1", "DATE", 0, 4, text), ent("g2", "COUNT", 6, 8, text), ent("g3", "TITLE", 10, 12, text),
             ent("g4", "SUBJECT", 14, 20, text)], text=text)
    p = doc([ent("p1", "DATE", 1, 4, text, source="rules"),      # boundary
             ent("p2", "DATE", 6, 8, text, source="rules"),      # label (gold COUNT)
             ent("p3", "COUNT", 12, 13, text, source="rules"),   # spurious
             ent("p4", "SUBJECT", 14, 16, text, source="rules")],  # boundary for an overlap label
            text=text)
    r = score([g], [p])
    errs = {lab: [(e["type"], e["gold"] and e["gold"]["text"], e["pred"] and e["pred"]["text"]) for e in es]
            for lab, es in r["errors"].items() if es}
    assert errs == {"DATE": [("boundary", "甲乙丙丁", "乙丙丁")],
                    "COUNT": [("label", "庚辛", "庚辛"), ("spurious", None, "寅")],
                    "TITLE": [("missed", "子丑", None)],
                    "SUBJECT": [("boundary", "辰巳午未申酉", "辰巳")]}
    lab_err = r["errors"]["COUNT"][0]
    assert lab_err["pred_label"] == "DATE" and lab_err["doc_id"] == "d1" and "[庚辛]" in lab_err["context"]
    table = format_table(r, errors=5)
    for word in ("DOC_NO", "COMMITMENT", "micro", "doc_title", "boundary", "乙丙丁"):
        assert word in table


# ----------------------------------------------------------------------------- documents
def test_missing_prediction_counts_as_empty_and_text_must_match():
    g1 = spans_doc("DATE", [(0, 2)], "一二三四", doc_id="a")
    g2 = spans_doc("DATE", [(1, 3)], "五六七八", doc_id="b")
    r = score([g1, g2], [spans_doc("DATE", [(0, 2)], "一二三四", doc_id="a")])
    assert r["missing_predictions"] == ["b"] and r["entities"]["DATE"]["recall"] == 0.5
    with pytest.raises(ValueError, match="text differs"):
        score([g1], [spans_doc("DATE", [(0, 2)], "一二三五", doc_id="a")])
    with pytest.raises(ValueError, match="duplicate"):
        score([g1, g1], [])


# ----------------------------------------------------------------------------- seqeval parity
def _random_spans(rng, n, labels):
    spans, pos_ = [], 0
    while pos_ < n - 1:
        pos_ += rng.randint(0, 3)
        length = rng.randint(1, 4)
        if pos_ + length > n:
            break
        spans.append((rng.choice(labels), pos_, pos_ + length))
        pos_ += length  # the next span may start right here (adjacent spans)
    return spans


def _bio(n, spans):
    tags = ["O"] * n
    for lab, s, t in spans:
        tags[s] = f"B-{lab}"
        for i in range(s + 1, t):
            tags[i] = f"I-{lab}"
    return tags


@pytest.mark.parametrize("seed", range(8))
def test_equals_seqeval_on_bio(seed):
    seqeval = pytest.importorskip("seqeval.metrics")
    rng = random.Random(seed)
    labels = ["DOC_NO", "TITLE", "DATE", "COUNT"]
    golds, preds, yt, yp = [], [], [], []
    for k in range(6):
        n = 40
        text = "".join(chr(0x4E00 + rng.randrange(500)) for _ in range(n))
        gs = _random_spans(rng, n, labels)
        # predictions: keep, shift, relabel or drop gold spans, add some noise
        ps = []
        for lab, s, t in gs:
            x = rng.random()
            if x < 0.5:
                ps.append((lab, s, t))
            elif x < 0.65 and t < n:
                ps.append((lab, s, t + 1))
            elif x < 0.8:
                ps.append((rng.choice(labels), s, t))
        ps = _non_overlapping(ps)
        golds.append(doc([ent(f"g{i}", lab, s, t, text) for i, (lab, s, t) in enumerate(gs)], text=text, doc_id=str(k)))
        preds.append(doc([ent(f"p{i}", lab, s, t, text) for i, (lab, s, t) in enumerate(ps)], text=text, doc_id=str(k)))
        yt.append(_bio(n, gs))
        yp.append(_bio(n, ps))
    ours = score(golds, preds, labels=labels)["entities"]
    rep = seqeval.classification_report(yt, yp, output_dict=True, zero_division=0)
    for lab in labels:
        if lab not in rep:
            continue
        assert ours[lab]["gold"] == rep[lab]["support"]
        for k in ("precision", "recall"):
            assert ours[lab][k] == pytest.approx(rep[lab][k]), (lab, k)
        assert ours[lab]["f1"] == pytest.approx(rep[lab]["f1-score"])
    assert ours["micro_exact"]["f1"] == pytest.approx(seqeval.f1_score(yt, yp, average="micro", zero_division=0))
    assert ours["micro_exact"]["precision"] == pytest.approx(seqeval.precision_score(yt, yp, zero_division=0))
    assert ours["micro_exact"]["recall"] == pytest.approx(seqeval.recall_score(yt, yp, zero_division=0))


def _non_overlapping(spans):
    out, last = [], 0
    for lab, s, t in sorted(spans, key=lambda x: x[1]):
        if s >= last:
            out.append((lab, s, t))
            last = t
    return out
