"""Files whose name hides what they are: `会议.yaml.txt`, `照片.jpg.txt`, a playlist in slides/.

Windows hides known extensions by default, so a meeting that Notepad saved as "会议.yaml"
with the type left at 文本文档 arrives as `会议.yaml.txt`, and Explorer shows it as
`会议.yaml`. Read as a notice it would put raw YAML on the screen. `actual_reader` looks at
the bytes of a text-named file before its reader does and either sends it to the reader
that fits (a meeting is a meeting whatever its extension) or refuses it with a reason that
says what the file really is and what to rename. Pure: bytes and a name in, an answer out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from signage.core.model import ContentError
from signage.core.yamlsafe import YamlError, load_yaml_text
from signage.formats.meeting import KEYS, forgive_full_width_colons

TEXT_EXTENSIONS = frozenset({".txt", ".md"})
YAML_EXTENSIONS = frozenset({".yaml", ".yml"})
MEETING_READER = "meeting.read_meeting_slide"

# The first bytes of the files staff most often rename by accident: (magic, what it is,
# the extension it should have). Checked in order; the first that matches wins.
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "a JPEG photo", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "a PNG picture", ".png"),
    (b"GIF87a", "a GIF picture", ".gif"),
    (b"GIF89a", "a GIF picture", ".gif"),
    (b"%PDF-", "a PDF document", ".pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office or WPS file (.doc/.wps/.xls/.ppt)", ""),
    (b"{\\rtf", "an RTF document", ".rtf"),
)
_ZIP = b"PK\x03\x04"
_FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\n.*?^---[ \t]*$", re.M | re.S)
MAX_SNIFFED_BYTES = 64_000
"""Larger text is not looked at as YAML: no meeting or playlist is that long."""
_KEY_LINE = re.compile(r"^['\"]?[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff -]{0,30}['\"]?\s*[:：]")

_KIND_LINE = re.compile(
    r"^\s*(?:kind|类型)\s*[:：]\s*['\"]?(?:meeting|会议)['\"]?\s*(?:#.*)?$", re.I
)


@dataclass(frozen=True)
class Redirect:
    """Read the file with another format's reader ("module.function" under formats)."""

    reader: str
    warning: str
    certain: bool = True
    """False: the text only looks like one (meeting keys, no `kind: meeting`); if that reader
    refuses it, the file's own reader reads it as what its name says."""


def hidden_name(rel: str) -> str:
    """'slides/会议.yaml.txt' -> '会议.yaml': the name Explorer shows when it hides `.txt`."""
    return PurePosixPath(rel).stem


def actual_reader(rel: str, data: bytes) -> Redirect | None:
    """For a text or YAML file: None when its own reader fits; a Redirect when it is really
    something else that can be shown; ContentError (code hidden-extension or
    playlist-in-slides) when it is something it cannot be read as."""
    suffix = PurePosixPath(rel).suffix.lower()
    if suffix not in TEXT_EXTENSIONS and suffix not in YAML_EXTENSIONS:
        return None
    if suffix in TEXT_EXTENSIONS:
        _refuse_binary(rel, data)
    if len(data) > MAX_SNIFFED_BYTES:
        return None  # meetings and playlists are a few lines: a long text is a document
    text = _as_text(data)
    if text is None:
        return None
    first = _first_line(text)
    if first is None or not _KEY_LINE.match(first):
        return None  # a notice starts with its title, not with `key: value`
    if _FRONT_MATTER.match(text) and not _KIND_LINE.match(first):
        return None  # settings between two `---` lines, then the notice's own text
    loaded = _yaml_mapping(text)
    if loaded is not None and _is_playlist(loaded):
        raise ContentError(
            "this is a playlist (it has items:); playlists go in the playlists folder, "
            "not in slides/",
            code="playlist-in-slides",
        )
    if suffix in YAML_EXTENSIONS:
        return None
    marked = bool(_KIND_LINE.match(first))
    if marked or (loaded is not None and _is_meeting(loaded)):
        name, shown = PurePosixPath(rel).name, hidden_name(rel)
        hidden = PurePosixPath(shown).suffix.lower() in YAML_EXTENSIONS
        if hidden:
            said = f"saved as {name!r} (Windows shows {shown!r})"
        else:
            said = f"written in a {PurePosixPath(rel).suffix} file"
        return Redirect(MEETING_READER, f"a meeting {said}: read as a meeting", marked or hidden)
    return None


def _refuse_binary(rel: str, data: bytes) -> None:
    name = PurePosixPath(rel).name
    head = data[:16]
    for magic, what, extension in _MAGIC:
        if head.startswith(magic):
            raise ContentError(_renamed(name, what, extension), code="hidden-extension")
    if head.startswith(b"RIFF") and data[8:12] == b"WEBP":
        raise ContentError(_renamed(name, "a WebP picture", ".webp"), code="hidden-extension")
    if head.startswith(b"BM") and data[6:10] == b"\0\0\0\0":
        raise ContentError(_renamed(name, "a BMP picture", ".bmp"), code="hidden-extension")
    if head.startswith(_ZIP):
        what, extension = _zip_kind(data)
        raise ContentError(_renamed(name, what, extension), code="hidden-extension")


def _renamed(name: str, what: str, extension: str) -> str:
    rename = f": rename it to end in {extension}" if extension else ""
    return f"named {name!r} but the file is {what} (Windows hides the last extension{rename})"


def _zip_kind(data: bytes) -> tuple[str, str]:
    """What an Office Open XML (zip) file is, from the part names near its start."""
    head = data[:4096]
    if b"word/" in head:
        return "a Word document", ".docx"
    if b"xl/" in head:
        return "an Excel spreadsheet", ".xlsx"
    if b"ppt/" in head:
        return "a PowerPoint presentation", ".pptx"
    return "a zip archive or an Office document", ""


def _as_text(data: bytes) -> str | None:
    from signage.formats.text import clean_text, decode_text

    try:
        raw, _ = decode_text(data)
    except ContentError:
        return None
    return clean_text(raw)


def _first_line(text: str) -> str | None:
    """The first line that says something (not blank, not a comment, not `---`)."""
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped != "---":
            return stripped
    return None


def _yaml_mapping(text: str) -> Mapping[object, object] | None:
    # A full-width colon after a meeting key is a slip the meeting reader forgives too.
    fixed = forgive_full_width_colons(text)
    try:
        loaded = load_yaml_text(fixed)
    except YamlError:
        return None
    return loaded if isinstance(loaded, Mapping) else None


def _is_meeting(loaded: Mapping[object, object]) -> bool:
    names = [KEYS.get(str(k).strip().lower(), KEYS.get(str(k).strip())) for k in loaded]
    return None not in names and {"title", "start"} <= set(names)


def _is_playlist(loaded: Mapping[object, object]) -> bool:
    items = loaded.get("items")
    return isinstance(items, list) and any(isinstance(i, Mapping) and "slides" in i for i in items)
