"""DOC_NO rules: bracket variants, full-width digits, traditional characters, order numbers, negatives."""

import pytest

import govie

CASES = [
    ("按照《某某市政务公开工作要点》(某政办〔2021〕12号)要求。", "某政办〔2021〕12号", ("某政办", 2021, 12)),
    ("转发国办发[2019]5号文件。", "国办发[2019]5号", ("国办发", 2019, 5)),
    ("根据示政办发【2020】3号通知。", "示政办发【2020】3号", ("示政办发", 2020, 3)),
    ("参照某財發（2018）7號辦理。", "某財發（2018）7號", ("某财发", 2018, 7)),
    ("依据国务院令第711号。", "国务院令第711号", ("国务院令", None, 711)),
    ("国家税务总局公告2018年第32号已废止。", "国家税务总局公告2018年第32号", ("国家税务总局公告", 2018, 32)),
    ("印发某政规〔２０２１〕１５号。", "某政规〔２０２１〕１５号", ("某政规", 2021, 15)),
    ("见某府发 〔2017〕 9 号文", "某府发 〔2017〕 9 号", ("某府发", 2017, 9)),
    ("市委办︹2016︺21号", "市委办︹2016︺21号", ("市委办", 2016, 21)),
    ("某政发［2015］4号", "某政发［2015］4号", ("某政发", 2015, 4)),
    ("某某函(2022)108号", "某某函(2022)108号", ("某某函", 2022, 108)),
    ("沪经信规〔2020〕8号", "沪经信规〔2020〕8号", ("沪经信规", 2020, 8)),
    ("辽财经〔2019〕301号", "辽财经〔2019〕301号", ("辽财经", 2019, 301)),
    # rules_fix round 4: order without 第, issuer missing (issuer null), lost 〕 and 号, lost brackets
    ("依据《示例条例》(国务院令712号)。", "国务院令712号", ("国务院令", None, 712)),
    ("见《示例实施办法》(〔2023〕15号)。", "〔2023〕15号", (None, 2023, 15)),
    ("按照《示例格式的通知》(示公开办函〔202218)要求", "示公开办函〔202218", ("示公开办函", 2022, 18)),
    ("转发示府厅明〔2020117号文件", "示府厅明〔2020117号", ("示府厅明", 2020, 117)),
    ("依据示办发202009号", "示办发202009号", ("示办发", 2020, 9)),
]


@pytest.mark.parametrize("text,span,value", CASES)
def test_doc_no(text, span, value):
    doc = govie.extract(text, mode="rules")
    found = [(e.text, (e.value.issuer, e.value.year, e.value.serial)) for e in doc.doc_numbers]
    assert (span, value) in found
    for e in doc.doc_numbers:
        assert text[e.start:e.end] == e.text


NEGATIVES = [
    "咨询电话0991-1234567，邮编830000。",
    "索引号747445745/2019-80105。",
    "依据第二十条第(五)项规定。",
    "本条例第3号附件。",
    "共有2020名群众参与。",
    "案号(2021)5号之外的编号",
    "〔2020〕",
    "转发示公开办函〔20196061号文件",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_no_doc_no(text):
    assert govie.extract(text, mode="rules").doc_numbers == ()


def test_paren_outside_span_and_relation():
    text = "印发《示例县信息公开办法》(示政发〔2020〕9号)。"
    doc = govie.extract(text, mode="rules")
    no = doc.doc_numbers[0]
    assert no.text == "示政发〔2020〕9号"
    titles = list(doc.related(no, "doc_title"))
    assert [t.text for t in titles] == ["示例县信息公开办法"]


def test_doc_no_value_of_raw_text_is_simplified():
    from govie.values import doc_no

    v = doc_no.parse("國辦公開函〔2019〕60號")
    assert (v.issuer, v.year, v.serial) == ("国办公开函", 2019, 60)
