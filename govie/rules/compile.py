"""Load the rule tables (YAML patterns with {FRAGMENT} references, TSV lexicons) and compile them once."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

_REF = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


def _read(name: str) -> str:
    return resources.files("govie.rules").joinpath("tables", name).read_text(encoding="utf-8")


@cache
def table(name: str) -> dict[str, Any]:
    """A YAML table from govie/rules/tables/."""
    return yaml.safe_load(_read(name))


@cache
def lexicon(name: str) -> tuple[tuple[str, ...], ...]:
    """Rows of a TSV lexicon (``#`` comments and blank lines skipped)."""
    rows = []
    for line in _read(name).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rows.append(tuple(cell.strip() for cell in line.split("\t")))
    return tuple(rows)


def words(name: str) -> tuple[str, ...]:
    """First column of a lexicon."""
    return tuple(r[0] for r in lexicon(name))


def alternation(items, escape: bool = True) -> str:
    """A regex alternation, longest first so that 个工作日 wins over 个."""
    items = sorted(set(items), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(i) if escape else i for i in items) + ")"


def expand(regex: str, fragments: dict[str, str], _depth: int = 0) -> str:
    """Replace {NAME} references by their fragments, recursively."""
    if _depth > 10:
        raise ValueError(f"fragment references nest too deep in {regex!r}")

    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name not in fragments:
            raise KeyError(f"unknown fragment {{{name}}} in {regex!r}")
        return "(?:" + expand(fragments[name], fragments, _depth + 1) + ")"

    return _REF.sub(sub, regex)


@cache
def patterns(name: str, extra: tuple[tuple[str, str], ...] = ()) -> tuple[tuple[str, re.Pattern], ...]:
    """``(pattern name, compiled regex)`` of a YAML pattern table; ``extra`` adds fragments."""
    t = table(name)
    frags = dict(t.get("fragments") or {})
    frags.update(dict(extra))
    out = []
    for p in t["patterns"]:
        rx = expand(p["regex"], frags)
        if p.get("first"):  # a cheap lookahead on the first character rejects most positions fast
            rx = "(?=" + expand(p["first"], frags) + ")(?:" + rx + ")"
        out.append((p["name"], re.compile(rx)))
    return tuple(out)


def char_class(items) -> str:
    """A regex character class of the first characters of ``items``."""
    return "[" + "".join(sorted({re.escape(i[0]) for i in items if i})) + "]"
