"""Reading one content file into a Slide: dispatch on the extension to the format's reader.

Every reader is a function (rel, data, settings) -> Slide that raises ContentError for bad
input; this module adds the size limits and the path checks they all share.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from signage.config import Settings
from signage.content import (
    IMAGE_EXTENSIONS,
    OFFICE_EXTENSIONS,
    read_bytes_limited,
    resolve_inside,
)
from signage.model import ContentError, Slide

MAX_TEXT_BYTES = 2_000_000
MAX_IMAGE_BYTES = 80_000_000
MAX_DOCUMENT_BYTES = 100_000_000


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def slide_bytes(root: Path, rel: str, settings: Settings) -> bytes:
    """The bytes a slide's pages are drawn from: the file itself, or for .doc/.pptx … the
    converted document from the cache outside the content folder."""
    path = resolve_inside(root, rel)
    if PurePosixPath(rel).suffix.lower() in OFFICE_EXTENSIONS:
        from signage.office import office_converted

        return office_converted(path, settings)[1]
    with open(path, "rb") as fh:
        return fh.read()


def read_slide(root: Path, rel: str, settings: Settings) -> Slide:
    """Parse root/rel (a root-relative posix path) into a Slide, or raise ContentError."""
    path = resolve_inside(root, rel)
    ext = PurePosixPath(rel).suffix.lower()
    if ext in IMAGE_EXTENSIONS:
        from signage.images import read_image_slide

        return read_image_slide(rel, read_bytes_limited(path, MAX_IMAGE_BYTES), settings)
    if ext in (".txt", ".md"):
        from signage.textfile import read_text_slide

        return read_text_slide(rel, read_bytes_limited(path, MAX_TEXT_BYTES), settings)
    if ext in (".yaml", ".yml"):
        from signage.meeting import read_meeting_slide

        return read_meeting_slide(rel, read_bytes_limited(path, MAX_TEXT_BYTES), settings)
    if ext == ".docx":
        from signage.docx_reader import read_docx_slide

        return read_docx_slide(rel, read_bytes_limited(path, MAX_DOCUMENT_BYTES), settings)
    if ext == ".pdf":
        from signage.pdf import read_pdf_slide

        return read_pdf_slide(rel, read_bytes_limited(path, MAX_DOCUMENT_BYTES), settings)
    if ext in OFFICE_EXTENSIONS:
        from signage.office import read_office_slide

        return read_office_slide(rel, path, settings)
    raise ContentError(f"files of type {ext or '(none)'} cannot be shown", code="unsupported-type")
