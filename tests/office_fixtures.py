"""Small documents built in the tests: hand-written PDFs and python-docx files."""

from __future__ import annotations

import io
from collections.abc import Sequence


def pdf_from_objects(objects: Sequence[bytes], trailer_extra: bytes = b"") -> bytes:
    """A PDF file from numbered object bodies (object 1 is the catalog), with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1)
        + trailer_extra
        + b">>\nstartxref\n%d\n%%%%EOF\n" % xref
    )
    return out.getvalue()


def text_pdf(
    pages: Sequence[str], size: tuple[float, float] = (595, 842), rotate: int = 0
) -> bytes:
    """A PDF whose pages show the given ASCII text in Helvetica, a black bar at the top left."""
    n = len(pages)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    w, h = size
    for i, text in enumerate(pages):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = b"0 0 0 rg 0 %.1f %.1f %.1f re f " % (
            h * 0.9,
            w * 0.5,
            h * 0.1,
        ) + b"BT /F1 24 Tf 40 %.1f Td (%s) Tj ET" % (h * 0.5, escaped.encode("latin-1"))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.1f %.1f] /Rotate %d "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (w, h, rotate, 5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return pdf_from_objects(objects)


def encrypted_pdf() -> bytes:
    """A PDF with a standard-security /Encrypt dictionary whose user password is not empty.

    The /O and /U strings are arbitrary, so no password (in particular the empty one that
    readers try first) validates: PDFium reports a password error."""
    base = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 "
        b"/O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> >>",
    ]
    ident = b"<" + b"ab" * 16 + b">"
    return pdf_from_objects(base, b"/Encrypt 4 0 R /ID [" + ident + b" " + ident + b"] ")


def odt_with_linked_image(url: str) -> bytes:
    """A minimal OpenDocument text whose only picture is linked from `url`, not embedded."""
    import zipfile

    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content office:version="1.2"'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"'
        ' xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"'
        ' xmlns:xlink="http://www.w3.org/1999/xlink">'
        "<office:body><office:text><text:p>Linked picture:"
        '<draw:frame draw:name="p" svg:width="2cm" svg:height="2cm" text:anchor-type="as-char">'
        f'<draw:image xlink:href="{url}" xlink:type="simple" xlink:show="embed"'
        ' xlink:actuate="onLoad"/></draw:frame></text:p></office:text></office:body>'
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest manifest:version="1.2"'
        ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
