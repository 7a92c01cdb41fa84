"""Document metadata by rules: reference year, title, issuing body, publish date, document type.

Every field that was found carries its evidence in ``meta["evidence"][field]``: the
original offsets ``start``/``end`` of the text it was read from and the ``rule`` used.
``doc_type`` is one of ``annual_report`` (政府信息公开工作年度报告), ``work_plan``
(工作要点, 实施方案, 任务分工, also a notice that issues one), ``notice`` (通知, 意见,
函 …) or ``other``.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from functools import lru_cache
from typing import Any

from .text import TextView

_TITLE_YEAR = re.compile(
    r"((?:19|20)\d{2}) ?年度?[^\n。]{0,40}?(?:政府信息公开|政务公开|信息公开)[^\n。]{0,20}?(?:年度报告|工作报告|报告|要点|年报|方案)")
_PERIOD_YEAR = re.compile(r"统计(?:时限|期限|时间|区间|范围)[^\n。]{0,6}?((?:19|20)\d{2}) ?年")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2}) ?年(?!\d)")
_PUBLISH = re.compile(r"(?:发布|公开|成文|印发|发文)(?:日期|时间)[:： ]*((?:19|20)\d{2})[-年/.](\d{1,2})[-月/.](\d{1,2})")
_HEAD_LINE = re.compile(r"[^\n]{4,90}")
_TITLE_END = re.compile(r"(?:报告|要点|通知|方案|意见|年报|办法|计划|任务分工|安排|指南|函|决定|通报|规则|制度|解读)$")
_ISSUER = re.compile(
    r"^([\u4e00-\u9fff()]{2,30}?(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室|委员会|管委会|管理委员会|"
    r"街道办事处|办事处|局|厅|委|办|街道|镇|乡|部|中心|院|署|会))")
_ISSUER_LINE = re.compile(
    r"^\s*([\u4e00-\u9fff()]{2,30}(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室|委员会|管委会|管理委员会|"
    r"街道办事处|办事处|局|厅|委|领导小组|中心))\s*$")
_BY_ISSUER = re.compile(r"本(?:年度)?报告由([\u4e00-\u9fff()]{2,40}?)(?:负责)?编制")
_CUT_BEFORE_BASIS = re.compile(r"^(\S.*?\S)\s+(?:根据|按照|依据|为)")
_CUT_AFTER_NAME = re.compile(r"^(.{4,60}?(?:年度报告|工作报告|年报|工作要点|通知|实施方案))\s")
_LINE_PUNCT = re.compile(r"[。,;!?]")
_LINE_ENUM = re.compile(r"(?:\d{1,2}[.、]|[一二三四五六七八九十]+、|\()")
_TITLE_LABEL = re.compile(r"标\s*题\s*:\s*")
_ISSUER_CUT = re.compile(r"关于|(?:19|20)\d{2} ?年|政府信息公开|政务公开")
_HAN_NAME = re.compile(r"[\u4e00-\u9fff()]+")
_YEAR_THEN_NAME = re.compile(r"^((?:19|20)\d{2} ?年度? ?)([\u4e00-\u9fff()]{2,30}?)(?:政府信息公开|政务公开|信息公开)")
_NONEMPTY_LINE = re.compile(r"[^\n]+")
_DATE_LINE = re.compile(r"^\s*[•·]?\s*((?:19|20)\d{2})(?:年(\d{1,2})月(\d{1,2})日|-(\d{1,2})-(\d{1,2}))\s*$")

#: (doc_type, rule, regex on the title)
_TITLE_TYPES: tuple[tuple[str, str, re.Pattern], ...] = (
    ("work_plan", "title: notice issuing a plan",
     re.compile(r"印发.{0,60}(?:工作要点|要点|实施方案|工作方案|工作计划|任务分工|重点任务|工作安排).{0,10}(?:通知|函)$")),
    ("annual_report", "title: annual report",
     re.compile(r"(?:年度报告|工作报告|年报|工作情况报告|年度工作报告|工作的报告|公开报告)$")),
    ("work_plan", "title: plan", re.compile(r"(?:工作要点|要点|实施方案|工作方案|工作计划|任务分工|工作安排|计划)$")),
    ("notice", "title: notice", re.compile(r"(?:通知|函|意见|决定|办法|通报|规则|制度)$")),
)
#: (doc_type, rule, regex on the opening of the body) -- used when the title decides nothing
_BODY_TYPES: tuple[tuple[str, str, re.Pattern], ...] = (
    ("annual_report", "body: report wording",
     re.compile(r"本(?:年度)?报告|年度报告(?:根据|依据|是根据|由)|主动公开政府信息情况|收到和处理政府信息公开申请|"
                r"存在的主要问题及改进情况|统计(?:期限|时限|时间)|報告全文|报告全文|政府信息公开工作年度报告|"
                r"(?:^|\n)\s*一、\s*总体情况|(?:^|\n)\s*\(一\)\s*主动公开|公开年度报告|依申请公开(?:政府信息)?情况|主动公开政府信息的?情况|"
                r"(?:^|\n)\s*\([一二三四五六七八九十]+\)[^\n。]{2,30}情况\s*(?:\n|$)")),
    ("work_plan", "body: plan wording",
     re.compile(r"工作要点|任务分工|工作的总体要求是|实施方案如下|牵头单位|责任单位")),
    ("notice", "body: notice wording",
     re.compile(r"现将[^。\n]{0,80}印发给你们|通知如下|现就[^。\n]{0,60}通知|特此通知|请认真贯彻")),
)


def infer_reference_year(view: TextView) -> tuple[int | None, tuple[int, int] | None, str]:
    """The year the document is about, with the view span it came from and the rule used."""
    return _infer_reference_year(view.text[:1500])


@lru_cache(maxsize=16)
def _infer_reference_year(head: str) -> tuple[int | None, tuple[int, int] | None, str]:
    m = _TITLE_YEAR.search(head)
    if m:
        return int(m.group(1)), m.span(1), "title"
    m = _PERIOD_YEAR.search(head)
    if m:
        return int(m.group(1)), m.span(1), "statistics period"
    years = Counter(int(y.group(1)) for y in _YEAR.finditer(head))
    if years:
        year, _ = years.most_common(1)[0]
        first = next(y for y in _YEAR.finditer(head) if int(y.group(1)) == year)
        return year, first.span(1), "most frequent year"
    m = _PUBLISH.search(head)
    if m:
        return int(m.group(1)) - 1, m.span(1), "publish date minus one"
    return None, None, "none"


def find_title(view: TextView) -> tuple[int, int] | None:
    """View span of the title: the first short head line without sentence punctuation that ends like a title."""
    return _find_title(view.text[:800])


@lru_cache(maxsize=16)
def _find_title(head: str) -> tuple[int, int] | None:
    for m in _HEAD_LINE.finditer(head):
        line = m.group().strip()
        cut = _CUT_BEFORE_BASIS.match(line) or _CUT_AFTER_NAME.match(line)
        if cut and _TITLE_END.search(cut.group(1)):
            line = cut.group(1)
        if _LINE_PUNCT.search(line) or len(line) < 4 or len(line) > 70:
            continue
        if _LINE_ENUM.match(line):
            continue
        if _TITLE_END.search(line):
            s = m.start() + m.group().index(line)
            lab = _TITLE_LABEL.match(line)
            if lab:
                s += lab.end()
                line = line[lab.end():]
            return s, s + len(line)
    return None


def document_type(view: TextView, title_span: tuple[int, int] | None = None) -> tuple[str, dict[str, Any] | None]:
    """``(doc_type, evidence)``: the type of the document and the view span/rule that decided it."""
    if title_span is None:
        title_span = find_title(view)
    if title_span is None or title_span[1] <= _HEAD:
        # only the head decides: one computation per text (the pipeline and the semantic layer ask)
        name, ev = _document_type(view.text[:_HEAD], title_span)
        return name, dict(ev) if ev is not None else None
    name, ev = _document_type(view.text, title_span)
    return name, dict(ev) if ev is not None else None


_HEAD = 1500


@lru_cache(maxsize=16)
def _document_type(text: str, title_span: tuple[int, int] | None) -> tuple[str, dict[str, Any] | None]:
    if title_span is not None:
        title = text[title_span[0]:title_span[1]]
        for name, rule, rx in _TITLE_TYPES:
            if rx.search(title):
                return name, {"start": title_span[0], "end": title_span[1], "rule": rule}
    head = text[:_HEAD]
    found = {}
    for name, rule, rx in _BODY_TYPES:
        m = rx.search(head)
        if m and name not in found:
            found[name] = (rule, m.span())
    # report wording wins (reports cite the year's 工作要点), unless the opening issues a notice
    order = ("annual_report", "work_plan", "notice")
    if "notice" in found and found["notice"][1][0] < 400:
        order = ("notice", "work_plan", "annual_report") if "work_plan" not in found else \
            ("work_plan", "notice", "annual_report")
    for name in order:
        if name in found:
            rule, span = found[name]
            return name, {"start": span[0], "end": span[1], "rule": rule}
    return "other", None


def _issuer(view: TextView, title: str | None, title_span) -> tuple[str | None, tuple[int, int] | None, str]:
    text = view.text
    if title:
        t0 = title_span[0]
        # the body named before 关于 or before the year: 庆阳市人民政府外事办公室2020年…报告
        cut = _ISSUER_CUT.search(title)
        if cut and cut.start() >= 2:
            name = title[:cut.start()].strip()
            if len(name) >= 2 and _HAN_NAME.fullmatch(name):
                return name, (t0, t0 + len(name)), "title before year" if "年" in cut.group() else "title before 关于"
        # 2019年川主乡政府信息公开工作年度报告: between the year and the report name
        ym = _YEAR_THEN_NAME.match(title)
        if ym and ym.group(2) != "政府":
            a = t0 + ym.end(1)
            return ym.group(2), (a, a + len(ym.group(2))), "title after year"
        im = _ISSUER.match(title)
        if im and not im.group(1).startswith("关于"):
            name = im.group(1)
            return name, (t0, t0 + len(name)), "title prefix"
    m = _BY_ISSUER.search(text[:2000])
    if m:
        return m.group(1), m.span(1), "report compiled by"
    # a signature: an institution alone on a line, followed by a date line
    lines = list(_NONEMPTY_LINE.finditer(text[:4000]))
    for k, lm in enumerate(lines[:-1]):
        im = _ISSUER_LINE.match(lm.group())
        if im and _DATE_LINE.match(lines[k + 1].group()):
            return im.group(1), (lm.start() + lm.group().index(im.group(1)),
                                 lm.start() + lm.group().index(im.group(1)) + len(im.group(1))), "signature"
    return None, None, "none"


def _publish_date(view: TextView) -> tuple[str | None, tuple[int, int] | None, str]:
    text = view.text
    pm = _PUBLISH.search(text[:3000])
    if pm:
        try:
            return date(int(pm.group(1)), int(pm.group(2)), int(pm.group(3))).isoformat(), \
                (pm.start(1), pm.end(3)), "publish line"
        except ValueError:
            pass
    lines = list(_NONEMPTY_LINE.finditer(text[:4000]))
    for k, lm in enumerate(lines):
        dm = _DATE_LINE.match(lm.group())
        if not dm:
            continue
        signed = k > 0 and _ISSUER_LINE.match(lines[k - 1].group())
        if not signed and lm.start() > 400:
            continue
        y = int(dm.group(1))
        mo, d = (dm.group(2), dm.group(3)) if dm.group(2) else (dm.group(4), dm.group(5))
        try:
            iso = date(y, int(mo), int(d)).isoformat()
        except ValueError:
            continue
        return iso, (lm.start() + dm.start(1), lm.start() + dm.end()), "signature date" if signed else "date line"
    return None, None, "none"


def _orig(view: TextView, span: tuple[int, int], rule: str | None = None) -> dict[str, Any]:
    s, e = view.to_original(*span)
    d: dict[str, Any] = {"start": s, "end": e}
    if rule:
        d["rule"] = rule
    return d


def document_meta(view: TextView, entities: list | None = None) -> dict[str, Any]:
    """Metadata with the evidence (original offsets and rule) each field came from."""
    meta: dict[str, Any] = {}
    evidence: dict[str, Any] = {}
    year, span, how = infer_reference_year(view)
    meta["reference_year"] = year
    if span:
        evidence["reference_year"] = _orig(view, span, how)
    tspan = find_title(view)
    if tspan:
        evidence["title"] = _orig(view, tspan, "head line")
        meta["title"] = view.original[evidence["title"]["start"]:evidence["title"]["end"]]
    else:
        meta["title"] = None
    title = view.text[tspan[0]:tspan[1]] if tspan else None
    issuer, ispan, irule = _issuer(view, title, tspan)
    meta["issuer"] = None
    if issuer and ispan:
        evidence["issuer"] = _orig(view, ispan, irule)
        meta["issuer"] = view.original[evidence["issuer"]["start"]:evidence["issuer"]["end"]]
    pdate, pspan, prule = _publish_date(view)
    meta["publish_date"] = pdate
    if pdate and pspan:
        evidence["publish_date"] = _orig(view, pspan, prule)
    dtype, dev = document_type(view, tspan)
    meta["doc_type"] = dtype
    if dev:
        evidence["doc_type"] = _orig(view, (dev["start"], dev["end"]), dev["rule"])
    meta["evidence"] = evidence
    return meta
