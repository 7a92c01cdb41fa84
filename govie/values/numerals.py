"""Chinese numerals -> numbers, never raising (None when unreadable)."""

from __future__ import annotations

DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
          "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5,
          "陆": 6, "柒": 7, "捌": 8, "玖": 9}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)


#: longer digit strings are no quantity (and int() refuses > 4300 digits): None
MAX_DIGITS = 400


def digit_string(s: str) -> int | None:
    """Digit-by-digit reading (二〇二〇 -> 2020)."""
    if len(s) > MAX_DIGITS:
        return None
    out = 0
    for ch in s:
        if ch.isdecimal():  # not isdigit(): int() refuses superscripts and circled digits
            out = out * 10 + int(ch)
        elif ch in DIGITS:
            out = out * 10 + DIGITS[ch]
        else:
            return None
    return out if s else None


def cn_to_int(s: str) -> int | None:
    """Positional Chinese numerals (二十三, 一万二千, 十一) or plain digit strings."""
    if not s or len(s) > MAX_DIGITS:
        return None
    if all(ch.isdecimal() for ch in s):
        return int(s)
    if all(ch in DIGITS for ch in s):
        return digit_string(s)
    if "万万" in s or "亿亿" in s:  # 三万万亿: no reading is certain
        return None
    total = section = number = 0
    for ch in s:
        if ch in DIGITS:
            number = DIGITS[ch]
        elif ch in SMALL_UNITS:
            section += (number or 1) * SMALL_UNITS[ch]
            number = 0
        elif ch in BIG_UNITS:
            unit = BIG_UNITS[ch]
            if unit == 100_000_000:
                total = (total + section + number) * unit
            else:
                total += (section + number) * unit
            section = number = 0
        else:
            return None
    return total + section + number


def normalised(text: str) -> str:
    """``text`` as the rules read it (simplified, half-width digits, folded brackets), so that a
    value parser gives the same value on a raw span (近30萬條) as on the normalised view.
    The pipeline already passes normalised text: then this changes nothing."""
    from ..text import normalise_char

    if text.isascii():
        return text
    return "".join(normalise_char(ch) for ch in text)
