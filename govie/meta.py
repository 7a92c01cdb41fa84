"""Document metadata by rules: reference year, title, issuing body, publish date, document type."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from .text import TextView

_TITLE_YEAR = re.compile(
    r"((?:19|20)\d{2}) ?年度?[^\n。]{0,40}?(?:政府信息公开|政务公开|信息公开)[^\n。]{0,20}?(?:年度报告|工作报告|报告|要点|年报|方案)")
_PERIOD_YEAR = re.compile(r"统计(?:时限|期限|时间|区间|范围)[^\n。]{0,6}?((?:19|20)\d{2}) ?年")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2}) ?年(?!\d)")
_PUBLISH = re.compile(r"(?:发布|公开|成文|印发)(?:日期|时间)[:： ]*((?:19|20)\d{2})[-年/.](\d{1,2})[-月/.](\d{1,2})")
_TYPE_CUES = (
    ("annual_report", re.compile(r"年度报告|工作报告|年报")),
    ("work_plan", re.compile(r"工作要点|任务分工|实施方案|工作方案|工作计划")),
    ("notice", re.compile(r"通知|意见|办法")),
)
_HEAD_LINE = re.compile(r"[^\n]{4,80}")
_ISSUER = re.compile(r"^([\u4e00-\u9fff]{2,30}?(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室|委员会|管委会|管理委员会|局|厅|委|办|街道办事处|街道|镇|乡|部))")


def infer_reference_year(view: TextView) -> tuple[int | None, tuple[int, int] | None, str]:
    """The year the document is about, with the view span it came from and the rule used."""
    head = view.text[:1500]
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


def document_meta(view: TextView, entities: list | None = None) -> dict[str, Any]:
    """Metadata with the evidence (original offsets) each field came from."""
    meta: dict[str, Any] = {}
    evidence: dict[str, Any] = {}
    year, span, how = infer_reference_year(view)
    meta["reference_year"] = year
    if span:
        evidence["reference_year"] = {"start": view.to_original(*span)[0], "end": view.to_original(*span)[1],
                                      "rule": how}
    title = None
    for m in _HEAD_LINE.finditer(view.text[:600]):
        line = m.group().strip()
        if re.search(r"(报告|要点|通知|方案|意见|年报|办法)$", line) and not re.search(r"[。，,；;]", line):
            title = line
            s = m.start() + m.group().index(line)
            evidence["title"] = dict(zip(("start", "end"), view.to_original(s, s + len(line))))
            break
    meta["title"] = view.original[evidence["title"]["start"]:evidence["title"]["end"]] if title else None
    if title:
        im = _ISSUER.match(title)
        if im and not im.group(1)[:4].isdigit():
            meta["issuer"] = re.sub(r"(?:19|20)\d{2}.*$", "", im.group(1)) or None
    meta.setdefault("issuer", None)
    pm = _PUBLISH.search(view.text[:3000])
    if pm:
        try:
            y, mo, d = int(pm.group(1)), int(pm.group(2)), int(pm.group(3))
            from datetime import date

            meta["publish_date"] = date(y, mo, d).isoformat()
            evidence["publish_date"] = dict(zip(("start", "end"), view.to_original(*pm.span(1))))
        except ValueError:
            meta["publish_date"] = None
    else:
        meta["publish_date"] = None
    probe = (title or "") + " " + view.text[:300]
    meta["doc_type"] = next((name for name, rx in _TYPE_CUES if rx.search(probe)), "other")
    meta["evidence"] = evidence
    return meta
