"""govie.semantic: SUBJECT spans, COMMITMENT spans, count_of / deadline / target relations.

All sentences are invented for these tests.
"""

import re

import pytest

import govie
from govie import semantic
from govie.meta import document_meta, document_type
from govie.text import TextView
from govie.types import CountValue, DateValue, Entity

REPORT_HEAD = "某县2031年政府信息公开工作年度报告\n"
PLAN_HEAD = "某区2031年政务公开工作要点\n"


def run(text, year=2031):
    return govie.extract(text, mode="rules", reference_year=year)


def texts(doc, label):
    return [e.text for e in doc.by_label(label)]


def links(doc, label):
    return [(doc.entity(r.head).text, doc.entity(r.tail).text) for r in doc.relations if r.label == label]


# ----------------------------------------------------------------------------- SUBJECT / count_of
SUBJECT_CASES = [
    # (text, [(count, subject or None)])
    ("全年共受理政府信息公开申请36件,其中网上申请20件、信函申请16件。",
     [("36件", "政府信息公开申请"), ("20件", "网上申请"), ("16件", "信函申请")]),
    ("2031年,本局通过门户网站主动公开各类信息2380条。", [("2380条", "各类信息")]),
    ("各股室确定1名专职工作人员负责信息报送。", [("1名", "专职工作人员")]),
    ("全年共收到9件书面申请,均已办结。", [("9件", "书面申请")]),
    ("答复群众咨询260余次,办结率100%。", [("260余次", "群众咨询"), ("100%", "办结率")]),
    ("市民热线转办件85件,同比增长12%。", [("85件", "市民热线转办件"), ("12%", None)]),
    ("编印《某县政务简报》6期。", [("6期", "某县政务简报")]),
    ("其中机构设置2条、工作动态41条。", [("2条", "机构设置"), ("41条", "工作动态")]),
    ("举办在线访谈4期,征集意见建议31条。", [("4期", "在线访谈"), ("31条", "意见建议")]),
    # result categories named by a verb phrase
    ("办理结果中,予以公开7件,不予公开2件。", [("7件", "予以公开"), ("2件", "不予公开")]),
    # a number that sums up a list counts the noun after it, never the list
    ("年报包括总体情况、主动公开情况、存在问题等三项内容。", [("三项", "内容")]),
    ("涉及教育、医疗、住房等群众关心的事项共40项。", [("40项", None)]),
    # a frequency of an action has none either
    ("主要负责同志三次主持召开专题会议。", [("三次", None)]),
    # durations carry no subject
    ("所有申请均在15个工作日内答复。", [("15个工作日内", None)]),
    # rulefix: a verb inside a category name is no boundary (…类信息, compounds, coordinated verbs)
    ("本局主动公开机构设置类信息12条,组织机构类信息3条,公示公告类信息5条。",
     [("12条", "机构设置类信息"), ("3条", "组织机构类信息"), ("5条", "公示公告类信息")]),
    ("发布互动回应类信息9条,社会救助类公开信息4条,免于公开信息0条。",
     [("9条", "互动回应类信息"), ("4条", "社会救助类公开信息"), ("0条", "免于公开信息")]),
    ("完成民意征集和网上调查6期。", [("6期", "民意征集和网上调查")]),
    # counts of parts of a text or a plan carry no subject
    ("报告由总体情况、其他需要报告的事项等五个部分组成。", [("五个部分", None)]),
    ("本局将从以下两个方面加以改进。", [("两个方面", None)]),
    # verbs and statuses are no subject
    ("全年收到申请30件,共办结29件,按时办结28件。", [("30件", "申请"), ("29件", None), ("28件", None)]),
    ("答复完毕5件,办理中2件,剩余1件转下年度办理。", [("5件", None), ("2件", None), ("1件", None)]),
    ("已办结20件,正在办理3件。", [("3件", None)]),
    ("发布行政规范性文件6件,废止2件。", [("6件", "行政规范性文件"), ("2件", None)]),
    # 主动公开文件 after a verb is the name of the category; 主动公开 as the main verb is not
    ("通过门户网站发布主动公开文件15份。", [("15份", "主动公开文件")]),
    ("本局主动公开政府信息66条。", [("66条", "政府信息")]),
    # a note in brackets is no part of the subject
    ("全县68个预算单位(含乡镇)均完成公开。", [("68个", "预算单位")]),
    # a list before 等 is what is counted; 其他 in a list of categories is a subject
    ("微信公众号发布政策解读、工作动态等共计40条,其他6条。",
     [("40条", "政策解读、工作动态"), ("6条", "其他")]),
    # a bare count and its subject; areas
    ("微博发布信息27,网站发布信息15条。", [("27", "信息"), ("15条", "信息")]),
    ("完成封山育林800亩。", [("800亩", "封山育林")]),
]


@pytest.mark.parametrize("text,expected", SUBJECT_CASES)
def test_subjects(text, expected):
    doc = run(text)
    got = dict(links(doc, "count_of"))
    counts = texts(doc, "COUNT")
    for count, subject in expected:
        assert count in counts, (count, counts)
        assert got.get(count) == subject, (count, got)


def test_two_counts_share_one_subject():
    doc = run("政务微信发布信息120期356条,其中原创信息80条、占22%。")
    assert texts(doc, "SUBJECT").count("信息") == 1
    got = links(doc, "count_of")
    assert ("120期", "信息") in got and ("356条", "信息") in got
    assert ("80条", "原创信息") in got and ("22%", "原创信息") in got


def test_bare_verb_continues_the_previous_subject():
    doc = run("网上信箱收到群众留言80条,已答复76条。")
    assert ("76条", "群众留言") in links(doc, "count_of")
    assert "答复" not in texts(doc, "SUBJECT")


@pytest.mark.parametrize("line", [
    "主动公开 | 规章 | 3 | 5 |",
    "本年新制作数量    12    5",
    "36",
])
def test_table_lines_get_no_subject(line):
    doc = run("一、统计表\n" + line + "\n")
    assert not doc.by_label("SUBJECT")
    assert not links(doc, "count_of")


def test_subject_offsets_survive_normalisation():
    text = "全年共受理政府資訊公開申請３６件。"  # traditional characters and full-width digits
    doc = run(text)
    (s,) = doc.by_label("SUBJECT")
    assert text[s.start:s.end] == s.text == "政府資訊公開申請"


# ----------------------------------------------------------------------------- COMMITMENT
COMMITMENT_CASES = [
    # (text, expected commitment spans)
    (REPORT_HEAD + "2031年,本局主动公开政府信息120条。下一步,我局将进一步加强政策解读工作。",
     ["下一步,我局将进一步加强政策解读工作"]),
    # done work and a plan in one sentence: the span starts at the forward clause
    (REPORT_HEAD + "收到群众留言50条,已答复45条,其余留言将于2032年3月底前办结。",
     ["其余留言将于2032年3月底前办结"]),
    # past actions in a report are not commitments, even with 进一步 / 确保
    (REPORT_HEAD + "一、总体情况\n本局进一步完善了公开制度,确保信息及时准确发布。", []),
    # reported speech and the report's own housekeeping are not commitments
    (REPORT_HEAD + "会议强调,要把公开工作摆上重要位置。如对本报告有疑问,请与本局办公室联系。", []),
    # 将 as a disposal marker (将X纳入Y) is not the future tense
    (REPORT_HEAD + "本局将政务公开工作纳入年度考核。", []),
    # the improvement section of a report: problems are not plans, measures are
    (REPORT_HEAD + "三、存在的主要问题及改进情况\n一是公开内容不够全面。二是加强业务培训,提升队伍能力。",
     ["加强业务培训,提升队伍能力"]),
    # a lead-in (……做好以下工作:) is framing; the items after it are the plans
    (REPORT_HEAD + "三、存在的主要问题及改进情况\n下一步,本局将重点做好以下工作:一是2032年3月底前完成目录更新;"
     "二是加强业务培训。", ["2032年3月底前完成目录更新", "加强业务培训"]),
    # ... but in a section on done work a lead-in is just description
    (REPORT_HEAD + "一、总体情况\n本局主要通过以下方式公开信息:一是通过门户网站发布工作动态。", []),
    # a work plan: framing preamble no, heading no, directives yes
    (PLAN_HEAD + "坚持以人民为中心的发展思想为指导,全面提升政务公开质量。\n一、加强政策解读\n"
     "(一)做好解读材料。各部门要同步发布解读材料,全年发布解读材料不少于20篇。",
     ["各部门要同步发布解读材料,全年发布解读材料不少于20篇"]),
    # a notice: the closing request from 请 on
    ("关于印发某某办法的通知\n各乡镇人民政府:\n现将《某某办法》印发给你们,请认真贯彻执行。", ["请认真贯彻执行"]),
    # rulefix: what a report must contain describes the report, it is no commitment
    (REPORT_HEAD + "全文包括:年度报告应当包括总体情况;主动公开政府信息情况。", []),
    # nothing carried over is no promise
    (REPORT_HEAD + "一、总体情况\n受理申请8件,均已办结,无结转下年度继续办理。", []),
    (REPORT_HEAD + "一、总体情况\n受理申请8件,均已办结,结转下年度办理0件。", []),
    # the report's table of contents, even when it lists next year's plan
    (REPORT_HEAD + "全文包括本局2031年度重点工作情况、存在的不足及2032年工作计划等内容。", []),
    # 计划 as a noun in a list (规划、计划及…) is no cue; 计划于… still is
    (REPORT_HEAD + "一、总体情况\n围绕年度中心工作,及时发布本镇规划、计划及项目进展情况。", []),
    (REPORT_HEAD + "一、总体情况\n本局计划于2032年6月底前完成目录更新。", ["本局计划于2032年6月底前完成目录更新"]),
    # a new actor with its own 将 starts a new commitment
    (PLAN_HEAD + "一、强化考核\n2031年12月5日前,各单位报送落实情况,县政府办公室将对落实情况进行督查。",
     ["2031年12月5日前,各单位报送落实情况", "县政府办公室将对落实情况进行督查"]),
]


@pytest.mark.parametrize("text,expected", COMMITMENT_CASES)
def test_commitments(text, expected):
    assert texts(run(text), "COMMITMENT") == expected


def test_commitment_spans_have_no_enumerator_or_trailing_punctuation():
    doc = run(PLAN_HEAD + "一、加强平台建设\n1.推进门户网站改版,于2031年底前完成迁移工作。\n")
    (c,) = doc.by_label("COMMITMENT")
    assert c.text == "推进门户网站改版,于2031年底前完成迁移工作"


# ----------------------------------------------------------------------------- deadline / target
def test_deadline_and_target():
    doc = run(PLAN_HEAD + "一、加强政策解读\n各部门要在2031年6月30日前完成专栏改版,全年发布解读材料不少于20篇。")
    assert links(doc, "deadline") == [("各部门要在2031年6月30日前完成专栏改版,全年发布解读材料不少于20篇",
                                       "2031年6月30日前")]
    assert [t for _, t in links(doc, "target")] == ["不少于20篇"]


def test_time_limit_is_neither_deadline_nor_target():
    doc = run(PLAN_HEAD + "一、规范依申请公开\n各部门要在15个工作日内答复申请人。")
    assert texts(doc, "COMMITMENT") == ["各部门要在15个工作日内答复申请人"]
    assert links(doc, "target") == [] and links(doc, "deadline") == []


def test_shortened_duration_is_a_target():
    doc = run(PLAN_HEAD + "一、优化审批\n要将审批时间缩短至20个工作日内。")
    assert [t for _, t in links(doc, "target")] == ["20个工作日内"]


def test_past_year_object_is_no_deadline():
    doc = run("关于做好年度报告编制工作的通知\n一、做好报告编制\n各单位要认真总结2030年政务公开工作情况。", year=2031)
    assert texts(doc, "COMMITMENT") == ["各单位要认真总结2030年政务公开工作情况"]
    assert links(doc, "deadline") == []


def test_plan_table_row_deadline_comes_from_its_cell():
    text = (PLAN_HEAD + "任务 | 完成时限 | 责任单位 |\n"
            "1.推进数据开放,建设统一开放平台。 | 9月底前 | 县数据局 |\n")
    doc = run(text)
    assert texts(doc, "COMMITMENT") == ["推进数据开放,建设统一开放平台"]
    assert [t for _, t in links(doc, "deadline")] == ["9月底前"]


# ----------------------------------------------------------------------------- layer contract
def test_ids_continue_after_the_rule_entities():
    text = "全年共受理申请12件。下一步将加强培训。"
    view = TextView.from_text(text)
    base = [Entity(id="e7", start=7, end=10, label="COUNT", text="12件", value=CountValue(12, "件"))]
    new = semantic.entities(view, base, 2031, doc_type="annual_report")
    assert [e.id for e in new] == ["e8", "e9"]
    assert [(e.label, e.text) for e in new] == [("SUBJECT", "申请"), ("COMMITMENT", "下一步将加强培训")]


def test_relations_link_subject_spans_from_elsewhere():
    # a SUBJECT from another source (a model, a gold file) that overlaps the finder's span is linked
    text = "全年共受理政府信息公开申请36件。"
    ents = [Entity(id="c1", start=13, end=16, label="COUNT", text="36件", value=CountValue(36, "件")),
            Entity(id="s1", start=7, end=13, label="SUBJECT", text="信息公开申请")]
    rels = semantic.relations(ents, text, 2031)
    assert [(r.head, r.tail, r.label) for r in rels] == [("c1", "s1", "count_of")]


def _subjects_from_elsewhere(text: str, subjects: list[str], counts: list[str]) -> list[Entity]:
    ents = []
    for n, sub in enumerate(subjects):
        s = text.index(sub)
        ents.append(Entity(id=f"s{n + 1}", start=s, end=s + len(sub), label="SUBJECT", text=sub))
    for n, cnt in enumerate(counts):
        s = text.index(cnt)
        ents.append(Entity(id=f"c{n + 1}", start=s, end=s + len(cnt), label="COUNT", text=cnt,
                           value=CountValue(int("".join(ch for ch in cnt if ch.isdigit())), cnt[-1])))
    return ents


@pytest.mark.parametrize("text, subjects, counts, expected", [
    # a SUBJECT right before a count the finder gives another span (or none): linked
    ("本机关发布可在线查询的办事指南事项57项。", ["可在线查询的办事指南事项"], ["57项"], [("c1", "s1")]),
    ("收到申请9件,其中申请人为自然人的5件,法人的4件。", ["自然人", "法人"], ["5件", "4件"],
     [("c1", "s1"), ("c2", "s2")]),
    ("受理申请6件,2件为网上申请。", ["网上申请"], ["2件"], [("c1", "s1")]),
    # punctuation between: no link
    ("发布解读材料,共8篇。", ["解读材料"], ["8篇"], []),
])
def test_relations_link_an_adjacent_subject_from_elsewhere(text, subjects, counts, expected):
    rels = semantic.relations(_subjects_from_elsewhere(text, subjects, counts), text, 2031)
    assert sorted((r.head, r.tail) for r in rels if r.label == "count_of") == sorted(expected)


def test_deadline_value_is_typed():
    doc = run(PLAN_HEAD + "一、加强政策解读\n各部门要于2031年9月30日前完成目录编制。")
    (d,) = [doc.entity(r.tail) for r in doc.relations if r.label == "deadline"]
    assert isinstance(d.value, DateValue) and d.value.end == "2031-09-30" and d.value.modifier == "before"


# ----------------------------------------------------------------------------- document meta

META_CASES = [
    # (text, doc_type, issuer, publish_date)
    ("某县教育局2031年政府信息公开工作年度报告\n一、总体情况\n", "annual_report", "某县教育局", None),
    ("2031年某乡政府信息公开工作年度报告\n", "annual_report", "某乡", None),
    ("某市人民政府办公室关于印发《某市2031年政务公开工作要点》的通知\n发布日期:2031-03-02\n",
     "work_plan", "某市人民政府办公室", "2031-03-02"),
    ("关于做好年度报告编制工作的通知\n各乡镇:\n现就有关事项通知如下:\n某县人民政府办公室\n2031年1月5日\n",
     "notice", "某县人民政府办公室", "2031-01-05"),
    # no title: the body decides (report wording beats a mention of the year's 工作要点)
    ("一、总体情况\n2031年,本局按照《2031年政务公开工作要点》要求推进公开。\n(一)主动公开情况\n",
     "annual_report", None, None),
    ("随便写的一段话,没有任何线索。", "other", None, None),
]


@pytest.mark.parametrize("text,doc_type,issuer,publish_date", META_CASES)
def test_document_meta(text, doc_type, issuer, publish_date):
    meta = document_meta(TextView.from_text(text))
    assert (meta["doc_type"], meta["issuer"], meta["publish_date"]) == (doc_type, issuer, publish_date)
    for field_name, ev in meta["evidence"].items():
        if isinstance(ev, dict) and "start" in ev:
            assert 0 <= ev["start"] < ev["end"] <= len(text), field_name
    if issuer:
        ev = meta["evidence"]["issuer"]
        assert text[ev["start"]:ev["end"]] == issuer and ev["rule"]
    if doc_type != "other":
        assert meta["evidence"]["doc_type"]["rule"]


def test_document_type_evidence_on_traditional_text():
    text = "某縣人民政府辦公室2031年政府信息公開工作年度報告\n"
    name, ev = document_type(TextView.from_text(text))
    assert name == "annual_report" and ev["rule"] == "title: annual report"


# ----------------------------------------------------------------------------- the seeds (shared data)
def _seed(shared, prefix):
    path = next((shared / "seeds").glob(prefix + "*.txt"))
    return path.read_text(encoding="utf-8")


def test_seed_work_plan_has_dated_commitments(shared):
    doc = govie.extract(_seed(shared, "001_"), mode="rules")
    assert doc.meta["doc_type"] == "work_plan" and doc.meta["reference_year"] == 2019
    dated = {c.deadline.end for c in doc.commitments if c.deadline is not None}
    assert "2019-12-09" in dated and "2019-12-31" in dated
    assert any(t.approx == "at_least" for c in doc.commitments for t in c.targets)
    assert len(doc.commitments) > 40


def test_seed_report_commits_in_its_improvement_section_only(shared):
    text = _seed(shared, "000_")
    doc = govie.extract(text, mode="rules")
    assert doc.meta["doc_type"] == "annual_report"
    cut = text.index("改进措施")
    after = [c for c in doc.commitments if c.start > cut]
    before = [c for c in doc.commitments if c.start < cut]
    assert len(after) >= 5
    # in the body on done work only clauses with an explicit forward cue are commitments
    assert all(re.search(r"将|下一步|之前|不低于|要|应", c.text) for c in before)
    assert all(not re.search(r"已|了", c.text[:8]) for c in before)
