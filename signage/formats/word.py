"""Word (.docx, also as saved by WPS) into a typeset Document: the file's own structure kept.

What a notice looks like in Word: a centred title, headings marked 一、/（一）/1./（1）
(or Word's heading styles), body paragraphs, and the issuing office and date pushed to the
right at the end. Those become blocks with roles title / heading / body / signature / date;
layout does the rest, exactly as for a `.txt`.

The package is opened here, not by python-docx: a `.docx` is a zip of XML parts, and every
byte of it is hostile. So:

- parts are inflated through a stream that counts the bytes that actually come out, never
  trusting the sizes the zip directory declares (a member that says 2 KB and inflates to
  2 GB stops at the first megabyte over the limit), with limits per part and in total;
- XML is parsed without DTDs, entity expansion or network access, and counted while it is
  parsed: past `MAX_PARAGRAPHS`, `MAX_RUNS`, `MAX_TEXT_CHARS` or `MAX_ELEMENTS` the document
  is refused at once ("document-too-large") instead of being built in memory;
- relationships are resolved inside the zip only; an external target (a linked picture, a
  URL) is never fetched, and counts as a picture that is not in the document.

The document XML is then walked directly, so that tracked insertions count, deletions and
hidden text do not, merged table cells appear once, and an odd attribute value never raises.
Pictures are found by one function (`_picture_refs`) for reading and for drawing, so the
number of picture pages planned is the number of pictures there are.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import PurePosixPath
from typing import Any

from signage.core.config import Settings
from signage.core.model import (
    Align,
    Block,
    ContentError,
    Document,
    Role,
    Slide,
    Span,
    TableRow,
)

MAX_UNCOMPRESSED_BYTES = 200_000_000
"""Bytes inflated from the zip in one reading, counted as they come out (and the declared
sizes, checked first, so an honest bomb is refused without inflating anything)."""
MAX_XML_PART_BYTES = 16_000_000
"""One XML part (the text itself is word/document.xml). A 500-page document is about 5 MB;
the parsed tree takes several times this."""
MAX_PICTURE_BYTES = 40_000_000
MAX_ZIP_ENTRIES = 5_000
MAX_IMAGES = 60
MAX_PARAGRAPHS = 30_000
"""Paragraphs in document.xml, table cells' included: a 500-page report has about 10,000."""
MAX_RUNS = 300_000
MAX_TEXT_CHARS = 500_000
"""Characters of text (w:t): a 2 MB .txt holds about as many Chinese characters."""
MAX_ELEMENTS = 3_000_000
"""XML elements in one part, whatever they are (drawings are verbose, but not this much)."""
MAX_MARKER_CHARS = 16
"""A generated list marker ('（一）', '1.1.2.'); a level text of thousands of %1 is not one."""
MAX_TABLE_DEPTH = 4
NOTICE_MAX_CHARS = 300
"""A shorter text is a notice (one page if it fits); longer is a paginated document."""

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_V = "urn:schemas-microsoft-com:vml"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_PR = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL_TYPES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/",
)
"""Transitional and Strict OOXML relationship types: the same names under two prefixes."""
MAX_TEXTBOX_DEPTH = 3

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ROW_SEPARATOR = "　|　"
"""Between the cells of a table row of three or more columns; two columns read as key：value."""

_CN_NUM = "〇零一二三四五六七八九十百"
_HEADING_MARKERS = (
    (1, re.compile(rf"^[{_CN_NUM}]+\s*、")),
    (2, re.compile(rf"^[（(]\s*[{_CN_NUM}]+\s*[）)]")),
    (3, re.compile(r"^[0-9０-９]{1,3}\s*[.．、](?![0-9０-９])")),
    (4, re.compile(r"^[（(]\s*[0-9０-９]{1,3}\s*[）)]")),
)
HEADING_MAX_CHARS = 40
"""A marked paragraph longer than this is a run-in heading: a body paragraph that starts
with its marker (（一）加强领导。各单位要……), typeset as body so it wraps like one."""
_DATE = re.compile(
    r"^[0-9０-９〇零一二三四五六七八九十○Ｏ]{2,4}\s*年\s*[0-9０-９一二三四五六七八九十]{1,3}\s*月"
    r"\s*[0-9０-９一二三四五六七八九十]{1,3}\s*日$"
)
# Private use is dropped except U+E234-U+E34F: Mongolian typed with Menksoft's old input
# method lives there, and formats/mongolian.py refuses it by name instead of an empty page.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\ufeff\ue000-\ue233\ue350-\uf8ff]")
_TAIL_LINES = 6
"""How far from the end a date line may be and still close the document."""
_SIGNATURE_LINES = 3
_SIGNATURE_INDENT = 8.0
"""Leading spaces (in character widths) that mean "pushed to the right" in files typed with
spaces instead of alignment."""


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


# --- opening the file safely ----------------------------------------------------------------


def _too_large(message: str) -> ContentError:
    return ContentError(message, code="document-too-large")


def _damaged(detail: str) -> ContentError:
    return ContentError(
        f"the Word document is damaged and cannot be read ({detail})", code="damaged-document"
    )


MAX_ZIP_DIRECTORY_BYTES = MAX_ZIP_ENTRIES * 1024
"""The zip's central directory: an entry is 46 bytes and its name; zipfile builds an object
for every entry before anything can count them (a million entries: 5 s and 400 MB)."""


def check_zip_directory(data: bytes) -> None:
    """Refuse a zip whose central directory (as its end record says) is larger than
    MAX_ZIP_DIRECTORY_BYTES, before zipfile reads it. A zip without an end record is left to
    zipfile, which refuses it as damaged."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return
    entries, size = struct.unpack_from("<HI", data, end + 10)
    zip64 = entries == 0xFFFF or size == 0xFFFFFFFF
    if zip64 and end >= 20 and data[end - 20 : end - 16] == b"PK\x06\x07":
        # ZIP64: the real numbers are in the ZIP64 end record the locator points at.
        (record,) = struct.unpack_from("<Q", data, end - 12)
        if record + 56 <= len(data) and data[record : record + 4] == b"PK\x06\x06":
            entries, size = struct.unpack_from("<QQ", data, record + 32)
            zip64 = False
    if size > MAX_ZIP_DIRECTORY_BYTES or (entries > MAX_ZIP_ENTRIES and not zip64):
        raise _too_large(
            f"the document's zip directory lists {entries:,} parts in {size:,} bytes; "
            f"more than {MAX_ZIP_ENTRIES:,} parts is refused"
        )


def inflate_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A zip member's bytes, inflated in pieces and counted: never more than `limit`,
    whatever the zip directory declares. ContentError "document-too-large" past the limit,
    "damaged-document" for a member that does not inflate to what it says (a CRC mismatch:
    also what a member declared small that inflates large ends in)."""
    name = info.filename
    if info.file_size > limit:
        raise _too_large(
            f"the document's {name} is {info.file_size // 1_000_000} MB; "
            f"more than {limit // 1_000_000} MB is refused"
        )
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while True:
                # read(n) inflates at most n bytes; read() would inflate the whole compressed
                # stream in one call before looking at its size.
                chunk = stream.read(1 << 16)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise _too_large(
                        f"the document's {name} unpacks to more than {limit // 1_000_000} MB; "
                        "refused"
                    )
                chunks.append(chunk)
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
    ) as err:
        raise _damaged(f"{name}: {err}") from None
    return b"".join(chunks)


@dataclass(frozen=True)
class _Rel:
    type: str
    """The last part of the relationship type: "officeDocument", "styles", "image" …"""
    target: str | None
    """The part name inside the zip, or None for an external target or one outside it."""


class _Package:
    """The zip inside a .docx: parts read through counted streams, XML parsed safely."""

    def __init__(self, data: bytes) -> None:
        if data.startswith(OLE_MAGIC):
            # An OLE compound file: Office's encryption wrapper or an old binary .doc/.wps.
            if "EncryptedPackage".encode("utf-16-le") in data:
                raise ContentError(
                    "the document is protected by a password; save a copy without a password",
                    code="encrypted-document",
                )
            # Not damaged at all: the code says what it is, so staff are told to re-save it.
            raise ContentError(
                "this is an old Word/WPS file (.doc/.wps) named .docx; save it as .docx again",
                code="old-word-format",
            )
        check_zip_directory(data)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as err:
            raise ContentError(
                f"the file is not a readable Word document (damaged or incomplete copy: {err})",
                code="damaged-document",
            ) from None
        if len(infos) > MAX_ZIP_ENTRIES:
            raise _too_large(
                f"the document has {len(infos)} parts inside; more than {MAX_ZIP_ENTRIES} "
                "is refused"
            )
        declared = sum(info.file_size for info in infos)
        if declared > MAX_UNCOMPRESSED_BYTES:
            raise _too_large(
                f"the document unpacks to {declared // 1_000_000} MB; "
                f"more than {MAX_UNCOMPRESSED_BYTES // 1_000_000} MB is refused"
            )
        self.parts = {info.filename.lstrip("/"): info for info in infos}
        self.inflated = 0
        self._types: tuple[dict[str, str], dict[str, str]] | None = None

    def read(self, name: str, limit: int) -> bytes:
        """A part's bytes: at most `limit` for this part and MAX_UNCOMPRESSED_BYTES for the
        whole reading, counted as they are inflated (see `inflate_member`)."""
        left = MAX_UNCOMPRESSED_BYTES - self.inflated
        data = inflate_member(self.zip, self.parts[name], min(limit, left))
        self.inflated += len(data)
        return data

    def read_head(self, name: str, size: int) -> bytes:
        """The first `size` bytes of a part (all of it if shorter), inflating no more."""
        info = self.parts[name]
        try:
            with self.zip.open(info) as stream:
                head = stream.read(size)
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            ValueError,
            EOFError,
            NotImplementedError,
        ) as err:
            raise _damaged(f"{name}: {err}") from None
        self.inflated += len(head)
        if self.inflated > MAX_UNCOMPRESSED_BYTES:
            raise _too_large(
                f"the document unpacks to more than {MAX_UNCOMPRESSED_BYTES // 1_000_000} MB; "
                "refused"
            )
        return head

    def xml(self, name: str, *, body: bool = False) -> Any:
        """The root element of an XML part, parsed without DTDs, entities or the network and
        counted as it is parsed (the work budget: see the module docstring)."""
        from lxml import etree  # type: ignore[import-untyped]

        data = self.read(name, MAX_XML_PART_BYTES)
        elements = paragraphs = runs = chars = 0
        p_tag, r_tag, t_tag = _w("p"), _w("r"), _w("t")
        events = etree.iterparse(
            io.BytesIO(data),
            events=("end",),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        try:
            for _, el in events:
                elements += 1
                if elements > MAX_ELEMENTS:
                    raise _too_large(
                        f"the document's {name} has more than {MAX_ELEMENTS:,} XML elements; "
                        "refused"
                    )
                if not body:
                    continue
                tag = el.tag
                if tag == p_tag:
                    paragraphs += 1
                    if paragraphs > MAX_PARAGRAPHS:
                        raise _too_large(
                            f"the document has more than {MAX_PARAGRAPHS:,} paragraphs; "
                            "split it into several files"
                        )
                elif tag == r_tag:
                    runs += 1
                    if runs > MAX_RUNS:
                        raise _too_large(
                            f"the document has more than {MAX_RUNS:,} runs of text; "
                            "split it into several files"
                        )
                elif tag == t_tag and el.text:
                    chars += len(el.text)
                    if chars > MAX_TEXT_CHARS:
                        raise _too_large(
                            f"the document has more than {MAX_TEXT_CHARS:,} characters of text; "
                            "split it into several files"
                        )
            root = events.root
        except etree.XMLSyntaxError as err:
            raise _damaged(f"{name}: {err}") from None
        if root is None:
            raise _damaged(f"{name} is empty")
        if root.getroottree().docinfo.internalDTD is not None:
            raise _damaged(f"{name} declares a DTD, which Word never writes")
        return root

    def content_type(self, name: str) -> str:
        if self._types is None:
            defaults: dict[str, str] = {}
            overrides: dict[str, str] = {}
            if "[Content_Types].xml" in self.parts:
                root = self.xml("[Content_Types].xml")
                for el in root.iter(f"{{{_CT}}}Default"):
                    defaults[(el.get("Extension") or "").lower()] = el.get("ContentType") or ""
                for el in root.iter(f"{{{_CT}}}Override"):
                    overrides[(el.get("PartName") or "").lstrip("/")] = el.get("ContentType") or ""
            self._types = (defaults, overrides)
        defaults, overrides = self._types
        ext = posixpath.splitext(name)[1].lstrip(".").lower()
        return (overrides.get(name) or defaults.get(ext) or "").lower()

    def rels(self, source: str) -> dict[str, _Rel]:
        """The relationships of part `source` ("" for the package), by id. Targets are
        resolved inside the zip; one that leaves it or is external has target None."""
        folder, base = posixpath.split(source)
        rels_name = posixpath.join(folder, "_rels", f"{base}.rels")
        if rels_name not in self.parts:
            return {}
        out: dict[str, _Rel] = {}
        for el in self.xml(rels_name).iter(f"{{{_PR}}}Relationship"):
            rid, kind, target = el.get("Id"), el.get("Type") or "", el.get("Target") or ""
            if not rid:
                continue
            name: str | None = None
            if (el.get("TargetMode") or "").lower() != "external" and "://" not in target:
                joined = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else (posixpath.join(folder, target))
                )
                normal = posixpath.normpath(joined)
                name = normal if normal in self.parts else None
            out[rid] = _Rel(kind.rstrip("/").rsplit("/", 1)[-1], name)
        return out

    def main_part(self) -> str:
        """The name of the document part (word/document.xml in every file Word writes)."""
        for rel in self.rels("").values():
            if rel.type == "officeDocument" and rel.target is not None:
                return rel.target
        if "word/document.xml" in self.parts:
            return "word/document.xml"
        raise ContentError(
            "the file is a zip archive but not a Word document (no document.xml inside)",
            code="damaged-document",
        )


@dataclass(frozen=True)
class _Opened:
    package: _Package
    body: Any
    styles: Any
    numbering: Any
    rels: dict[str, _Rel]


def _open_docx(data: bytes) -> _Opened:
    """The document's body, styles and numbering, or ContentError in plain words."""
    package = _Package(data)
    main = package.main_part()
    root = package.xml(main, body=True)
    body = root.find(_w("body"))
    if body is None:
        raise _damaged(f"{main} has no body")
    rels = package.rels(main)

    def related(kind: str) -> Any:
        name = next((r.target for r in rels.values() if r.type == kind and r.target), None)
        return package.xml(name) if name is not None else None

    return _Opened(package, body, related("styles"), related("numbering"), rels)


# --- styles and numbering -------------------------------------------------------------------


@dataclass(frozen=True)
class _StyleInfo:
    name: str = ""
    align: str | None = None
    bold: bool | None = None
    outline: int | None = None
    num: tuple[str, int] | None = None


def _on(el: Any) -> bool:
    """A Word on/off property element (<w:b/>, <w:vanish w:val="0"/>)."""
    val = el.get(_w("val"))
    return val is None or val.lower() not in ("0", "false", "off", "none")


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class _Styles:
    """Paragraph properties inherited through basedOn chains, looked up once per style id."""

    def __init__(self, root: Any) -> None:
        self._by_id: dict[str, Any] = {}
        self._cache: dict[str, _StyleInfo] = {}
        self._default_id: str | None = None
        if root is None:
            return
        for style in root.iter(_w("style")):
            sid = style.get(_w("styleId"))
            if sid:
                self._by_id[sid] = style
                if style.get(_w("type")) == "paragraph" and _on_default(style):
                    self._default_id = sid

    def info(self, style_id: str | None) -> _StyleInfo:
        sid = style_id or self._default_id
        if not sid:
            return _StyleInfo()
        if sid not in self._cache:
            self._cache[sid] = self._resolve(sid)
        return self._cache[sid]

    def _resolve(self, sid: str) -> _StyleInfo:
        name = ""
        align: str | None = None
        bold: bool | None = None
        outline: int | None = None
        num: tuple[str, int] | None = None
        seen: set[str] = set()
        current: str | None = sid
        while current and current not in seen and current in self._by_id:
            seen.add(current)
            style = self._by_id[current]
            if not name:
                name_el = style.find(_w("name"))
                name = (name_el.get(_w("val")) or "") if name_el is not None else ""
            ppr = style.find(_w("pPr"))
            if ppr is not None:
                jc = ppr.find(_w("jc"))
                if align is None and jc is not None:
                    align = jc.get(_w("val"))
                ol = ppr.find(_w("outlineLvl"))
                if outline is None and ol is not None:
                    outline = _int(ol.get(_w("val")), 9)
                numpr = ppr.find(_w("numPr"))
                if num is None and numpr is not None:
                    num = _num_ref(numpr)
            rpr = style.find(_w("rPr"))
            if bold is None and rpr is not None:
                b = rpr.find(_w("b"))
                if b is not None:
                    bold = _on(b)
            based = style.find(_w("basedOn"))
            current = based.get(_w("val")) if based is not None else None
        return _StyleInfo(name=name, align=align, bold=bold, outline=outline, num=num)


def _on_default(style: Any) -> bool:
    val = style.get(_w("default"))
    return val is not None and val.lower() in ("1", "true", "on")


def _num_ref(numpr: Any) -> tuple[str, int] | None:
    num_id = numpr.find(_w("numId"))
    ilvl = numpr.find(_w("ilvl"))
    if num_id is None:
        return None
    nid = num_id.get(_w("val")) or ""
    if nid in ("", "0"):  # numId 0 switches numbering off
        return None
    return nid, _int(ilvl.get(_w("val")) if ilvl is not None else None)


@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str
    start: int


class _Numbering:
    """Word's automatic list numbers, which live in numbering.xml and not in the text.

    Staff number headings 一、二、 with Word's list feature as often as by typing them; the
    marker must reach the screen, so it is generated here from the level's format."""

    def __init__(self, root: Any) -> None:
        self._levels: dict[tuple[str, int], _Level] = {}
        self._counters: dict[str, list[int]] = {}
        if root is None:
            return
        abstract: dict[str, dict[int, _Level]] = {}
        for an in root.iter(_w("abstractNum")):
            levels: dict[int, _Level] = {}
            for lvl in an.iter(_w("lvl")):
                fmt_el, text_el, start_el = (
                    lvl.find(_w("numFmt")),
                    lvl.find(_w("lvlText")),
                    lvl.find(_w("start")),
                )
                levels[_int(lvl.get(_w("ilvl")))] = _Level(
                    fmt=(fmt_el.get(_w("val")) or "decimal") if fmt_el is not None else "decimal",
                    text=(text_el.get(_w("val")) or "") if text_el is not None else "",
                    start=_int(start_el.get(_w("val")) if start_el is not None else None, 1),
                )
            abstract[an.get(_w("abstractNumId")) or ""] = levels
        for num in root.iter(_w("num")):
            ref = num.find(_w("abstractNumId"))
            levels = abstract.get(ref.get(_w("val")) or "", {}) if ref is not None else {}
            for ilvl, level in levels.items():
                self._levels[(num.get(_w("numId")) or "", ilvl)] = level

    def marker(self, ref: tuple[str, int]) -> str:
        """The next marker text for list `ref` ("一、", "1.", "•"), advancing its counter."""
        num_id, ilvl = ref
        level = self._levels.get(ref)
        if level is None:
            return ""
        ilvl = max(0, min(ilvl, 8))
        counters = self._counters.setdefault(num_id, [0] * 9)
        counters[ilvl] = (counters[ilvl] or level.start - 1) + 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        if level.fmt == "bullet":
            return "• "
        if level.fmt == "none":
            return ""

        def value(match: re.Match[str]) -> str:
            n = int(match.group(1)) - 1
            if not 0 <= n < 9:
                return ""
            lv = self._levels.get((num_id, n), level)
            return _format_number(counters[n] or lv.start, lv.fmt)

        text = _LEVEL_REF.sub(value, level.text[: 4 * MAX_MARKER_CHARS])[:MAX_MARKER_CHARS]
        # A marker ending in a Chinese comma or bracket is followed directly by the text;
        # "1." and the like get a space, as Word shows a tab there.
        return text if text.endswith(("、", "）", ")", "：")) else text + " "


_LEVEL_REF = re.compile(r"%([1-9])")
"""'%1.%2.' in a level's text: the numbers of the levels above and this one."""


def _format_number(n: int, fmt: str) -> str:
    if not 0 <= n <= 100_000:
        return str(n)  # a start value of a billion is no list a screen shows
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "ideographTraditional",
        "japaneseCounting",
        "chineseLegalSimplified",
        "taiwaneseCounting",
    ):
        return _chinese_number(n)
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else "a"
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt == "decimalEnclosedCircle" and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 0 or n >= 1000:
        return str(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += digits[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else digits[tens]) + "十"
    if ones:
        out += digits[ones]
    return out


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = ""
    for value, letters in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        while n >= value:
            out += letters
            n -= value
    return out


# --- walking the document -------------------------------------------------------------------

Chars = list[tuple[str, bool]]
"""Text as (character, bold) pairs, so that spans survive cleaning and splitting."""


@dataclass
class _Para:
    chars: Chars
    align: str | None
    style: _StyleInfo
    outline: int | None
    marker: str = ""
    table_row: bool = False
    header_row: bool = False
    indented: bool = False
    cells: tuple[str, ...] = ()
    """A table row's cells (three or more columns): handed to layout as a table."""
    table: int = 0
    """Which table of the document the row belongs to."""
    """Pushed to the right by a large indent."""


@dataclass
class _Walk:
    items: list[_Para] = field(default_factory=list)
    textboxes: int = 0
    tables: int = 0


def _run_chars(run: Any, bold: bool) -> Chars:
    out: Chars = []
    for child in run:
        tag = child.tag
        if tag == _w("t"):
            out.extend((c, bold) for c in child.text or "")
        elif tag == _w("tab") or tag == _w("ptab"):
            out.append(("\t", bold))
        elif tag in (_w("br"), _w("cr")):
            out.append(("\n", bold))
        elif tag == _w("noBreakHyphen"):
            out.append(("-", bold))
    return out


def _para_chars(p: Any, styles: _Styles, para_bold: bool | None, walk: _Walk) -> Chars:
    out: Chars = []

    def visit(el: Any) -> None:
        for child in el:
            tag = child.tag
            if tag == _w("r"):
                rpr = child.find(_w("rPr"))
                bold = para_bold
                if rpr is not None:
                    vanish = rpr.find(_w("vanish"))
                    if vanish is not None and _on(vanish):
                        continue
                    rstyle = rpr.find(_w("rStyle"))
                    if rstyle is not None:
                        rs_bold = styles.info(rstyle.get(_w("val"))).bold
                        bold = rs_bold if rs_bold is not None else bold
                    b = rpr.find(_w("b"))
                    if b is not None:
                        bold = _on(b)
                out.extend(_run_chars(child, bool(bold)))
            elif tag in (_w("del"), _w("moveFrom"), _w("pPr")):
                continue  # deleted text is not visible; properties are not text
            else:
                # hyperlink, ins, moveTo, smartTag, fldSimple, sdt/sdtContent, customXml …
                visit(child)

    visit(p)
    return out


def _paragraph(p: Any, styles: _Styles, numbering: _Numbering, walk: _Walk) -> _Para:
    ppr = p.find(_w("pPr"))
    style_id: str | None = None
    align: str | None = None
    outline: int | None = None
    num: tuple[str, int] | None = None
    explicit_num = False
    if ppr is not None:
        ps = ppr.find(_w("pStyle"))
        style_id = ps.get(_w("val")) if ps is not None else None
        jc = ppr.find(_w("jc"))
        align = jc.get(_w("val")) if jc is not None else None
        ol = ppr.find(_w("outlineLvl"))
        outline = _int(ol.get(_w("val")), 9) if ol is not None else None
        numpr = ppr.find(_w("numPr"))
        if numpr is not None:
            explicit_num = True
            num = _num_ref(numpr)
        ind = ppr.find(_w("ind"))
        indented = ind is not None and _indent_pushes_right(ind)
    else:
        indented = False
    style = styles.info(style_id)
    if not explicit_num:
        num = style.num
    chars = _para_chars(p, styles, style.bold, walk)
    marker = numbering.marker(num) if num is not None and any(c.strip() for c, _ in chars) else ""
    return _Para(
        chars=chars,
        align=align if align is not None else style.align,
        style=style,
        outline=outline if outline is not None else style.outline,
        marker=marker,
        indented=indented,
    )


_INDENT_TWIPS = 4_000
"""A left or first-line indent of about 7 cm (1440 twips an inch) pushes a line to the right
half of an A4 text block: how WPS users often place the signature instead of aligning it."""
_INDENT_CHARS = 1_400
"""The same in hundredths of a character (w:leftChars), 14 characters."""


def _indent_pushes_right(ind: Any) -> bool:
    twips = max(_int(ind.get(_w(k)), 0) for k in ("left", "start", "firstLine"))
    chars = max(_int(ind.get(_w(k)), 0) for k in ("leftChars", "startChars", "firstLineChars"))
    return twips >= _INDENT_TWIPS or chars >= _INDENT_CHARS


_PICTURE_TAGS = (f"{{{_A}}}blip", f"{{{_V}}}imagedata")


def _iter_shown(el: Any, tags: tuple[str, ...]) -> Iterator[Any]:
    """Descendants of el with these tags that belong to el itself: not the copies Word keeps
    in mc:Fallback for older readers, and not the contents of a text box inside el (a text
    box's paragraphs are read on their own)."""
    for found in el.iter(*tags):
        parent = found.getparent()
        while parent is not None and parent is not el:
            if parent.tag in (_MC_FALLBACK, _w("txbxContent")):
                break
            parent = parent.getparent()
        else:
            yield found


def _paragraph_items(
    p: Any, styles: _Styles, numbering: _Numbering, walk: _Walk, depth: int = 0
) -> list[_Para]:
    """A paragraph, followed by the paragraphs of the text boxes anchored in it.

    Notices made in WPS often put a line or two in a text box; the text must reach the
    screen, and right after its anchor paragraph is the best place that is known."""
    items = [_paragraph(p, styles, numbering, walk)]
    if depth >= MAX_TEXTBOX_DEPTH:
        return items
    for box in _iter_shown(p, (_w("txbxContent"),)):
        walk.textboxes += 1
        for child in _content_children(box):
            if child.tag == _w("p"):
                items += _paragraph_items(child, styles, numbering, walk, depth + 1)
    return items


def _content_children(el: Any) -> Iterator[Any]:
    """Block-level children, looking through content controls and custom XML wrappers."""
    for child in el:
        if child.tag in (_w("sdt"), _w("customXml"), _w("ins"), _w("moveTo")):
            inner = child.find(_w("sdtContent")) if child.tag == _w("sdt") else child
            if inner is not None:
                yield from _content_children(inner)
        elif child.tag in (_w("sdtContent"),):
            yield from _content_children(child)
        else:
            yield child


def _cell_chars(tc: Any, styles: _Styles, numbering: _Numbering, walk: _Walk, depth: int) -> Chars:
    """A cell's paragraphs (and nested tables) as one run of text."""
    parts: list[Chars] = []
    for child in _content_children(tc):
        if child.tag == _w("p"):
            for para in _paragraph_items(child, styles, numbering, walk):
                chars = [(c, False) for c in para.marker] + para.chars
                if any(c.strip() for c, _ in chars):
                    parts.append(chars)
        elif child.tag == _w("tbl") and depth < MAX_TABLE_DEPTH:
            for row, _, _cells in _table_rows(child, styles, numbering, walk, depth + 1):
                parts.append(row)
    out: Chars = []
    for i, chars in enumerate(parts):
        if i:
            out.append(("；" if not _ends_with_punct(out) else "", False))
        out.extend(chars)
    return [(c, b) for c, b in out if c]


def _ends_with_punct(chars: Chars) -> bool:
    """Does the text end (before any spaces) with a punctuation mark? Only the tail is
    looked at: this runs once per paragraph of a cell, over the cell's text so far."""
    for c, _ in reversed(chars):
        if c and not c.isspace():
            return c[-1] in "。；，、：！？;,.:!?"
    return False


def _table_rows(
    tbl: Any, styles: _Styles, numbering: _Numbering, walk: _Walk, depth: int
) -> Iterator[tuple[Chars, int, tuple[str, ...]]]:
    """Each row's text with the table's number of columns and, for three or more
    columns, its cells; empty rows are left out."""
    grid = tbl.find(_w("tblGrid"))
    columns = len(grid.findall(_w("gridCol"))) if grid is not None else 0
    for tr in _content_children(tbl):
        if tr.tag != _w("tr"):
            continue
        cells: list[Chars] = []
        slots: list[Chars] = []  # one per grid column, for the table's columns
        for tc in _content_children(tr):
            if tc.tag != _w("tc"):
                continue
            tcpr = tc.find(_w("tcPr"))
            vmerge = tcpr.find(_w("vMerge")) if tcpr is not None else None
            span = tcpr.find(_w("gridSpan")) if tcpr is not None else None
            wide = (span.get(_w("val")) or "1") if span is not None else "1"
            extra: list[Chars] = [[]] * (
                min(int(wide), 64) - 1 if wide.isdigit() and wide != "0" else 0
            )
            if vmerge is not None and (vmerge.get(_w("val")) or "continue") == "continue":
                slots += [[], *extra]
                continue  # the cell above, merged down: its text is already in that row
            chars = _strip(_clean(_cell_chars(tc, styles, numbering, walk, depth)))
            cells.append(chars)
            slots += [chars, *extra]
        filled = [c for c in cells if c]
        if not filled:
            continue
        row: Chars = []
        width = columns or len(cells)
        texts = tuple(_text(_collapse_spaces(c)) for c in slots) if width >= 3 else ()
        if width == 2 and len(cells) == 2 and cells[0] and cells[1]:
            key, value = cells
            row = key
            if row[-1][0] not in "：:":
                row = [*row, ("：", row[-1][1])]
            row = row + value
        else:
            for i, cell in enumerate(filled):
                if i:
                    row.extend((c, False) for c in ROW_SEPARATOR)
                row.extend(cell)
        yield row, width, texts


def _walk(doc: _Opened) -> _Walk:
    styles = _Styles(doc.styles)
    numbering = _Numbering(doc.numbering)
    walk = _Walk()
    for child in _content_children(doc.body):
        if child.tag == _w("p"):
            walk.items += _paragraph_items(child, styles, numbering, walk)
        elif child.tag == _w("tbl"):
            walk.tables += 1
            rows = _table_rows(child, styles, numbering, walk, 1)
            for i, (row, cells, texts) in enumerate(rows):
                # The first row of a wider table is usually its column headings: bold.
                header = i == 0 and cells >= 3
                walk.items.append(
                    _Para(
                        row,
                        None,
                        _StyleInfo(),
                        None,
                        table_row=True,
                        header_row=header,
                        cells=texts,
                        table=walk.tables,
                    )
                )
    return walk


# --- text cleaning --------------------------------------------------------------------------


def _clean(chars: Chars) -> Chars:
    """Drop control and private-use characters (Symbol-font bullets arrive as U+F0xx)."""
    out: Chars = []
    for c, b in chars:
        if c == "\t":
            out.append((" ", b))
        elif c == "\n" or not _CONTROL.match(c):
            out.append((c, b))
    return out


def _strip(chars: Chars) -> Chars:
    start, end = 0, len(chars)
    while start < end and chars[start][0].isspace():
        start += 1
    while end > start and chars[end - 1][0].isspace():
        end -= 1
    return chars[start:end]


def _leading_width(chars: Chars) -> float:
    """How far the text is pushed right by leading spaces, in character widths."""
    width = 0.0
    for c, _ in chars:
        if c == "\u3000":
            width += 1
        elif c == "\t":
            width += 2
        elif c.isspace():
            width += 0.5
        else:
            break
    return width


def _collapse_spaces(chars: Chars) -> Chars:
    """Runs of spaces inside a line (used to push text about) become one space."""
    out: Chars = []
    for c, b in chars:
        if c.isspace() and out and out[-1][0].isspace():
            continue
        out.append((c, b))
    return out


def _spans(chars: Chars) -> tuple[Span, ...]:
    if not any(b for _, b in chars):
        return ()
    # Grouped, then joined once: adding a character at a time to a span's text would copy
    # the span for every character of a long bold paragraph.
    return tuple(
        Span("".join(c for c, _ in group), bold) for bold, group in groupby(chars, key=_bold)
    )


def _bold(char: tuple[str, bool]) -> bool:
    return char[1]


def _text(chars: Chars) -> str:
    return "".join(c for c, _ in chars)


# --- classification -------------------------------------------------------------------------


@dataclass
class _Line:
    """One cleaned paragraph (or piece of one, split at a line break) awaiting its role."""

    chars: Chars
    align: Align | None
    pushed: bool
    para: _Para

    @property
    def text(self) -> str:
        return _text(self.chars)


_HEADING_STYLE = re.compile(r"(?:heading|标题)\s*([1-9])")


def _heading_level(line: _Line) -> int | None:
    style = line.para.style
    name = style.name.strip().lower()
    match = _HEADING_STYLE.fullmatch(name)
    if match:
        return min(4, int(match.group(1)))
    if line.para.outline is not None and 0 <= line.para.outline <= 8:
        return min(4, line.para.outline + 1)
    text = line.text
    # A numbered sentence (（一）镇机关全体干部；) is a list item of body text, not a heading.
    if len(text) <= HEADING_MAX_CHARS and not text.endswith(("：", ":", *"。；;，,！？!?")):
        for level, pattern in _HEADING_MARKERS:
            if pattern.match(text):
                return level
    return None


def _is_title_style(line: _Line) -> bool:
    return line.para.style.name.strip().lower() in ("title", "标题")


def _align(value: str | None) -> Align | None:
    if value in ("center",):
        return "center"
    if value in ("right", "end"):
        return "right"
    if value in ("both", "distribute", "justify"):
        return "justify"
    if value in ("left", "start"):
        return "left"
    return None


def _lines(walk: _Walk) -> list[_Line]:
    lines: list[_Line] = []
    for para in walk.items:
        chars = [(c, False) for c in para.marker] + _clean(para.chars)
        if para.table_row:
            pieces = [chars]
        else:
            pieces = [[]]
            for c, b in chars:
                if c == "\n":
                    pieces.append([])
                else:
                    pieces[-1].append((c, b))
        for piece in pieces:
            pushed = para.indented or _leading_width(piece) >= _SIGNATURE_INDENT
            stripped = _collapse_spaces(_strip(piece))
            if stripped:
                lines.append(_Line(stripped, _align(para.align), pushed, para))
    return lines


def _blocks(lines: list[_Line]) -> list[Block]:
    n = len(lines)
    roles: list[Role] = ["body"] * n

    # Title: Word's Title style, else the centred lines at the very top (a title may take
    # two or three lines), else a short bold first line.
    titled = [i for i, ln in enumerate(lines) if _is_title_style(ln)]
    if titled:
        for i in titled:
            roles[i] = "title"
    else:
        i = 0
        while (
            i < n
            and i < 3
            and lines[i].align == "center"
            and not lines[i].para.table_row
            and len(lines[i].text) <= 60
            and not _DATE.match(lines[i].text)
        ):
            roles[i] = "title"
            i += 1
        if (
            i == 0
            and n > 1
            and len(lines[0].text) <= 40
            and all(b for _, b in lines[0].chars)
            and _heading_level(lines[0]) is None
        ):
            roles[0] = "title"

    _mark_signature(lines, roles)

    blocks: list[Block] = []
    titles_only = True
    """Every block so far is a title: a flag, as asking the blocks at every line is quadratic."""
    for i, ln in enumerate(lines):
        if blocks:
            titles_only = titles_only and blocks[-1].role == "title"
        role = roles[i]
        text = ln.text
        if role == "title":
            blocks.append(Block("title", text, align="center"))
        elif role in ("signature", "date"):
            blocks.append(Block(role, text, align="right"))
        else:
            level = None if ln.para.table_row else _heading_level(ln)
            if ln.para.cells:
                _add_table_row(blocks, ln.para, text)
            elif level is not None:
                blocks.append(Block("heading", text, level=level, align=_body_align(ln.align)))
            else:
                chars = ln.chars
                if ln.para.header_row:
                    chars = [(c, True) for c, _ in chars]
                indent = (
                    not ln.para.table_row
                    and not ln.para.marker
                    and ln.align != "center"
                    and not (blocks and titles_only and _is_salutation(text))
                )
                blocks.append(
                    Block(
                        "body",
                        text,
                        align=_body_align(ln.align),
                        spans=_spans(chars),
                        indent=indent,
                    )
                )
    return [replace(b, level=None) if b.role == "table" else b for b in blocks]


def _add_table_row(blocks: list[Block], para: _Para, text: str) -> None:
    """A row of a table of three or more columns, joined to the table block before it when
    it is the same table: layout sets it in columns (or as rows of text if they do not fit)."""
    row = TableRow(text, para.cells, header=para.header_row)
    last = blocks[-1] if blocks else None
    if last is not None and last.role == "table" and last.level == -para.table:
        blocks[-1] = replace(last, text=f"{last.text}\n{text}", rows=(*last.rows, row))
    else:
        # level carries the table's number while its rows are gathered; cleared after.
        blocks.append(Block("table", text, level=-para.table, rows=(row,), indent=False))


def _mark_signature(lines: list[_Line], roles: list[Role]) -> None:
    """Signature and date: the issuing office and the date, pushed right, near the end.

    The date may be followed by a note or an attachment line (（此件公开发布）), so it is
    looked for among the last few lines; right-aligned lines just above it are the
    signature. Without a date, right-aligned lines ending the document are the signature."""
    n = len(lines)

    def free(i: int) -> bool:
        return roles[i] == "body" and not lines[i].para.table_row

    def right(i: int) -> bool:
        return lines[i].align == "right" or lines[i].pushed

    date = next(
        (
            i
            for i in range(n - 1, max(-1, n - 1 - _TAIL_LINES), -1)
            if free(i) and _DATE.match(lines[i].text.replace(" ", "")) and (right(i) or i == n - 1)
        ),
        None,
    )
    if date is not None:
        roles[date] = "date"
        above = range(date - 1, max(-1, date - 1 - _SIGNATURE_LINES), -1)
    else:
        above = range(n - 1, max(-1, n - 1 - _SIGNATURE_LINES), -1)
    for i in above:
        if not (free(i) and right(i) and len(lines[i].text) <= 40):
            break
        roles[i] = "signature"


def _is_salutation(text: str) -> bool:
    """The addressee line (各村（社区）：), set flush left when it is right under the title."""
    from signage.formats.structure import is_salutation

    return is_salutation(text)


def _body_align(align: Align | None) -> Align | None:
    """Only a deliberate centre or right is kept; left and justified are the role's default."""
    return align if align in ("center", "right") else None


# --- pictures -------------------------------------------------------------------------------

MAX_PICTURE_REFS = 2_000
"""Picture references looked at; past this the rest are not counted one by one."""
_PICTURE_HEAD_BYTES = 2_000_000
"""Enough of a picture for Pillow to read its header (JPEG markers come after EXIF)."""


def _picture_refs(body: Any) -> Iterator[tuple[str | None, bool]]:
    """(relationship id, embedded?) of each picture shown in the body, in document order.

    Not the copies Word keeps in mc:Fallback for older readers, nor pictures in deleted
    text or in hidden runs: the same rules as the text."""
    hidden = (_MC_FALLBACK, _w("del"), _w("moveFrom"))
    for el in body.iter(*_PICTURE_TAGS):
        shown = True
        for anc in el.iterancestors():
            if anc.tag in hidden:
                shown = False
                break
            if anc.tag == _w("r"):
                vanish = anc.find(f"{_w('rPr')}/{_w('vanish')}")
                if vanish is not None and _on(vanish):
                    shown = False
                    break
        if not shown:
            continue
        embed = el.get(f"{{{_R}}}embed") or el.get(f"{{{_R}}}id")
        yield (embed, True) if embed else (el.get(f"{{{_R}}}link"), False)


@dataclass(frozen=True)
class _Pictures:
    names: tuple[str, ...]
    """Parts of the pictures that are shown, in order, each once."""
    missing: int = 0
    """Referenced but not inside the file: linked from outside, or lost."""
    unshowable: int = 0
    """Inside, but not a photo format the player shows (EMF/WMF drawings), or damaged."""
    more: int = 0
    """Good pictures past MAX_IMAGES."""

    def warnings(self) -> list[str]:
        out: list[str] = []
        if self.names:
            out.append(
                f"the document contains {len(self.names)} picture(s); "
                "they are shown as separate pages"
            )
        if self.missing:
            out.append(
                f"{self.missing} picture(s) the document refers to are not inside the file "
                "(linked from elsewhere, or lost when it was saved); they are not shown"
            )
        if self.unshowable:
            out.append(
                f"{self.unshowable} picture(s) are drawings (EMF/WMF) or damaged and are not shown"
            )
        if self.more:
            out.append(f"only the first {MAX_IMAGES} pictures are shown ({self.more} more)")
        return out


def _pictures(doc: _Opened, *, verify: bool) -> _Pictures:
    """The pictures of an opened document: those embedded in it whose header passes the
    checks every picture gets (`images.probe_image`, on the first `_PICTURE_HEAD_BYTES`).
    Reading and drawing both decide this way, so picture n is the same picture for both.

    With `verify` (when reading), each picture kept is also inflated whole, so that a
    damaged or oversized one refuses the document now rather than failing a page later."""
    from signage.formats.images import probe_image

    names: list[str] = []
    seen: set[str] = set()
    missing = unshowable = more = 0
    for count, (rid, embedded) in enumerate(_picture_refs(doc.body)):
        if count >= MAX_PICTURE_REFS:
            break
        rel = doc.rels.get(rid) if rid and embedded else None
        name = rel.target if rel is not None else None
        if name is None:
            missing += 1
            continue
        if name in seen:
            continue  # the same picture inserted twice is one picture page
        seen.add(name)
        if len(names) >= MAX_IMAGES:
            more += 1
            continue
        try:
            probe_image(doc.package.read_head(name, _PICTURE_HEAD_BYTES))
        except ContentError:
            unshowable += 1
            continue
        if verify:
            doc.package.read(name, MAX_PICTURE_BYTES)
        names.append(name)
    return _Pictures(tuple(names), missing, unshowable, more)


# --- public ---------------------------------------------------------------------------------


def read_docx_document(data: bytes) -> tuple[Document, int, tuple[str, ...]]:
    """The Document in a .docx's bytes, its number of pictures, and warnings about what
    could not be shown."""
    doc = _open_docx(data)
    walk = _walk(doc)
    blocks = _blocks(_lines(walk))
    pictures = _pictures(doc, verify=True)
    warnings = pictures.warnings()
    if walk.textboxes:
        warnings.append(
            f"the document has {walk.textboxes} text box(es); their text is shown after the "
            "paragraph each is anchored to"
        )
    titles = [b.text for b in blocks if b.role == "title"]
    document = Document(title="".join(titles) or None, blocks=tuple(blocks))
    return document, len(pictures.names), tuple(warnings)


def read_docx_slide(rel: str, data: bytes, settings: Settings) -> Slide:
    """A .docx as a notice (short) or document (long); ContentError if it cannot be read.

    A document with pictures but no text gives a Slide with no blocks: its pictures
    (`docx_picture`) are the pages."""
    del settings  # nothing in a .docx depends on the settings yet; kept for the reader shape

    document, images, warnings = read_docx_document(data)
    if not document.blocks and not images:
        raise ContentError("the Word document contains no text", code="empty-document")
    chars = sum(len(b.text) for b in document.blocks)
    first_heading = next((b.text for b in document.blocks if b.role == "heading"), None)
    title = document.title or first_heading or PurePosixPath(rel).stem
    return Slide(
        path=rel,
        kind="notice" if chars < NOTICE_MAX_CHARS else "document",
        title=title,
        body=document,
        digest=hashlib.sha256(data).hexdigest(),
        warnings=warnings,
        pictures=images,
    )


def docx_picture(data: bytes, index: int) -> bytes:
    """The bytes of picture `index` (0-based) of a .docx: the same pictures, in the same
    order, as `read_docx_slide` counted in `Slide.pictures`. Only that one is inflated.
    ContentError as for reading, and "damaged-document" for an index it does not have."""
    doc = _open_docx(data)
    names = _pictures(doc, verify=False).names
    if not 0 <= index < len(names):
        raise ContentError(
            f"the document has no picture {index + 1} (it has {len(names)})",
            code="damaged-document",
        )
    return doc.package.read(names[index], MAX_PICTURE_BYTES)


def docx_images(data: bytes) -> list[bytes]:
    """The bytes of every picture `docx_picture` gives, in order (at most MAX_IMAGES, and
    MAX_UNCOMPRESSED_BYTES in all)."""
    doc = _open_docx(data)
    return [doc.package.read(n, MAX_PICTURE_BYTES) for n in _pictures(doc, verify=False).names]
