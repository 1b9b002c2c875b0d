"""Meeting announcements from a .yaml file with `kind: meeting` (English or Chinese keys).

What one announcement may hold is bounded (`MAX_AGENDA_ITEMS`, `MAX_FIELD_CHARS`) on top of
the YAML bounds, so that a file of a hundred thousand agenda items or a megabyte of notes is
refused with a message instead of being laid out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from signage.core.clock import local_zone
from signage.core.config import Settings
from signage.core.model import ContentError, Meeting, Slide
from signage.core.yamlsafe import YamlError, brief, load_yaml_text
from signage.formats.text import (
    clean_text,
    decode_text,
    iso_when,
    parse_clock,
    parse_staff_when,
)

KEYS = {
    "kind": "kind",
    "类型": "kind",
    "title": "title",
    "标题": "title",
    "名称": "title",
    "start": "start",
    "时间": "start",
    "开始时间": "start",
    "end": "end",
    "结束时间": "end",
    "place": "place",
    "地点": "place",
    "host": "host",
    "主持": "host",
    "主持人": "host",
    "attendees": "attendees",
    "参会人员": "attendees",
    "参加人员": "attendees",
    "agenda": "agenda",
    "议程": "agenda",
    "notes": "notes",
    "备注": "notes",
    "duration": "duration",
    "urgent": "urgent",
    "mn": "mongolian",
    "蒙古文": "mongolian",
    "蒙文": "mongolian",
}
MONGOLIAN_FIELDS = ("title", "place", "host", "attendees", "agenda", "notes")
_FULL_WIDTH_COLON = re.compile(
    rf"^([ \t]*)({'|'.join(re.escape(k) for k in sorted(KEYS, key=len, reverse=True))})"
    r"[ \t\u3000]*：[ \t\u3000]*",
    re.MULTILINE,
)
"""'标题：…' with a full-width colon is a common slip in Chinese files; YAML wants ':'. Only
spaces and tabs around the key: \\s would also take line ends, and a run of blank lines
would then be scanned again from every line in it."""


def forgive_full_width_colons(text: str) -> str:
    """'标题：…' → '标题: …' for every meeting key that starts a line (linear in the text)."""
    return _FULL_WIDTH_COLON.sub(r"\1\2: ", text)


_CLOCK_ONLY = re.compile(r"\d{1,2}[:：]\d\d")
_ENDS_IN_TIME = re.compile(r"\d[:：]\d\d$")
_RANGE_MARKS = "-~～—–－至到"


def _start_and_end(text: str) -> tuple[str, str] | None:
    """('2026-12-03 15:00', '17:00') for a start written with its end ('… 15:00-17:00',
    '2026年12月3日 下午3:00～5:00'); None for anything else. By string search, not one
    pattern: a pattern with a leading .* would backtrack on a long hostile value."""
    cut = max(text.rfind(mark) for mark in _RANGE_MARKS)
    if cut <= 0:
        return None
    head, tail = text[:cut].rstrip(), text[cut + 1 :].strip()
    if _CLOCK_ONLY.fullmatch(tail) and _ENDS_IN_TIME.search(head):
        return head, tail
    return None


_DATE_ONLY = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
"""A start written as a day alone (after `iso_when` turned 2026年12月3日 into 2026-12-03)."""
DEFAULT_LENGTH = timedelta(hours=2)
"""How long a meeting without an end time stays on screen after its start."""
MAX_AGENDA_ITEMS = 60
"""More than fits a screen many times over: a list this long is a mistake (a pasted table)."""
MAX_FIELD_CHARS = 2_000
"""Title, place, host, attendees, notes and each agenda item; a meeting page shows a few
hundred characters at a size readable from the door."""


def _line_of(text: str, key: str) -> int | None:
    for n, raw in enumerate(text.split("\n")):
        stripped = raw.lstrip()
        if stripped.startswith((f"{key}:", f"{key}：", f'"{key}"', f"'{key}'")) or (
            stripped.startswith(key) and stripped[len(key) :].lstrip().startswith((":", "："))
        ):
            return n + 1
    return None


_TEXT_FIELDS = ("title", "place", "host", "attendees", "notes")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "、".join(_text(v) for v in value if v is not None)
    if isinstance(value, Mapping):
        return "；".join(f"{k}：{_text(v)}" for k, v in value.items())
    return str(value).strip()


def _mongolian(value: Any, bad: Any) -> tuple[tuple[str, str], ...]:
    """The `蒙古文:` section: the Mongolian title, place … under the same keys as the
    Chinese ones (title/标题, place/地点 …); agenda items one pair each."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise bad(
            "mongolian",
            "蒙古文 / mn should hold the Mongolian title, place … as keys (标题: …, 地点: …)",
        )
    out: list[tuple[str, str]] = []
    for key, item in value.items():
        name = KEYS.get(str(key).strip().lower(), KEYS.get(str(key).strip()))
        if name not in MONGOLIAN_FIELDS:
            raise bad(
                "mongolian",
                f"蒙古文 / mn: {key!r} is not one of title, place, host, "
                "attendees, agenda, notes (标题、地点、主持、参会人员、议程、备注)",
            )
        if name == "agenda" and isinstance(item, list | tuple):
            out += [("agenda", _text(a)) for a in item if _text(a)]
        elif _text(item):
            out.append((str(name), _text(item)))
    return tuple(out)


def read_meeting_slide(rel: str, data: bytes, settings: Settings) -> Slide:
    raw, encoding = decode_text(data)
    text = clean_text(raw)
    text = forgive_full_width_colons(text)
    try:
        loaded = load_yaml_text(text)
    except YamlError as err:
        raise ContentError(err.message, err.line, code=err.code) from None
    if not isinstance(loaded, Mapping):
        raise ContentError(
            "expected a meeting announcement (kind: meeting with title, start, place …); "
            "this YAML file is not a set of keys",
            code="not-a-slide",
        )
    fields: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in loaded.items():
        name = KEYS.get(str(key).strip().lower(), KEYS.get(str(key).strip()))
        if name is None:
            unknown.append(str(key))
        else:
            fields[name] = value
    kind = str(fields.get("kind", "")).strip().lower()
    # Without a kind line, a title and a time alone make a meeting (the line is the one
    # staff forget); any other kind is some other file.
    unmarked = "kind" not in fields and "title" in fields and "start" in fields
    if kind not in ("meeting", "会议") and not unmarked:
        raise ContentError(
            "expected a meeting announcement: a .yaml file in slides/ needs 'kind: meeting' "
            f"(found kind {brief(fields.get('kind'))})",
            _line_of(text, "kind"),
            code="not-a-slide",
        )

    def bad(key: str, message: str) -> ContentError:
        line = None
        for k in loaded:
            if KEYS.get(str(k).strip().lower(), KEYS.get(str(k).strip())) == key:
                line = _line_of(text, str(k))
        return ContentError(message, line, code="meeting-field")

    title = _text(fields.get("title"))
    if not title:
        raise bad("title", "the meeting has no title (title: / 标题:)")
    tz = local_zone(settings.timezone)
    if fields.get("start") in (None, ""):
        raise bad("start", "the meeting has no start time (start: 2026-12-03 14:30 / 时间:)")
    start_text = fields["start"]
    split = _start_and_end(str(start_text).strip()) if len(str(start_text)) <= 80 else None
    if split is not None:
        # 时间: 2026-12-03 15:00-17:00 says when it ends too.
        start_text = split[0]
        if fields.get("end") in (None, ""):
            fields = {**fields, "end": split[1]}
    try:
        start = parse_staff_when(start_text, tz)
    except ValueError as err:
        raise bad("start", f"start: {err}") from None
    if _DATE_ONLY.fullmatch(iso_when(str(fields["start"])).strip()):
        # Read as midnight, it was "明天上午 0:00" on screen and gone by the meeting's morning.
        raise bad(
            "start",
            f"start {brief(str(fields['start']))} is a day without a time: "
            "write when it begins, like 2026-12-03 14:30",
        )
    end = None
    if fields.get("end") not in (None, ""):
        end_text = str(fields["end"]).strip()
        try:
            clock = parse_clock(end_text)
            if clock is not None:
                end = start.replace(hour=clock[0], minute=clock[1])
                if end < start and clock[0] < 12 <= start.hour:
                    end += timedelta(hours=12)  # 下午3:00 to 5:00 ends at 17:00
            else:
                end = parse_staff_when(fields["end"], tz)
        except ValueError:
            raise bad(
                "end", f"end {brief(end_text)} is not a time like 16:00 or 2026-12-03 16:00"
            ) from None
        if end < start:
            raise bad("end", f"end {brief(end_text)} is before the start")
    agenda_raw = fields.get("agenda")
    if agenda_raw is None:
        agenda: tuple[str, ...] = ()
    elif isinstance(agenda_raw, list | tuple):
        agenda = tuple(_text(a) for a in agenda_raw if _text(a))
    else:
        agenda = tuple(s.strip() for s in str(agenda_raw).split("\n") if s.strip())
    if len(agenda) > MAX_AGENDA_ITEMS:
        raise bad(
            "agenda",
            f"the agenda has {len(agenda)} items; a meeting announcement shows at most "
            f"{MAX_AGENDA_ITEMS} (make a long programme a notice or a document)",
        )
    texts = {name: _text(fields.get(name)) for name in _TEXT_FIELDS}
    for name, value in [*texts.items(), *(("agenda", a) for a in agenda)]:
        if len(value) > MAX_FIELD_CHARS:
            raise bad(
                name,
                f"{name} is {len(value):,} characters long; a meeting announcement takes at "
                f"most {MAX_FIELD_CHARS:,} (make a long text a notice or a document)",
            )
    duration = None
    if fields.get("duration") is not None:
        try:
            duration = float(fields["duration"])
        except (TypeError, ValueError, OverflowError):
            raise bad(
                "duration", f"duration {brief(fields['duration'])} should be seconds"
            ) from None
        if not 1 <= duration <= 3600:
            raise bad(
                "duration", f"duration {brief(fields['duration'])} is outside 1..3600 seconds"
            )
    mongolian = _mongolian(fields.get("mongolian"), bad)
    meeting = Meeting(
        title=title,
        start=start,
        end=end,
        place=texts["place"],
        host=texts["host"],
        attendees=texts["attendees"],
        agenda=agenda,
        notes=texts["notes"],
        mongolian=mongolian,
    )
    warnings = tuple(f"unknown key {brief(k)} ignored" for k in unknown[:20])
    return Slide(
        path=rel,
        kind="meeting",
        title=title,
        body=meeting,
        digest=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        show_until=end if end is not None else start + DEFAULT_LENGTH,
        urgent=fields.get("urgent") is True,
        duration=duration,
        warnings=warnings,
    )
