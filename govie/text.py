"""TextView: the normalised text that rules and the model read, with an offset map back.

Normalisation: traditional -> simplified (character by character, so 1:1), full-width
ASCII -> half-width, odd spaces (U+3000, NBSP, thin spaces) -> " ", zero-width and
soft-hyphen characters dropped, HTML entities (``&nbsp;``, ``&amp;``, ``&#12345;``)
decoded.  ``starts[i]``/``ends[i]`` give the original offsets of normalised character
``i``, so a span ``(s, e)`` of the view is ``(starts[s], ends[e - 1])`` in the original;
both are empty when the map is the identity (the common case, built with str.translate).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}
_SPACES = {"\u3000", "\u00a0", "\u2002", "\u2003", "\u2009", "\u202f", "\u205f", "\u200a", "\u2007", "\u2008"}
#: brackets folded onto one form so that patterns need fewer alternatives
_FOLD = {"（": "(", "）": ")", "［": "[", "］": "]", "︹": "〔", "︺": "〕", "〖": "【", "〗": "】",
         "﹝": "〔", "﹞": "〕", "〈": "<", "〉": ">", "＜": "<", "＞": ">", "：": ":", "，": ",",
         "；": ";", "％": "%", "－": "-", "～": "~", "﹪": "%"}
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")


@lru_cache(maxsize=1)
def _t2s():
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a base dependency
        return None
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _simplify_char(ch: str) -> str:
    conv = _t2s()
    if conv is None:
        return ch
    out = conv.convert(ch)
    return out if len(out) == 1 else ch


@lru_cache(maxsize=1 << 17)
def normalise_char(ch: str) -> str:
    """The normalised form of one character ('' to drop it)."""
    if ch in _ZERO_WIDTH:
        return ""
    if ch in _SPACES:
        return " "
    if ch in _FOLD:
        return _FOLD[ch]
    o = ord(ch)
    if 0xFF01 <= o <= 0xFF5E:
        ch = chr(o - 0xFEE0)
        return _FOLD.get(ch, ch)
    if o >= 0x3400:
        return _simplify_char(ch)
    return ch


@dataclass(frozen=True)
class TextView:
    """Original text, its normalised form and the offset map between them."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def from_text(cls, original: str) -> TextView:
        """The view of ``original`` (the last few are cached: rules, segmentation and tables share one)."""
        return _cached_view(original)

    @classmethod
    def build(cls, original: str) -> TextView:
        table = {}
        drops = False
        # the characters already known to stay as they are are cut out by one regex pass (set()
        # over every character of a long text cost ~10x more); the table is built from the rest
        known = _IDENTITY_RUNS
        rest = known.sub("", original) if known is not None else original
        learned = []
        for ch in set(rest):
            norm = normalise_char(ch)
            if norm != ch:
                table[ord(ch)] = norm
                drops = drops or norm == ""
            else:
                learned.append(ch)
        if learned:
            _learn(learned)
        if not drops and not ("&" in original and _ENTITY.search(original)):
            # 1:1 fast path: offsets are the identity
            return cls(original, original.translate(table) if table else original, (), ())
        # the characters that do not map 1:1 (dropped ones, HTML entities) are found by one
        # regex scan; the runs between them are translated and mapped as whole slices
        dropped = "".join(re.escape(chr(o)) for o, v in table.items() if v == "")
        special = re.compile(_ENTITY.pattern + ("|[" + dropped + "]" if dropped else ""))
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0  # start of the run not yet copied
        for m in special.finditer(original):
            a = m.start()
            if original[a] == "&":
                dec = html.unescape(m.group())
                if not (len(dec) == 1 and dec != m.group()):
                    continue  # not an entity of one character: plain text, part of the run
            if a > pos:
                out.append(original[pos:a].translate(table))
                starts.extend(range(pos, a))
                ends.extend(range(pos + 1, a + 1))
            if original[a] == "&":
                norm = normalise_char(dec)
                if norm:
                    out.append(norm)
                    starts.append(a)
                    ends.append(m.end())
            pos = m.end()
        if pos < len(original):
            out.append(original[pos:].translate(table))
            starts.extend(range(pos, len(original)))
            ends.extend(range(pos + 1, len(original) + 1))
        return cls(original, "".join(out), tuple(starts), tuple(ends))

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the view span ``[start, end)``."""
        if end <= start:
            raise ValueError(f"empty span {start}..{end}")
        if not self.starts:
            return start, end
        return self.starts[start], self.ends[end - 1]

    def to_view(self, start: int, end: int) -> tuple[int, int]:
        """View offsets covering the original span ``[start, end)`` (inverse of to_original)."""
        import bisect

        if not self.starts:
            return start, end
        s = bisect.bisect_left(self.ends, start + 1)
        e = bisect.bisect_left(self.starts, end)
        return s, max(e, s)

    @property
    def identity(self) -> bool:
        """True when view offsets equal original offsets."""
        return not self.starts


@lru_cache(maxsize=4)
def _cached_view(original: str) -> TextView:
    return TextView.build(original)


#: characters seen so far that normalise to themselves, and a pattern matching runs of them
#: (recompiled once enough new ones were seen -- 256, or half as many as are known; any
#: subset of them gives the same views, the others just go through ``normalise_char``)
_IDENTITY: set[str] = set()
_IDENTITY_RUNS: re.Pattern | None = None
_PENDING = [0]
_RECOMPILE_AFTER = 256
#: no more are learned after this many (bounds the pattern and the number of recompiles)
_MAX_IDENTITY = 20000


def _learn(chars: list[str]) -> None:
    global _IDENTITY_RUNS
    for ch in chars:
        if len(_IDENTITY) >= _MAX_IDENTITY:
            break
        if ch not in _IDENTITY and not "\ud800" <= ch <= "\udfff":
            _IDENTITY.add(ch)
            _PENDING[0] += 1
    if _PENDING[0] >= max(_RECOMPILE_AFTER, len(_IDENTITY) // 2):  # geometric: O(total) compiling
        _PENDING[0] = 0
        _IDENTITY_RUNS = re.compile("[" + "".join(re.escape(ch) for ch in sorted(_IDENTITY)) + "]+")
