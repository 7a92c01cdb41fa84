"""govie.segment: sentences, clauses, enumerators, headings and sections, with original offsets."""

import pytest

from govie.segment import enumerator_at, headings, segment, sentence_at
from govie.text import TextView

PLAN = (
    "某县2031年政务公开工作要点\n"
    "一、加强政策解读\n"
    "(一)做好解读材料\n"
    "1.规范解读流程。各部门要在文件印发后三日内发布解读材料;不得拖延。\n"
    "2.丰富解读形式,提高可读性。\n"
    "二、推进平台建设\n"
    "理顺机制。建立健全网站管理制度,做好日常维护。\n"
)


def kinds(text):
    return [(s.kind, s.text) for s in segment(text)]


# (text, expected [(kind, text)])
SPLIT_CASES = [
    ("各部门要加强培训。全年开展三次检查!是否满意?", [
        ("sentence", "各部门要加强培训"), ("sentence", "全年开展三次检查"), ("sentence", "是否满意")]),
    ("第一项任务完成;第二项任务推进。", [
        ("sentence", "第一项任务完成"), ("sentence", "第二项任务推进")]),
    # closing quotes stay with the sentence they close (brackets stay balanced)
    ("他说:“马上落实。”随后开会。", [("sentence", "他说:“马上落实。”"), ("sentence", "随后开会")]),
    # a 。 inside a 《title》 does not end the sentence
    ("印发《关于甲。乙的通知》给各单位。", [("sentence", "印发《关于甲。乙的通知》给各单位")]),
    # enumerators are cut off
    ("一是完善制度,明确责任分工;二是加强考核,每季度通报一次。", [
        ("sentence", "完善制度,明确责任分工"), ("sentence", "加强考核,每季度通报一次")]),
    ("(三)提升服务水平\n", [("heading", "提升服务水平")]),
    ("1.加强宣传。开展宣传周活动,印发手册。", [("heading", "加强宣传"), ("sentence", "开展宣传周活动,印发手册")]),
    # a short enumerated topic phrase before the real sentence is a run-in heading
    ("二是强化督查。每月督查一次,结果通报全区。", [
        ("heading", "强化督查"), ("sentence", "每月督查一次,结果通报全区")]),
    # a long enumerated line with 。 is a sentence, not a heading
    ("2.加强对工作人员的业务培训,不断提高综合业务素质。\n", [
        ("sentence", "加强对工作人员的业务培训,不断提高综合业务素质")]),
    # short fragments without punctuation: dates, signatures
    ("某县人民政府办公室\n2031年3月8日\n", [("line", "某县人民政府办公室"), ("line", "2031年3月8日")]),
    # table rows
    ("项目 | 数量 | 备注\n", [("line", "项目"), ("line", "数量"), ("line", "备注")]),
    ("本年新制作    12    5\n", [("table", "本年新制作    12    5")]),
]


@pytest.mark.parametrize("text,expected", SPLIT_CASES)
def test_split(text, expected):
    assert kinds(text) == expected


def test_hard_wrapped_line_is_joined():
    text = "政务公开是一项长期而复杂的系统工程,既要立足当前,又要\n着眼长远,涉及面广,内容繁多。下一句。"
    sents = segment(text)
    assert sents[0].text == "政务公开是一项长期而复杂的系统工程,既要立足当前,又要\n着眼长远,涉及面广,内容繁多"
    assert sents[1].text == "下一句"


def test_line_break_ends_a_sentence_before_a_short_line():
    text = "请各单位认真贯彻执行,结合实际抓好落实\n三月二日\n"
    assert [s.text for s in segment(text)] == ["请各单位认真贯彻执行,结合实际抓好落实", "三月二日"]


def test_sections_and_levels():
    sents = segment(PLAN)
    by_text = {s.text: s for s in sents}
    s = by_text["各部门要在文件印发后三日内发布解读材料"]
    assert s.sections == ("某县2031年政务公开工作要点", "加强政策解读", "做好解读材料", "规范解读流程")
    assert s.section == "规范解读流程"
    h = by_text["推进平台建设"]
    assert h.kind == "heading" and h.enumerator == "二、" and h.level == 2
    # a heading's own sections are its parents
    assert h.sections == ("某县2031年政务公开工作要点",)
    # a short topic phrase right under a heading is a heading too
    assert by_text["理顺机制"].kind == "heading"
    assert by_text["建立健全网站管理制度,做好日常维护"].section == "推进平台建设"
    assert [x.text for x in headings(PLAN)][:3] == ["某县2031年政务公开工作要点", "加强政策解读", "做好解读材料"]


def test_clauses():
    s = segment("全年共受理申请12件,其中网上申请8件,信函申请4件:均按时办结。")[0]
    assert [c.text for c in s.clauses] == ["全年共受理申请12件", "其中网上申请8件", "信函申请4件", "均按时办结"]
    # commas inside brackets or quotes do not split a clause
    s = segment("设立“办事不找关系,服务不打折扣”专栏(含网页,移动端)。")[0]
    assert len(s.clauses) == 1


def test_offsets_index_the_original_text():
    # full-width punctuation, a zero-width space and traditional characters
    text = "一、總體情況\n今年，本局\u200b公開信息３５條；將繼續推進。"
    view = TextView.from_text(text)
    assert not view.identity
    for s in segment(text):
        assert text[s.start:s.end] == s.text
        for c in s.clauses:
            assert text[c.start:c.end] == c.text
    texts = [s.text for s in segment(view)]
    assert texts == ["總體情況", "今年，本局\u200b公開信息３５條", "將繼續推進"]


@pytest.mark.parametrize("text,length,heading", [
    ("一、总体情况", 2, True), ("(二)主动公开", 3, True), ("（二）主动公开", 3, True), ("3.加强培训", 2, True),
    ("(4)其他", 3, True), ("①第一项", 1, True), ("一是加强", 2, False), ("第三,推进", 3, False),
    ("第五条 本办法", 4, False),
])
def test_enumerators(text, length, heading):
    norm = TextView.from_text(text).text
    got = enumerator_at(norm)
    assert got is not None and got[0] == length and got[2] is heading


@pytest.mark.parametrize("text", ["2021年全年", "1.5万条", "三公经费", "一网通办", "12345热线"])
def test_not_enumerators(text):
    assert enumerator_at(text) is None


def test_sentence_at():
    sents = segment("甲乙丙。丁戊己。")
    assert sentence_at(sents, 5).text == "丁戊己"
    assert sentence_at(sents, 3) is None  # the 。 belongs to no span
