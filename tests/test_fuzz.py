"""Fuzzing: no input crashes ``govie.extract`` and every result is a valid Document.

Profiles (``settings.register_profile``), chosen by the env var GOVIE_FUZZ_PROFILE:

* ``ci`` (default): derandomised (fixed seed), 200 examples per parser test and 100 per
  extract test (1,400 in all); the file runs in ~30 s on 2 slow, busy cores;
* ``long``: 5000 examples per parser test, 2500 per extract test, still derandomised
  unless GOVIE_FUZZ_RANDOM=1 (a fresh random seed each run).

Every generated document must pass ``check_document`` (and come back within
TIME_LIMIT seconds, GOVIE_FUZZ_TIME_LIMIT, default 10: no regex backtracking), survive
``to_dict -> json -> from_dict`` unchanged, and keep ``text[start:end] == entity.text``
on the original text.  Value parsers must never raise on arbitrary strings.
The number of examples each test ran is recorded in ``EXAMPLES`` and printed at the
end of the session (``-s`` shows it; tests/test_fuzz.py::test_zz_examples_ran checks it).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govie
from govie.types import CountValue, DateValue, DocNoValue, Document, check_document
from govie.values import count as count_value
from govie.values import date as date_value
from govie.values import doc_no as doc_no_value
from govie.values.numerals import cn_to_int, digit_string

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
           "database": None, "print_blob": True}
settings.register_profile("ci", max_examples=200, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=5000,
                          derandomize=os.environ.get("GOVIE_FUZZ_RANDOM") != "1", **_COMMON)
PROFILE = os.environ.get("GOVIE_FUZZ_PROFILE", "ci")
settings.load_profile(PROFILE)
#: extract() is ~50x slower than a value parser: its tests run half the examples
_EXTRACT_EXAMPLES = max(20, settings.get_profile(PROFILE).max_examples // 2)
_PARSER_EXAMPLES = settings.get_profile(PROFILE).max_examples
extract_settings = settings(max_examples=_EXTRACT_EXAMPLES)
parser_settings = settings(max_examples=_PARSER_EXAMPLES)

EXAMPLES: Counter = Counter()


# ----------------------------------------------------------------------------- the invariant
#: seconds one extract() of a fuzz input (at most a few thousand characters) may take: a
#: regex that backtracks on a run of spaces or a quadratic loop blows far past it
TIME_LIMIT = float(os.environ.get("GOVIE_FUZZ_TIME_LIMIT", "10"))


def _check(text: str, reference_year: int | None = None) -> Document:
    t0 = time.perf_counter()
    doc = govie.extract(text, mode="rules", reference_year=reference_year)
    took = time.perf_counter() - t0
    assert took < TIME_LIMIT, f"extract() took {took:.1f} s on {len(text)} characters"
    assert isinstance(doc, Document)
    assert doc.text == text  # offsets index the ORIGINAL text
    check_document(doc)
    for e in doc.entities:
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start:e.end] == e.text
        if e.value is not None:
            e.value.check()
    d = doc.to_dict()
    line = json.dumps(d, ensure_ascii=False, allow_nan=False)  # valid strict JSON
    back = Document.from_dict(json.loads(line))
    assert back.to_dict() == d
    assert Document.from_dict(d).entities == doc.entities
    return doc


# ----------------------------------------------------------------------------- alphabets
#: characters the rules care about, so random text hits the patterns often
_SPECIAL = list("《》〈〉<>〔〕[]()（）【】［］︹︺﹝﹞年月日号號第令至到—~-:：,，。;；、"
                "前后起以来之底末初度全半上下季旬内余多近约超过不少于低逾达万亿千百十"
                "〇○零一二两三四五六七八九壹贰叁十百%％.")
_DIGITS = list("0123456789０１２３４５６７８９")
_ODD = ["\x00", "\x01", "\x1b", "\x7f", "\t", "\n", "\r", "\u200b", "\u200d", "\ufeff", "\u00ad",
        "\u200e", "\u200f", "\u202a", "\u202b", "\u202e", "\u2066", "\u2069", "\u0301", "\u0308",
        "\u20dd", "\u3000", "\u00a0", "&nbsp;", "&amp;", "&#12345;", "&#x5e74;", "&#0;", "&#99999999;",
        "\U0001F600", "\U00020000", "\U0002A6D6", "\U0010FFFD", "\U0001D7D8", "²", "٣", "۴", "߅",
        "Ⅻ", "①", "㈠", "⑩", "ﾟ", "ｶ", "\ufffd", "\u2028", "\u2029", "\x85", "ً", "ש"]
_ALPHABET = st.characters(exclude_categories=("Cs",))  # everything but lone surrogates
_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_FULLWIDTH = st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)
_COMBINING = st.characters(min_codepoint=0x0300, max_codepoint=0x036F)
_ASTRAL = st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, exclude_categories=("Cs",))
#: every kind of digit: str.isdigit() is True for ², ① but int() refuses them
_NUMBERISH = st.characters(categories=("Nd", "No", "Nl"))
_CONTROL = st.characters(max_codepoint=0x1F) | st.sampled_from(["\x7f", "\x85", "\u200e", "\u200f", "\u202e"])

_piece = st.one_of(
    st.sampled_from(_SPECIAL), st.sampled_from(_DIGITS), st.sampled_from(_ODD), _CJK, _FULLWIDTH,
    _COMBINING, _ASTRAL, _CONTROL, _NUMBERISH, _ALPHABET,
)
random_text = st.lists(_piece, max_size=120).map("".join)


# ----------------------------------------------------------------------------- invented sentences
#: sentences written for these tests (not taken from any document)
SENTENCES = [
    "根据《某某县政务信息管理暂行办法》(某政办发〔2021〕17号)要求，本年度共受理申请63件。",
    "2022年3月1日至2022年6月30日，全县各单位主动公开各类信息1.2万余条，同比增长约15%。",
    "下一步，我局将于2023年底前完成门户网站适老化改造，确保办结率不低于95%。",
    "今年以来，区政府办公室召开专题会议两场，培训工作人员近300人次。",
    "各乡镇要在11月15日之前将本要点落实情况报送县政务公开办，逾期未报的予以通报。",
    "依据市府令第88号和某办函[2019]5号，共收到行政复议申请3件，行政诉讼0件。",
    "二〇二一年十二月三十一日，网站累计访问量达到269万，较上年增加百分之十二。",
    "截至2021年12月31日，主动公开规范性文件40份、政策解读稿件120篇。",
    "表格：收到申请数 | 58 | 63\n办理结果 | 41 | 50",
    "《关于印发<某市2020年政务公开工作要点>的通知》（某政办〔２０２０〕３号）已转发。",
]

_NUMERAL_SWAP = dict(zip("0123456789", "〇一二三四五六七八九"))
_NUMERAL_SWAP.update({v: k for k, v in _NUMERAL_SWAP.items()})


@st.composite
def mutated_sentence(draw) -> str:
    """An invented sentence under 1-8 random edits (insert, delete, duplicate, swap numerals...)."""
    chars = list(draw(st.sampled_from(SENTENCES)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["insert", "delete", "dup", "numeral", "bracket", "repeat", "empty_doc_no",
                                   "truncate"]))
        i = draw(st.integers(0, max(0, len(chars))))
        if op == "insert":
            chars[i:i] = list(draw(_piece))
        elif op == "delete" and chars:
            del chars[min(i, len(chars) - 1)]
        elif op == "dup" and chars:
            j = min(i, len(chars) - 1)
            chars[j:j] = chars[j:j + draw(st.integers(1, 6))]
        elif op == "numeral":
            chars = [_NUMERAL_SWAP.get(c, c) if draw(st.booleans()) else c for c in chars]
        elif op == "bracket":
            chars[i:i] = list(draw(st.sampled_from(["《", "》", "〔", "〕", "《《", "》》", "(", ")", "<", "〈"])))
        elif op == "repeat":
            chars[i:i] = list(draw(st.sampled_from(["年", "月", "号", "万", "亿", "%", "前", "至"])) *
                              draw(st.integers(2, 40)))
        elif op == "empty_doc_no":
            chars[i:i] = list(draw(st.sampled_from(["〔〕", "〔〕号", "某办〔〕号", "〔2020〕", "[]号", "()第号"])))
        elif op == "truncate":
            chars = chars[:i]
    return "".join(chars)


@st.composite
def _gap(draw) -> str:
    left = draw(st.sampled_from(["某办〔2020〕1号", "某〔2020", "〔2020〕", "1", "12.5", "某令", "《办法》", "<", "（2020",
                                 "•", "2020年", "共", "下一步", ""]))
    space = draw(st.sampled_from([" ", "\t", "\u3000", "\xa0", " \t"]))
    right = draw(st.sampled_from(["x《某某办法》", "x", "号", "%x", ")", "第x", "\n1", "〕x", ""]))
    return left + space * draw(st.integers(20, 3000)) + right


@st.composite
def structured(draw) -> str:
    """Hand-shaped hard inputs: nested brackets, huge repeats, impossible dates, giant numbers."""
    kind = draw(st.sampled_from(["nested", "repeat", "date", "number", "docno", "lines", "gap"]))
    if kind == "gap":  # a long run of spaces inside a pattern: catches regex backtracking (\s*X?\s*)
        return draw(_gap())
    if kind == "nested":
        n = draw(st.integers(1, 150))
        inner = draw(st.sampled_from(["", "办法", "关于<x>的通知"]))
        close = draw(st.integers(0, n + 2))
        return "《" * n + inner + "》" * close
    if kind == "repeat":
        unit = draw(st.sampled_from(["年", "1", "〔2020〕", "《", "第", "号", "2020年", "万", "一",
                                     "\n", "|", "  ", "至", "前", "、", "是"]))
        return unit * draw(st.integers(1, 400))
    if kind == "date":
        y = draw(st.sampled_from(["0000", "1900", "2020", "2100", "9999", "99999", "二〇二〇", "〇〇〇〇", ""]))
        m = draw(st.sampled_from(["0", "00", "1", "2", "12", "13", "99", "十三", "十二", "二"]))
        d = draw(st.sampled_from(["0", "29", "30", "31", "32", "99", "三十", "三十二", "二十九"]))
        tail = draw(st.sampled_from(["", "前", "起", "以来", "至", "至13月40日", "止", "底前"]))
        return f"{y}年{m}月{d}日{tail}" if y else f"{m}月{d}日{tail}"
    if kind == "number":
        digits = draw(st.sampled_from(["9" * 500, "1" * 309, "1" * 4400, "0" * 50, "1,000,000,000,000"]))
        tail = draw(st.sampled_from(["件", "%", "万元", "亿元", "万万亿条", "余份", "-" + digits + "年", ""]))
        pre = draw(st.sampled_from(["", "近", "超过", "不少于"]))
        return f"{pre}{digits}{tail}"
    if kind == "docno":
        return draw(st.sampled_from(["某办〔", "某办〔〕号", "〔〕", "令第号", "某令第" + "9" * 30 + "号",
                                     "某办〔2020〕" + "9" * 40 + "号", "某办〔0000〕1号", "办〔２０２０〕号",
                                     "某公告2020年第号", "某办" * 40 + "〔2020〕1号"]))
    return "\n".join(draw(st.lists(st.sampled_from(["| a | b |", "1", "", "  x  y  z", "\t\t"]), max_size=30)))


# ----------------------------------------------------------------------------- extract tests
@extract_settings
@given(random_text, st.one_of(st.none(), st.integers(1900, 2100)))
def test_random_unicode_text(text, year):
    EXAMPLES["random_unicode_text"] += 1
    _check(text, year)


@extract_settings
@given(mutated_sentence(), st.one_of(st.none(), st.integers(1990, 2030)))
def test_mutated_sentences(text, year):
    EXAMPLES["mutated_sentences"] += 1
    _check(text, year)


@extract_settings
@given(structured(), st.one_of(st.none(), st.integers(1, 9999)))
def test_structured_hard_inputs(text, year):
    EXAMPLES["structured_hard_inputs"] += 1
    _check(text, year)


@extract_settings
@given(st.lists(st.one_of(mutated_sentence(), structured(), random_text), min_size=1, max_size=6))
def test_concatenated_documents(parts):
    EXAMPLES["concatenated_documents"] += 1
    _check("\n".join(parts))


def test_invented_sentences_extract_something():
    """The unmutated sentences must give entities: the fuzz targets are not trivially empty."""
    for s in SENTENCES:
        doc = _check(s, 2021)
        assert doc.entities or "|" in s, s  # table rows carry no COUNT


# ----------------------------------------------------------------------------- value parsers
_value_text = st.one_of(random_text, mutated_sentence(), structured(), _gap(),
                        st.text(alphabet=st.sampled_from(_SPECIAL + _DIGITS), max_size=60),
                        st.text(alphabet=_NUMBERISH | st.sampled_from(_DIGITS + list("万亿十百千年月日号")), max_size=12))


def _timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    took = time.perf_counter() - t0
    assert took < TIME_LIMIT / 5, f"{fn.__module__}.parse took {took:.1f} s on {len(args[0])} characters"
    return out


@parser_settings
@given(_value_text, st.one_of(st.none(), st.integers(-10 ** 6, 10 ** 6)))
def test_date_parse_never_raises(text, year):
    EXAMPLES["date_parse"] += 1
    v = _timed(date_value.parse, text, year)
    assert v is None or isinstance(v, DateValue)
    if v is not None:
        v.check()


@parser_settings
@given(_value_text)
def test_count_parse_never_raises(text):
    EXAMPLES["count_parse"] += 1
    v = _timed(count_value.parse, text)
    assert v is None or isinstance(v, CountValue)
    if v is not None:
        v.check()
        assert v.value is None or math.isfinite(float(v.value))


@parser_settings
@given(_value_text)
def test_doc_no_parse_never_raises(text):
    EXAMPLES["doc_no_parse"] += 1
    v = _timed(doc_no_value.parse, text)
    assert v is None or isinstance(v, DocNoValue)
    if v is not None:
        v.check()
        assert isinstance(v.serial, int)


@parser_settings
@given(_value_text)
def test_numerals_never_raise(text):
    EXAMPLES["numerals"] += 1
    for fn in (cn_to_int, digit_string):
        v = fn(text)
        assert v is None or isinstance(v, int)


# ----------------------------------------------------------------------------- invariants reject
@parser_settings
@given(st.text(max_size=30), st.integers(-5, 40), st.integers(-5, 40),
       st.sampled_from(["DATE", "COUNT", "DOC_NO", "TITLE"]))
def test_check_document_rejects_bad_offsets(text, s, e, label):
    """A Document whose entity text is not text[start:end] cannot be built."""
    EXAMPLES["check_rejects"] += 1
    from govie.errors import InvalidDocument
    from govie.types import Entity

    good = 0 <= s < e <= len(text)
    piece = text[s:e] if good else "x" * max(1, e - s)
    try:
        ent = Entity("e1", s, e, label, piece)
        Document(text=text, entities=(ent,))
    except InvalidDocument:
        assert not good
    else:
        assert good


def test_zz_examples_ran():
    """Record how many examples the run executed (hypothesis may stop early on small spaces)."""
    print(f"\n[fuzz profile={PROFILE}] examples: {dict(EXAMPLES)} total={sum(EXAMPLES.values())}")
    if EXAMPLES:  # when run with -k on a single test, nothing else to check
        assert all(n > 0 for n in EXAMPLES.values())
