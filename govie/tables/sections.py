"""Token segments -> Table: row and column labels, cell placement, checks.

Placement: a row whose value cells are exactly as many as its columns is read left to
right (HTML cells by their grid column).  A row with fewer values (a PDF copy that lost
a cell, a row broken over lines) is read every possible way -- the missing cells at each
possible place, or trailing empty cells as real cells -- and a reading survives when the
template's equations (govie.tables.checks) can hold with it.  A cell gets a value only
when every surviving reading gives it the same value; when its text is missing in some
reading it is marked ``derived`` and has no offsets.  A digit run whose separators were
lost (``规章000``) is cut every way that fills the row, and the same rule applies.
Nothing else is ever filled in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from math import comb

from . import checks as checks_mod
from . import schema
from .cells import Token, classify, count_value, header_unit, money_value
from .parse_text import Segment
from .types import Cell, Table

Key = tuple[str, str]
MISSING = None  # a reading's placeholder for a cell whose text was lost
MAX_MISSING = 3
MAX_READINGS = 600
EPS = 1e-6


@dataclass
class RowAcc:
    key: str
    items: list[Token] = field(default_factory=list)
    label: Token | None = None
    item: int | None = None

    def full(self, n: int) -> bool:
        return len(self.items) >= n


def _is_empty(t: Token) -> bool:
    return classify(t.text) == "empty"


def _is_blank(t: Token) -> bool:
    """A cell with nothing in it (a trailing blank is often a layout artefact; a dash is not)."""
    return not t.text.strip()


# --------------------------------------------------------------------------- placement
@dataclass
class Slots:
    """One row to place: cell keys in column order and its value tokens in reading order."""

    keys: list[Key]
    items: list[Token]
    by_key: dict[Key, Token] | None = None  # exact placement (HTML grid)


def place(rows: list[Slots], value: Callable[[Token, Key], float | int | None],
          eqs: list[checks_mod.Equation], counts: bool) -> dict[Key, tuple]:
    """``{key: (value, token|None, derived)}`` for every cell key of ``rows``."""
    final: dict[Key, tuple] = {}
    ambiguous: list[tuple[Slots, list[list[Token | None]], int]] = []
    for r in rows:
        if r.by_key is not None:
            for k in r.keys:
                t = r.by_key.get(k)
                final[k] = (value(t, k) if t is not None else None, t, False)
            continue
        n = len(r.keys)
        readings: list[list[Token | None]] = []
        exact = True
        alternatives = _unglue(r.items, n)
        for items in alternatives:
            rds, ex = _readings(items, n)
            readings.extend(rds)
            exact = exact and ex
        if len(alternatives) != 1:
            exact = False
        if exact:
            if readings:
                for k, t in zip(r.keys, readings[0]):
                    final[k] = (value(t, k), t, False)
            else:
                for k in r.keys:
                    final[k] = (None, None, False)  # nothing is certain
            continue
        missing = min((sum(1 for t in rd if t is MISSING) for rd in readings), default=n)
        ambiguous.append((r, readings, missing))
    known = {k: v[0] for k, v in final.items() if v[0] is not None}
    by_key: dict[Key, list[checks_mod.Equation]] = {}
    for eq in eqs:
        for k in eq.keys:
            by_key.setdefault(k, []).append(eq)
    for r, readings, _ in sorted(ambiguous, key=lambda a: a[2]):
        if not readings:
            for k in r.keys:
                final[k] = (None, None, False)
            continue
        relevant = list({id(eq): eq for k in r.keys for eq in by_key.get(k, ())}.values())
        feasible = []
        for rd in readings:
            vals = _try(rd, r.keys, known, relevant, value, counts)
            if vals is not None:
                feasible.append((rd, vals))
        if not feasible:  # the table contradicts itself elsewhere: use no equation
            feasible = [(rd, {k: (value(t, k) if t is not None else None) for k, t in zip(r.keys, rd)})
                        for rd in readings]
        for p, k in enumerate(r.keys):
            vs = [vals[k] for _, vals in feasible]
            toks = [rd[p] for rd, _ in feasible]
            v0 = vs[0]
            certain = v0 is not None and all(v is not None and abs(v - v0) < EPS for v in vs)
            t0 = toks[0]
            same_tok = t0 is not None and all(t is t0 or _same_cell(t, t0) for t in toks)
            val = v0 if certain else None
            tok = t0 if same_tok else None
            final[k] = (val, tok, val is not None and tok is None)
            if val is not None:
                known[k] = val
    return final


def _same_cell(a: Token | None, b: Token | None) -> bool:
    return a is not None and b is not None and (a.start, a.end, a.text) == (b.start, b.end, b.text)


def _readings(items: list[Token], n: int) -> tuple[list[list[Token | None]], bool]:
    """Candidate readings of a row's value tokens for ``n`` columns and whether the one is certain."""
    seq = list(items)
    trailing: list[Token] = []
    while seq and _is_blank(seq[-1]):
        trailing.insert(0, seq.pop())
    if len(seq) == n:
        return [seq], True
    if not seq:
        return ([trailing[:n]] if len(trailing) >= n else []), True
    if len(seq) > n:
        nums = [t for t in seq if not _is_empty(t)]
        if len(nums) == n:
            return [nums], True
        s2 = seq
        while len(s2) > n and _is_empty(s2[0]):
            s2 = s2[1:]
        if len(s2) == n:
            return [s2], True
        return [], True  # more values than columns: nothing is certain
    m = n - len(seq)
    readings: list[list[Token | None]] = []
    if m <= MAX_MISSING and comb(n, m) <= MAX_READINGS:
        for pos in combinations(range(n), m):
            it = iter(seq)
            readings.append([MISSING if i in pos else next(it) for i in range(n)])
    if trailing and len(seq) + len(trailing) >= n:
        readings.append(seq + trailing[:m])
    return readings, False


MAX_SPLITS = 200


def _unglue(items: list[Token], n: int) -> list[list[Token]]:
    """Value sequences of a row: a glued digit run (``000``) cut every way that fills the row."""
    glued = [i for i, t in enumerate(items) if t.glued]
    if not glued:
        return [items]
    if len(glued) > 1:
        return []
    i = glued[0]
    g = items[i]
    others = [t for t in items if not _is_blank(t)]
    parts = n - (len(others) - 1)
    if parts < 1 or g.end - g.start != len(g.text):
        return []
    out = []
    for cut in _splits(g.text, parts):
        subs = []
        pos = 0
        for piece in cut:
            subs.append(Token(text=piece, start=g.start + pos, end=g.start + pos + len(piece), line=g.line,
                              col=g.col, multi=True))
            pos += len(piece)
        out.append(items[:i] + subs + items[i + 1:])
        if len(out) > MAX_SPLITS:
            return []
    return out


def _splits(digits: str, parts: int) -> list[list[str]]:
    """Ways to cut a digit string into ``parts`` numbers without leading zeros."""
    out: list[list[str]] = []

    def rec(i: int, left: int, acc: list[str]) -> None:
        if len(out) > MAX_SPLITS:
            return
        if left == 1:
            piece = digits[i:]
            if piece and (piece == "0" or piece[0] != "0"):
                out.append(acc + [piece])
            return
        for j in range(i + 1, len(digits) - left + 2):
            piece = digits[i:j]
            if piece != "0" and piece[0] == "0":
                break
            rec(j, left - 1, acc + [piece])

    rec(0, parts, [])
    return out


def _try(reading, keys, known, eqs, value, counts) -> dict[Key, float | int | None] | None:
    """Values of one reading's row, with lost cells solved from the equations; None if impossible."""
    vals = dict(known)
    solvable = set()
    for k, t in zip(keys, reading):
        if t is MISSING:
            vals[k] = None
            solvable.add(k)
        else:
            v = value(t, k)
            vals[k] = v
            if v is None:
                vals.pop(k, None)
    changed = True
    rounds = 0
    while changed and rounds < 10:
        changed = False
        rounds += 1
        for eq in eqs:
            unknown = [k for k in eq.keys if vals.get(k) is None]
            if not unknown:
                lhs = sum(vals[k] for k in eq.lhs)
                rhs = sum(vals[k] for k in eq.rhs)
                if abs(lhs - rhs) > EPS:
                    return None
            elif len(unknown) == 1 and unknown[0] in solvable and unknown.count(unknown[0]) == 1:
                u = unknown[0]
                lhs = sum(vals[k] for k in eq.lhs if k != u)
                rhs = sum(vals[k] for k in eq.rhs if k != u)
                x = (rhs - lhs) if u in eq.lhs else (lhs - rhs)
                if counts and (x < -EPS or abs(x - round(x)) > EPS):
                    return None
                vals[u] = int(round(x)) if counts else x
                changed = True
    return {k: vals.get(k) for k in keys}


# --------------------------------------------------------------------------- label choice
def _choose(sec: schema.Section, text: str, header: bool, group: str | None) -> schema.Entry | None:
    ms = sec.match(text)
    enum = schema.label_enum(text)
    by_enum = None
    if group is not None and enum is not None and enum.isdigit():
        by_enum = next((sec.rows[k] for k in sec.children(group) if sec.rows[k].enum == enum), None)
    best = None
    best_s = 0.0
    raw_s = 0.0
    for m in ms:
        e = m.entry
        s = m.score
        if e.kind == "col":
            s += 0.3 if header else -0.6
        elif e.kind == "row":
            if not header:
                s += 0.3
            if e.parent is not None:
                s += 0.4 if e.parent == group else -0.4
        if s > best_s:
            best, best_s, raw_s = e, s, m.score
    if by_enum is not None and (best is None or (best.parent != group and raw_s < 3.0)):
        return by_enum  # a garbled sub-item label: its number within the current group decides
    if best is not None and best_s >= 1.0:
        return best
    return None


def _raw(text: str, t: Token | None) -> str:
    return "" if t is None else text[t.start:t.end]


def _span(tokens: list[Token]) -> tuple[int, int]:
    toks = [t for t in tokens if t is not None]
    return min(t.start for t in toks), max(t.end for t in toks)


def _cells(text: str, keys: list[Key], final: dict[Key, tuple]) -> list[Cell]:
    out = []
    for k in keys:
        if k not in final:
            continue
        v, t, derived = final[k]
        if t is None:
            out.append(Cell(k[0], k[1], v, "", None, None, derived))
        else:
            out.append(Cell(k[0], k[1], v, _raw(text, t), t.start, t.end, derived))
    return out


# --------------------------------------------------------------------------- section 3
def build_s3(text: str, seg: Segment) -> Table | None:
    sec = schema.section(3)
    n = len(sec.col_order)
    header = True
    group: str | None = None
    cur: RowAcc | None = None
    rows: dict[str, RowAcc] = {}
    header_cols: list[tuple[str, Token]] = []
    used: list[Token] = []
    for line in seg.lines:
        if cur is not None and cur.full(n):
            cur = None
        for tok in line:
            kind = classify(tok.text)
            if kind != "text":
                if cur is not None:
                    cur.items.append(tok)
                continue
            e = _choose(sec, tok.text, header, group)
            if e is None:
                if cur is not None and tok.multi and cur.items:
                    cur.items.append(tok)  # an unreadable cell keeps its place
                continue
            used.append(tok)
            if e.kind == "col":
                if header:
                    header_cols.append((e.key, tok))
                continue
            if e.kind == "header":
                continue
            header = False
            if e.group:
                group = e.key
                cur = None
                if e.values and e.key not in rows:
                    cur = rows[e.key] = RowAcc(e.key, label=tok)
                continue
            if e.parent is None:
                group = None
            if e.key in rows:
                cur = None  # a repeated row: keep the first
                continue
            cur = rows[e.key] = RowAcc(e.key, label=tok)
    rows = {k: r for k, r in rows.items() if r.items}
    if not rows:
        return None
    cols = _s3_columns(sec, header_cols)
    grid = _grid_map(header_cols) if seg.source == "html" else None
    slots = []
    for k, r in rows.items():
        keys = [(k, c) for c in cols]
        by_key = None
        if grid is not None and len(grid) == n:
            by_key = {(k, grid[t.col]): t for t in r.items if t.col in grid}
        slots.append(Slots(keys, r.items, by_key))
    eqs = checks_mod.equations(3, rows)
    final = place(slots, lambda t, k: count_value(t.text) if t is not None else None, eqs, counts=True)
    keys = [(r, c) for r in rows for c in sec.col_order]
    cells = _cells(text, keys, final)
    revision = _s3_revision(sec, rows)
    start, end = _span(used + [t for r in rows.values() for t in r.items])
    derived = {c.key for c in cells if c.derived}
    values = {c.key: c.value for c in cells}
    return Table(3, revision, start, end, tuple(cells),
                 checks_mod.run(3, values, rows, revision, derived), source=seg.source)


def _s3_columns(sec: schema.Section, header_cols: list[tuple[str, Token]]) -> list[str]:
    """The column order: one header line naming every column in its own order, else the template's."""
    by_line: dict[int, list[str]] = {}
    for key, tok in header_cols:
        by_line.setdefault(tok.line, []).append(key)
    for keys in by_line.values():
        if len(keys) == len(sec.col_order) and set(keys) == set(sec.col_order):
            return keys
    return list(sec.col_order)


def _grid_map(header_cols: list[tuple[str, Token]]) -> dict[int, str] | None:
    out: dict[int, str] = {}
    for key, tok in header_cols:
        if tok.col is None or tok.span != 1:
            return None
        if tok.col in out and out[tok.col] != key:
            return None
        out[tok.col] = key
    if len(set(out.values())) != len(out):
        return None
    return out


def _s3_revision(sec: schema.Section, rows: dict[str, RowAcc]) -> str | None:
    kids = sec.children("other_handling")
    if any(k in rows for k in kids):
        return "2021"
    oh = rows.get("other_handling")
    if oh is not None and any(classify(t.text) == "number" for t in oh.items):
        return "2019"
    return None


# --------------------------------------------------------------------------- section 4
def build_s4(text: str, seg: Segment) -> Table | None:
    sec = schema.section(4)
    groups = list(sec.row_order)
    outcomes = list(sec.col_order)
    keys = [(g, c) for g in groups for c in outcomes]
    items: list[Token] = []
    used: list[Token] = []
    group_toks: list[tuple[str, Token]] = []
    leaf_toks: list[tuple[str, Token]] = []
    for line in seg.lines:
        has_number = any(classify(t.text) == "number" for t in line)
        for tok in line:
            kind = classify(tok.text)
            if kind == "text":
                ms = sec.match(tok.text)
                if ms and ms[0].score >= 2.0:
                    e = ms[0].entry
                    used.append(tok)
                    if e.kind == "row":
                        group_toks.append((e.key, tok))
                    elif e.kind == "col":
                        leaf_toks.append((e.key, tok))
                    continue
                if has_number and tok.multi and items:
                    items.append(tok)
                continue
            if has_number or items:
                if kind == "empty" and not has_number:
                    continue
                items.append(tok)
    if not any(classify(t.text) == "number" for t in items):
        return None
    by_key = _s4_grid(group_toks, leaf_toks, items) if seg.source == "html" else None
    eqs = checks_mod.equations(4, groups)
    final = place([Slots(keys, items, by_key)], lambda t, k: count_value(t.text) if t is not None else None,
                  eqs, counts=True)
    cells = _cells(text, keys, final)
    start, end = _span(used + items)
    derived = {c.key for c in cells if c.derived}
    values = {c.key: c.value for c in cells}
    return Table(4, None, start, end, tuple(cells), checks_mod.run(4, values, groups, None, derived),
                 source=seg.source)


def _s4_grid(group_toks, leaf_toks, items) -> dict[Key, Token] | None:
    """HTML: the case group and outcome of each grid column, from the merged header cells."""
    spans = [(k, t.col, t.col + t.span) for k, t in group_toks if t.col is not None]
    colmap: dict[int, Key] = {}
    for key, t in leaf_toks:
        if t.col is None or t.span != 1:
            continue
        g = [k for k, a, b in spans if a <= t.col < b and b - a > 1]
        if len(g) == 1:
            colmap[t.col] = (g[0], key)
    if len(set(colmap.values())) != 15:
        return None
    return {colmap[t.col]: t for t in items if t.col in colmap}


# --------------------------------------------------------------------------- section 2
def build_s2(text: str, seg: Segment, revision_hint: str | None = None) -> Table | None:
    sec = schema.section(2)
    item: int | None = None
    header: list[Token] | None = None  # the cells after 信息内容 of the current sub-table
    cur: RowAcc | None = None
    rows: dict[str, RowAcc] = {}
    headers: dict[str, list[Token] | None] = {}
    used: list[Token] = []
    votes: set[str] = set()
    for line in seg.lines:
        if cur is not None and cur.full(_width(headers.get(cur.key)) or 3):
            cur = None
        for tok in line:
            kind = classify(tok.text)
            if kind != "text":
                if cur is not None:
                    cur.items.append(tok)
                continue
            it = sec.item_of(tok.text)
            if it is not None:
                item, header, cur = it, None, None
                used.append(tok)
                continue
            ms = sec.match(tok.text)
            e = ms[0].entry if ms and ms[0].score >= 2.0 else None
            if e is not None and e.kind == "header":
                header, cur = [], None
                used.append(tok)
                continue
            if e is not None and e.kind == "row":
                votes.update(e.revisions)
                used.append(tok)
                if e.key in rows:
                    cur = None
                    continue
                cur = rows[e.key] = RowAcc(e.key, label=tok, item=item or e.item)
                headers[e.key] = header
                if header is not None:
                    header = list(header)  # later rows of the sub-table share it
                continue
            if header is not None and cur is None:
                header.append(tok)  # a column label, or a piece of one
                if e is not None:
                    votes.update(e.revisions)
                    used.append(tok)
                continue
            if e is None and cur is not None and tok.multi and cur.items:
                cur.items.append(tok)
    rows = {k: r for k, r in rows.items() if r.items}
    if not rows:
        return None
    revision = next(iter(votes)) if len(votes) == 1 else None
    rev = revision or revision_hint
    slots = []
    units: dict[Key, str | None] = {}
    for k, r in rows.items():
        cols = _s2_columns(sec, headers.get(k), r.item, rev)
        if not cols:
            continue
        for c, t in cols:
            units[(k, c)] = (header_unit(t.text) if t is not None else None) or sec.cols[c].unit
        slots.append(Slots([(k, c) for c, _ in cols], r.items))

    def value(t: Token | None, key: Key):
        if t is None:
            return None
        if sec.cols[key[1]].money:
            return money_value(t.text, units.get(key))
        return count_value(t.text)

    final = place(slots, value, [], counts=False)
    keys = [k for s in slots for k in s.keys]
    cells = _cells(text, keys, final)
    if not cells:
        return None
    start, end = _span(used + [t for r in rows.values() for t in r.items])
    return Table(2, revision, start, end, tuple(cells), (), source=seg.source)


def _width(header: list[Token] | None) -> int:
    return len([t for t in header if t.text]) if header else 0


def _s2_columns(sec: schema.Section, header: list[Token] | None, item: int | None,
                revision: str | None) -> list[tuple[str, Token | None]]:
    """The columns of a section-2 row: from its sub-table header where that is certain,
    else the template's columns for the item (when the revision is known)."""
    default = list(sec.default_columns.get(revision or "", {}).get(item or 0, ()))
    cells = [t for t in (header or []) if t.text]
    if not cells:
        return [(c, None) for c in default]
    # join pieces of a label broken over cells (本年新 / 制作数量)
    cols: list[tuple[str | None, Token, str]] = []
    i = 0
    while i < len(cells):
        hit = None
        for j in (3, 2, 1):
            if i + j > len(cells):
                continue
            joined = "".join(t.text for t in cells[i:i + j])
            ms = [m for m in sec.match(joined) if m.entry.kind == "col"]
            if ms and ms[0].score >= (3.0 if j > 1 else 2.0):
                hit = (ms[0].entry.key, cells[i], joined, j)
                break
        if hit:
            cols.append((hit[0], hit[1], hit[2]))
            i += hit[3]
        else:
            cols.append((None, cells[i], cells[i].text))
            i += 1
    if all(c is not None for c, _, _ in cols):
        return [(c, t) for c, t, _ in cols]
    # cut header cells (本年新 | 本年新 | 对外公开总数量): the template's columns when they fit
    if len(cols) == len(default):
        for (c, _, txt), d in zip(cols, default):
            if c is not None and c != d:
                return []
            if c is None and not any(v.startswith(schema.core(txt)) for v in sec.cols[d].variants):
                return []
        return [(d, t) for (_, t, _), d in zip(cols, default)]
    return []


def build(text: str, seg: Segment, revision_hint: str | None = None) -> Table | None:
    if seg.section == 2:
        return build_s2(text, seg, revision_hint)
    if seg.section == 3:
        return build_s3(text, seg)
    if seg.section == 4:
        return build_s4(text, seg)
    return None
