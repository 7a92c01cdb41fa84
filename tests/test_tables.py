"""Statistical tables of the annual disclosure report (govie.tables): invented tables in
every layout, both template revisions, checks, metrics, and the seed with complete tables."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from govie.tables import (
    Table,
    find_tables,
    metric_columns,
    metrics_of,
    metrics_row,
    row_columns,
)
from govie.tables.parse_text import split_cells

# --------------------------------------------------------------------------- invented data
COLS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"]

#: section 3 row key -> label as printed in the template (enumerator included)
S3_LABELS = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "disclosed": "(一)予以公开",
    "partly_disclosed": "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
    "withheld.state_secret": "1.属于国家秘密",
    "withheld.prohibited_by_law": "2.其他法律行政法规禁止公开",
    "withheld.three_safeties": "3.危及“三安全一稳定”",
    "withheld.third_party": "4.保护第三方合法权益",
    "withheld.internal_affairs": "5.属于三类内部事务信息",
    "withheld.process_info": "6.属于四类过程性信息",
    "withheld.enforcement_file": "7.属于行政执法案卷",
    "withheld.admin_query": "8.属于行政查询事项",
    "unavailable.not_held": "1.本机关不掌握相关政府信息",
    "unavailable.needs_creation": "2.没有现成信息需要另行制作",
    "unavailable.unclear": "3.补正后申请内容仍不明确",
    "not_processed.petition": "1.信访举报投诉类申请",
    "not_processed.repeated": "2.重复申请",
    "not_processed.publication": "3.要求提供公开出版物",
    "not_processed.excessive": "4.无正当理由大量反复申请",
    "not_processed.reconfirm": "5.要求行政机关确认或重新出具已获取信息",
    "other_handling": "(六)其他处理",
    "other_handling.no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_handling.fee_unpaid": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_handling.other": "3.其他",
    "handled_total": "(七)总计",
    "carried_forward": "四、结转下年度继续办理",
}
GROUP_LABEL = {"withheld": "(三)不予公开", "unavailable": "(四)无法提供", "not_processed": "(五)不予处理",
               "other_handling": "(六)其他处理"}

Z = [0] * 7
#: invented, consistent numbers (2019 template)
S3_2019 = {
    "new_received": [10, 3, 1, 0, 2, 1, 17],
    "carried_over": [2, 0, 0, 0, 0, 0, 2],
    "disclosed": [5, 2, 1, 0, 0, 0, 8],
    "partly_disclosed": [2, 0, 0, 0, 0, 1, 3],
    "withheld.state_secret": [1, 0, 0, 0, 0, 0, 1],
    "withheld.prohibited_by_law": Z,
    "withheld.three_safeties": Z,
    "withheld.third_party": [0, 1, 0, 0, 0, 0, 1],
    "withheld.internal_affairs": Z,
    "withheld.process_info": Z,
    "withheld.enforcement_file": Z,
    "withheld.admin_query": Z,
    "unavailable.not_held": [2, 0, 0, 0, 1, 0, 3],
    "unavailable.needs_creation": Z,
    "unavailable.unclear": Z,
    "not_processed.petition": Z,
    "not_processed.repeated": [1, 0, 0, 0, 0, 0, 1],
    "not_processed.publication": Z,
    "not_processed.excessive": Z,
    "not_processed.reconfirm": Z,
    "other_handling": Z,
    "handled_total": [11, 3, 1, 0, 1, 1, 17],
    "carried_forward": [1, 0, 0, 0, 1, 0, 2],
}
S3_2021 = {k: v for k, v in S3_2019.items() if k != "other_handling"}
S3_2021 = dict(S3_2021)
S3_2021["disclosed"] = [4, 2, 1, 0, 0, 0, 7]
_order = list(S3_2019)
_i = _order.index("other_handling")
S3_2021 = {k: S3_2021[k] for k in _order[:_i]}
S3_2021.update({"other_handling.no_correction": Z, "other_handling.fee_unpaid": Z,
                "other_handling.other": [1, 0, 0, 0, 0, 0, 1]})
S3_2021.update({k: S3_2019[k] for k in _order[_i + 1:]})

S4 = {"review": [1, 2, 0, 1, 4], "litigation_direct": [3, 0, 1, 0, 4], "litigation_after_review": [0, 1, 0, 0, 1]}
S4_COLS = ["upheld", "corrected", "other", "pending", "total"]


def _fmt(v):
    return "" if v is None else str(v)


def s3_pipe(values: dict[str, list], title=True) -> str:
    """Section 3 as pipe rows (group label in the row of its first sub-item)."""
    out = ["三、收到和处理政府信息公开申请情况"] if title else []
    out += ["申请人情况 | | | | | | | |",
            "自然人 | 法人或其他组织 | 总计 |",
            "商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |"]
    seen_groups = set()
    for key, vals in values.items():
        label = S3_LABELS[key]
        prefix = ""
        if key == "disclosed":
            prefix = "三、本年度办理结果 | "
        group = key.split(".")[0] if "." in key else None
        if group and group not in seen_groups:
            seen_groups.add(group)
            prefix = GROUP_LABEL[group] + " | "
        out.append(prefix + label + " | " + " | ".join(_fmt(v) for v in vals) + " |")
    return "\n".join(out)


def s3_one_cell_per_line(values: dict[str, list]) -> str:
    """Section 3 written one cell per line (``cell |``)."""
    out = ["三、收到和处理政府信息公开申请情况"]
    for h in ["申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]:
        out.append(h + " |")
    seen = set()
    for key, vals in values.items():
        if key == "disclosed":
            out.append("三、本年度办理结果 |")
        group = key.split(".")[0] if "." in key else None
        if group and group not in seen:
            seen.add(group)
            out.append(GROUP_LABEL[group] + " |")
        out.append(S3_LABELS[key] + " |")
        out.extend(f"{_fmt(v)} |" for v in vals)
    return "\n".join(out)


def s4_pipe(values=S4) -> str:
    nums = [v for g in ("review", "litigation_direct", "litigation_after_review") for v in values[g]]
    return "\n".join([
        "四、政府信息公开行政复议、行政诉讼情况",
        "行政复议 | 行政诉讼 |",
        "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |",
        " | ".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2) + " |",
        " | ".join(_fmt(v) for v in nums) + " |",
    ])


S2_2019_TEXT = """二、主动公开政府信息情况
第二十条第(一)项 | | |
信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |
规章 | 1 | 1 | 7 |
规范性文件 | 4 | 4 | 31 |
第二十条第(五)项 | | |
信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |
行政许可 | 40 | -2 | 1365 |
其他对外管理服务事项 | 6 | 0 | 88 |
第二十条第(六)项 | | |
信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |
行政处罚 | 210 | +5 | 97 |
行政强制 | 12 | 0 | 3 |
第二十条第(八)项 | | |
信息内容 | 上一年项目数量 | 本年增/减 |
行政事业性收费 | 2 | 0 |
第二十条第(九)项 | | |
信息内容 | 采购项目数量 | 采购总金额 |
政府集中采购 | 16 | 356.8万元 |"""

S2_2019 = {
    ("rules", "new_made"): 1, ("rules", "new_published"): 1, ("rules", "total_published"): 7,
    ("normative_docs", "new_made"): 4, ("normative_docs", "new_published"): 4,
    ("normative_docs", "total_published"): 31,
    ("admin_license", "prev_year_items"): 40, ("admin_license", "change"): -2, ("admin_license", "decisions"): 1365,
    ("other_admin_services", "prev_year_items"): 6, ("other_admin_services", "change"): 0,
    ("other_admin_services", "decisions"): 88,
    ("admin_penalty", "prev_year_items"): 210, ("admin_penalty", "change"): 5, ("admin_penalty", "decisions"): 97,
    ("admin_enforcement", "prev_year_items"): 12, ("admin_enforcement", "change"): 0,
    ("admin_enforcement", "decisions"): 3,
    ("admin_fees", "prev_year_items"): 2, ("admin_fees", "change"): 0,
    ("central_procurement", "procurement_items"): 16, ("central_procurement", "procurement_amount_yuan"): 3568000,
}

S2_2021_TEXT = """二、主动公开政府信息情况
第二十条第(一)项
信息内容\t本年制发件数\t本年废止件数\t现行有效件数
规章\t0\t0\t2
行政规范性文件\t6\t1\t45
第二十条第(五)项
信息内容\t本年处理决定数量
行政许可\t2310
第二十条第(六)项
信息内容\t本年处理决定数量
行政处罚\t118
行政强制\t9
第二十条第(八)项
信息内容\t本年收费金额(单位:万元)
行政事业性收费\t12.5"""

S2_2021 = {
    ("rules", "issued"): 0, ("rules", "repealed"): 0, ("rules", "in_force"): 2,
    ("normative_docs", "issued"): 6, ("normative_docs", "repealed"): 1, ("normative_docs", "in_force"): 45,
    ("admin_license", "decisions"): 2310, ("admin_penalty", "decisions"): 118,
    ("admin_enforcement", "decisions"): 9, ("admin_fees", "fee_amount_yuan"): 125000,
}

INTRO = "一、总体情况\n本年度我局依法做好政府信息公开工作，全年共收到申请17件，均按期答复。\n"
OUTRO = "\n五、存在的主要问题及改进情况\n下一步将继续完善公开目录，提升答复质量。\n"


def report_2019() -> str:
    return INTRO + S2_2019_TEXT + "\n" + s3_pipe(S3_2019) + "\n" + s4_pipe() + OUTRO


def report_2021() -> str:
    return INTRO + S2_2021_TEXT + "\n" + s3_one_cell_per_line(S3_2021) + "\n" + s4_pipe() + OUTRO


def by_section(tables: list[Table]) -> dict[int, Table]:
    out = {}
    for t in tables:
        out.setdefault(t.section, t)
    return out


def s3_values(table: Table, rows) -> dict[str, list]:
    return {r: [table.value(r, c) for c in COLS] for r in rows}


def assert_offsets(text: str, table: Table):
    assert 0 <= table.start <= table.end <= len(text)
    for c in table.cells:
        if c.start is not None:
            assert text[c.start:c.end] == c.raw, c
            assert table.start <= c.start <= c.end <= table.end
        else:
            assert c.raw == ""


# --------------------------------------------------------------------------- cells of a line
@pytest.mark.parametrize("line, cells", [
    ("规章 | 0 | 1 | 2 |", ["规章", "0", "1", "2"]),
    ("| 0 | 0 | 5 | |", ["0", "0", "5", ""]),
    ("0 |", ["0"]),
    ("|", [""]),
    ("| | |", ["", ""]),
    ("规章\t3\t\t5", ["规章", "3", "", "5"]),
    ("  规章    3    4   5", ["规章", "3", "4", "5"]),
    ("行政许可", ["行政许可"]),
    ("1.属于国家 秘密 | 0", ["1.属于国家 秘密", "0"]),
])
def test_split_cells(line, cells):
    assert [line[s:e] for s, e in split_cells(line)] == cells


# --------------------------------------------------------------------------- full reports
def test_report_2019_pipe_all_cells():
    text = report_2019()
    tables = find_tables(text)
    assert [t.section for t in tables] == [2, 3, 4]
    assert {t.revision for t in tables} == {"2019"}
    t2, t3, t4 = tables
    assert t2.numbers == S2_2019
    assert s3_values(t3, S3_2019) == S3_2019
    assert len(t3.cells) == 7 * len(S3_2019)
    assert t3.failed == () and len(t3.passed) == len(t3.checks) > 30
    assert {(g, c): t4.value(g, c) for g in S4 for c in S4_COLS} == {
        (g, c): S4[g][i] for g in S4 for i, c in enumerate(S4_COLS)}
    assert [ch.passed for ch in t4.checks] == [True, True, True]
    for t in tables:
        assert_offsets(text, t)
        assert not any(c.derived for c in t.cells)


def test_report_2021_one_cell_per_line_and_tabs():
    text = report_2021()
    tables = find_tables(text)
    assert [t.section for t in tables] == [2, 3, 4]
    assert {t.revision for t in tables} == {"2021"}
    t2, t3, t4 = tables
    assert t2.numbers == S2_2021
    assert s3_values(t3, S3_2021) == S3_2021
    assert t3.value("other_handling", "total") is None  # 2021 has sub-rows only
    assert t3.failed == () and len(t3.passed) == len(t3.checks)
    assert t4.value("litigation_after_review", "corrected") == 1
    for t in tables:
        assert_offsets(text, t)


@pytest.mark.parametrize("key, value", [
    ("s3.natural_person.new_received", 10),
    ("s3.total.new_received", 17),
    ("s3.legal_service.carried_forward", 1),
    ("s3.commercial.withheld.third_party", 1),
    ("s3.total.handled_total", 17),
    ("s2.admin_license.change", -2),
    ("s2.central_procurement.procurement_amount_yuan", 3568000),
    ("s4.review.total", 4),
    ("s4.litigation_direct.other", 1),
])
def test_metrics_keys_2019(key, value):
    assert metrics_of(find_tables(report_2019()))[key] == value


def test_metric_columns_stable_and_cover_both_revisions():
    cols = metric_columns()
    assert len(cols) == len(set(cols))
    assert cols == metric_columns()
    for k in ("s2.rules.new_made", "s2.rules.issued", "s2.admin_fees.fee_amount_yuan",
              "s3.natural_person.other_handling", "s3.total.other_handling.fee_unpaid",
              "s3.other_org.carried_forward", "s4.litigation_after_review.pending"):
        assert k in cols
    assert row_columns()[:3] == ["id", "revision", "tables"]
    for text in (report_2019(), report_2021()):
        m = metrics_of(find_tables(text))
        assert set(m) <= set(cols), set(m) - set(cols)


def test_metrics_row_is_wide_and_complete():
    import govie

    doc = govie.extract(report_2019(), mode="rules", doc_id="r2019")
    row = metrics_row(doc)
    assert list(row) == row_columns()
    assert row["id"] == "r2019" and row["revision"] == "2019" and row["tables"] == 3
    assert row["checks_failed"] == 0 and row["checks_passed"] > 30
    assert row["s3.natural_person.new_received"] == 10
    assert row["s2.rules.issued"] is None  # a 2021 column stays empty for a 2019 report
    assert doc.metrics["s3.total.new_received"] == 17


def test_document_roundtrip_with_tables():
    import govie
    from govie.types import Document

    doc = govie.extract(report_2021(), mode="rules")
    assert len(doc.tables) == 3
    d = json.loads(json.dumps(doc.to_dict(), ensure_ascii=False))
    back = Document.from_dict(d)
    assert back.tables == doc.tables
    assert Table.from_dict(doc.tables[1].to_dict()) == doc.tables[1]


def _tabbed(text: str) -> str:
    return "\n".join(line.replace(" | ", "\t").rstrip(" |") for line in text.split("\n"))


def _spaced(text: str) -> str:
    return "\n".join(line.replace(" | ", "    ").rstrip(" |") for line in text.split("\n"))


@pytest.mark.parametrize("layout", ["pipe", "one_cell_per_line", "tabs", "spaces"])
@pytest.mark.parametrize("revision, values", [("2019", S3_2019), ("2021", S3_2021)])
def test_section3_layouts_and_revisions(layout, revision, values):
    text = {"pipe": lambda v: s3_pipe(v), "one_cell_per_line": s3_one_cell_per_line,
            "tabs": lambda v: _tabbed(s3_pipe(v)), "spaces": lambda v: _spaced(s3_pipe(v))}[layout](values)
    t = find_tables(text)[0]
    assert t.section == 3 and t.revision == revision
    assert s3_values(t, values) == values
    assert t.failed == () and all(ch.passed for ch in t.checks)
    assert_offsets(text, t)


def test_headerless_section2_takes_columns_from_the_report_revision():
    """Sub-table headers lost: the columns follow the template the rest of the report uses."""
    text = "二、主动公开政府信息情况\n第二十条第(一)项\n规章 | 1 | 0 | 4 |\n第二十条第(五)项\n行政许可 | 77 |\n" \
        + s3_one_cell_per_line(S3_2021)
    t2, t3 = find_tables(text)
    assert t3.revision == "2021" and t2.revision == "2021"
    assert t2.numbers == {("rules", "issued"): 1, ("rules", "repealed"): 0, ("rules", "in_force"): 4,
                          ("admin_license", "decisions"): 77}
    # alone, the same sub-tables cannot name their columns: no numbers
    alone = find_tables(text.split("\n三")[0].split("\n申请人情况")[0])
    assert metrics_of(alone) == {}


# --------------------------------------------------------------------------- traditional / full-width
def test_traditional_full_width_offsets_are_original():
    import opencc

    simp = s3_pipe(S3_2019) + "\n" + s4_pipe()
    trad = opencc.OpenCC("s2t").convert(simp)
    full = trad.translate({ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789|"})
    assert "總計" in full and "０" in full and "｜" in full
    tables = find_tables(full)
    t3, t4 = by_section(tables)[3], by_section(tables)[4]
    assert s3_values(t3, S3_2019) == S3_2019
    assert t3.failed == ()
    assert t4.value("review", "total") == 4
    for t in (t3, t4):
        assert_offsets(full, t)
    cell = t3.cell("new_received", "natural_person")
    assert cell.raw == "１０"


# --------------------------------------------------------------------------- HTML
HTML_S3 = """<html><body><p>三、收到和处理政府信息公开申请情况</p>
<table border="1">
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
    <td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td><td>9</td><td>2</td><td>0</td><td>1</td><td>0</td><td>0</td><td>12</td></tr>
<tr><td colspan="3">二、上年结转政府信息公开申请数量</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
<tr><td rowspan="6">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td>6</td><td>1</td><td>0</td><td>1</td><td>0</td><td>0</td><td>8</td></tr>
<tr><td colspan="2">（二）部分公开</td><td>2</td><td>&nbsp;</td><td>0</td><td>0</td><td>0</td><td>0</td><td>2</td></tr>
<tr><td rowspan="2">（三）不予公开</td><td>1.属于国家秘密</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
<tr><td>4.保护第三方合法权益</td><td>0</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
<tr><td colspan="2">（七）总计</td><td>9</td><td>2</td><td>0</td><td>1</td><td>0</td><td>0</td><td>12</td></tr>
<tr><td colspan="2"><span>四、结转下年度继续办理</span></td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
</table>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
<table>
<tr><th colspan="5">行政复议</th><th colspan="10">行政诉讼</th></tr>
<tr><th rowspan="2">结果维持</th><th rowspan="2">结果纠正</th><th rowspan="2">其他结果</th><th rowspan="2">尚未审结</th>
    <th rowspan="2">总计</th><th colspan="5">未经复议直接起诉</th><th colspan="5">复议后起诉</th></tr>
<tr><th>结果维持</th><th>结果纠正</th><th>其他结果</th><th>尚未审结</th><th>总计</th>
    <th>结果维持</th><th>结果纠正</th><th>其他结果</th><th>尚未审结</th><th>总计</th></tr>
<tr><td>2</td><td>0</td><td>0</td><td>1</td><td>3</td><td>1</td><td>1</td><td>0</td><td>0</td><td>2</td>
    <td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
</table></body></html>"""


def test_html_rowspan_colspan():
    tables = find_tables(HTML_S3)
    assert [(t.section, t.source) for t in tables] == [(3, "html"), (4, "html")]
    t3, t4 = tables
    assert [t3.value("new_received", c) for c in COLS] == [9, 2, 0, 1, 0, 0, 12]
    assert [t3.value("disclosed", c) for c in COLS] == [6, 1, 0, 1, 0, 0, 8]
    # an &nbsp; cell is an empty cell: unknown, never a number
    assert [t3.value("partly_disclosed", c) for c in COLS] == [2, None, 0, 0, 0, 0, 2]
    assert t3.value("withheld.third_party", "commercial") == 1
    assert t3.value("carried_forward", "total") == 1
    checks = {ch.name: ch.passed for ch in t3.checks}
    assert checks["s3.balance.natural_person"] is True
    assert checks["s3.row_total.partly_disclosed"] is None
    assert [t4.value("review", c) for c in S4_COLS] == [2, 0, 0, 1, 3]
    assert [t4.value("litigation_direct", c) for c in S4_COLS] == [1, 1, 0, 0, 2]
    assert all(ch.passed for ch in t4.checks)
    for t in tables:
        assert_offsets(HTML_S3, t)
        assert HTML_S3.rfind("<table", 0, t.start) > HTML_S3.rfind("</table>", 0, t.start)  # inside its table


def test_html_grid_columns_shifted_by_missing_cells():
    """Grid columns place values even when a row lacks cells before them."""
    html = """<p>二、主动公开政府信息情况</p><table>
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>3</td><td>0</td><td>12</td></tr>
<tr><td>行政规范性文件</td><td>5</td><td></td><td>40</td></tr>
</table>"""
    t = find_tables(html)[0]
    assert t.section == 2 and t.revision == "2021"
    assert t.numbers == {("rules", "issued"): 3, ("rules", "repealed"): 0, ("rules", "in_force"): 12,
                         ("normative_docs", "issued"): 5, ("normative_docs", "in_force"): 40}
    assert t.value("normative_docs", "repealed") is None


@pytest.mark.parametrize("html", [
    "<table><tr><td colspan='99999999'>规章</td><td rowspan='100000'>3</td></tr></table>",
    "<table><tr><td>行政复议<table><tr><td>1</td></tr></table></td></tr>",
    "<table><tr><td>三、收到和处理政府信息公开申请情况</td><td>&#99999999999;&amp;&lt;td&gt;</td>",
    "<table" * 50,
    "<table><tr><td>" + "&amp;" * 2000 + "</td></tr></table>",
])
def test_html_hostile_input_never_raises(html):
    tables = find_tables(html)
    assert isinstance(tables, list)
    for t in tables:
        assert_offsets(html, t)


# --------------------------------------------------------------------------- layouts and hard cases
def test_empty_cells_stay_unknown():
    text = """第二十条第(一)项 | | |
信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |
规章 | 3 | | 5 |
规范性文件 | — | 2 | / |"""
    t = find_tables(text)[0]
    assert t.numbers == {("rules", "new_made"): 3, ("rules", "total_published"): 5,
                         ("normative_docs", "new_published"): 2}
    empty = t.cell("rules", "new_published")
    assert empty.value is None and empty.raw == "" and empty.start == empty.end
    assert t.cell("normative_docs", "new_made").raw == "—"


def test_empty_table_yields_no_numbers():
    text = "\n".join(["三、收到和处理政府信息公开申请情况", "申请人情况 | | |", "| | | | |"]
                     + [S3_LABELS[k] + " |" + " |" * 7 for k in ("new_received", "carried_over", "handled_total")]
                     + ["| | | | | | | |"] * 5 + ["四、政府信息公开行政复议、行政诉讼情况", "五、其他需要报告的事项"])
    tables = find_tables(text)
    assert [t.section for t in tables] == [3]
    assert tables[0].numbers == {}
    assert metrics_of(tables) == {}
    assert all(ch.passed is None for ch in tables[0].checks)
    assert metrics_row(tables)["cells"] == 0


def test_shifted_columns_header_order_and_leading_cells():
    """One header line in its own column order; rows with extra leading cells and border pipes."""
    text = """收到和处理政府信息公开申请情况
| 申请人情况 | 总计 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |
| 一、本年新收政府信息公开申请数量 | 6 | 4 | 1 | 0 | 0 | 0 | 1 |
| 二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 三、本年度办理结果 | (一)予以公开 | 6 | 4 | 1 | 0 | 0 | 0 | 1 |
| | (七)总计 | 6 | 4 | 1 | 0 | 0 | 0 | 1 |
| 四、结转下年度继续办理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"""
    t = find_tables(text)[0]
    assert [t.value("new_received", c) for c in COLS] == [4, 1, 0, 0, 0, 1, 6]
    assert [t.value("disclosed", c) for c in COLS] == [4, 1, 0, 0, 0, 1, 6]
    assert [t.value("handled_total", c) for c in COLS] == [4, 1, 0, 0, 0, 1, 6]
    names = {ch.name: ch.passed for ch in t.checks}
    assert names["s3.balance.total"] is True
    assert names["s3.row_total.new_received"] is True


def test_merged_header_lines_use_template_order():
    """A three-line merged header (自然人 | 法人或其他组织 | 总计, then the five sub-columns)."""
    text = s3_pipe({"new_received": [7, 0, 2, 0, 0, 0, 9], "carried_over": Z,
                    "handled_total": [7, 0, 2, 0, 0, 0, 9], "carried_forward": Z})
    t = find_tables(text)[0]
    assert [t.value("new_received", c) for c in COLS] == [7, 0, 2, 0, 0, 0, 9]
    assert t.value("new_received", "total") == 9


def test_multispace_rows():
    text = """二、主动公开政府信息情况
第二十条第(六)项
信息内容      上一年项目数量      本年增/减      处理决定数量
行政处罚      81      3      1200
行政强制      4      0      17"""
    t = find_tables(text)[0]
    assert t.numbers == {("admin_penalty", "prev_year_items"): 81, ("admin_penalty", "change"): 3,
                         ("admin_penalty", "decisions"): 1200, ("admin_enforcement", "prev_year_items"): 4,
                         ("admin_enforcement", "change"): 0, ("admin_enforcement", "decisions"): 17}
    assert t.revision == "2019"


def test_inconsistent_table_checks_fail():
    vals = dict(S3_2019)
    vals["new_received"] = [10, 3, 1, 0, 2, 1, 18]  # total wrong by one
    vals["handled_total"] = [11, 3, 1, 0, 1, 1, 16]  # total wrong the other way
    t = by_section(find_tables(s3_pipe(vals)))[3]
    failed = {ch.name for ch in t.failed}
    assert {"s3.row_total.new_received", "s3.row_total.handled_total", "s3.balance.total",
            "s3.results_total.total"} <= failed
    assert "s3.balance.natural_person" not in failed
    ch = next(c for c in t.checks if c.name == "s3.row_total.new_received")
    assert (ch.passed, ch.expected, ch.actual) == (False, 18, 17)
    # numbers are reported as written, not corrected
    assert t.value("new_received", "total") == 18


@pytest.mark.parametrize("subtotal, passed", [([1, 1, 0, 0, 0, 0, 2], True), ([3, 1, 0, 0, 0, 0, 4], False)])
def test_group_subtotal_equals_its_sub_items(subtotal, passed):
    text = s3_pipe(S3_2019).replace(
        "(三)不予公开 | 1.属于国家秘密",
        "(三)不予公开 | " + " | ".join(map(str, subtotal)) + " |\n1.属于国家秘密")
    t = find_tables(text)[0]
    assert [t.value("withheld", c) for c in COLS] == subtotal
    checks = {ch.name: ch.passed for ch in t.checks}
    assert checks["s3.subtotal.withheld.natural_person"] is passed
    assert checks["s3.subtotal.withheld.commercial"] is True
    assert checks["s3.results_total.natural_person"] is True  # the sub-items still add up


def test_collapsed_cell_is_derived_only_when_certain():
    """A PDF copy lost one cell of (一)予以公开; its row is broken over two lines."""
    vals = {k: list(v) for k, v in S3_2019.items()}
    text = s3_pipe(vals)
    lost = "(一)予以公开 | 5 | 2 | 1 | 0 | 0 | 0 | 8 |"
    assert lost in text
    text = text.replace(lost, "(一)予以公开 | 5 |\n| 2 | 1 | 0 | 0 | 8 | |")  # one 0 lost
    t = by_section(find_tables(text))[3]
    row = [t.cell("disclosed", c) for c in COLS]
    assert [c.value for c in row] == [5, 2, 1, 0, 0, 0, 8]
    assert [c.derived for c in row] == [False, False, False, True, True, True, False]
    assert row[0].raw == "5" and row[6].raw == "8" and row[3].start is None
    assert t.failed == ()


def test_collapsed_cell_without_equations_stays_unknown():
    """The lost cell could be anywhere and nothing constrains it: only certain cells get values."""
    text = """三、收到和处理政府信息公开申请情况
申请人情况 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |
一、本年新收政府信息公开申请数量 | 4 |
| 1 | 2 | 0 | 3 | 10 |"""
    t = find_tables(text)[0]
    # the lost cell may be any of the seven (a lost 总计 would be 20, any other lost cell 0),
    # so no position has one certain value
    assert [t.value("new_received", c) for c in COLS] == [None] * 7
    assert all(t.cell("new_received", c).start is None for c in COLS)


def test_unresolvable_overflow_row_is_unknown():
    text = s3_pipe({"new_received": [1, 2, 3, 4, 5, 6, 7, 8, 9], "carried_over": Z})
    t = find_tables(text)[0]
    assert all(t.value("new_received", c) is None for c in COLS)
    assert [t.value("carried_over", c) for c in COLS] == Z


def test_garbled_label_by_enumerator_in_group():
    text = s3_pipe({"new_received": [1, 0, 0, 0, 0, 0, 1]}) + "\n(三)不予公开 | 1.属于国家 xx | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n2.其他?? | 1 | 0 | 0 | 0 | 0 | 0 | 1 |"
    t = find_tables(text)[0]
    assert t.value("withheld.state_secret", "total") == 0
    assert t.value("withheld.prohibited_by_law", "natural_person") == 1


def _s4_one_cell_per_line() -> str:
    lines = s4_pipe().split("\n")
    return lines[0] + "\n" + "\n".join(c.strip() + " |" for ln in lines[1:] for c in ln.split("|") if c.strip())


@pytest.mark.parametrize("make", [s4_pipe, _s4_one_cell_per_line, lambda: _tabbed(s4_pipe()),
                                  lambda: _spaced(s4_pipe())])
def test_section4_layouts(make):
    text = make()
    t = find_tables(text)[0]
    assert t.section == 4
    assert {(g, c): t.value(g, c) for g in S4 for c in S4_COLS} == {
        (g, c): S4[g][i] for g in S4 for i, c in enumerate(S4_COLS)}
    assert [ch.passed for ch in t.checks] == [True, True, True]
    assert_offsets(text, t)


def test_section4_lost_cell():
    """One of fifteen numbers lost: the equations pin the first two groups, not the third."""
    text = "四、政府信息公开行政复议、行政诉讼情况\n行政复议 | 行政诉讼 |\n" \
        "1 | 2 | 0 | 1 | 4 | 3 | 0 | 1 | 0 | 4 | 0 | 1 | 0 | 1 |"
    t = find_tables(text)[0]
    assert [t.value("review", c) for c in S4_COLS] == [1, 2, 0, 1, 4]
    assert [t.value("litigation_direct", c) for c in S4_COLS] == [3, 0, 1, 0, 4]
    after = [t.cell("litigation_after_review", c) for c in S4_COLS]
    assert [c.value for c in after] == [0, None, None, None, None]
    assert after[0].derived and after[0].start is None


def test_glued_rows_split_only_where_unique():
    """Separators lost in copying: 规章000 can only be 0|0|0; 12345 for three columns cannot be cut surely."""
    text = """二、主动公开政府信息情况
信息内容本年新制作数量本年新公开数量对外公开总数量
规章000
规范性文件12345
第二十条(八)项
信息内容上一年项目数量本年增/减
行政事业性收费10"""
    t = find_tables(text)[0]
    assert t.numbers == {("rules", "new_made"): 0, ("rules", "new_published"): 0, ("rules", "total_published"): 0,
                         ("admin_fees", "prev_year_items"): 1, ("admin_fees", "change"): 0}
    assert all(t.value("normative_docs", c) is None for c in ("new_made", "new_published", "total_published"))
    assert_offsets(text, t)
    assert t.cell("admin_fees", "change").raw == "0"


def test_glued_row_cut_by_the_equations():
    """A glued section-3 row with several possible cuts: the row total decides."""
    vals = {"new_received": [12, 3, 0, 0, 0, 0, 15], "carried_over": Z}
    lines = s3_pipe(vals).split("\n")
    lines[-2] = "一、本年新收政府信息公开申请数量123000015"
    text = "\n".join(lines)
    t = find_tables(text)[0]
    assert [t.value("new_received", c) for c in COLS] == [12, 3, 0, 0, 0, 0, 15]
    assert t.cell("new_received", "natural_person").raw == "12"


@pytest.mark.parametrize("header", [
    "信息内容 | 本年新 | 本年新 | 对外公开总数量 |",           # cells cut short
    "信息内容\n本年新\n制作数量\n本年新\n公开数量\n对外公开总数量",  # cells broken over lines
    "信息内容 | 本年(2020)新制作数量 | 本年(2020)新公开数量 | 对外公开总数量 |",
])
def test_damaged_section2_headers(header):
    text = "二、主动公开政府信息情况\n第二十条第(一)项\n" + header + "\n规章 | 2 | 1 | 9 |\n规范性文件 | 0 | 0 | 14 |"
    t = find_tables(text)[0]
    assert t.revision == "2019"
    assert t.numbers == {("rules", "new_made"): 2, ("rules", "new_published"): 1, ("rules", "total_published"): 9,
                         ("normative_docs", "new_made"): 0, ("normative_docs", "new_published"): 0,
                         ("normative_docs", "total_published"): 14}


def test_header_that_does_not_fit_the_template_gives_no_columns():
    text = "第二十条第(一)项\n信息内容 | 本年新 | 对外公开总数量 |\n规章 | 2 | 9 |"
    assert metrics_of(find_tables(text)) == {}


@pytest.mark.parametrize("text", [
    "",
    "本年度共收到行政复议申请2件，行政诉讼1件，结果维持。",
    "五、行政复议、提起行政诉讼\n本年度未发生因政府信息公开引起的行政复议、行政诉讼。",
    "二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题",
    "规章 | 3 | 4 |",  # a stray row without any table around it
    "二、主动公开政府信息情况\n本年度主动公开规章3件，规范性文件12件，行政许可办理结果均已公开，内容详见门户网站相关栏目的说明。",
])
def test_no_table_no_numbers(text):
    assert metrics_of(find_tables(text)) == {}


def test_never_raises_on_random_table_like_text():
    rng = random.Random(7)
    pieces = ["|", " | ", "\n", "\t", "  ", "0", "12", "—", "规章", "(一)予以公开", "(七)总计", "行政复议",
              "三、收到和处理政府信息公开申请情况", "第二十条第(五)项", "信息内容", "总计", "其他", "结果维持",
              "1.", "<td>", "</tr>", "<table>", "&nbsp;", "万元"]
    for _ in range(60):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 120)))
        for t in find_tables(text):
            assert_offsets(text, t)


def test_pipeline_uses_original_offsets():
    import govie

    text = "\u200b" * 3 + report_2019()  # zero-width characters shift the normalised view
    doc = govie.extract(text, mode="rules")
    assert len(doc.tables) == 3
    for t in doc.tables:
        assert_offsets(text, t)


# --------------------------------------------------------------------------- seeds
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


def _seed(name: str) -> str:
    for base in (SEEDS, Path("/work/shared/seeds")):
        p = base / name
        if p.exists():
            return p.read_text(encoding="utf-8")
    pytest.skip(f"seed {name} is not available")


#: seed 004 (2019 template), every cell checked by hand against the text
SEED4_S2 = {
    ("rules", "new_made"): 0, ("rules", "new_published"): 0, ("rules", "total_published"): 0,
    ("normative_docs", "new_made"): 2, ("normative_docs", "new_published"): 2,
    ("normative_docs", "total_published"): 2,
    ("admin_license", "prev_year_items"): 95, ("admin_license", "change"): 0,
    ("admin_license", "decisions"): 123250,
    ("other_admin_services", "prev_year_items"): 0, ("other_admin_services", "change"): 0,
    ("other_admin_services", "decisions"): 0,
    ("admin_penalty", "prev_year_items"): 1928, ("admin_penalty", "change"): 0, ("admin_penalty", "decisions"): 438,
    ("admin_enforcement", "prev_year_items"): 54, ("admin_enforcement", "change"): 0,
    ("admin_enforcement", "decisions"): 21,
    ("admin_fees", "prev_year_items"): 0, ("admin_fees", "change"): 0,
    ("central_procurement", "procurement_items"): 1200,
    ("central_procurement", "procurement_amount_yuan"): 474000000,
}
SEED4_S3_NONZERO = {"new_received": [5, 0, 0, 0, 0, 0, 5], "disclosed": [5, 0, 0, 0, 0, 0, 5],
                    "handled_total": [5, 0, 0, 0, 0, 0, 5]}
SEED4_S3_ROWS = list(S3_2019)
SEED4_S4 = {"review": [2, 0, 3, 0, 5], "litigation_direct": [4, 0, 0, 2, 6], "litigation_after_review": [0] * 5}


def test_seed_004_complete_tables():
    text = _seed("004_d22fa7e95b50c23a.txt")
    tables = find_tables(text)
    assert [(t.section, t.revision) for t in tables] == [(2, "2019"), (3, "2019"), (4, "2019")]
    t2, t3, t4 = tables
    assert t2.numbers == SEED4_S2
    assert t2.cell("central_procurement", "procurement_amount_yuan").raw == "4.74亿元"
    expected3 = {r: SEED4_S3_NONZERO.get(r, Z) for r in SEED4_S3_ROWS}
    assert s3_values(t3, SEED4_S3_ROWS) == expected3
    assert len(t3.cells) == 7 * 23
    # the row that lost a cell in the copy: its middle zeros are derived
    derived = sorted(c.col_key for c in t3.cells if c.derived)
    assert derived == sorted(["commercial", "research", "social_welfare", "legal_service", "other_org"])
    assert all(c.row_key == "disclosed" for c in t3.cells if c.derived)
    assert t3.failed == () and len(t3.passed) == 37
    assert {(g, c): t4.value(g, c) for g in SEED4_S4 for c in S4_COLS} == {
        (g, c): SEED4_S4[g][i] for g in SEED4_S4 for i, c in enumerate(S4_COLS)}
    assert len(t4.passed) == 3
    for t in tables:
        assert_offsets(text, t)


def test_seed_002_traditional_empty_table():
    text = _seed("002_5d0e5e980a792ac5.txt")
    tables = find_tables(text)
    assert [t.section for t in tables] == [3]
    assert metrics_of(tables) == {}
    assert tables[0].cell("partly_disclosed", "total").value is None


@pytest.mark.parametrize("name", ["000_23ce98c00ae3d7a0.txt", "001_4bf9e819e8d34cd9.txt",
                                  "003_d52c3c5ef9b48e12.txt"])
def test_seeds_without_tables(name):
    assert find_tables(_seed(name)) == []
