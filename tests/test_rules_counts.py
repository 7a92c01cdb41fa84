"""COUNT rules and values: numerals, multipliers, qualifiers, units; no counts for ordinals, slogans, ids."""

import math

import pytest

import govie

CASES = [
    # text, span, (value, unit, approx)
    ("共发布信息1,234条。", "1,234条", (1234, "条", None)),
    ("占比12.5%。", "12.5%", (12.5, "%", None)),
    ("收取费用0元。", "0元", (0, "元", None)),
    ("投入资金1.5亿元。", "1.5亿元", (150000000, "元", None)),
    ("惠及群众10万余人。", "10万余人", (100000, "人", "more_than")),
    ("压缩至15个工作日以内。", "15个工作日以内", (15, "工作日", "at_most")),
    ("开展培训不少于20次", "不少于20次", (20, "次", "at_least")),
    ("走访近200家企业", "近200家", (200, "家", "nearly")),
    ("共有5人次参加", "5人次", (5, "人次", None)),
    ("办理两场听证", "两场", (2, "场", None)),
    ("收到申请约300件", "约300件", (300, "件", "about")),
    ("满意率95%以上", "95%以上", (95, "%", "at_least")),
    ("发布近30萬條信息", "近30萬條", (300000, "条", "nearly")),
    ("印发1萬餘份", "1萬餘份", (10000, "份", "more_than")),
    ("超过90%的事项", "超过90%", (90, "%", "more_than")),
    ("不低于4%", "不低于4%", (4, "%", "at_least")),
    ("收到申请３５件", "３５件", (35, "件", None)),
    ("开展宣传一百二十次", "一百二十次", (120, "次", None)),
    ("浏览量269万", "269万", (2690000, "", None)),
    ("3个工作日内答复", "3个工作日内", (3, "工作日", "at_most")),
    ("二十日内答复", "二十日内", (20, "日", "at_most")),
    ("3-5年完成", "3-5年", (5, "年", "at_most")),
    ("24小时内", "24小时内", (24, "小时", "at_most")),
]


@pytest.mark.parametrize("text,span,value", CASES)
def test_count(text, span, value):
    doc = govie.extract(text, mode="rules", reference_year=2021)
    found = {e.text: e.value for e in doc.counts}
    assert span in found, [e.text for e in doc.counts]
    v = found[span]
    assert (v.value, v.unit, v.approx) == value


NOT_COUNTS = [
    "一是加强领导，二是完善制度。",
    "(一)推进决策公开",
    "坚持三集中、五公开，推行最多跑一次。",
    "做好六稳六保工作",
    "依据第二十条第五项",
    "进入第一阶段",
    "学习十九届五中全会精神",
    "完成IPv6改造和第6版升级",
    "咨询电话0991-1234567",
    "邮编830000",
    "2021年3月",
    "印发示政发〔2020〕15号",
    "印发《示例10项措施》",
    "第3期简报",
    "位于村北100米",
]


@pytest.mark.parametrize("text", NOT_COUNTS)
def test_not_count(text):
    doc = govie.extract(text, mode="rules", reference_year=2021)
    assert doc.counts == (), [e.text for e in doc.counts]


def test_neutral_words_stay_outside():
    doc = govie.extract("共计办理48件", mode="rules")
    assert [e.text for e in doc.counts] == ["48件"]


def test_table_rows_have_no_counts():
    text = "项目 | 本年新收 | 总计\n规章 | 3 | 5\n正文里收到申请12件。"
    doc = govie.extract(text, mode="rules")
    assert [e.text for e in doc.counts] == ["12件"]


@pytest.mark.parametrize("text", ["9" * 500 + "件", "万万亿元", "1.2.3.4个", "０.５％"],
                         ids=["500-digits", "wanwanyi", "dotted", "fullwidth-pct"])
def test_odd_numbers_never_raise(text):
    doc = govie.extract(text, mode="rules")
    for c in doc.counts:  # a span may carry a partial value (value None), never a non-finite number
        v = c.value.value if c.value else None
        assert v is None or (isinstance(v, (int, float)) and math.isfinite(v))
