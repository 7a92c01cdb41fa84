"""DATE rules and values: spans (modifiers inside, 截至/自 outside), ranges, relative words, reference year."""

import pytest

import govie

Y = 2021
CASES = [
    # text, span, (start, end, granularity, modifier)
    ("2020年12月31日前完成。", "2020年12月31日前", ("2020-12-31", "2020-12-31", "day", "before")),
    ("截至2021年底，累计公开。", "2021年底", ("2021-12-01", "2021-12-31", "month", None)),
    ("自2019年5月15日起施行。", "2019年5月15日起", ("2019-05-15", "2019-05-15", "day", "after")),
    ("二〇二〇年十二月三十一日印发。", "二〇二〇年十二月三十一日", ("2020-12-31", "2020-12-31", "day", None)),
    ("发布于2021-06-30。", "2021-06-30", ("2021-06-30", "2021-06-30", "day", None)),
    ("2021年上半年共办理申请。", "2021年上半年", ("2021-01-01", "2021-06-30", "half", None)),
    ("今年以来，新增解读。", "今年以来", ("2021-01-01", "2021-12-31", "year", "after")),
    ("去年全年收到申请。", "去年全年", ("2020-01-01", "2020-12-31", "year", None)),
    ("2022年1月至6月开展", "2022年1月至6月", ("2022-01-01", "2022-06-30", "month", None)),
    ("2019年3月—5月开展", "2019年3月—5月", ("2019-03-01", "2019-05-31", "month", None)),
    ("3月1日至15日开展检查", "3月1日至15日", ("2021-03-01", "2021-03-15", "day", None)),
    ("2020年1月1日起至12月31日止", "2020年1月1日起至12月31日止", ("2020-01-01", "2020-12-31", "day", None)),
    ("年底前完成清理。", "年底前", ("2021-12-01", "2021-12-31", "month", "before")),
    ("2020年第一季度", "2020年第一季度", ("2020-01-01", "2020-03-31", "quarter", None)),
    ("2020年度共计", "2020年度", ("2020-01-01", "2020-12-31", "year", None)),
    ("9月底前报送", "9月底前", ("2021-09-01", "2021-09-30", "month", "before")),
    ("7月20日之前报送", "7月20日之前", ("2021-07-20", "2021-07-20", "day", "before")),
    ("2019年以来", "2019年以来", ("2019-01-01", "2019-12-31", "year", "after")),
    ("年内完成", "年内", ("2021-01-01", "2021-12-31", "year", None)),
    ("页面时间 2019-07-02 10:39:56", "2019-07-02 10:39:56", ("2019-07-02", "2019-07-02", "day", None)),
    ("2025年全年完成", "2025年全年", ("2025-01-01", "2025-12-31", "year", None)),
    ("截止20211231日", "20211231日", ("2021-12-31", "2021-12-31", "day", None)),
    # rules_fix round 3: a comma or 始 inside a range, 月份, 年来, spaces in a signature date, garbled ranges
    ("统计期限自2020年1月1日起,至2020年12月31日止。", "2020年1月1日起,至2020年12月31日止",
     ("2020-01-01", "2020-12-31", "day", None)),
    ("数据期限自2019年1月1日始，至2019年12月31日止", "2019年1月1日始，至2019年12月31日止",
     ("2019-01-01", "2019-12-31", "day", None)),
    ("于2018年6月份召开会议", "2018年6月份", ("2018-06-01", "2018-06-30", "month", None)),
    ("2020年来，我局持续推进", "2020年来", ("2020-01-01", "2020-12-31", "year", "after")),
    ("示例县某办公室\n2022 年 3 月 5 日", "2022 年 3 月 5 日", ("2022-03-05", "2022-03-05", "day", None)),
    ("统计期限为20201月1日至202012月31日。", "20201月1日至202012月31日", ("2020-01-01", "2020-12-31", "day", None)),
    ("本年报送信息12条", "本年", ("2021-01-01", "2021-12-31", "year", None)),
    ("2021年完成示例区实施方案修订", "2021年", ("2021-01-01", "2021-12-31", "year", None)),
    ("现将2020年度政府信息公开工作情况报告如下", "2020年度", ("2020-01-01", "2020-12-31", "year", None)),
    ("2021年各部门报送年度报告", "2021年", ("2021-01-01", "2021-12-31", "year", None)),
    # rules_fix round 5: 年终 like 年底
    ("年初定目标，年终抓考评", "年终", ("2021-12-01", "2021-12-31", "month", None)),
    ("2020年终前完成", "2020年终前", ("2020-12-01", "2020-12-31", "month", "before")),
    # a relative word opens a name only with a report noun; a verb before the noun makes a time
    ("本年度我局成立领导小组", "本年度", ("2021-01-01", "2021-12-31", "year", None)),
    ("2020年成立政务公开工作领导小组", "2020年", ("2020-01-01", "2020-12-31", "year", None)),
    ("本年度制发规范性文件3件", "本年度", ("2021-01-01", "2021-12-31", "year", None)),
    # rules_fix round 8: months sharing one 月
    ("2020年1-12月，共发布信息", "2020年1-12月", ("2020-01-01", "2020-12-31", "month", None)),
    ("1至6月共受理申请", "1至6月", ("2021-01-01", "2021-06-30", "month", None)),
    ("本年新增信息12条", "本年", ("2021-01-01", "2021-12-31", "year", None)),
    # rulefix: 报告 as the verb of 现将…工作报告如下 leaves the year a DATE
    ("现将我办2020年信息公开工作报告如下。", "2020年", ("2020-01-01", "2020-12-31", "year", None)),
    # a year in parentheses after a non-document word stays a DATE
    ("完成目录整改(2020年)。", "2020年", ("2020-01-01", "2020-12-31", "year", None)),
]


@pytest.mark.parametrize("text,span,value", CASES)
def test_date(text, span, value):
    doc = govie.extract(text, mode="rules", reference_year=Y)
    found = {e.text: e.value for e in doc.dates}
    assert span in found, [e.text for e in doc.dates]
    v = found[span]
    assert (v.start, v.end, v.granularity, v.modifier) == value


NOT_DATES = [
    "3个工作日内答复",
    "依据第二十条",
    "地址为某路28号",
    "编制本年度报告",
    "上年结转2件",
    "印发《示例市2020年政务公开工作要点》",
    "办理时限为24小时",
    # rules_fix round 3: names and column headers, slogans in quotes
    "如对本年报有疑问，请联系办公室",
    "| 信息内容 | 本年制发件数 | 本年废止件数 |",
    "本年收费金额(单位:万元)",
    "三、本年度办理结果",
    "纳入年度内部考核",
    "实现“全年无差错”目标",
    "推行“一季度一督查”机制",
    "本年度政府信息公开报告由本局编制",
    "现将我局2022年度政府信息公开工作年度报告编制如下",
    "写入2020年工作目标",
    "(二)2021年改进措施",
    "调整2019年政务公开工作领导小组",
    "发布某省2022年重点项目清单",
    "2022年政府信息发布数量统计",
    "在2019年各县区、各部门政府信息公开年度报告基础上编制",
    "示例市某局2021年政府信息公开\n工作年度报告",
    "依据上级印发的《示例县2022年政务公开",
    "纳入县局2021年度绩效考评方案",
    "信息内容\n本年新\n制作数量\n本年新\n公开数量",
    "上一年项目数量\n本年增/\n处理决定数量",
    "示例区某局2024年政务信息\n公开工作开展年度报告\n一、总体情况",
    # rulefix: a year in parentheses after a document noun is part of its name or edition
    "示例镇人民政府信息公开指南(2023年)",
    "发布示例区防汛应急预案(2021年修订)",
    "执行示例市审批办法（2019年版）",
    # 年度 + 工作报告如下 reads as the report's name
    "现将示例局2021年度政府信息公开工作报告如下",
    # a column name cut short in a table cell
    "信息内容 | 本年新 | 本年新 | 对外公开总数量 |",
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_date(text):
    assert govie.extract(text, mode="rules", reference_year=Y).dates == ()


def test_missing_year_without_reference_gives_null_bounds():
    doc = govie.extract("7月20日前报送", mode="rules", reference_year=None)
    (d,) = doc.dates
    assert d.text == "7月20日前" and d.value.start is None and d.value.modifier == "before"


def test_reference_year_inferred_from_title():
    text = "示例县2019年政府信息公开工作年度报告\n7月20日前完成公开。"
    doc = govie.extract(text, mode="rules")
    assert doc.meta["reference_year"] == 2019
    assert [d.value.start for d in doc.dates] == ["2019-07-20"]


@pytest.mark.parametrize("text", ["2月30日", "13月5日", "0000年", "99999年1月"])
def test_impossible_dates_never_raise(text):
    doc = govie.extract(text, mode="rules", reference_year=Y)
    for d in doc.dates:
        assert d.value is None or d.value.start is None or d.value.start <= d.value.end
