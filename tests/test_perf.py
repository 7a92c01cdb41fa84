"""The speed-ups keep every result: each fast path is checked against a plain reference.

First-character gates of the cue regexes, the one-scan TextView for texts with dropped
characters or HTML entities, the first-character index of the table-label matcher and of
the glued-label splitter, the memoised values, the bisect table-line lookup, the
sentence-level skip of the COMMITMENT clause flags, and the paused garbage collector.
"""

from __future__ import annotations

import gc
import html
import random
import re

import pytest

import govie
from govie import semantic
from govie.pipeline import value_of
from govie.segment import segment
from govie.tables import parse_text, schema
from govie.text import TextView, normalise_char
from govie.values import count as count_value
from govie.values import date as date_value
from govie.values import doc_no as doc_no_value

# ----------------------------------------------------------------------------- regex gates
GATE_PATTERNS = [
    r"(?<![即拟])将(?=继续|进一步)",
    r"下一步(?!工作计划)|下步|今后",
    r"(?:(?<![\u4e00-\u9fff])|(?<=并|还))计划(?!总结)",
    r"(?:^|[,:])(请[^。;]*)$",
    r"^(?:本|该|此)(?:年度)?报告|采取了以下",
    r"[了](?!解)|以来",
    r"(?:会议|讲话)?(?:强调|指出)[,:]?要",
    r"a{0,2}b",
    r"x*y+",
    r"[a-c]d|e",
    r"\bab|(?<=并)计划",  # word boundary and look-behind right before the first possible start
]
GATE_TEXTS = ["", "将继续推进", "即将继续", "下一步计划", "并计划于年内", "好,请认真落实", "本年度报告",
              "开展了培训", "会议强调要", "aab", "b", "xxxy", "cd", "e", "zzz", "以来", "计划总结",
              "请", ",请", "了解", "报告本报告",
              "xab", " ab", "ab", "甲并计划", "甲计划"]


@pytest.mark.parametrize("pattern", GATE_PATTERNS)
def test_gated_search_equals_plain_search(pattern):
    rx = re.compile(pattern)
    gated = semantic._gated(rx)
    assert isinstance(gated, semantic._Gated), pattern  # each of these has a gate
    random.seed(pattern)
    alphabet = sorted(set("".join(GATE_TEXTS)))
    texts = GATE_TEXTS + ["".join(random.choice(alphabet) for _ in range(random.randint(0, 12))) for _ in range(300)]
    for t in texts:
        a, b = rx.search(t), gated.search(t)
        assert (a and (a.span(), a.groups())) == (b and (b.span(), b.groups())), (pattern, t)


@pytest.mark.parametrize("pattern", [
    r"a?",              # can match the empty string
    r"(?:将)?",
    r".将",             # any character first
    r"\d件",            # a category: no character list
    r"[^a]b",           # a negated class
    r"(?i)abc",         # case-insensitive
    r"(a)\1",           # fine: starts with a literal -> has a gate, see below
])
def test_no_gate_where_the_first_character_is_not_known(pattern):
    rx = re.compile(pattern)
    gated = semantic._gated(rx)
    if pattern == r"(a)\1":
        assert isinstance(gated, semantic._Gated) and gated.search("xaa").span() == (1, 3)
    else:
        assert gated is rx


def test_commitment_cue_tables_are_gated_and_agree():
    r = semantic.commitment_rules()
    for name in ("future", "past", "never", "plan_past", "framing", "request"):
        rx = getattr(r, name)
        assert isinstance(rx, semantic._Gated), name
        for t in GATE_TEXTS + ["各部门要于2031年底前完成", "已完成", "本报告中所列数据", "下一步,我局将继续加强"]:
            a, b = rx.rx.search(t), rx.search(t)
            assert (a and a.span()) == (b and b.span()), (name, t)


# ----------------------------------------------------------------------------- TextView
def _slow_reference(original: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """The character-by-character construction the one-scan build replaced."""
    out, starts, ends = [], [], []
    entity = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
    i = 0
    while i < len(original):
        ch = original[i]
        if ch == "&":
            m = entity.match(original, i)
            if m:
                dec = html.unescape(m.group())
                if len(dec) == 1 and dec != m.group():
                    norm = normalise_char(dec)
                    if norm:
                        out.append(norm)
                        starts.append(i)
                        ends.append(m.end())
                    i = m.end()
                    continue
        norm = normalise_char(ch)
        if norm:
            out.append(norm)
            starts.append(i)
            ends.append(i + 1)
        i += 1
    return "".join(out), tuple(starts), tuple(ends)


VIEW_CASES = [
    ("甲\u200b乙", "甲乙", (0, 2), (1, 3)),
    ("&amp;号", "&号", (0, 5), (5, 6)),
    ("a&nbsp;b", "a b", (0, 1, 7), (1, 7, 8)),
    ("&#8203;年", "年", (7,), (8,)),          # an entity of a zero-width character is dropped
    ("&bogus;\u00ad", "&bogus;", (0, 1, 2, 3, 4, 5, 6), (1, 2, 3, 4, 5, 6, 7)),
    ("國\ufeff，", "国,", (0, 2), (1, 3)),
]


@pytest.mark.parametrize("original,text,starts,ends", VIEW_CASES)
def test_view_with_dropped_characters_and_entities(original, text, starts, ends):
    v = TextView.build(original)
    assert (v.text, v.starts, v.ends) == (text, starts, ends)
    assert (v.text, v.starts, v.ends) == _slow_reference(original)


def test_view_random_mixtures_match_the_reference():
    pieces = list("ab&#;x1中國\u200b\u00ad\u3000，１") + ["&nbsp;", "&amp;", "&#12345;", "&#x4e2d;", "&#8203;",
                                                          "&bogus;", "&#;", "&ab", "&#99999999;", "&amp;nbsp;"]
    random.seed(7)
    for _ in range(2000):
        t = "".join(random.choice(pieces) for _ in range(random.randint(0, 16)))
        v, ref = TextView.build(t), _slow_reference(t)
        if v.starts or not ref[1]:
            assert (v.text, v.starts, v.ends) == ref, t
        else:  # the identity map is stored as ()
            assert v.text == ref[0] and ref[1] == tuple(range(len(t))), t


# ----------------------------------------------------------------------------- table labels
def _match_reference(sec: schema.Section, text: str):
    """Section.match scored over every entry and variant (no first-character index, no memo)."""
    enum, c = schema.split_label(schema.normalise(text))
    if not c:
        return []
    out = []
    for e in sec.entries:
        best = 0.0
        for v in e.variants:
            if not v:
                continue
            if c == v:
                s = 3.0
            elif c.startswith(v) and len(v) >= 2:
                s = 2.0 + min(len(v), 40) / 100
            elif len(c) >= 3 and v.startswith(c) and len(c) >= 0.5 * len(v):
                s = 1.0 + len(c) / 100
            else:
                p = schema._common_prefix(c, v)
                s = 1.0 + p / 200 if p >= 3 and p >= 0.6 * len(v) else 0.0
            best = max(best, s)
        if best <= 0:
            continue
        if enum is not None:
            if e.enum is not None and e.enum == enum:
                best += 0.5
            elif e.kind != "row":
                best -= 1.0
            elif e.enum is not None:
                best -= 0.25
        out.append((best, e.kind, e.key))
    out.sort(key=lambda m: -m[0])
    return out


@pytest.mark.parametrize("number", [2, 3, 4])
def test_label_match_index_finds_what_a_full_scan_finds(number):
    sec = schema.section(number)
    labels = ["", "规章", "本年新收政府信息公开申请数量", "(三)不予公开", "三、行政复议", "自然人", "合计"]
    for e in sec.entries:
        for v in e.variants:
            labels += [v, v[:2], v[:3], v[1:], v + "数量", "(一)" + v, "1." + v]
    for t in labels:
        assert [(m.score, m.entry.kind, m.entry.key) for m in sec.match(t)] == _match_reference(sec, t), t
        assert sec.match(t) is not sec.match(t)  # callers get their own list


def test_normalise_translate_equals_per_character():
    for t in ["（三）不予公開", "ａｂ\u200b１", "規章　|", ""]:
        assert schema.normalise(t) == "".join(normalise_char(ch) for ch in t)


def _label_ends_reference(text, i, vocab):
    out = set()
    for v in vocab:
        j, ok = i, True
        for ch in v:
            while j < len(text) and parse_text._DROP_CH.match(text[j]):
                j += 1
            if j >= len(text) or text[j] != ch:
                ok = False
                break
            j += 1
        if ok:
            out.add(j)
    return sorted(out, reverse=True)


@pytest.mark.parametrize("text", ["信息内容本年新制作数量本年新公开数量", "规 章,规范性文件", "行政复议结果维持",
                                  "本年新收政府信息公开申请数量", "无关文字"])
def test_label_ends_index_equals_scan(text):
    vocab = parse_text._VOCAB or parse_text._load_vocab()
    for i in range(len(text)):
        assert parse_text._label_ends(text, i, vocab, 0) == _label_ends_reference(text, i, vocab), (text, i)
    small = ("规章", "规范性文件", "")  # another vocabulary (and an empty label) goes the same way
    for i in range(len(text)):
        assert parse_text._label_ends(text, i, small, 0) == _label_ends_reference(text, i, small)


# ----------------------------------------------------------------------------- values, table lines
@pytest.mark.parametrize("label,span,year", [
    ("DATE", "7月20日前", 2018), ("DATE", "7月20日前", 2019), ("DATE", "年内", None), ("COUNT", "近30万条", 2018),
    ("COUNT", "100%", None), ("DOC_NO", "乌政办〔2020〕91号", 2020), ("TITLE", "某某办法", 2020),
])
def test_value_of_memo_equals_a_fresh_parse(label, span, year):
    fresh = {"DATE": lambda: date_value.parse(span, year), "COUNT": lambda: count_value.parse(span),
             "DOC_NO": lambda: doc_no_value.parse(span)}.get(label, lambda: None)()
    assert value_of(label, span, year) == fresh
    assert value_of(label, span, year) == fresh  # the memoised answer


def test_value_of_date_memo_keeps_the_year_apart():
    assert value_of("DATE", "7月20日", 2018).start == "2018-07-20"
    assert value_of("DATE", "7月20日", 2019).start == "2019-07-20"


def test_table_line_lookup_by_bisect_equals_the_scan():
    text = "收到申请48件。\n规章 | 0 | 0\n\n项目  数量  比例\n主动公开1200条\n0"
    view = TextView.from_text(text)
    ctx = semantic._context(view, [], 2031, "annual_report")
    for pos in range(len(text) + 1):
        assert ctx.on_table_line(pos) == semantic._on_table_line(view.text, pos), pos


# ----------------------------------------------------------------------------- commitment skip
REPORT = ("某区2030年政府信息公开工作年度报告\n一、总体情况\n2030年,本机关共收到申请48件,已全部办结。"
          "目前已公开文件12份。主要负责人带头开展了培训。\n五、存在的主要问题及改进情况\n"
          "下一步,我局将继续加强培训,于2031年6月底前完成网站改版。请各单位认真落实。\n")


def test_sentence_skip_only_where_no_clause_is_future():
    view = TextView.from_text(REPORT)
    ents = [e for e in govie.extract(REPORT, mode="rules").entities if e.label not in ("SUBJECT", "COMMITMENT")]
    ctx = semantic._context(view, ents, 2030)
    gate = semantic.commitment_rules().future.gate
    skipped = 0
    for sent in ctx.sentences:
        if sent.kind != "sentence":
            continue
        body = view.text[sent.vstart:sent.vend]
        if not semantic._may_be_future(ctx, sent, body, gate):
            skipped += 1
            assert not any(f["future"] for f in semantic._clause_flags(ctx, sent, False)), body
    assert skipped >= 2  # the done-work sentences of section 一


# ----------------------------------------------------------------------------- garbage collector
def test_gc_is_back_on_after_extraction_and_left_off_when_it_was_off():
    assert gc.isenabled()
    doc = govie.extract(REPORT, mode="rules")
    assert gc.isenabled() and doc.entities
    gc.disable()
    try:
        govie.extract(REPORT, mode="rules")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_gc_is_on_while_the_caller_iterates():
    seen = [gc.isenabled() for _ in govie.extract_many([REPORT, REPORT + "。"], mode="rules")]
    assert seen == [True, True]


def test_segment_is_unchanged_by_the_fast_paths():
    # brackets (the slow clause path) and no brackets (the split path) in one text
    text = "各部门要加强培训,提高素质:全年开展三次检查。印发《关于甲,乙的通知》(某政发〔2031〕1号),请遵照执行。"
    sents = segment(text)
    assert [c.text for c in sents[0].clauses] == ["各部门要加强培训", "提高素质", "全年开展三次检查"]
    assert [c.text for c in sents[1].clauses] == ["印发《关于甲,乙的通知》(某政发〔2031〕1号)", "请遵照执行"]
    for s in sents:
        for c in s.clauses:
            assert text[c.start:c.end] == c.text


def test_enumerator_first_characters_agree_with_the_patterns():
    from govie import segment as seg

    universe = set("".join(seg._ENUM_STARTS[i] for i in range(len(seg._ENUM_STARTS)) if seg._ENUM_STARTS[i] != "digit"))
    universe |= set("0123456789٣०a(（【一是第条首先其次")  # other digits, letters, brackets
    for (rx, _, _), starts in zip(seg._ENUMERATORS, seg._ENUM_STARTS):
        gated = semantic._gated(rx)
        for ch in universe:
            if starts == "digit":
                assert gated is rx  # \d: no character list, the isdecimal branch
                can = ch.isdecimal()
                assert bool(rx.match(ch + "、x")) <= can, (rx.pattern, ch)
            else:
                can = ch in starts
                assert bool(gated.gate.match(ch)) == can, (rx.pattern, ch)
    text = "(一)1.第二部分①首先,二是٣、12)"
    for pos in range(len(text)):  # the indexed lookup answers like trying every pattern in order
        want = None
        for rx, level, heading in seg._ENUMERATORS:
            m = rx.match(text, pos)
            if m and m.end() < len(text) and text[m.end()] not in "。;,:":
                want = (m.end() - pos, level, heading)
                break
        assert seg.enumerator_at(text, pos) == want, pos


def test_view_with_learned_identity_characters_matches_the_reference(monkeypatch):
    from govie import text as text_mod

    monkeypatch.setattr(text_mod, "_IDENTITY", set())
    monkeypatch.setattr(text_mod, "_IDENTITY_RUNS", None)
    monkeypatch.setattr(text_mod, "_PENDING", [0])
    monkeypatch.setattr(text_mod, "_RECOMPILE_AFTER", 8)  # recompile often
    pieces = list("收到申请件國後來，。:(（)]^\\-[\n\t ａ１\u200b") + ["&amp;", "&#8203;", "政府信息公开"]
    random.seed(11)
    for _ in range(1500):
        t = "".join(random.choice(pieces) for _ in range(random.randint(0, 20)))
        v, ref = TextView.build(t), _slow_reference(t)
        if v.starts or not ref[1]:
            assert (v.text, v.starts, v.ends) == ref, t
        else:
            assert v.text == ref[0] and ref[1] == tuple(range(len(t))), t
    assert text_mod._IDENTITY_RUNS is not None and "收" in text_mod._IDENTITY and "國" not in text_mod._IDENTITY


def test_table_lines_overlap_equals_the_span_list():
    from govie.merge import _Spans
    from govie.rules.table_lines import table_line_spans
    from govie.segment import TableLines

    text = "收到申请48件。\r\n规章 | 0 | 0\n\n项目  数量  比例\n主动公开1200条\n0\n|\n末行文字"
    spans = _Spans(table_line_spans(text))
    lines = TableLines(text)
    for s in range(len(text)):
        for e in range(s + 1, min(len(text), s + 30) + 1):
            assert lines.overlaps(s, e) == spans.overlaps(s, e), (s, e)
