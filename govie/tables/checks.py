"""Consistency rules the report template states, as equations over cells.

Section 3 (per applicant column): 第一项加第二项之和等于第三项加第四项之和
(本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理); 办理结果总计 = the sum of
the result rows ((一)..(六), the sub-items of (三)(四)(五)(六) where the table has them);
a group row that states its own subtotal = the sum of its sub-items.  Per row: 总计 =
the sum of the applicant columns.  Section 4 (per case group): 总计 = 维持 + 纠正 + 其他
+ 尚未审结.  A check whose cells are not all known has ``passed=None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import schema
from .types import Check

Key = tuple[str, str]
EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Equation:
    """``sum(lhs) == sum(rhs)``; lhs is the stated total."""

    name: str
    lhs: tuple[Key, ...]
    rhs: tuple[Key, ...]

    @property
    def keys(self) -> tuple[Key, ...]:
        return self.lhs + self.rhs


def equations(section: int, rows: Iterable[str], revision: str | None = None) -> list[Equation]:
    """The equations of a section's table that has the given row keys."""
    rows = list(dict.fromkeys(rows))
    sec = schema.section(section)
    if section == 3:
        return _s3(sec, rows)
    if section == 4:
        total = "total"
        return [Equation(f"s4.total.{g}", ((g, total),), tuple((g, c) for c in sec.sum_columns))
                for g in sec.row_order]
    return []


def _s3(sec: schema.Section, rows: list[str]) -> list[Equation]:
    present = set(rows)
    cols = sec.col_order
    out: list[Equation] = []
    for c in cols:
        out.append(Equation(f"s3.balance.{c}", (("new_received", c), ("carried_over", c)),
                            (("handled_total", c), ("carried_forward", c))))
    # the result rows that add up to (七)总计
    parts: list[str] = ["disclosed", "partly_disclosed"]
    subtotals: list[tuple[str, tuple[str, ...]]] = []
    for g in ("withheld", "unavailable", "not_processed", "other_handling"):
        kids_all = sec.children(g)
        kids_here = tuple(k for k in kids_all if k in present)
        if g == "other_handling" and not kids_here:
            parts.append(g)  # 2019: one row
            continue
        if not kids_here and g in present:
            parts.append(g)  # only the subtotal is given
            continue
        if g == "other_handling":
            kids = sec.children(g, "2021")
        else:
            kids = kids_all
        parts.extend(kids)
        if g in present:
            subtotals.append((g, kids))
    for c in cols:
        out.append(Equation(f"s3.results_total.{c}", (("handled_total", c),), tuple((r, c) for r in parts)))
    for g, kids in subtotals:
        for c in cols:
            out.append(Equation(f"s3.subtotal.{g}.{c}", ((g, c),), tuple((k, c) for k in kids)))
    for r in rows:
        e = sec.rows.get(r)
        if e is None or not e.values:
            continue
        out.append(Equation(f"s3.row_total.{r}", ((r, "total"),), tuple((r, c) for c in sec.sum_columns)))
    return out


def evaluate(eq: Equation, values: Mapping[Key, float | int | None], derived: set[Key] | None = None) -> Check:
    lhs = [values.get(k) for k in eq.lhs]
    rhs = [values.get(k) for k in eq.rhs]
    missing = [k for k, v in zip(eq.keys, lhs + rhs) if v is None]
    exp = _tidy(sum(v for v in lhs if v is not None)) if all(v is not None for v in lhs) else None
    act = _tidy(sum(v for v in rhs if v is not None)) if all(v is not None for v in rhs) else None
    uses = sorted(set(eq.keys) & (derived or set()))
    note = f"uses derived cells {['/'.join(k) for k in uses]}" if uses else ""
    if missing:
        names = ", ".join("/".join(k) for k in missing[:4]) + (" ..." if len(missing) > 4 else "")
        return Check(eq.name, None, exp, act, f"unknown: {names}")
    passed = abs(exp - act) < EPS
    detail = note if passed else f"{' + '.join('/'.join(k) for k in eq.lhs)} = {exp} but parts add up to {act}"
    if not passed and note:
        detail += f"; {note}"
    return Check(eq.name, passed, exp, act, detail)


def run(section: int, values: Mapping[Key, float | int | None], rows: Iterable[str],
        revision: str | None = None, derived: set[Key] | None = None) -> tuple[Check, ...]:
    """Every check of a section table, in a stable order."""
    return tuple(evaluate(eq, values, derived) for eq in equations(section, rows, revision))


def _tidy(v):
    r = round(v, 6)
    return int(r) if r == int(r) and abs(r) < 1e15 else r
