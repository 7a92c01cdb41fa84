"""Bytes -> text for plain-text inputs: BOMs, UTF-8, GB18030 and BIG5, with a clear error otherwise."""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidDocument

#: tried in order after any BOM; gb18030 is a superset of gbk/gb2312
ENCODINGS = ("utf-8", "gb18030", "big5")
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes in the first 4 KB (utf-16 with a BOM is handled before)."""
    head = data[:4096]
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and ctrl / len(head) > 0.05


def _usual(ch: str) -> bool:
    o = ord(ch)
    return (o < 0x80 or 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF
            or 0x2000 <= o <= 0x206F or ch in "·×—…")


def oddness(text: str, sample: int = 20000) -> float:
    """Share of characters outside the usual scripts of Chinese government text."""
    head = text[:sample]
    return sum(1 for ch in head if not _usual(ch)) / max(1, len(head))


def decode(data: bytes, name: str = "<bytes>") -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``; raises InvalidDocument when it is not text."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc + "-bom"
    if looks_binary(data):
        raise InvalidDocument(f"{name}: looks like a binary file, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # GB18030 decodes almost any bytes, BIG5 bytes included (as kana and symbols): of the
    # legacy encodings that decode, keep the one whose text looks least odd
    best = None
    for enc in ENCODINGS[1:]:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        score = oddness(text)
        if best is None or score < best[0]:
            best = (score, text, enc)
    if best is not None:
        return best[1], best[2]
    try:  # last resort: a statistical guess, if charset-normalizer is installed
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None and best.encoding:
            return str(best), best.encoding
    except ImportError:
        pass
    raise InvalidDocument(f"{name}: cannot decode as UTF-8, GB18030 or BIG5")


def read_text(path: str | Path, max_bytes: int = 200_000_000) -> tuple[str, str]:
    """Read a text file with encoding detection; returns ``(text, encoding)``."""
    p = Path(path)
    size = p.stat().st_size
    if size > max_bytes:
        raise InvalidDocument(f"{p}: {size} bytes is more than the limit of {max_bytes}")
    return decode(p.read_bytes(), str(p))
