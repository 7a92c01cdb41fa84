"""Files -> text: ``read_document(path) -> (text, meta)`` for .txt, .html/.htm, .pdf and .docx.

Every failure is a :class:`govie.errors.InvalidDocument` whose message names the file
and says why (too large, encrypted, malformed, a zip bomb, XML entities, a binary file
renamed ``.txt``, an unsupported format).  The format is taken from the extension and
checked against the file's first bytes, so a PDF renamed ``.txt`` is refused, and an
HTML or docx file saved as ``.doc`` (common on government sites) is still read.

* ``.txt``: :mod:`govie.io.decode` (BOMs, UTF-8, GB18030, BIG5).
* ``.html``/``.htm``: the main text; ``script``/``style``/``noscript``/``template`` are
  dropped, block elements end lines, and each table row becomes one line whose cells
  are joined by ``" | "`` (the form the table extractor reads).  BeautifulSoup with the
  stdlib ``html.parser`` when installed, else ``html.parser`` directly; neither expands
  custom entities.
* ``.pdf``: pypdf text of each page; encrypted files (other than those that open with an
  empty password), malformed files and files without a text layer are refused.
* ``.docx``: ``word/document.xml`` read with zipfile after a zip-bomb check (entry count,
  total uncompressed size, compression ratio, bounded reads), parsed with defusedxml
  (DTDs and entity declarations refused; without defusedxml any DOCTYPE is refused
  before the stdlib parser sees it); paragraphs, and table rows as ``" | "`` lines.
* ``.doc`` (Word 97-2003): unsupported, convert to .docx (no pure-Python reader ships here).

Optional dependencies (the ``formats`` extra): beautifulsoup4, defusedxml, pypdf.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidDocument
from .decode import decode, looks_binary

#: extensions read_document knows, by format
EXTENSIONS: dict[str, str] = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html",
                              ".xhtml": "html", ".shtml": "html", ".pdf": "pdf", ".docx": "docx", ".doc": "doc"}


@dataclass(frozen=True)
class Limits:
    """Safety limits of the readers (bytes unless said otherwise)."""

    max_bytes: int = 100_000_000          #: size of the file itself
    max_chars: int = 20_000_000           #: characters of the extracted text
    max_pdf_pages: int = 5_000
    max_zip_entries: int = 10_000
    max_zip_uncompressed: int = 200_000_000   #: sum of all entries' declared sizes
    max_zip_ratio: float = 100.0          #: uncompressed/compressed of a large entry
    zip_ratio_min_size: int = 1_000_000   #: entries smaller than this skip the ratio check
    max_xml_bytes: int = 100_000_000      #: word/document.xml after decompression


DEFAULT_LIMITS = Limits()

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"), (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"{\\rtf", "rtf"), (b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF8", "gif"), (b"%!PS", "postscript"),
    (b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"7z\xbc\xaf", "7z"), (b"Rar!", "rar"), (b"\x7fELF", "elf"),
    (b"MZ", "exe"),
)
_BINARY_KINDS = {"pdf", "zip", "ole", "png", "jpeg", "gif", "postscript", "gzip", "bzip2", "7z", "rar", "elf", "exe"}
_HTML_HEAD = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|div|p|table)\b",
                        re.IGNORECASE | re.DOTALL)


def sniff(data: bytes) -> str | None:
    """The container format the first bytes show ("pdf", "zip", "ole", "rtf", "html", ...), else None."""
    head = data[:1024]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == "exe" and not looks_binary(head):
                continue  # "MZ" may start a text file
            return kind
    if b"%PDF-" in head:  # a PDF may have junk before its header
        return "pdf"
    if _HTML_HEAD.match(head.lstrip(b"\xef\xbb\xbf")):
        return "html"
    return None


def read_document(path: str | Path, *, fmt: str | None = None, limits: Limits = DEFAULT_LIMITS) -> tuple[str, dict]:
    """Read a file and return ``(text, meta)``; meta has ``format`` and what the reader learnt.

    Args:
        fmt: force a format ("txt", "html", "pdf", "docx"); by default from the extension.
    Raises:
        InvalidDocument: the file cannot be read as text, with the reason.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InvalidDocument(f"{p}: cannot read: {exc.strerror or exc}") from None
    if size > limits.max_bytes:
        raise InvalidDocument(f"{p}: {size} bytes is more than the limit of {limits.max_bytes}")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InvalidDocument(f"{p}: cannot read: {exc.strerror or exc}") from None
    return read_bytes(data, str(p), fmt=fmt, limits=limits)


def format_of(name: str) -> str | None:
    """The format of a file name by its extension, None when unknown."""
    return EXTENSIONS.get(Path(name).suffix.lower())


def read_bytes(data: bytes, name: str = "<bytes>", *, fmt: str | None = None,
               limits: Limits = DEFAULT_LIMITS) -> tuple[str, dict]:
    """Like :func:`read_document` for bytes already read; ``name`` is used for messages and the extension."""
    if len(data) > limits.max_bytes:
        raise InvalidDocument(f"{name}: {len(data)} bytes is more than the limit of {limits.max_bytes}")
    fmt = fmt or format_of(name)
    kind = sniff(data)
    if fmt == "doc":  # .doc files on government sites are often HTML, RTF or docx in disguise
        fmt = {"zip": "docx", "html": "html", "pdf": "pdf"}.get(kind or "", "doc")
    if fmt is None:
        fmt = {"pdf": "pdf", "zip": "docx", "html": "html", "ole": "doc"}.get(kind or "", "txt")
    if fmt == "txt":
        if kind in _BINARY_KINDS:
            raise InvalidDocument(f"{name}: a binary file ({kind}) named like text; give it its real extension")
        if kind == "rtf":
            raise InvalidDocument(f"{name}: an RTF file, unsupported: convert it to .docx or .txt")
        text, enc = decode(data, name)
        meta: dict[str, Any] = {"format": "txt", "encoding": enc}
    elif fmt == "html":
        if kind in _BINARY_KINDS:
            raise InvalidDocument(f"{name}: a binary file ({kind}) named like HTML")
        text, meta = html_text(data, name)
    elif fmt == "pdf":
        text, meta = pdf_text(data, name, limits)
    elif fmt == "docx":
        text, meta = docx_text(data, name, limits)
    elif fmt == "doc":
        if kind == "rtf":
            raise InvalidDocument(f"{name}: an RTF file, unsupported: convert it to .docx or .txt")
        raise InvalidDocument(f"{name}: Word 97-2003 .doc is unsupported: convert it to .docx "
                              "(e.g. libreoffice --headless --convert-to docx)")
    else:
        raise InvalidDocument(f"{name}: unsupported format {fmt!r}; expected one of txt, html, pdf, docx")
    if len(text) > limits.max_chars:
        raise InvalidDocument(f"{name}: {len(text)} characters of text is more than the limit of {limits.max_chars}")
    return text, meta


# --------------------------------------------------------------------------- shared layout
def _clean_cell(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("|", "｜")).strip()


def _tidy_lines(lines: Iterable[str]) -> str:
    """Strip each line, drop runs of blank lines (keep at most one), join with newlines."""
    out: list[str] = []
    blank = True
    for line in lines:
        line = line.strip()
        if not line:
            if not blank:
                out.append("")
            blank = True
            continue
        out.append(line)
        blank = False
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


# --------------------------------------------------------------------------- html
_DROP = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "select",
         "button", "head"}
_BLOCK = {"address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir", "div",
          "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
          "header", "hgroup", "hr", "html", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary",
          "ul", "caption", "title", "tbody", "thead", "tfoot"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE)
_ENC_ALIAS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5-hkscs": "big5hkscs"}


#: tag -> (open tags it closes, tags that stop the search): the implied ends of HTML
_IMPLIED = {"tr": (("tr",), ("table",)), "td": (("td", "th"), ("tr", "table")), "th": (("td", "th"), ("tr", "table")),
            "p": (("p",), ("div", "td", "th", "body", "table", "li")), "li": (("li",), ("ul", "ol"))}


class _Node:
    """A minimal element tree for the no-BeautifulSoup path (same shape the walker reads)."""

    __slots__ = ("children", "name", "parent")

    def __init__(self, name: str, parent: _Node | None = None):
        self.name = name
        self.children: list[Any] = []
        self.parent = parent


def _stdlib_tree(html: str) -> _Node:
    from html.parser import HTMLParser

    root = _Node("[document]")

    class Builder(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.cur = root

        def handle_starttag(self, tag, attrs):
            # implied ends: a new row/cell/paragraph closes the open one of its kind
            if tag in _IMPLIED:
                closers, stops = _IMPLIED[tag]
                n = self.cur
                while n is not root and n.name not in stops:
                    if n.name in closers:
                        self.cur = n.parent or root
                        break
                    n = n.parent or root
            node = _Node(tag, self.cur)
            self.cur.children.append(node)
            if tag not in _VOID:
                self.cur = node

        def handle_startendtag(self, tag, attrs):
            self.cur.children.append(_Node(tag, self.cur))

        def handle_endtag(self, tag):
            n = self.cur
            while n is not root and n.name != tag:
                n = n.parent or root
            if n is not root:
                self.cur = n.parent or root

        def handle_data(self, data):
            self.cur.children.append(data)

    b = Builder()
    b.feed(html)
    b.close()
    return root


def _bs4_tree(html: str):
    from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction

    soup = BeautifulSoup(html, "html.parser")
    for c in soup.find_all(string=lambda s: isinstance(s, (Comment, Declaration, Doctype, ProcessingInstruction))):
        c.extract()
    return soup


def _name(node) -> str | None:
    return getattr(node, "name", None) if not isinstance(node, str) else None


def _inline_text(node) -> str:
    """All text under ``node`` on one line (cells, captions)."""
    parts: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, str):
            parts.append(n)
            continue
        if n.name in _DROP:
            continue
        if n.name == "br":
            parts.append(" ")
        stack.extend(reversed(list(n.children)))
    return _clean_cell("".join(parts))


def _table_rows(table) -> list[str]:
    """One ``" | "`` line per row, from the document order of row/cell starts and text.

    Reading starts in order (not the tree shape) copes with unclosed ``<td>``/``<tr>``,
    which some parsers nest instead of closing; a nested table becomes text of its cell.
    """
    rows: list[list[list[str]]] = []
    caption: list[str] = []
    stack = list(reversed(list(table.children)))
    in_caption = 0
    while stack:
        n = stack.pop()
        if n is _END_CAPTION:
            in_caption -= 1
            continue
        if isinstance(n, str):
            if in_caption:
                caption.append(n)
            elif rows and rows[-1]:
                rows[-1][-1].append(n)
            continue
        name = n.name
        if name in _DROP:
            continue
        if name == "table":
            if rows and rows[-1]:
                rows[-1][-1].append(" " + _inline_text(n) + " ")
            continue
        if name == "br":
            n = " "
            stack.append(n)
            continue
        if name == "caption":
            in_caption += 1
            stack.append(_END_CAPTION)
        elif name == "tr":
            rows.append([])
        elif name in ("td", "th"):
            if not rows:
                rows.append([])
            rows[-1].append([])
        stack.extend(reversed(list(n.children)))
    out: list[str] = []
    cap = _clean_cell("".join(caption))
    if cap:
        out.append(cap)
    for row in rows:
        cells = [_clean_cell("".join(c)) for c in row]
        if any(cells):
            out.append(" | ".join(cells))
    return out


_END_CAPTION = object()


def _walk(root) -> list[str]:
    lines: list[str] = []
    cur: list[str] = []

    def flush():
        if cur:
            lines.append(re.sub(r"[ \t\r\f\v]+", " ", "".join(cur)))
            cur.clear()

    stack: list[Any] = [root]
    while stack:
        n = stack.pop()
        if n is _FLUSH:
            flush()
            continue
        if isinstance(n, str):
            cur.append(n.replace("\n", " ") if "\n" in n else n)
            continue
        name = n.name
        if name in _DROP:
            if name == "head":  # keep the page title
                for c in n.children:
                    if _name(c) == "title":
                        flush()
                        t = _inline_text(c)
                        if t:
                            lines.append(t)
            continue
        if name == "br":
            flush()
            continue
        if name == "table":
            flush()
            lines.extend(_table_rows(n))
            continue
        if name in ("td", "th"):  # a stray cell outside a table
            cur.append(" ")
        block = name in _BLOCK
        if block:
            flush()
            stack.append(_FLUSH)
        stack.extend(reversed(list(n.children)))
    flush()
    return lines


_FLUSH = object()


def _html_decode(data: bytes, name: str) -> tuple[str, str]:
    m = _CHARSET.search(data[:4096])
    if m and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        enc = m.group(1).decode("ascii").lower()
        enc = _ENC_ALIAS.get(enc, enc)
        try:
            return data.decode(enc), enc
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, name)


def html_text(data: bytes | str, name: str = "<html>", *, use_bs4: bool | None = None) -> tuple[str, dict]:
    """The main text of an HTML page, tables as ``" | "`` rows; returns ``(text, meta)``.

    ``use_bs4``: None uses BeautifulSoup when installed; False forces the stdlib parser.
    """
    if isinstance(data, bytes):
        html, enc = _html_decode(data, name)
    else:
        html, enc = data, None
    parser = "html.parser"
    tree = None
    if use_bs4 is not False:
        try:
            tree = _bs4_tree(html)
            parser = "bs4+html.parser"
        except ImportError:
            if use_bs4:
                raise InvalidDocument(f"{name}: beautifulsoup4 is not installed (pip install 'govie[formats]')") \
                    from None
    if tree is None:
        tree = _stdlib_tree(html)
    try:
        text = _tidy_lines(_walk(tree))
    except RecursionError:  # pragma: no cover - the walker is iterative; bs4 itself may recurse
        raise InvalidDocument(f"{name}: HTML nested too deeply") from None
    meta: dict[str, Any] = {"format": "html", "parser": parser}
    if enc:
        meta["encoding"] = enc
    return text, meta


# --------------------------------------------------------------------------- pdf
def pdf_text(data: bytes, name: str = "<pdf>", limits: Limits = DEFAULT_LIMITS) -> tuple[str, dict]:
    """The text layer of a PDF, pages joined by newlines; returns ``(text, meta)``."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise InvalidDocument(f"{name}: reading PDF needs pypdf (pip install 'govie[formats]')") from None
    if sniff(data) != "pdf":
        raise InvalidDocument(f"{name}: not a PDF file (no %PDF- header)")
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise InvalidDocument(f"{name}: encrypted PDF (password protected); decrypt it first")
        n = len(reader.pages)
        if n > limits.max_pdf_pages:
            raise InvalidDocument(f"{name}: {n} pages is more than the limit of {limits.max_pdf_pages}")
        pages: list[str] = []
        total = 0
        for page in reader.pages:
            t = page.extract_text() or ""
            total += len(t)
            if total > limits.max_chars:
                raise InvalidDocument(f"{name}: more than {limits.max_chars} characters of text")
            pages.append(t)
    except InvalidDocument:
        raise
    except (PdfReadError, Exception) as exc:  # pypdf raises many kinds on broken files
        raise InvalidDocument(f"{name}: malformed PDF ({type(exc).__name__}: {str(exc)[:200]})") from None
    text = "\n".join(p.strip("\n") for p in pages)
    if not text.strip():
        raise InvalidDocument(f"{name}: the PDF has no text layer (scanned?); OCR it first")
    return text, {"format": "pdf", "pages": n}


# --------------------------------------------------------------------------- docx
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def check_zip(zf: zipfile.ZipFile, name: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse zip bombs before anything is decompressed: entry count, total size, ratio."""
    infos = zf.infolist()
    if len(infos) > limits.max_zip_entries:
        raise InvalidDocument(f"{name}: {len(infos)} zip entries is more than the limit of {limits.max_zip_entries}")
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_zip_uncompressed:
            raise InvalidDocument(f"{name}: zip bomb refused: more than {limits.max_zip_uncompressed} bytes uncompressed")
        if info.file_size >= limits.zip_ratio_min_size:
            ratio = info.file_size / max(1, info.compress_size)
            if ratio > limits.max_zip_ratio:
                raise InvalidDocument(f"{name}: zip bomb refused: {info.filename} expands {ratio:.0f}x "
                                      f"(limit {limits.max_zip_ratio:.0f}x)")


def _read_member(zf: zipfile.ZipFile, member: str, limit: int, name: str) -> bytes:
    """Read one entry, never more than ``limit`` bytes whatever its header claims."""
    with zf.open(member) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InvalidDocument(f"{name}: zip bomb refused: {member} is larger than {limit} bytes")
    return data


def parse_xml(data: bytes, name: str):
    """Parse XML with DTDs and entities refused (defusedxml; else a DOCTYPE check + stdlib)."""
    try:
        import defusedxml.ElementTree as DET
        from defusedxml import DefusedXmlException
    except ImportError:
        DET = None
    if DET is not None:
        try:
            return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except DefusedXmlException as exc:
            raise InvalidDocument(f"{name}: XML with DTD/entity declarations refused ({type(exc).__name__})") from None
        except Exception as exc:
            raise InvalidDocument(f"{name}: malformed XML ({str(exc)[:200]})") from None
    if _DOCTYPE.search(data):
        raise InvalidDocument(f"{name}: XML with DTD/entity declarations refused")
    import xml.etree.ElementTree as ET

    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise InvalidDocument(f"{name}: malformed XML ({exc})") from None


def _para_text(p) -> str:
    parts: list[str] = []
    for el in p.iter():
        tag = el.tag
        if tag == _W + "t":
            parts.append(el.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
    return "".join(parts)


def _cell_text(tc) -> str:
    return _clean_cell(" ".join(_para_text(p) for p in tc.iter(_W + "p")))


def _body_lines(el, lines: list[str]) -> None:
    stack = list(reversed(list(el)))
    while stack:
        n = stack.pop()
        tag = n.tag
        if tag == _W + "p":
            lines.extend(_para_text(n).split("\n"))
        elif tag == _W + "tbl":
            for tr in (c for c in n if c.tag == _W + "tr"):
                cells = [_cell_text(tc) for tc in tr if tc.tag == _W + "tc"]
                if any(cells):
                    lines.append(" | ".join(cells))
            lines.append("")
        elif tag in (_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "smartTag", _W + "ins"):
            stack.extend(reversed(list(n)))


def docx_text(data: bytes, name: str = "<docx>", limits: Limits = DEFAULT_LIMITS) -> tuple[str, dict]:
    """Paragraphs and table rows of a .docx (zipfile + defusedxml); returns ``(text, meta)``."""
    if sniff(data) != "zip":
        raise InvalidDocument(f"{name}: not a .docx file (not a zip archive)")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InvalidDocument(f"{name}: malformed .docx ({exc})") from None
    with zf:
        check_zip(zf, name, limits)
        names = set(zf.namelist())
        member = "word/document.xml"
        if member not in names:
            member = next((n for n in names if n.lower() == member), "")
            if not member:
                raise InvalidDocument(f"{name}: not a Word .docx (no word/document.xml)")
        try:
            xml = _read_member(zf, member, limits.max_xml_bytes, name)
        except InvalidDocument:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise InvalidDocument(f"{name}: malformed .docx ({type(exc).__name__}: {exc})") from None
    root = parse_xml(xml, f"{name}:{member}")
    body = root.find(_W + "body")
    lines: list[str] = []
    _body_lines(body if body is not None else root, lines)
    return _tidy_lines(lines), {"format": "docx"}
