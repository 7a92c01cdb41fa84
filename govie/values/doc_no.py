"""DOC_NO value: {issuer, year, serial} from the (normalised) span text."""

from __future__ import annotations

import re

from ..types import DocNoValue
from .numerals import normalised

#: no two \s* side by side (``\s*X?\s*``): they backtrack cubically on a run of spaces
_BRACKET = re.compile(r"[〔\[(【]\s*((?:19|20)\d{2})\s*(?:[〕\])】]\s*)?(?:第\s*)?(\d{1,6})\s*号?")
_ORDER = re.compile(r"令\s*(?:第\s*)?(\d{1,6})\s*号")  # 国务院令第711号, 国务院令711号
_YEAR_NO = re.compile(r"((?:19|20)\d{2})\s*年\s*第\s*(\d{1,6})\s*号")
_BARE = re.compile(r"((?:19|20)\d{2})(\d{1,4})号")
_FOLD = str.maketrans("（）［］︹︺﹝﹞號", "()[]〔〕〔〕号")


def parse(text: str) -> DocNoValue | None:
    """Parse a 文号; None when no issuer/serial can be read. Never raises."""
    t = normalised(text).translate(_FOLD).strip()
    m = _YEAR_NO.search(t)
    if m:
        issuer = t[: m.start()].replace(" ", "")
        return DocNoValue(issuer or None, int(m.group(1)), int(m.group(2)))
    m = _ORDER.search(t)
    if m:
        issuer = t[: m.start() + 1].replace(" ", "")
        return DocNoValue(issuer or None, None, int(m.group(1)))
    m = _BRACKET.search(t)
    if m:
        issuer = t[: m.start()].replace(" ", "")
        return DocNoValue(issuer or None, int(m.group(1)), int(m.group(2)))
    m = _BARE.search(t)
    if m:
        issuer = t[: m.start()].replace(" ", "")
        return DocNoValue(issuer or None, int(m.group(1)), int(m.group(2)))
    return None
