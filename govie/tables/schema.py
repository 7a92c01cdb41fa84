"""The table schema (govie/tables/schema.yaml): canonical keys, label variants, label matching."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from ..text import normalise_char

_CN_DIGITS = "一二三四五六七八九十"
_ENUM = re.compile(
    r"^\s*(?:"
    r"(?P<cn>[一二三四五六七八九十]{1,3})\s*[、.．,]"
    r"|[(（]\s*(?P<pcn>[一二三四五六七八九十]{1,3})\s*[)）]"
    r"|(?P<num>\d{1,2})\s*[.、．](?!\d)"
    r"|[(（]\s*(?P<pnum>\d{1,2})\s*[)）]"
    r")\s*"
)
#: a year written into a column label: 本年(2023)制发件数
_YEAR_NOTE = re.compile(r"[(（]\s*\d{4}\s*年?(?:度)?\s*[)）]")
#: characters dropped before comparing labels (spaces, quotes, punctuation, brackets)
_DROP = re.compile(r"[\s\"'“”‘’「」『』《》<>()（）\[\]【】〔〕,，.。:：;；、/\\\-—–_·…!！?？*＊|]+")


class _NormTable(dict):
    """``str.translate`` table of ``normalise_char``, filled in on first sight of a character."""

    def __missing__(self, code: int) -> str:
        out = self[code] = normalise_char(chr(code))
        return out


_NORM = _NormTable()


def normalise(text: str) -> str:
    """Character normalisation of govie.text (traditional -> simplified, full-width -> ASCII)."""
    return text.translate(_NORM)


def split_label(text: str) -> tuple[str | None, str]:
    """(enumerator, core) of a label: ``(三)不予公开`` -> ("(三)", "不予公开")."""
    m = _ENUM.match(text)
    enum = None
    rest = text
    if m:
        if m.group("cn"):
            enum = m.group("cn")
        elif m.group("pcn"):
            enum = f"({m.group('pcn')})"
        else:
            enum = m.group("num") or m.group("pnum")
        rest = text[m.end():]
    return enum, _DROP.sub("", _YEAR_NOTE.sub("", rest))


def core(text: str) -> str:
    return split_label(normalise(text))[1]


@dataclass(frozen=True, slots=True)
class Entry:
    """One labelled thing of a section: a row, a column or a header label."""

    kind: str  # "row" | "col" | "header"
    key: str
    variants: tuple[str, ...]  # cores
    enum: str | None = None
    parent: str | None = None
    group: bool = False
    values: bool = True
    revisions: tuple[str, ...] = ()
    item: int | None = None
    money: bool = False
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    score: float
    entry: Entry


class Section:
    """Schema of one section (2, 3 or 4) and its label matcher."""

    def __init__(self, number: int, spec: dict[str, Any]):
        self.number = number
        self.spec = spec
        self.title = spec.get("title", "")
        self.headings = tuple(core(h) for h in spec.get("headings", ()))
        entries: list[Entry] = []
        for kind, block in (("row", "rows"), ("col", "columns")):
            for key, e in (spec.get(block) or {}).items():
                variants = tuple(dict.fromkeys(core(v) for v in e.get("labels", ())))
                enum = e.get("enum")
                entries.append(Entry(kind=kind, key=key, variants=variants,
                                     enum=None if enum is None else str(normalise(str(enum))),
                                     parent=e.get("parent"), group=bool(e.get("group", False)),
                                     values=bool(e.get("values", True)),
                                     revisions=tuple(e.get("revisions", ())), item=e.get("item"),
                                     money=bool(e.get("money", False)), unit=e.get("unit")))
        for i, label in enumerate(spec.get("header_labels", ()) or ()):
            entries.append(Entry(kind="header", key=f"header{i}", variants=(core(label),)))
        self.entries = tuple(entries)
        self.rows = {e.key: e for e in entries if e.kind == "row"}
        self.cols = {e.key: e for e in entries if e.kind == "col"}
        self.col_order = tuple(e.key for e in entries if e.kind == "col")
        self.row_order = tuple(e.key for e in entries if e.kind == "row")
        self.sum_columns = tuple(spec.get("sum_columns", ()))
        pattern = spec.get("item_pattern")
        self.item_rx = re.compile(pattern) if pattern else None
        self.default_columns = {str(rev): {int(k): tuple(v) for k, v in cols.items()}
                                for rev, cols in (spec.get("default_columns") or {}).items()}
        self.metric_rows = {str(rev): tuple(v) for rev, v in (spec.get("metric_rows") or {}).items()}
        self._matches: dict[str, tuple[Match, ...]] = {}
        self._is_heading: dict[str, bool] = {}
        by_first: dict[str, list[tuple[Entry, tuple[str, ...]]]] = {}
        for e in self.entries:
            firsts = dict.fromkeys(v[0] for v in e.variants if v)
            for ch in firsts:
                by_first.setdefault(ch, []).append((e, tuple(v for v in e.variants if v and v[0] == ch)))
        self._by_first = {ch: tuple(es) for ch, es in by_first.items()}

    def children(self, group: str, revision: str | None = None) -> tuple[str, ...]:
        return tuple(k for k, e in self.rows.items() if e.parent == group
                     and (revision is None or not e.revisions or revision in e.revisions))

    def is_heading(self, text: str) -> bool:
        """``二、主动公开政府信息情况`` and the like (not a long sentence that mentions it)."""
        hit = self._is_heading.get(text)
        if hit is None:
            if len(self._is_heading) >= 8192:
                self._is_heading.clear()
            hit = self._is_heading[text] = self._heading(text)
        return hit

    def _heading(self, text: str) -> bool:
        enum, c = split_label(normalise(text))
        if enum is not None and not (enum in _CN_DIGITS or all(ch in _CN_DIGITS for ch in enum)):
            return False
        return any(c == h or (c.endswith(h) and len(c) <= len(h) + 6) for h in self.headings if h)

    def item_of(self, text: str) -> int | None:
        """The item number of a sub-table caption ``第二十条第(五)项`` (section 2)."""
        if self.item_rx is None:
            return None
        m = self.item_rx.match(normalise(text).replace(" ", "").replace("（", "(").replace("）", ")"))
        if not m:
            return None
        from ..values.numerals import cn_to_int

        return cn_to_int(m.group(1))

    def match(self, text: str) -> list[Match]:
        """Entries whose labels fit ``text``, best first (empty when none fits)."""
        # a table's labels recur on every line and in every report: one computation per label
        hit = self._matches.get(text)
        if hit is None:
            hit = tuple(self._match(text))
            if len(self._matches) >= 8192:
                self._matches.clear()
            self._matches[text] = hit
        return list(hit)

    def _match(self, text: str) -> list[Match]:
        enum, c = split_label(normalise(text))
        if not c:
            return []
        out: list[Match] = []
        # every way a variant can fit needs its first character to be the label's: only
        # those entries and variants are scored (in entry order, as the stable sort needs)
        for e, variants in self._by_first.get(c[0], ()):
            best = 0.0
            for v in variants:
                if c == v:
                    s = 3.0
                elif c.startswith(v) and len(v) >= 2:
                    s = 2.0 + min(len(v), 40) / 100
                elif len(c) >= 3 and v.startswith(c) and len(c) >= 0.5 * len(v):
                    s = 1.0 + len(c) / 100
                else:
                    p = _common_prefix(c, v)
                    s = 1.0 + p / 200 if p >= 3 and p >= 0.6 * len(v) else 0.0
                best = max(best, s)
            if best <= 0:
                continue
            if enum is not None:
                if e.enum is not None and e.enum == enum:
                    best += 0.5
                elif e.kind != "row":
                    best -= 1.0  # column and header labels carry no enumerator
                elif e.enum is not None:
                    best -= 0.25
            out.append(Match(best, e))
        out.sort(key=lambda m: -m.score)
        return out


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    return yaml.safe_load(resources.files("govie.tables").joinpath("schema.yaml").read_text(encoding="utf-8"))


@cache
def section(number: int) -> Section:
    return Section(number, _raw()["sections"][str(number)])


def sections() -> tuple[Section, ...]:
    return tuple(section(n) for n in (2, 3, 4))


def label_enum(text: str) -> str | None:
    return split_label(normalise(text))[0]
