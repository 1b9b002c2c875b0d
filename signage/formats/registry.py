"""Which reader reads which file: one `Format` line per file type, and the dispatch.

Every reader is a function `(rel, data, settings) -> Slide` in a module of this package that
raises ContentError for bad input. The registry reads the file (a regular file, inside the
content root, no larger than the format allows) and hands the bytes to the format's reader,
imported only when a file of its type is first read. A new format is a new module plus one
line in `FORMATS`; no reader imports this module, so there is no cycle between them.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from signage.core.config import Settings
from signage.core.model import ContentError, Slide
from signage.core.paths import extension, read_bytes_limited, read_regular_file, resolve_inside
from signage.formats.misnamed import actual_reader

MAX_TEXT_BYTES = 2_000_000
MAX_IMAGE_BYTES = 80_000_000
MAX_DOCUMENT_BYTES = 100_000_000

READ_TIMEOUT_S = 30.0
"""A photo, Word file or PDF that takes longer to read is given up as hostile."""
TEXT_READ_TIMEOUT_S = 10.0
"""Text of 2 MB at most reads in well under a second, even on a Raspberry Pi."""

Reader = Callable[[str, bytes, Settings], Slide]


@dataclass(frozen=True)
class Format:
    """One kind of file: its reader, its extensions, and the limits it is read under."""

    reader: str
    """"module.function" under signage.formats."""
    extensions: str
    """Space-separated, lower case, with the dot: ".jpg .jpeg"."""
    max_bytes: int
    read_timeout_s: float = READ_TIMEOUT_S

    @property
    def module(self) -> str:
        return self.reader.partition(".")[0]

    def read(self, rel: str, data: bytes, settings: Settings) -> Slide:
        module, _, function = self.reader.partition(".")
        found = importlib.import_module(f"signage.formats.{module}")
        return cast(Reader, getattr(found, function))(rel, data, settings)


FORMATS: tuple[Format, ...] = (
    Format("images.read_image_slide", ".jpg .jpeg .png .webp .bmp .gif", MAX_IMAGE_BYTES),
    Format("text.read_text_slide", ".txt .md", MAX_TEXT_BYTES, TEXT_READ_TIMEOUT_S),
    Format("meeting.read_meeting_slide", ".yaml .yml", MAX_TEXT_BYTES, TEXT_READ_TIMEOUT_S),
    Format("word.read_docx_slide", ".docx", MAX_DOCUMENT_BYTES),
    Format("pdf.read_pdf_slide", ".pdf", MAX_DOCUMENT_BYTES),
    Format(
        "office.read_office_slide", ".doc .wps .rtf .odt .pptx .ppt .odp", MAX_DOCUMENT_BYTES, 150
    ),
)
"""Every file type that can be shown. The office formats may take LibreOffice's own 60 s
limit plus start-up and the reading after it, hence their longer time limit."""

_BY_EXTENSION = {ext: fmt for fmt in FORMATS for ext in fmt.extensions.split()}


def format_for(rel: str) -> Format | None:
    """The format a file name belongs to (by `core.paths.extension`); None: a type that
    cannot be shown."""
    return _BY_EXTENSION.get(extension(rel))


def size_limit(rel: str) -> int:
    """The largest file of this type the readers accept; larger ones are refused unread."""
    fmt = format_for(rel)
    return fmt.max_bytes if fmt is not None else MAX_DOCUMENT_BYTES


def read_timeout(rel: str) -> float:
    """How long a background read of this file may take before it is given up."""
    fmt = format_for(rel)
    return fmt.read_timeout_s if fmt is not None else READ_TIMEOUT_S


def read_slide(root: Path, rel: str, settings: Settings) -> Slide:
    """Parse root/rel (a root-relative posix path) into a Slide, or raise ContentError."""
    path = resolve_inside(root, rel)
    fmt = format_for(rel)
    if fmt is None:
        ext = extension(rel)
        raise ContentError(
            f"files of type {ext or '(none)'} cannot be shown", code="unsupported-type"
        )
    data = read_bytes_limited(path, fmt.max_bytes, real=True)
    from signage.formats.mongolian import check_legacy_mongolian

    # Windows hides extensions: a meeting saved as 会议.yaml.txt is still a meeting.
    redirect = actual_reader(rel, data)
    if redirect is None:
        slide = fmt.read(rel, data, settings)
    else:
        try:
            slide = Format(redirect.reader, "", fmt.max_bytes).read(rel, data, settings)
            slide = dataclasses.replace(slide, warnings=(*slide.warnings, redirect.warning))
        except ContentError:
            if redirect.certain:
                raise
            slide = fmt.read(rel, data, settings)  # a notice written as "标题：… 时间：…"
    # Whatever the format, Mongolian typed in an old private code is refused by name.
    return check_legacy_mongolian(slide)


def slide_bytes(root: Path, rel: str, settings: Settings) -> bytes:
    """The bytes a slide's pages are drawn from: the file itself, or for .doc/.pptx … the
    converted document from the cache outside the content folder."""
    path = resolve_inside(root, rel)
    fmt = format_for(rel)
    if fmt is not None and fmt.module == "office":
        from signage.formats.office import office_converted

        data = read_bytes_limited(path, fmt.max_bytes, real=True)
        return office_converted(rel, data, settings)[1]
    if fmt is None:
        raise ContentError("files of this type cannot be shown", code="unsupported-type")
    return read_regular_file(path, fmt.max_bytes, real=True)
