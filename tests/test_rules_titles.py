"""TITLE rules: 《》 content, nested brackets kept, unbalanced brackets bounded."""

import pytest

import govie

CASES = [
    ("学习《中华人民共和国政府信息公开条例》。", ["中华人民共和国政府信息公开条例"]),
    ("印发《关于<某某办法>的通知》。", ["关于<某某办法>的通知"]),
    ("转发《关于〈示例规定〉的实施意见》", ["关于〈示例规定〉的实施意见"]),
    ("《某某日报》《示例周刊》", ["某某日报", "示例周刊"]),
    ("關於印發《某某縣2021年政務公開工作要點》的通知", ["某某縣2021年政務公開工作要點"]),
    ("未闭合的《示例标题，后面没有结束符号。这里还有很多文字。", []),
    ("多余的结束》符号", []),
    ("《》", []),
    ("跨行的《示例\n标题》", []),
    # rules_fix round 4: doubled 《《, a title that lost its 《 after a cue verb (both ends clear)
    ("依照《《示例市工作要点的通知》(示办〔2019〕3号)和《示例县工作要点的通知》",
     ["示例市工作要点的通知", "示例县工作要点的通知"]),
    ("严格按照示例区2023年政务公开工作要点》要求办理", ["示例区2023年政务公开工作要点"]),
    ("依据示例省政府信息公开规定》以及市政府《示例实施细则》", ["示例省政府信息公开规定", "示例实施细则"]),
    ("某某局关于印发示例办法的通知》已收悉", ["某某局关于印发示例办法的通知"]),
    ("关于贯彻落实示例条例的实施意见》", ["关于贯彻落实示例条例的实施意见"]),
    ("按照有关规定》执行", []),
    ("按照要求，示例材料》", []),
]


@pytest.mark.parametrize("text,titles", CASES)
def test_titles(text, titles):
    doc = govie.extract(text, mode="rules")
    assert [e.text for e in doc.titles] == titles


def test_runaway_title_is_bounded():
    text = "《" + "很长的文字" * 100 + "》"
    assert govie.extract(text, mode="rules").titles == ()


def test_numbers_inside_title_are_not_counts_or_dates():
    doc = govie.extract("印发《示例市2021年政务公开工作要点(共10项)》。", mode="rules")
    # the semantic layer may add a COMMITMENT around it; no COUNT/DATE inside the title
    assert [e.label for e in doc.entities if e.label in ("DOC_NO", "TITLE", "DATE", "COUNT")] == ["TITLE"]
