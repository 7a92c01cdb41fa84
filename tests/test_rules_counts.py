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
    # rules_fix round 1: nouns that count parts (unit 部分/方面/阶段/大类), 种, 起, 篇次, 余万, 以内, (N)
    ("本文件共由四部分构成。", "四部分", (4, "部分", None)),
    ("全文分为5个部分。", "5个部分", (5, "部分", None)),
    ("方案列出三大部分任务", "三大部分", (3, "部分", None)),
    ("从七个方面提出要求", "七个方面", (7, "方面", None)),
    ("涉及9方面内容", "9方面", (9, "方面", None)),
    ("围绕四大方面展开", "四大方面", (4, "方面", None)),
    ("计划分两阶段实施", "两阶段", (2, "阶段", None)),
    ("划分为12大类事项", "12大类", (12, "大类", None)),
    ("采用以下三种渠道发布", "三种", (3, "种", None)),
    ("全年发生2起复议案件", "2起", (2, "起", None)),
    ("转载稿件46篇次", "46篇次", (46, "篇次", None)),
    ("累计发布信息30余万条", "30余万条", (300000, "条", "more_than")),
    ("访问量达到600多万次", "600多万次", (6000000, "次", "more_than")),
    ("审批事项压减至50项以内", "50项以内", (50, "项", "at_most")),
    ("本季度发布公告(57)条", "(57)条", (57, "条", None)),
    ("页面浏览量约为1200次", "约为1200次", (1200, "次", "about")),
    # a quotation that is the count itself stays a COUNT; counts in long quotations too
    ("达到“100%”", "100%", (100, "%", None)),
    ("其中“行政许可事项12项、行政处罚事项40项、行政检查事项7项”", "12项", (12, "项", None)),
    ("召开3次会议", "3次", (3, "次", None)),
    ("全年召开两次会议", "两次", (2, "次", None)),
    # rulefix: a bare number after a counted noun that ends its clause is a COUNT with unit ""
    ("微信公众号推送信息37,微博推送信息12条。", "37", (37, "", None)),
    ("共受理各类审批事项418,办结率100%。", "418", (418, "", None)),
    ("收到申请数量为0。", "0", (0, "", None)),
    # areas are quantities
    ("完成人工造林3500亩。", "3500亩", (3500, "亩", None)),
    ("新建仓储用房1200平方米", "1200平方米", (1200, "平方米", None)),
    ("治理水土流失面积2.5万亩", "2.5万亩", (25000, "亩", None)),
    # 超 is short for 超过; scores; quarters are durations like months
    ("访问量超500万次", "超500万次", (5000000, "次", "more_than")),
    ("考核共得分98分", "98分", (98, "分", None)),
    ("连续三个季度保持100%", "三个季度", (3, "季度", None)),
    # rulefix: money before a place-like word stays money when the numeral is not a one-character name
    ("每户补助五百元区级资金", "五百元", (500, "元", None)),
    ("收费三元。", "三元", (3, "元", None)),
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
    # rules_fix round 1
    "一方面加强培训，另一方面完善制度。",
    "有一部分群众不了解渠道",
    "探索一种新的服务模式",
    "明确下一阶段重点",
    "在新一轮改革中",
    "比上一年有所增加",
    # rules_fix round 2: slogans in short quotations, unquoted slogans, indefinite 一, names
    "落实“两个加强、两个完善”要求",
    "推行“五日双公示”制度",
    "出台“示范20条”措施",
    "形成三位一体的工作格局",
    "打造办事一本通",
    "编制五年发展规划",
    "学习省委九届六次全会精神",
    "对照2022天津市工作要点",
    "信息公开是一项长期任务",
    "作为一项重要内容来抓",
    "成为流程中的一个关键环节",
    "推出一批示范案例",
    "一年来，我办扎实推进各项工作",
    "转发《示例县推进10项",
    "县十七届人大三次会议期间",
    "政协九届二次会议提案",
    # rulefix: a numeral + 元 before a place word is a place name, not money
    "示例市五元区人民政府办公室",
    "地址:某市七元街道幸福路8号",
    "联系某县二元镇政府",
    # a bare number at the very end of a passage may have lost its unit; codes with leading zeros
    "主动公开政府信息30",
    "其他对外管理服务事项000\n第二条",
    "详见附件1,表2。",
    # distances are no COUNT; 十分 is "very"; 分 that starts a word
    "位于示例村北300米",
    "这项工作十分重要",
    "设立3分局",
    # construction phases, article lists, an adjective after 一套, 两部曲
    "示例医院东院区二期投入使用",
    "地址:示例市行政中心一期B座",
    "依照《条例》第十九条、二十条规定",
    "建立一套系统的审核机制",
    "唱好发展三部曲",
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


@pytest.mark.parametrize("raw,value", [
    ("近30萬條", (300000, "条", "nearly")),
    ("12條", (12, "条", None)),
    ("１５件", (15, "件", None)),
    ("800餘萬次", (8000000, "次", "more_than")),
])
def test_count_value_of_raw_text(raw, value):
    """count.parse on a raw (not normalised) span gives the same value as the pipeline."""
    from govie.values import count

    v = count.parse(raw)
    assert (v.value, v.unit, v.approx) == value
