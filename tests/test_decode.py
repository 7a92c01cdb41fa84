"""Bytes -> text: BOMs, UTF-8, GB18030, BIG5, binary files refused with a reason."""

import pytest

from govie.errors import InvalidDocument
from govie.io.decode import decode, read_text

SIMPLIFIED = "根据示例办法，本年度共收到申请12件，已全部办结。"
TRADITIONAL = "根據示例辦法，本年度共收到申請12件，已全部辦結。"


@pytest.mark.parametrize("text,encoding,expected", [
    (SIMPLIFIED, "utf-8", "utf-8"),
    (SIMPLIFIED, "utf-8-sig", "utf-8-bom"),
    (SIMPLIFIED, "utf-16", None),
    (SIMPLIFIED, "gb18030", "gb18030"),
    (SIMPLIFIED, "gbk", "gb18030"),
    (TRADITIONAL, "big5", "big5"),
    (TRADITIONAL, "utf-8", "utf-8"),
])
def test_decodes(text, encoding, expected):
    got, enc = decode(text.encode(encoding))
    assert got == text
    if expected:
        assert enc == expected


@pytest.mark.parametrize("data", [b"\x00" * 100, b"PK\x03\x04\x00\x00binary", bytes(range(32)) * 20])
def test_binary_refused(data):
    with pytest.raises(InvalidDocument, match="binary"):
        decode(data, "x.txt")


def test_size_limit(tmp_path):
    f = tmp_path / "big.txt"
    f.write_text("字" * 1000, encoding="utf-8")
    with pytest.raises(InvalidDocument, match="limit"):
        read_text(f, max_bytes=100)
