"""Reading .txt and .md files: encoding, clean-up, front matter, then structure.

Staff files come from Notepad, WPS and Word exports: UTF-8 with or without a byte-order
mark, UTF-16 (with or without one), or GBK/GB18030; CRLF line ends, tabs, stray control
characters and full-width spaces. Front matter between `---` lines may set title, kind,
show_from, show_until, duration and urgent.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import PurePosixPath
from typing import Any

from signage.core.clock import local_zone, parse_when
from signage.core.config import Settings
from signage.core.model import ContentError, Document, Slide, SlideKind
from signage.core.paths import extension
from signage.core.yamlsafe import YamlError, brief, load_yaml_text
from signage.formats.structure import structure_text

NOTICE_MAX_CHARS = 400
"""Texts up to this many visible characters are notices unless they say otherwise."""
MAX_LINES = 100_000
"""Lines of text (after runs of blank lines are cut to two): a 2 MB report has a few
thousand; each costs the structure pass microseconds, so a million would cost seconds."""
_BLANK_RUN = re.compile(r"\n[ \t\u3000\n]*\n")
"""Line ends with only blank lines between them. One character class rather than a repeated
group: the regex engine keeps state for every repetition of a group (230 MB for two million
blank lines), none for a class."""


def _two_blank_lines_at_most(run: re.Match[str]) -> str:
    return "\n\n\n" if run.group().count("\n") > 3 else run.group()


_FRONT_KEYS = {
    "title": "title",
    "标题": "title",
    "kind": "kind",
    "类型": "kind",
    "show_from": "show_from",
    "开始": "show_from",
    "show_until": "show_until",
    "结束": "show_until",
    "duration": "duration",
    "时长": "duration",
    "urgent": "urgent",
    "紧急": "urgent",
    "lang": "lang",
    "语言": "lang",
    "文种": "lang",
}
_LANGS = {
    "mn": "mn",
    "蒙": "mn",
    "蒙古文": "mn",
    "蒙文": "mn",
    "zh": "zh",
    "汉": "zh",
    "中文": "zh",
}
_LANGS |= {"汉文": "zh"}


# --- decoding -------------------------------------------------------------------------------


def _plausibility(text: str) -> float:
    """Share of characters that Chinese office text is made of (Han, ASCII, CJK marks)."""
    if not text:
        return 1.0
    good = 0
    for ch in text:
        o = ord(ch)
        if (
            (0x20 <= o < 0x7F)
            or ch in "\n\r\t\u3000"
            or 0x4E00 <= o <= 0x9FFF
            or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF
            or 0x2010 <= o <= 0x206F
            or 0x3400 <= o <= 0x4DBF
            or ch in "·×÷°±¥℃№"
            or 0x1800 <= o <= 0x18AF  # traditional Mongolian, with its suffix space
            or o == 0x202F
        ):
            good += 1
    return good / len(text)


def _is_binary(data: bytes) -> bool:
    controls = sum(1 for b in data[:65536] if b < 0x20 and b not in (9, 10, 13, 12, 0x1A))
    return controls > max(2, len(data[:65536]) // 100)


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name); ContentError 'not-text' for binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return data[3:].decode("utf-8", "replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ContentError(
                "the file starts like UTF-16 text but is damaged", code="not-text"
            ) from None
    if b"\x00" in data:
        # BOM-less UTF-16: ASCII characters leave NULs at every odd (LE) or even (BE) byte.
        even = data[0::2].count(0)
        odd = data[1::2].count(0)
        for name, zeros in (("utf-16-le", odd), ("utf-16-be", even)):
            if len(data) % 2 == 0 and zeros > 0 and zeros >= 4 * min(even, odd):
                try:
                    text = data.decode(name)
                except UnicodeDecodeError:
                    continue
                if _plausibility(text) > 0.9:
                    return text, name
        raise ContentError("the file is not text (it contains binary data)", code="not-text")
    if _is_binary(data):
        # Chinese-only UTF-16 without a BOM has bytes below 0x20 too.
        for name in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(name)
            except UnicodeDecodeError:
                continue
            if len(data) % 2 == 0 and _plausibility(text) > 0.9:
                return text, name
        raise ContentError("the file is not text (it contains control bytes)", code="not-text")
    utf8: str | None
    try:
        utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    gb: str | None
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        gb = None
    if utf8 is not None:
        # Short GBK texts can be valid UTF-8 by accident; they then decode to Latin,
        # Greek or Cyrillic letters where GB18030 gives Chinese.
        if gb is not None and not data.isascii() and _plausibility(gb) > _plausibility(utf8) + 0.2:
            return gb, "gb18030"
        return utf8, "utf-8"
    # Chinese-only UTF-16 has no NUL bytes; GBK read as UTF-16 gives Hangul and Yi
    # syllables, UTF-16 read as GBK gives mojibake: the plausible reading wins.
    readings: list[tuple[float, str, str]] = []
    if gb is not None:
        readings.append((_plausibility(gb), gb, "gb18030"))
    if len(data) % 2 == 0:
        for name in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(name)
            except UnicodeDecodeError:
                continue
            readings.append((_plausibility(text) - 0.05, text, name))
    if readings:
        score, text, name = max(readings, key=lambda r: r[0])
        if score > 0.8:
            return text, name
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # the detector is a last resort; any failure means "not text"
        best = None
    if best is not None and best.encoding:
        text = str(best)
        if _plausibility(text) > 0.8:
            return text, str(best.encoding)
    if gb is not None:
        return gb, "gb18030"
    raise ContentError(
        "the file is not readable text (neither UTF-8, UTF-16 nor GBK)", code="not-text"
    )


_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060"
    r"\u2066-\u2069\ufeff]"
)
"""Controls, zero-width characters and bidi overrides and isolates: invisible, or turning
the text around on screen."""
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_UNCOMMON_RUN = re.compile(r"[^\x00-\u02ff\u3000-\u9fff\uac00-\ud7ff\uff00-\uffef]{5,}")
"""Runs of characters outside Latin, CJK and Hangul: where stacked combining marks can be."""
MAX_COMBINING = 4
"""Combining marks kept on one character: Mongolian needs one variation selector, Tibetan
and Vietnamese two or three; a thousand stacked marks are an attack on the typesetter."""


def _cap_combining(run: re.Match[str]) -> str:
    out: list[str] = []
    marks = 0
    for ch in run.group(0):
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
            marks += 1
            if marks > MAX_COMBINING:
                continue
        else:
            marks = 0
        out.append(ch)
    return "".join(out)


def clean_text(text: str) -> str:
    """Normalise line ends, drop stray control characters, keep full-width spaces.

    Lone surrogates (which no encoder accepts: they would fail the status file and the
    screen later) become U+FFFD, and stacks of combining marks are cut to MAX_COMBINING."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    text = _CONTROL.sub("", text)
    text = _SURROGATE.sub("\ufffd", text)
    text = _UNCOMMON_RUN.sub(_cap_combining, text)
    text = text.replace("\u00a0", " ")
    return text


# --- dates as staff write them ---------------------------------------------------------------

_WEEKDAY = re.compile(r"(?:星期|周|礼拜)[一二三四五六日天]")
_EMPTY_BRACKETS = re.compile(r"[（(]\s*[）)]")
"""What a weekday taken out of '（星期四）' leaves. Two patterns, each starting at a
character that cannot be a space: one '[（(]?\\s*(?:星期…)' would rescan a run of spaces
from every position in it."""
_CN_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*(.*)$")
_CN_TIME = re.compile(
    r"^(上午|下午|晚上|中午|早上|凌晨)?\s*(\d{1,2})\s*(?:[:：点时]\s*(?:(\d{1,2}|半)\s*)?分?)$"
)
MAX_WHEN_CHARS = 60
"""A date and time as staff write it ('2026年12月3日（星期四）下午2:30') is far shorter; a
longer value is not a date, and the patterns here are never run over one."""


def parse_clock(text: str) -> tuple[int, int] | None:
    """'14:30', '下午2:30', '上午9点', '下午3点半' -> (hour, minute); None if not a time."""
    if len(text) > MAX_WHEN_CHARS:
        return None
    m = _CN_TIME.match(text.strip())
    if not m:
        return None
    period, hour, minute = m.group(1), int(m.group(2)), m.group(3)
    mins = 30 if minute == "半" else int(minute or 0)
    afternoon = period in ("下午", "晚上") and hour < 12
    if afternoon or (period == "中午" and hour < 6):
        hour += 12
    if not (0 <= hour <= 23 and 0 <= mins <= 59):
        return None
    return hour, mins


def iso_when(text: str) -> str:
    """'2026年12月3日（星期四）下午2:30' -> '2026-12-03 14:30'; other text unchanged."""
    if len(text) > MAX_WHEN_CHARS:
        return text
    raw = _EMPTY_BRACKETS.sub(" ", _WEEKDAY.sub("", str(text))).strip()
    m = _CN_DATE.match(raw)
    if not m:
        return str(text)
    date = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    rest = m.group(4).strip()
    if not rest:
        return date
    clock = parse_clock(rest)
    if clock is None:
        return str(text)
    return f"{date} {clock[0]:02d}:{clock[1]:02d}"


def parse_staff_when(value: object, tz: tzinfo | None, *, end_of_day: bool = False) -> datetime:
    """A date (and time) from a file, in any way `iso_when` knows; ValueError quoting it
    briefly. A list or a long text is refused before any pattern or message sees it whole."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{brief(value)} is not a date like 2026-12-01 or 2026-12-01 09:00")
    text = str(value)
    if len(text) > MAX_WHEN_CHARS:
        raise ValueError(f"{brief(text)} is not a date like 2026-12-01 or 2026-12-01 09:00")
    return parse_when(iso_when(text), tz, end_of_day=end_of_day)


# --- front matter ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FrontMatter:
    title: str | None = None
    kind: SlideKind | None = None
    show_from: datetime | None = None
    show_until: datetime | None = None
    duration: float | None = None
    urgent: bool | None = None
    lang: str | None = None
    warnings: tuple[str, ...] = ()


_KEY_LINE = re.compile(r"^\s*['\"]?[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff-]*['\"]?\s*[:：]")


_FRONT_KEY_NAMES = "|".join(re.escape(k) for k in sorted(_FRONT_KEYS, key=len, reverse=True))
_FRONT_KEY = re.compile(rf"^[ \t]*['\"]?(?:{_FRONT_KEY_NAMES})['\"]?[ \t]*[:：]", re.IGNORECASE)
"""A line that can only be a setting of this file (a notice's first line may well be "时间：…")."""


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(front matter or None, body, line number of the body's first line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for n in range(1, min(len(lines), 200)):
        if lines[n].strip() in ("---", "..."):
            front = lines[1:n]
            # A text that merely opens with a rule of dashes has no "key:" lines.
            if not any(_KEY_LINE.match(ln) for ln in front):
                return None, text, 1
            return "\n".join(front), "\n".join(lines[n + 1 :]), n + 2
    if len(lines) > 1 and _KEY_LINE.match(lines[1]) and _FRONT_KEY.match(lines[1]):
        # Settings opened with --- and never closed: shown, they were the notice's headline.
        raise ContentError(
            "the settings at the top start with --- but no line --- closes them",
            line=1,
            code="front-matter",
        )
    return None, text, 1


def _key_line(front: str, key: str) -> int:
    for n, raw in enumerate(front.split("\n")):
        rest = raw.lstrip()
        rest = rest[1:] if rest[:1] in ("'", '"') else rest
        if not rest.startswith(key):
            continue
        rest = rest[len(key) :]
        rest = rest[1:] if rest[:1] in ("'", '"') else rest
        if rest.lstrip().startswith(":"):
            return n + 2  # +1 for 1-based, +1 for the opening ---
    return 1


def parse_front_matter(front: str, settings: Settings) -> FrontMatter:
    try:
        data = load_yaml_text(front)
    except YamlError as err:
        line = err.line + 1 if err.line else 1
        raise ContentError(f"front matter: {err.message}", line, code=err.code) from None
    if data is None:
        return FrontMatter()
    if not isinstance(data, Mapping):
        raise ContentError(
            f"front matter should be keys like 'title: …', not {type(data).__name__}",
            2,
            code="front-matter",
        )
    tz = local_zone(settings.timezone)
    values: dict[str, Any] = {}
    warnings: list[str] = []
    for raw_key, value in data.items():
        key = _FRONT_KEYS.get(str(raw_key).strip().lower(), _FRONT_KEYS.get(str(raw_key)))
        line = _key_line(front, str(raw_key))
        if key is None:
            warnings.append(f"front matter: unknown key {brief(raw_key)} ignored (line {line})")
            continue

        def bad(message: str, line: int = line) -> ContentError:
            return ContentError(f"front matter: {message}", line, code="front-matter")

        if key == "title":
            if value is None or isinstance(value, Mapping | list):
                raise bad(f"title {brief(value)} should be text")
            values["title"] = str(value).strip()
        elif key == "kind":
            kind = {"通知": "notice", "文件": "document", "公告": "notice"}.get(str(value), value)
            if kind not in ("notice", "document"):
                raise bad(f"kind {brief(value)} should be notice or document")
            values["kind"] = kind
        elif key in ("show_from", "show_until"):
            try:
                values[key] = parse_staff_when(value, tz, end_of_day=key == "show_until")
            except ValueError as err:
                raise bad(f"{brief(raw_key)}: {err}") from None
        elif key == "duration":
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise bad(f"duration {brief(value)} should be a number of seconds")
            try:
                seconds = float(str(value).strip().rstrip("s秒"))
            except ValueError:
                raise bad(f"duration {brief(value)} should be a number of seconds") from None
            if not 1 <= seconds <= 3600:
                raise bad(f"duration {brief(value)} is outside 1..3600 seconds")
            values["duration"] = seconds
        elif key == "lang":
            lang = _LANGS.get(str(value).strip().lower())
            if lang is None:
                raise bad(f"lang {value!r} should be mn (蒙古文) or zh (汉文)")
            values["lang"] = lang
        elif key == "urgent":
            if isinstance(value, bool):
                values["urgent"] = value
            elif str(value).strip().lower() in ("yes", "true", "是", "1"):
                values["urgent"] = True
            elif str(value).strip().lower() in ("no", "false", "否", "0"):
                values["urgent"] = False
            else:
                raise bad(f"urgent {brief(value)} should be true or false")
    fm = FrontMatter(**values, warnings=tuple(warnings))
    if fm.show_from and fm.show_until and fm.show_until < fm.show_from:
        raise ContentError(
            "front matter: show_until is before show_from",
            _key_line(front, "show_until"),
            code="front-matter",
        )
    return fm


# --- the reader -----------------------------------------------------------------------------


def visible_chars(text: str) -> int:
    return sum(1 for c in text if not c.isspace())


def is_urgent_path(rel: str) -> bool:
    parts = [p.lower() for p in PurePosixPath(rel).parts[:-1]]
    return "urgent" in parts or "紧急" in parts


def read_text_slide(rel: str, data: bytes, settings: Settings) -> Slide:
    """A .txt or .md file as a notice or document slide; ContentError for bad input."""
    if not data:
        raise ContentError("the file is empty (0 bytes)", code="empty-file")
    if not data.strip(b" \t\r\n\x00"):
        raise ContentError("the file holds only spaces and blank lines", code="no-text")
    raw, encoding = decode_text(data)
    text = clean_text(raw)
    front, body, first_line = split_front_matter(text)
    fm = parse_front_matter(front, settings) if front is not None else FrontMatter()
    if not body.strip():
        raise ContentError("the file has no text to show", code="no-text")
    # Two blank lines say all that more can; a file of a million of them would otherwise
    # cost a million lines of structure.
    body = _BLANK_RUN.sub(_two_blank_lines_at_most, body)
    lines = body.count("\n") + 1
    if lines > MAX_LINES:
        raise ContentError(
            f"the text has {lines:,} lines; more than {MAX_LINES:,} is refused "
            "(split it into several files)",
            code="document-too-large",
        )
    is_md = extension(rel) == ".md"
    from signage.formats.mongolian import structure_versions

    doc: Document | None = None
    if is_md:
        from signage.formats.markdown import parse_markdown

        if fm.lang is None:  # a Mongolian and a Chinese version, each with its own title
            doc = structure_versions(body, lambda t: parse_markdown(t, known_title=None))
        if doc is None:
            doc = parse_markdown(body, known_title=fm.title)
    else:
        if fm.lang is None:
            doc = structure_versions(body, lambda t: structure_text(t, known_title=None))
        if doc is None:
            doc = structure_text(body, known_title=fm.title, first_line=first_line)
    warnings = list(fm.warnings)
    chars = visible_chars(body)
    kind: SlideKind = fm.kind or ("notice" if chars <= NOTICE_MAX_CHARS else "document")
    title = fm.title or doc.title or _excerpt(doc) or PurePosixPath(rel).stem
    return Slide(
        path=rel,
        kind=kind,
        title=title,
        body=doc,
        digest=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        show_from=fm.show_from,
        show_until=fm.show_until,
        urgent=bool(fm.urgent) if fm.urgent is not None else is_urgent_path(rel),
        duration=fm.duration,
        warnings=tuple(warnings),
        lang=fm.lang,
    )


def _excerpt(doc: Document) -> str:
    for block in doc.blocks:
        text = unicodedata.normalize("NFC", block.text).strip()
        if text:
            return text[:20] + ("…" if len(text) > 20 else "")
    return ""
