"""Hostile files: one generator for each way a file in the content folder can attack the player.

Every case has a stable `name`, the place it goes under a content root (`rel`), what must come
of it (`code`: the problem it is listed with; None: it plays, perhaps with a `warning`), and
`make(root)`, which writes it there at test time. Nothing big is committed or written: large
files are sparse, or compress to a few kilobytes (a deflate stream of zeros is built by
repeating one fully flushed block, so a gigabyte of zeros costs a millisecond).

`kind` says who meets the file first: "slide" files are read by `formats.registry.read_slide`
(tests/test_hostile.py reads every one under a memory limit); "playlist" and "settings" files
by the playlist checker and `load_settings`; "folder" cases (links, deep or unreadable folders)
by the walk in `core.paths.walk_files`. The player's end-to-end suite can drop any of them into
a running player and wait for `rel` in the status file's problems with `code`.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tests.office_fixtures import pdf_from_objects

Kind = Literal["slide", "playlist", "settings", "folder"]


@dataclass(frozen=True)
class Hostile:
    name: str
    """Stable: tests and the end-to-end suite refer to cases by it."""
    rel: str
    """Where the case goes under the content root ("slides/x.docx", "signage.yaml", "slides")."""
    code: str | None
    """The problem code it must be refused with; None: it must play (a Slide)."""
    make: Callable[[Path], None]
    """Writes the case under the given content root (parent folders created)."""
    about: str
    kind: Kind = "slide"
    warning: str = ""
    """For a case that plays: a word its Slide's warnings must contain."""
    hole: int | None = None
    """The hole's number in issue 15, where it is one of those."""
    needs: Literal["", "root", "non-root"] = ""
    """"root": only root can make it (a device node); "non-root": only an unprivileged
    reader meets the problem (root reads a folder of mode 000)."""
    worker_limit: bool = False
    """The reader cannot bound this one in-process: it must die under the worker's memory
    limit (PDFium aborts on a failed allocation), and `code` is what the worker boundary
    reports then."""


# --- building blocks ----------------------------------------------------------------------------


def _target(root: Path, rel: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _writer(rel: str, build: Callable[[], bytes]) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        _target(root, rel).write_bytes(build())

    return make


def deflate_zeros(size: int, *, raw: bool = False, block: int = 1 << 20) -> bytes:
    """A deflate stream that inflates to `size` zero bytes, built in a blink: one fully
    flushed block compresses the same every time, so it is repeated. zlib-wrapped (for PDF
    and PNG) unless `raw` (for zip); the zlib checksum is computed without the data."""
    wbits = -15 if raw else 15
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    head = c.compress(b"")
    piece = c.compress(bytes(block)) + c.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(size, block)
    tail_c = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = tail_c.compress(bytes(rest)) + tail_c.flush()
    body = head + piece * count + tail
    if raw:
        return body
    # adler32 of n zeros: a = 1, b = n mod 65521.
    return body + struct.pack(">I", ((size % 65521) << 16) | 1)


def zeros_crc(size: int) -> int:
    crc = 0
    chunk = bytes(1 << 22)
    left = size
    while left > 0:
        crc = zlib.crc32(chunk[: min(left, len(chunk))], crc)
        left -= len(chunk)
    return crc


def raw_zip(members: Iterable[tuple[str, bytes, int, int, int, int]]) -> bytes:
    """A zip from (name, data as stored, method, crc, compressed size, declared size): the
    directory says what it is told, true or not."""
    out = io.BytesIO()
    central = io.BytesIO()
    count = 0
    for name, data, method, crc, csize, usize in members:
        offset = out.tell()
        raw_name = name.encode()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, csize, usize, len(raw_name), 0
            )
            + raw_name
            + data
        )
        fields = (0x02014B50, 20, 20, 0, method, 0, 0, crc, csize, usize, len(raw_name))
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", *fields, 0, 0, 0, 0, 0, offset) + raw_name)
        count += 1
    start = out.tell()
    cd = central.getvalue()
    out.write(cd)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(cd), start, 0))
    return out.getvalue()


# --- Word -----------------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels"'
    ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="png" ContentType="image/png"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)


def document_xml(body: str, *, prolog: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        + prolog
        + f'<w:document xmlns:w="{_W}" xmlns:r="{_R}"'
        ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
        ' xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"'
        ' xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
        f"<w:body>{body}</w:body></w:document>"
    ).encode()


def para(text: str, *, bold: bool = False, style: str = "") -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def picture(rid: str, *, attribute: str = "embed") -> str:
    return (
        "<w:p><w:r><w:drawing><wp:inline><a:graphic><a:graphicData><pic:pic><pic:blipFill>"
        f'<a:blip r:{attribute}="{rid}"/></pic:blipFill></pic:pic></a:graphicData></a:graphic>'
        "</wp:inline></w:drawing></w:r></w:p>"
    )


def docx(
    document: bytes,
    *,
    rels: Iterable[tuple[str, str, str, str]] = (),
    parts: Iterable[tuple[str, bytes]] = (),
) -> bytes:
    """A .docx from document.xml, its relationships (id, type, target, mode) and more parts."""
    rel_xml = "".join(
        f'<Relationship Id="{rid}" Type="{_REL}/{kind}" Target="{target}"'
        + (f' TargetMode="{mode}"' if mode else "")
        + "/>"
        for rid, kind, target, mode in rels
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _PACKAGE_RELS)
        z.writestr("word/document.xml", document)
        z.writestr(
            "word/_rels/document.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rel_xml}</Relationships>",
        )
        for name, data in parts:
            z.writestr(name, data)
    return out.getvalue()


def small_png(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()


def _docx_declared_small() -> bytes:
    """word/document.xml says 2 KB in the zip directory and inflates to a gigabyte."""
    honest = docx(document_xml(para("通知")))
    members = []
    with zipfile.ZipFile(io.BytesIO(honest)) as z:
        for info in z.infolist():
            data = z.read(info)
            if info.filename == "word/document.xml":
                bomb = deflate_zeros(1 << 30, raw=True)
                members.append((info.filename, bomb, 8, zlib.crc32(data), len(bomb), 2048))
            else:
                members.append((info.filename, data, 0, zlib.crc32(data), len(data), len(data)))
    return raw_zip(members)


def _docx_honest_bomb() -> bytes:
    """A picture part that says, truthfully, that it is 1 GB."""
    size = 1 << 30
    honest = docx(document_xml(para("通知")))
    members = []
    with zipfile.ZipFile(io.BytesIO(honest)) as z:
        for info in z.infolist():
            data = z.read(info)
            members.append((info.filename, data, 0, zlib.crc32(data), len(data), len(data)))
    bomb = deflate_zeros(size, raw=True)
    members.append(("word/media/image1.png", bomb, 8, 0, len(bomb), size))
    return raw_zip(members)


def _docx_many_paragraphs() -> bytes:
    # The file: one-character paragraphs, 39 MB of XML in a 114 KB file.
    return docx(document_xml("<w:p><w:r><w:t>字</w:t></w:r></w:p>" * 1_000_000))


def _docx_missing_pictures() -> bytes:
    return docx(document_xml(para("见下图：") + picture("rId99") * 5000 + para("以上。")))


def _docx_same_picture_twice() -> bytes:
    return docx(
        document_xml(para("同一张图插入两次：") + picture("rId5") + picture("rId5")),
        rels=[("rId5", "image", "media/image1.png", "")],
        parts=[("word/media/image1.png", small_png())],
    )


def _docx_external_picture() -> bytes:
    return docx(
        document_xml(para("链接的图片：") + picture("rId7", attribute="link") + picture("rId8")),
        rels=[
            ("rId7", "image", "http://192.0.2.1/tracker.png", "External"),
            ("rId8", "image", "file:///etc/passwd", "External"),
        ],
    )


def _docx_path_traversal() -> bytes:
    return docx(
        document_xml(para("图片路径跳出压缩包：") + picture("rId3")),
        rels=[("rId3", "image", "../../../../../../etc/passwd", "")],
    )


def _docx_entity_bomb() -> bytes:
    entities = '<!ENTITY a "aaaaaaaaaaaaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 20}">' for i in range(9)
    )
    return docx(document_xml(para("&j;"), prolog=f"<!DOCTYPE w:document [{entities}]>"))


def _docx_external_entity() -> bytes:
    return docx(
        document_xml(
            para("&x;"), prolog='<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        )
    )


def _docx_deep_nesting() -> bytes:
    inner = para("很深")
    for _ in range(400):
        inner = f"<w:sdt><w:sdtContent>{inner}</w:sdtContent></w:sdt>"
    return docx(document_xml(inner))


def _docx_long_bold_paragraph() -> bytes:
    return docx(document_xml(para("重要" * 200_000, bold=True)))


def _docx_many_titles() -> bytes:
    return docx(document_xml(para("标题", style="Title") * 8000 + para("正文") * 8000))


def _docx_numbering_start() -> bytes:
    numbering = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:numbering xmlns:w="{_W}">'
        '<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="999999999999"/>'
        '<w:numFmt w:val="lowerLetter"/><w:lvlText w:val="' + "%1" * 5000 + '"/></w:lvl>'
        '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>'
    )
    body = (
        '<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>'
        "<w:r><w:t>编号</w:t></w:r></w:p>"
    )
    return docx(
        document_xml(body),
        rels=[("rId2", "numbering", "numbering.xml", "")],
        parts=[("word/numbering.xml", numbering.encode())],
    )


def _docx_many_entries() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _PACKAGE_RELS)
        z.writestr("word/document.xml", document_xml(para("通知")))
        for i in range(6000):
            z.writestr(f"word/x/{i}.xml", b"")
    return out.getvalue()


def _zip_directory_bomb(entries: int) -> bytes:
    """A central directory of `entries` entries, every one pointing at the same local header."""
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0) + b"a"
    fields = (0x02014B50, 20, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0)
    directory = (struct.pack("<IHHHHHHIIIHHHHHII", *fields) + b"a") * entries
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, len(directory), len(local), 0)
    return local + directory + end


def _docx_picture_bomb_inside() -> bytes:
    return docx(
        document_xml(para("图片像素大得不正常：") + picture("rId4")),
        rels=[("rId4", "image", "media/image1.png", "")],
        parts=[("word/media/image1.png", png_header_only(60_000, 60_000))],
    )


# --- pictures -----------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height, with a token of pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _chunk(b"IEND", b"")
    )


def png_of_zeros(width: int, height: int, *, extra: bytes = b"") -> bytes:
    """A valid black RGB PNG of any size: every row is the same, so the stream repeats."""
    row = bytes(1 + 3 * width)  # filter byte 0 and black pixels
    rows_per_block = max(1, (1 << 20) // len(row))
    c = zlib.compressobj(9)
    head = c.compress(b"")
    block = c.compress(row * rows_per_block) + c.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(height, rows_per_block)
    tail_c = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = tail_c.compress(row * rest) + tail_c.flush()
    # Rows of zeros: adler32's sum a stays 1, and b grows by one a byte.
    adler = (((len(row) * height) % 65521) << 16) | 1
    idat = head + block * count + tail + struct.pack(">I", adler)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + extra
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def _png_text_bomb(kind: bytes) -> bytes:
    keyword = b"ICC" if kind == b"iCCP" else b"Comment"
    bomb = deflate_zeros(200_000_000)
    return png_of_zeros(64, 64, extra=_chunk(kind, keyword + b"\0\0" + bomb))


def _gif_many_frames(frames: int = 5000) -> bytes:
    out = io.BytesIO()
    out.write(b"GIF89a" + struct.pack("<HHBBB", 16, 16, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff")
    frame = (
        b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # graphic control: 1/100 s
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        + b"\x02\x02\x44\x01\x00"  # LZW min code 2, one tiny sub-block
    )
    out.write(b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")
    out.write(frame * frames)
    out.write(b"\x3b")
    return out.getvalue()


def _jpeg(progressive: bool, size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (90, 140, 200)).save(out, "JPEG", progressive=progressive)
    return out.getvalue()


def _jpeg_claiming(width: int, height: int, *, progressive: bool) -> bytes:
    """A small JPEG whose frame header (SOF) is rewritten to claim width x height."""
    data = bytearray(_jpeg(progressive))
    marker = b"\xff\xc2" if progressive else b"\xff\xc0"
    at = data.index(marker)
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def _webp_claiming(width: int, height: int) -> bytes:
    """A lossless WebP whose header is rewritten to claim width x height (14 bits each)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(out, "WEBP", lossless=True)
    data = bytearray(out.getvalue())
    at = data.index(b"VP8L") + 8  # chunk header, then the signature byte 0x2f
    bits = (
        (width - 1)
        | ((height - 1) << 14)
        | (int.from_bytes(data[at + 1 : at + 5], "little") & ~0xFFFFFFF)
    )
    data[at + 1 : at + 5] = bits.to_bytes(4, "little")
    return bytes(data)


def _tiff() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 0, 0)).save(out, "TIFF")
    return out.getvalue()


def _bmp_claiming(width: int, height: int) -> bytes:
    header = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return (
        b"BM"
        + struct.pack("<IHHI", 14 + len(header) + 16, 0, 0, 14 + len(header))
        + header
        + bytes(16)
    )


# --- PDF -----------------------------------------------------------------------------------------


def _pdf_page(
    content: bytes, *, filtered: bool = True, extra_objects: Iterable[bytes] = ()
) -> bytes:
    filt = b" /Filter /FlateDecode" if filtered else b""
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 6 0 R >> >> /Contents 5 0 R >>",
            b"<< /Length %d%s >>\nstream\n" % (len(content), filt) + content + b"\nendstream",
            *extra_objects,
        ]
    )


def repeated_flate(unit: bytes, times: int) -> bytes:
    """zlib data of `unit` repeated `times` times, built from one flushed block."""
    per_block = max(1, (1 << 20) // len(unit))
    c = zlib.compressobj(9)
    head = c.compress(b"")
    block = c.compress(unit * per_block) + c.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(times, per_block)
    tail_c = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = tail_c.compress(unit * rest) + tail_c.flush()
    adler = 1
    chunk = unit * per_block
    for _ in range(count):
        adler = zlib.adler32(chunk, adler)
    adler = zlib.adler32(unit * rest, adler)
    return head + block * count + tail + struct.pack(">I", adler)


def _pdf_operators(times: int) -> bytes:
    return _pdf_page(repeated_flate(b"0 0 m 1 1 l S\n", times))


def _pdf_objects_under_stream_cap() -> bytes:
    # 400,000 rectangles: 5 MB of content, under the stream cap, over the object cap.
    return _pdf_page(repeated_flate(b"1 1 1 1 re f\n", 400_000))


def _pdf_many_content_streams(streams: int = 12) -> bytes:
    """One page drawn from twelve content streams, each under the scan's limit for one
    stream: about 6.8 million objects, over 2 GB in PDFium."""
    content = repeated_flate(b"1 1 1 1 re f\n", 570_000)
    refs = b" ".join(b"%d 0 R" % (5 + i) for i in range(streams))
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [" + refs + b"] >>",
            *(
                b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
                + content
                + b"\nendstream"
                for _ in range(streams)
            ),
        ]
    )


def _pdf_flate_bomb() -> bytes:
    return _pdf_page(deflate_zeros(1 << 30))


def _pdf_image_bomb(kind: bytes) -> bytes:
    image = (
        b"<< /Type /XObject /Subtype /Image /Width 60000 /Height 60000 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 1 /Filter /"
        + kind
        + b" /Length 8 >>\nstream\n\0\0\0\0\0\0\0\0\nendstream"
    )
    return _pdf_page(b"q 595 0 0 842 0 0 cm /Im1 Do Q", filtered=False, extra_objects=[image])


def _pdf_deep_nesting() -> bytes:
    deep = b"[" * 100_000 + b"]" * 100_000
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Deep " + deep + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        ]
    )


def _pdf_many_pages() -> bytes:
    kids = b" ".join([b"3 0 R"] * 100_000)
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count 100000 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        ]
    )


def _pdf_million_characters() -> bytes:
    return _pdf_page(b"BT /F1 1 Tf 10 10 Td (" + b"a" * 1_000_000 + b") Tj ET", filtered=False)


# --- text ----------------------------------------------------------------------------------------


def _gb18030_four_byte() -> bytes:
    # Characters outside the BMP and rare Han from CJK Extension B: four bytes in GB18030.
    text = "关于𠀀𠀁𡈽𪚥通知：本周六停水。" * 200
    return text.encode("gb18030")


def _front_matter(yaml_text: str, body: str = "正文。") -> bytes:
    return f"---\n{yaml_text}\n---\n{body}\n".encode()


def alias_bomb(levels: int = 12, width: int = 8) -> str:
    """Under any alias cap (96 aliases by default) and over any expansion: 8**12 values."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines)


def nested(levels: int = 500) -> str:
    return "[" * levels + "]" * levels


def _meeting(extra: str) -> bytes:
    return (
        "kind: meeting\ntitle: 镇党委理论学习中心组学习会\nstart: 2026-12-03 14:30\n"
        "place: 三楼会议室\n" + extra
    ).encode()


def _fifo(rel: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        os.mkfifo(_target(root, rel))

    return make


def _device(rel: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        os.mknod(_target(root, rel), stat.S_IFCHR | 0o644, os.makedev(1, 5))  # /dev/zero

    return make


def _sparse(rel: str, size: int) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        with _target(root, rel).open("wb") as fh:
            fh.truncate(size)

    return make


def _link(rel: str, to: str, *, folder: bool = True) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        link = root / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        if rel != "slides":
            (root / "slides").mkdir(exist_ok=True)
        link.symlink_to(to, target_is_directory=folder)

    return make


def _deep_folder(levels: int) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        folder = root / "slides"
        for i in range(levels):
            folder = folder / f"{i + 1}"
        folder.mkdir(parents=True)
        (folder / "深处的通知.txt").write_text("很深的文件夹里的通知。", encoding="utf-8")

    return make


def _locked_folder(root: Path) -> None:
    folder = _target(root, "slides/锁住的文件夹/x")
    folder.mkdir()
    (folder / "通知.txt").write_text("通知", encoding="utf-8")
    folder.chmod(0)


def _sibling_link(root: Path) -> None:
    real = _target(root, "slides/本周/通知.txt")
    real.write_text("本周通知。", encoding="utf-8")
    (root / "slides" / "本周副本").symlink_to("本周", target_is_directory=True)


def _many_entries(root: Path) -> None:
    folder = root / "slides" / "成堆"
    folder.mkdir(parents=True)
    for i in range(20_050):
        (folder / f"{i}.tmp.txt").touch()


GLOB_BOMB = "*a" * 12 + "*b"
"""A playlist glob whose stars a backtracking matcher tries in every split of a long name."""


def _glob_bomb(root: Path) -> None:
    _target(root, "playlists/通配.yaml").write_text(
        f'items:\n  - slides: "{GLOB_BOMB}"\n', encoding="utf-8"
    )
    _target(root, "slides/" + "a" * 60 + ".txt").write_text("通知", encoding="utf-8")


def _playlist(text: str) -> Callable[[], bytes]:
    return lambda: text.encode()


# --- the cases ---------------------------------------------------------------------------------

MB = 1_000_000

CASES: tuple[Hostile, ...] = (
    # YAML (holes 1 and 5)
    Hostile(
        "yaml-meeting-nested-500",
        "slides/会议/嵌套.yaml",
        "yaml-too-complex",
        _writer("slides/会议/嵌套.yaml", lambda: _meeting(f"agenda: {nested()}\n")),
        "a meeting with a list nested 500 levels deep",
        hole=1,
    ),
    Hostile(
        "yaml-playlist-nested-500",
        "playlists/嵌套.yaml",
        "yaml-too-complex",
        _writer("playlists/嵌套.yaml", _playlist(f"items: {nested()}\n")),
        "a playlist nested 500 levels deep",
        kind="playlist",
        hole=1,
    ),
    Hostile(
        "yaml-settings-nested-500",
        "signage.yaml",
        "yaml-too-complex",
        _writer("signage.yaml", _playlist(f"organisation: {nested()}\n")),
        "the content's signage.yaml nested 500 levels deep",
        kind="settings",
        hole=1,
    ),
    Hostile(
        "yaml-meeting-alias-bomb",
        "slides/会议/炸弹.yaml",
        "yaml-too-complex",
        _writer("slides/会议/炸弹.yaml", lambda: _meeting(alias_bomb() + "\nagenda: *a12\n")),
        "96 aliases over 12 levels: 8**12 values once expanded",
        hole=5,
    ),
    Hostile(
        "yaml-front-matter-alias-bomb",
        "slides/通知/炸弹.txt",
        "yaml-too-complex",
        _writer("slides/通知/炸弹.txt", lambda: _front_matter(alias_bomb() + "\ntitle: *a12")),
        "front matter whose title is an alias bomb (the error message must not expand it)",
        hole=5,
    ),
    Hostile(
        "yaml-playlist-alias-bomb",
        "playlists/炸弹.yaml",
        "yaml-too-complex",
        _writer("playlists/炸弹.yaml", _playlist(alias_bomb() + "\nitems: *a12\n")),
        "a playlist that is an alias bomb",
        kind="playlist",
        hole=5,
    ),
    Hostile(
        "yaml-recursive-alias",
        "slides/会议/自引用.yaml",
        "yaml-too-complex",
        _writer("slides/会议/自引用.yaml", lambda: _meeting("agenda: &x [a, *x]\n")),
        "a list that contains itself",
    ),
    Hostile(
        "yaml-meeting-100000-agenda-items",
        "slides/会议/十万条.yaml",
        "yaml-too-complex",
        _writer("slides/会议/十万条.yaml", lambda: _meeting("agenda:\n" + "  - 议程\n" * 100_000)),
        "a meeting with 100,000 agenda items",
    ),
    Hostile(
        "yaml-meeting-61-agenda-items",
        "slides/会议/六十一条.yaml",
        "meeting-field",
        _writer("slides/会议/六十一条.yaml", lambda: _meeting("agenda:\n" + "  - 议程\n" * 61)),
        "a meeting with more agenda items than a screen can ever show",
    ),
    Hostile(
        "yaml-meeting-60000-blank-lines",
        "slides/会议/空行.yaml",
        None,
        _writer("slides/会议/空行.yaml", lambda: _meeting("\n" * 60_000 + "host: 张三\n")),
        "a meeting with 60,000 blank lines (a regex that rescanned them took minutes)",
        hole=4,
    ),
    Hostile(
        "yaml-meeting-5000-digit-number",
        "slides/会议/长数字.yaml",
        "yaml-syntax",
        _writer("slides/会议/长数字.yaml", lambda: _meeting("duration: " + "9" * 5000 + "\n")),
        "a number of 5,000 digits (int() refuses it with ValueError)",
    ),
    Hostile(
        "yaml-meeting-400-digit-duration",
        "slides/会议/大数字.yaml",
        "meeting-field",
        _writer("slides/会议/大数字.yaml", lambda: _meeting("duration: " + "9" * 400 + "\n")),
        "a duration too large for a float (OverflowError)",
    ),
    Hostile(
        "yaml-meeting-megabyte-title",
        "slides/会议/长标题.yaml",
        "meeting-field",
        _writer(
            "slides/会议/长标题.yaml",
            lambda: (
                "kind: meeting\nstart: 2026-12-03 14:30\ntitle: " + "很长" * 300_000 + "\n"
            ).encode(),
        ),
        "a meeting title of 600,000 characters",
    ),
    Hostile(
        "yaml-meeting-start-of-spaces",
        "slides/会议/空格时间.yaml",
        "meeting-field",
        _writer(
            "slides/会议/空格时间.yaml",
            lambda: (
                "kind: meeting\ntitle: 会\nstart: '2026年12月3日（" + " " * 300_000 + "x'\n"
            ).encode(),
        ),
        "a start time with 300,000 spaces (the weekday pattern rescanned them)",
        hole=4,
    ),
    Hostile(
        "playlist-glob-backtracking",
        "playlists/通配.yaml",
        None,
        _glob_bomb,
        "a valid playlist whose glob (12 stars) meets a file named with 60 letters: the "
        "planner's glob regex backtracks for hours (schedule/planner.py, not a reader)",
        kind="playlist",
    ),
    Hostile(
        "yaml-settings-sparse-50gb",
        "signage.yaml",
        "too-large",
        _sparse("signage.yaml", 50 * 10**9),
        "signage.yaml as a 50 GB sparse file (it was read whole)",
        kind="settings",
        hole=11,
    ),
    Hostile(
        "yaml-settings-fifo",
        "signage.yaml",
        "not-a-file",
        _fifo("signage.yaml"),
        "signage.yaml as a FIFO (reading it would block for ever)",
        kind="settings",
    ),
    # text
    Hostile(
        "text-markdown-heading-4000-spaces",
        "slides/通知/标题.md",
        None,
        _writer("slides/通知/标题.md", lambda: ("# a" + " " * 4000 + "b\n\n正文。\n").encode()),
        "a Markdown heading with 4,000 spaces (45 s of backtracking)",
        hole=4,
    ),
    Hostile(
        "text-2mb-single-line",
        "slides/通知/一行.txt",
        None,
        _writer("slides/通知/一行.txt", lambda: b"a" * 1_999_000),
        "one Latin 'word' of 2 MB on one line",
        hole=3,
    ),
    Hostile(
        "text-million-combining-marks",
        "slides/通知/叠加符号.txt",
        None,
        _writer("slides/通知/叠加符号.txt", lambda: ("通知a" + "\u0301" * 900_000).encode()),
        "900,000 combining accents stacked on one letter",
    ),
    Hostile(
        "text-bidi-overrides",
        "slides/通知/反向.txt",
        None,
        _writer(
            "slides/通知/反向.txt", lambda: "关于\u202e知通停\u202c的通知\u2066x\u2069。".encode()
        ),
        "right-to-left overrides and isolates that turn text around",
    ),
    Hostile(
        "text-nul-bytes",
        "slides/通知/空字节.txt",
        "not-text",
        _writer("slides/通知/空字节.txt", lambda: "通知".encode() + b"\0" * 5000 + b"x"),
        "text with thousands of NUL bytes",
    ),
    Hostile(
        "text-utf8-surrogates",
        "slides/通知/代理.txt",
        "not-text",
        _writer(
            "slides/通知/代理.txt",
            lambda: "通知：".encode() + b"\xed\xa0\x80\xed\xb0\x80" * 3 + "停水。".encode(),
        ),
        "UTF-8 with encoded lone surrogates (CESU-8)",
    ),
    Hostile(
        "text-utf16-lone-surrogate",
        "slides/通知/utf16.txt",
        "not-text",
        _writer(
            "slides/通知/utf16.txt",
            lambda: (
                b"\xff\xfe" + "通知".encode("utf-16-le") + b"\x00\xd8" + "停水".encode("utf-16-le")
            ),
        ),
        "UTF-16 with a lone high surrogate",
    ),
    Hostile(
        "text-utf16-odd-length",
        "slides/通知/奇数.txt",
        "not-text",
        _writer(
            "slides/通知/奇数.txt", lambda: b"\xff\xfe" + "通知停水".encode("utf-16-le") + b"\x41"
        ),
        "UTF-16 with an odd number of bytes",
    ),
    Hostile(
        "text-gb18030-four-byte",
        "slides/通知/四字节.txt",
        None,
        _writer("slides/通知/四字节.txt", _gb18030_four_byte),
        "GB18030 with four-byte sequences (Extension B Han)",
    ),
    Hostile(
        "text-random-bytes",
        "slides/通知/乱码.txt",
        "not-text",
        _writer(
            "slides/通知/乱码.txt", lambda: bytes((i * 7919 + 13) % 256 for i in range(200_000))
        ),
        "binary data named .txt",
    ),
    Hostile(
        "text-1900000-blank-lines",
        "slides/通知/空行.txt",
        None,
        _writer("slides/通知/空行.txt", lambda: ("通知\n" + "\n" * 1_900_000 + "完").encode()),
        "1.9 million blank lines (8 s of line structure before they were cut to two)",
    ),
    Hostile(
        "text-million-lines",
        "slides/通知/百万行.txt",
        "document-too-large",
        _writer("slides/通知/百万行.txt", lambda: b"a\n" * 990_000),
        "990,000 lines of one letter each",
    ),
    Hostile(
        "text-markdown-unclosed-bold",
        "slides/通知/粗体.md",
        None,
        _writer("slides/通知/粗体.md", lambda: ("**a" * 300_000).encode()),
        "300,000 bold markers that never close",
    ),
    Hostile(
        "text-sparse-50gb",
        "slides/通知/巨大.txt",
        "too-large",
        _sparse("slides/通知/巨大.txt", 50 * 10**9),
        "a 50 GB sparse file",
    ),
    Hostile(
        "text-fifo",
        "slides/通知/管道.txt",
        "not-a-file",
        _fifo("slides/通知/管道.txt"),
        "a FIFO named like a notice (open() would block)",
    ),
    Hostile(
        "text-device",
        "slides/通知/设备.txt",
        "not-a-file",
        _device("slides/通知/设备.txt"),
        "a character device (/dev/zero's numbers) named like a notice",
        needs="root",
    ),
    Hostile(
        "text-front-matter-deep",
        "slides/通知/深.txt",
        "yaml-too-complex",
        _writer("slides/通知/深.txt", lambda: _front_matter(f"title: {nested(300)}")),
        "front matter nested 300 levels deep",
        hole=1,
    ),
    # Word (holes 6, 7, 10)
    Hostile(
        "docx-declared-small-member",
        "slides/文件/谎报.docx",
        "damaged-document",
        _writer("slides/文件/谎报.docx", _docx_declared_small),
        "document.xml declared as 2 KB in the zip, inflating to 1 GB",
        hole=6,
    ),
    Hostile(
        "docx-honest-zip-bomb",
        "slides/文件/压缩炸弹.docx",
        "document-too-large",
        _writer("slides/文件/压缩炸弹.docx", _docx_honest_bomb),
        "a picture part that says it is 1 GB",
    ),
    Hostile(
        "docx-million-paragraphs",
        "slides/文件/百万段.docx",
        "document-too-large",
        _writer("slides/文件/百万段.docx", _docx_many_paragraphs),
        "a legal .docx of a million one-character paragraphs (39 MB of XML)",
        hole=7,
    ),
    Hostile(
        "docx-5000-missing-pictures",
        "slides/文件/缺图.docx",
        None,
        _writer("slides/文件/缺图.docx", _docx_missing_pictures),
        "5,000 references to a picture the file does not contain",
        warning="not inside",
        hole=10,
    ),
    Hostile(
        "docx-same-picture-twice",
        "slides/文件/同图.docx",
        None,
        _writer("slides/文件/同图.docx", _docx_same_picture_twice),
        "the same picture inserted twice (one picture page)",
        warning="1 picture",
        hole=10,
    ),
    Hostile(
        "docx-external-picture",
        "slides/文件/外链.docx",
        None,
        _writer("slides/文件/外链.docx", _docx_external_picture),
        "pictures linked from a URL and from file:///etc/passwd",
        warning="not inside",
    ),
    Hostile(
        "docx-path-traversal",
        "slides/文件/跳出.docx",
        None,
        _writer("slides/文件/跳出.docx", _docx_path_traversal),
        "a picture relationship pointing at ../../etc/passwd",
        warning="not inside",
    ),
    Hostile(
        "docx-entity-bomb",
        "slides/文件/实体.docx",
        "damaged-document",
        _writer("slides/文件/实体.docx", _docx_entity_bomb),
        "XML entity expansion (billion laughs) in document.xml",
    ),
    Hostile(
        "docx-external-entity",
        "slides/文件/外部实体.docx",
        "damaged-document",
        _writer("slides/文件/外部实体.docx", _docx_external_entity),
        "an external entity naming file:///etc/passwd",
    ),
    Hostile(
        "docx-deep-nesting",
        "slides/文件/深层.docx",
        "damaged-document",
        _writer("slides/文件/深层.docx", _docx_deep_nesting),
        "content controls nested 400 deep",
    ),
    Hostile(
        "docx-long-bold-paragraph",
        "slides/文件/粗体.docx",
        None,
        _writer("slides/文件/粗体.docx", _docx_long_bold_paragraph),
        "one bold paragraph of 400,000 characters (span building was quadratic)",
    ),
    Hostile(
        "docx-8000-titles",
        "slides/文件/标题.docx",
        None,
        _writer("slides/文件/标题.docx", _docx_many_titles),
        "8,000 paragraphs in the Title style, then 8,000 of body",
    ),
    Hostile(
        "docx-numbering-start-10-12",
        "slides/文件/编号.docx",
        None,
        _writer("slides/文件/编号.docx", _docx_numbering_start),
        "a list starting at 999,999,999,999 in letters, its level text %1 5,000 times",
    ),
    Hostile(
        "docx-6000-entries",
        "slides/文件/条目.docx",
        "document-too-large",
        _writer("slides/文件/条目.docx", _docx_many_entries),
        "a zip of 6,000 parts",
    ),
    Hostile(
        "docx-60000-entry-directory",
        "slides/文件/目录.docx",
        "document-too-large",
        _writer("slides/文件/目录.docx", lambda: _zip_directory_bomb(60_000)),
        "a zip directory of 60,000 entries (a million took zipfile 5 s and 400 MB to list)",
    ),
    Hostile(
        "docx-picture-bomb-inside",
        "slides/文件/大图.docx",
        None,
        _writer("slides/文件/大图.docx", _docx_picture_bomb_inside),
        "a picture claiming 60000x60000 inside a .docx",
        warning="damaged",
    ),
    # PDF (hole 2)
    Hostile(
        "pdf-2-million-operators",
        "slides/文件/线条.pdf",
        "pdf-too-complex",
        _writer("slides/文件/线条.pdf", lambda: _pdf_operators(2_000_000)),
        "a page of two million drawing operators in a 30 KB file",
        hole=2,
    ),
    Hostile(
        "pdf-400000-objects",
        "slides/文件/方块.pdf",
        "pdf-too-complex",
        _writer("slides/文件/方块.pdf", _pdf_objects_under_stream_cap),
        "400,000 rectangles: under the stream limit, over the object limit",
        hole=2,
    ),
    Hostile(
        "pdf-12-content-streams",
        "slides/文件/分段.pdf",
        "reader-memory",
        _writer("slides/文件/分段.pdf", _pdf_many_content_streams),
        "one page drawn from 12 content streams, each under the scan's limit: PDFium parses "
        "them all when the page loads (left to the worker's memory limit)",
        hole=2,
        worker_limit=True,
    ),
    Hostile(
        "pdf-flate-bomb",
        "slides/文件/空白.pdf",
        "pdf-too-complex",
        _writer("slides/文件/空白.pdf", _pdf_flate_bomb),
        "a page whose content inflates to a gigabyte of zeros",
    ),
    Hostile(
        "pdf-jbig2-60000",
        "slides/文件/jbig2.pdf",
        "pdf-too-complex",
        _writer("slides/文件/jbig2.pdf", lambda: _pdf_image_bomb(b"JBIG2Decode")),
        "a JBIG2 picture declaring 60000x60000",
    ),
    Hostile(
        "pdf-flate-image-60000",
        "slides/文件/图像.pdf",
        "pdf-too-complex",
        _writer("slides/文件/图像.pdf", lambda: _pdf_image_bomb(b"FlateDecode")),
        "a Flate picture declaring 60000x60000",
    ),
    Hostile(
        "pdf-deep-nesting",
        "slides/文件/嵌套.pdf",
        None,
        _writer("slides/文件/嵌套.pdf", _pdf_deep_nesting),
        "an array nested 100,000 deep in the catalog",
    ),
    Hostile(
        "pdf-100000-pages",
        "slides/文件/十万页.pdf",
        None,
        _writer("slides/文件/十万页.pdf", _pdf_many_pages),
        "a page tree of 100,000 pages (the same page again and again)",
        warning="pages",
    ),
    Hostile(
        "pdf-million-characters",
        "slides/文件/百万字.pdf",
        None,
        _writer("slides/文件/百万字.pdf", _pdf_million_characters),
        "one text object of a million characters",
    ),
    Hostile(
        "pdf-random-bytes",
        "slides/文件/乱码.pdf",
        "damaged-document",
        _writer(
            "slides/文件/乱码.pdf",
            lambda: b"%PDF-1.7\n" + bytes((i * 31 + 7) % 256 for i in range(50_000)),
        ),
        "random bytes behind a PDF header",
    ),
    # pictures (minor)
    Hostile(
        "image-png-60000-square",
        "slides/图片/巨大.png",
        "decompression-bomb",
        _writer("slides/图片/巨大.png", lambda: png_header_only(60_000, 60_000)),
        "a PNG header claiming 60000x60000",
    ),
    Hostile(
        "image-png-80-megapixels",
        "slides/图片/八千万.png",
        "decompression-bomb",
        _writer("slides/图片/八千万.png", lambda: png_of_zeros(10_000, 8_000)),
        "a real 80-megapixel PNG (1.3 GB and 4.5 s to decode)",
    ),
    Hostile(
        "image-png-30-megapixels",
        "slides/图片/三千万.png",
        None,
        _writer("slides/图片/三千万.png", lambda: png_of_zeros(6_000, 5_000)),
        "a real 30-megapixel PNG: large, but a picture staff may well have",
    ),
    Hostile(
        "image-webp-80-megapixels",
        "slides/图片/八千万.webp",
        "decompression-bomb",
        _writer("slides/图片/八千万.webp", lambda: _webp_claiming(10_000, 8_000)),
        "a WebP header claiming 80 megapixels",
    ),
    Hostile(
        "image-png-iccp-bomb",
        "slides/图片/色彩.png",
        "damaged-image",
        _writer("slides/图片/色彩.png", lambda: _png_text_bomb(b"iCCP")),
        "a colour profile (iCCP) inflating to 200 MB",
    ),
    Hostile(
        "image-png-ztxt-bomb",
        "slides/图片/文字.png",
        "damaged-image",
        _writer("slides/图片/文字.png", lambda: _png_text_bomb(b"zTXt")),
        "a text chunk (zTXt) inflating to 200 MB",
    ),
    Hostile(
        "image-gif-5000-frames",
        "slides/图片/动画.gif",
        None,
        _writer("slides/图片/动画.gif", _gif_many_frames),
        "a GIF of 5,000 frames",
    ),
    Hostile(
        "image-jpeg-progressive-80-megapixels",
        "slides/图片/渐进.jpg",
        "decompression-bomb",
        _writer("slides/图片/渐进.jpg", lambda: _jpeg_claiming(10_000, 8_000, progressive=True)),
        "a progressive JPEG claiming 80 megapixels (its coefficients are kept whole)",
    ),
    Hostile(
        "image-tiff-named-jpg",
        "slides/图片/扫描.jpg",
        "unsupported-type",
        _writer("slides/图片/扫描.jpg", _tiff),
        "a TIFF renamed .jpg",
    ),
    Hostile(
        "image-heic-named-jpg",
        "slides/图片/手机.jpg",
        "not-an-image",
        _writer(
            "slides/图片/手机.jpg", lambda: b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + bytes(2000)
        ),
        "a HEIC photo (iPhone) renamed .jpg",
    ),
    Hostile(
        "image-bmp-50000-square",
        "slides/图片/位图.bmp",
        "decompression-bomb",
        _writer("slides/图片/位图.bmp", lambda: _bmp_claiming(50_000, 50_000)),
        "a BMP header claiming 50000x50000",
    ),
    Hostile(
        "image-png-without-pixels",
        "slides/图片/无像素.png",
        "damaged-image",
        _writer(
            "slides/图片/无像素.png",
            lambda: (
                b"\x89PNG\r\n\x1a\n"
                + _chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0))
                + _chunk(b"IEND", b"")
            ),
        ),
        "a PNG with a header and no pixel data (Pillow's verify raised IndexError; found by "
        "the fuzzer)",
    ),
    Hostile(
        "image-png-truncated",
        "slides/图片/半张.png",
        "image-truncated",
        _writer("slides/图片/半张.png", lambda: png_of_zeros(800, 600)[:-200]),
        "a PNG copied half way",
    ),
    # folders (hole 12 and the minor ones)
    Hostile(
        "folder-slides-link-to-root",
        "slides",
        "outside-root",
        _link("slides", "/"),
        "slides itself a link to / (the whole filesystem was walked)",
        kind="folder",
        hole=12,
    ),
    Hostile(
        "folder-link-back-to-slides",
        "slides/again",
        "link-loop",
        _link("slides/again", "."),
        "slides/again -> . (every slide twice per cycle in the player)",
        kind="folder",
    ),
    Hostile(
        "folder-link-to-sibling",
        "slides/本周副本",
        "duplicate-folder",
        _sibling_link,
        "a folder link to another folder inside slides",
        kind="folder",
    ),
    Hostile(
        "folder-nested-60",
        "slides/1/2/3/4/5/6/7/8/9/10/11/12/13",
        "too-deep",
        _deep_folder(60),
        "a folder nested 60 levels (check dropped it silently)",
        kind="folder",
    ),
    Hostile(
        "folder-mode-000",
        "slides/锁住的文件夹/x",
        "permission-denied",
        _locked_folder,
        "a folder nobody may read (skipped without a problem)",
        kind="folder",
        needs="non-root",
    ),
    Hostile(
        "folder-20050-entries",
        "slides/成堆",
        "too-many-files",
        _many_entries,
        "a folder of 20,050 files",
        kind="folder",
    ),
)

_BY_NAME = {case.name: case for case in CASES}


def case(name: str) -> Hostile:
    return _BY_NAME[name]
