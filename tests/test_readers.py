"""govie.io.readers: html/docx/pdf/txt to text, and every refusal a clear InvalidDocument.

All documents are built here (invented sentences); nothing is read from shared/.
"""

from __future__ import annotations

import io
import sys
import zipfile

import pytest

from govie.errors import InvalidDocument
from govie.io import readers
from govie.io.readers import Limits, html_text, read_bytes, read_document, sniff

SENT = "根据《示例市公开条例》(示政办发〔2021〕3号)，全年受理申请48件。"
SENT2 = "下一步，将于2022年6月底前完成网站改造。"


# --------------------------------------------------------------------------- builders
def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds ``lines`` (Type0 font + ToUnicode map)."""
    chars = sorted({c for line in lines for c in line})
    code = {c: i + 1 for i, c in enumerate(chars)}
    content = "BT /F1 12 Tf 14 TL 72 760 Td " + " ".join(
        "<" + "".join(f"{code[c]:04X}" for c in line) + "> Tj T*" for line in lines) + " ET"
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) "
            "/Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{len(chars)} beginbfchar\n" + "\n".join(f"<{code[c]:04X}> <{ord(c):04X}>" for c in chars)
            + "\nendbfchar endcmap CMapName currentdict /CMap defineresource pop end end")

    def stream(s: str) -> bytes:
        b = s.encode("latin-1")
        return b"<< /Length %d >>\nstream\n" % len(b) + b + b"\nendstream"

    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
            b"/Contents 4 0 R >>",
            stream(content),
            b"<< /Type /Font /Subtype /Type0 /BaseFont /GovieTest /Encoding /Identity-H /DescendantFonts [6 0 R] "
            b"/ToUnicode 7 0 R >>",
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GovieTest /CIDSystemInfo << /Registry (Adobe) "
            b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor 8 0 R /DW 1000 >>",
            stream(cmap),
            b"<< /Type /FontDescriptor /FontName /GovieTest /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 "
            b"/Ascent 1000 /Descent 0 /CapHeight 1000 /StemV 80 >>"]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offsets:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _tbl(rows: list[list[str]]) -> str:
    return "<w:tbl>" + "".join("<w:tr>" + "".join(f"<w:tc>{_p(c)}</w:tc>" for c in r) + "</w:tr>" for r in rows) \
        + "</w:tbl>"


def make_docx(body: str, prolog: str = "", extra: dict[str, bytes] | None = None,
              compression=zipfile.ZIP_DEFLATED) -> bytes:
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document xmlns:w="{W_NS}"><w:body>{body}'
           "</w:body></w:document>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("word/document.xml", xml.encode("utf-8"))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


HTML_PAGE = f"""<!DOCTYPE html>
<html><head><meta charset="{{charset}}"><title>示例页</title>
<style>.x {{{{ color: red }}}}</style><script>var a = "不要这个";</script></head>
<body><div class="nav">首页 &gt; 公开</div>
<p>{SENT}</p>
<table><tr><th>信息内容</th><th>本年新制作数量</th></tr>
<tr><td>规章</td><td>3</td></tr><tr><td>规范性<br>文件</td><td>12</td></tr></table>
<p>{SENT2}</p><noscript>开启脚本</noscript></body></html>"""

HTML_EXPECTED = f"示例页\n首页 > 公开\n{SENT}\n信息内容 | 本年新制作数量\n规章 | 3\n规范性 文件 | 12\n{SENT2}"


# --------------------------------------------------------------------------- html
@pytest.mark.parametrize("use_bs4", [None, False], ids=["bs4-if-installed", "stdlib"])
@pytest.mark.parametrize("charset,encoding", [("utf-8", "utf-8"), ("gb2312", "gb18030")])
def test_html_main_text_and_table_rows(use_bs4, charset, encoding):
    data = HTML_PAGE.format(charset=charset).encode(encoding)
    text, meta = html_text(data, "p.html", use_bs4=use_bs4)
    assert [line for line in text.split("\n") if line] == HTML_EXPECTED.split("\n")
    assert "var a" not in text and "开启脚本" not in text and "color" not in text
    assert meta["format"] == "html"


@pytest.mark.parametrize("use_bs4", [None, False], ids=["bs4-if-installed", "stdlib"])
@pytest.mark.parametrize("html,expected", [
    ("<table><tr><td>a<td>1<tr><td>b<td>2</table>", ["a | 1", "b | 2"]),            # unclosed cells and rows
    ("<p>一<p>二", ["一", "二"]),                                                      # implied </p>
    ("<table><tr><td>x<table><tr><td>内</td></tr></table></td><td>y</td></tr></table>", ["x 内 | y"]),
    ("<table><tr><td>a|b</td><td> </td></tr><tr><td></td><td></td></tr></table>", ["a｜b |"]),
    ("<div>前<br/>后</div>", ["前", "后"]),
])
def test_html_edge_cases(use_bs4, html, expected):
    text, _ = html_text(html, use_bs4=use_bs4)
    assert [line.strip() for line in text.split("\n") if line.strip()] == expected


@pytest.mark.parametrize("use_bs4", [None, False], ids=["bs4-if-installed", "stdlib"])
def test_html_no_entity_expansion(use_bs4):
    bomb = ('<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><html><body><p>&c;&c;&c;正文</p></body></html>')
    text, _ = html_text(bomb.encode(), use_bs4=use_bs4)
    assert len(text) < 100 and "正文" in text


def test_html_tables_reach_the_table_extractor(tmp_path):
    pytest.importorskip("govie.tables")
    import govie

    p = tmp_path / "r.html"
    p.write_text(HTML_PAGE.format(charset="utf-8"), encoding="utf-8")
    text, _ = read_document(p)
    doc = govie.extract(text, mode="rules")
    assert any(e.label == "DOC_NO" and e.text == "示政办发〔2021〕3号" for e in doc.entities)
    # the table rows are " | " lines: no prose COUNT is taken from them
    assert not any(e.label == "COUNT" and e.text in ("3", "12") for e in doc.entities)


# --------------------------------------------------------------------------- docx
def test_docx_paragraphs_and_table_rows(tmp_path):
    body = _p(SENT) + _tbl([["项目", "数量"], ["规章", "3"]]) + _p(SENT2) \
        + '<w:p><w:r><w:t xml:space="preserve">甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t></w:r></w:p>'
    p = tmp_path / "d.docx"
    p.write_bytes(make_docx(body))
    text, meta = read_document(p)
    assert text.split("\n") == [SENT, "项目 | 数量", "规章 | 3", "", SENT2, "甲\t乙", "丙"]
    assert meta == {"format": "docx"}


def test_docx_written_by_python_docx(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph(SENT)
    t = d.add_table(rows=2, cols=2)
    for i, row in enumerate([["指标", "数值"], ["申请", "48"]]):
        for j, v in enumerate(row):
            t.cell(i, j).text = v
    d.add_paragraph(SENT2)
    p = tmp_path / "real.docx"
    d.save(p)
    text, _ = read_document(p)
    lines = [line for line in text.split("\n") if line]
    assert lines == [SENT, "指标 | 数值", "申请 | 48", SENT2]


BILLION_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')


@pytest.mark.parametrize("defused", [True, False], ids=["defusedxml", "stdlib-fallback"])
def test_docx_billion_laughs_refused(tmp_path, monkeypatch, defused):
    if defused:
        pytest.importorskip("defusedxml")
    else:
        monkeypatch.setitem(sys.modules, "defusedxml", None)
        monkeypatch.setitem(sys.modules, "defusedxml.ElementTree", None)
    p = tmp_path / "lol.docx"
    p.write_bytes(make_docx(_p("&lol3;"), prolog=BILLION_LAUGHS))
    with pytest.raises(InvalidDocument, match="DTD/entity"):
        read_document(p)


def test_docx_external_entity_refused(tmp_path):
    prolog = '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    p = tmp_path / "xxe.docx"
    p.write_bytes(make_docx(_p("&x;"), prolog=prolog))
    with pytest.raises(InvalidDocument, match="refused"):
        read_document(p)


@pytest.mark.parametrize("limits,extra_size,match", [
    (Limits(), 30_000_000, "expands"),                                           # ratio of a large entry
    (Limits(max_zip_uncompressed=1_000_000, max_zip_ratio=1e9), 2_000_000, "bytes uncompressed"),  # total size
    (Limits(max_zip_entries=3), 10, "zip entries"),                             # entry count
])
def test_docx_zip_bomb_refused(tmp_path, limits, extra_size, match):
    extra = {"word/media/zeros.bin": b"\0" * extra_size}
    if "entries" in match:
        extra.update({f"x{i}.xml": b"<a/>" for i in range(5)})
    p = tmp_path / "bomb.docx"
    p.write_bytes(make_docx(_p(SENT), extra=extra))
    with pytest.raises(InvalidDocument, match=match):
        read_document(p, limits=limits)


def test_docx_member_read_is_bounded(tmp_path):
    """A document.xml larger than the limit is refused during the (bounded) read."""
    p = tmp_path / "big.docx"
    p.write_bytes(make_docx(_p("字" * 50_000)))
    with pytest.raises(InvalidDocument, match="larger than"):
        read_document(p, limits=Limits(max_xml_bytes=10_000))


@pytest.mark.parametrize("data,match", [
    (b"PK\x03\x04 not really a zip", "malformed"),
    (make_docx(_p("x")).replace(b"word/document.xml", b"word/other000.xml"), "no word/document.xml"),
    (make_docx("<w:p><w:r><w:t>unclosed</w:r></w:p>"), "malformed XML"),
])
def test_docx_broken(tmp_path, data, match):
    p = tmp_path / "b.docx"
    p.write_bytes(data)
    with pytest.raises(InvalidDocument, match=match):
        read_document(p)


# --------------------------------------------------------------------------- pdf
def test_pdf_text_layer(tmp_path):
    pytest.importorskip("pypdf")
    p = tmp_path / "r.pdf"
    p.write_bytes(make_pdf([SENT, SENT2]))
    text, meta = read_document(p)
    assert text == SENT + "\n" + SENT2
    assert meta == {"format": "pdf", "pages": 1}


def _encrypted(user: str, owner: str) -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(200, 200)
    w.encrypt(user, owner_password=owner, algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


@pytest.mark.parametrize("make,match", [
    (lambda: _encrypted("secret", "owner"), "encrypted PDF"),
    (lambda: _encrypted("", "owner"), "no text layer"),         # opens with an empty password, but is blank
    (lambda: b"%PDF-1.4\n1 0 obj garbage\n", "malformed PDF"),
    (lambda: make_pdf([SENT])[:300], "malformed PDF"),          # cut short
    (lambda: b"just text, no header", "not a PDF"),
])
def test_pdf_refused(tmp_path, make, match):
    pytest.importorskip("pypdf")
    p = tmp_path / "x.pdf"
    p.write_bytes(make())
    with pytest.raises(InvalidDocument, match=match):
        read_document(p)


def test_pdf_without_pypdf(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pypdf", None)
    p = tmp_path / "x.pdf"
    p.write_bytes(make_pdf(["甲"]))
    with pytest.raises(InvalidDocument, match="needs pypdf"):
        read_document(p)


# --------------------------------------------------------------------------- txt and sniffing
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "big5", "utf-8-sig", "utf-16"])
def test_txt_encodings(tmp_path, encoding):
    text = "示例市政府信息公开工作年度报告\n全年受理申请48件，办结率100%。"
    if encoding == "big5":
        text = "示例市政府資訊公開工作年度報告\n全年受理申請48件，辦結率100%。"
    p = tmp_path / "a.txt"
    p.write_bytes(text.encode(encoding))
    got, meta = read_document(p)
    assert got == text and meta["format"] == "txt"


@pytest.mark.parametrize("data,kind", [
    (make_pdf(["甲"]), "pdf"),
    (make_docx(_p("甲")), "zip"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "ole"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 50, "elf"),
])
def test_binary_renamed_txt_refused(tmp_path, data, kind):
    assert sniff(data) == kind
    p = tmp_path / "renamed.txt"
    p.write_bytes(data)
    with pytest.raises(InvalidDocument, match=f"binary file \\({kind}\\)"):
        read_document(p)


def test_binary_without_magic_refused(tmp_path):
    p = tmp_path / "blob.txt"
    p.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(InvalidDocument, match="binary"):
        read_document(p)


@pytest.mark.parametrize("data,expected", [
    (HTML_PAGE.format(charset="utf-8").encode(), SENT),        # HTML saved as .doc
    (make_docx(_p(SENT)), SENT),                                # docx saved as .doc
])
def test_doc_in_disguise_is_read(tmp_path, data, expected):
    p = tmp_path / "x.doc"
    p.write_bytes(data)
    text, _ = read_document(p)
    assert expected in text


@pytest.mark.parametrize("data,match", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "convert it to .docx"),
    (b"{\\rtf1\\ansi hello}", "RTF"),
])
def test_doc_unsupported(tmp_path, data, match):
    p = tmp_path / "old.doc"
    p.write_bytes(data)
    with pytest.raises(InvalidDocument, match=match):
        read_document(p)


def test_size_limits(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("字" * 2000, encoding="utf-8")
    with pytest.raises(InvalidDocument, match="more than the limit"):
        read_document(p, limits=Limits(max_bytes=1000))
    with pytest.raises(InvalidDocument, match="characters of text"):
        read_document(p, limits=Limits(max_chars=100))


def test_missing_file_and_unknown_extension(tmp_path):
    with pytest.raises(InvalidDocument, match="cannot read"):
        read_document(tmp_path / "nope.txt")
    p = tmp_path / "notes.md"
    p.write_text(SENT, encoding="utf-8")
    assert read_document(p)[0] == SENT                       # unknown extension, text content: read as text
    q = tmp_path / "noext"
    q.write_bytes(make_pdf([SENT2]))
    if readers.sniff(q.read_bytes()) == "pdf":
        pytest.importorskip("pypdf")
        assert read_document(q)[0] == SENT2                  # no extension: format from the magic bytes


def test_read_bytes_matches_read_document(tmp_path):
    data = make_docx(_p(SENT))
    p = tmp_path / "x.docx"
    p.write_bytes(data)
    assert read_bytes(data, "x.docx") == read_document(p)
