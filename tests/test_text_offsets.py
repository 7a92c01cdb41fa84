"""Offsets index the original text for traditional, full-width and noisy variants of a sentence."""

import pytest

import govie
from govie.text import TextView
from govie.types import check_document

BASE = "根据《示例县信息公开办法》(示政发〔2020〕9号)，2021年共收到申请12件，办结率100%。"
VARIANTS = {
    "plain": BASE,
    "traditional": "根據《示例縣信息公開辦法》(示政發〔2020〕9號)，2021年共收到申請12件，辦結率100%。",
    "full-width": "根据《示例县信息公开办法》（示政发〔２０２０〕９号），２０２１年共收到申请１２件，办结率１００％。",
    "ideographic-space": "根据《示例县信息公开办法》\u3000(示政发〔2020〕9号)，2021年\u3000共收到申请12件，办结率100%。",
    "zero-width": "根据《示例县\u200b信息公开办法》(示政发〔20\u200b20〕9号)，2021年共收到申请1\u200b2件，办结率100%。",
    "nbsp-entity": "根据《示例县信息公开办法》&nbsp;(示政发〔2020〕9号)，2021年共收到申请12件，办结率100&#37;。",
    "crlf": "根据《示例县信息公开办法》\r\n(示政发〔2020〕9号)，\r\n2021年共收到申请12件，办结率100%。",
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_same_entities_with_original_offsets(name):
    text = VARIANTS[name]
    doc = govie.extract(text, mode="rules")
    check_document(doc)
    for e in doc.entities:
        assert text[e.start:e.end] == e.text
    labels = [e.label for e in doc.entities]
    for want in ("TITLE", "DOC_NO", "DATE", "COUNT"):
        assert want in labels, (name, labels)
    no = doc.doc_numbers[0].value
    assert (no.issuer, no.year, no.serial) == ("示政发", 2020, 9)
    assert sorted(c.value.value for c in doc.counts) == [12, 100]
    assert doc.dates[0].value.start == "2021-01-01"


@pytest.mark.parametrize("text", list(VARIANTS.values()) + ["", "a", "&amp;&lt;", "\u200b\u200b", "臺灣"])
def test_view_maps_every_span_inside_the_original(text):
    view = TextView.from_text(text)
    n = len(view.text)
    for s in range(n):
        for e in range(s + 1, min(n, s + 6) + 1):
            a, b = view.to_original(s, e)
            assert 0 <= a <= b <= len(text)
