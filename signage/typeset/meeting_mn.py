"""A meeting announcement in both languages: the Mongolian counterparts that the meeting file
gives (title, place, host …) in columns on the left, the Chinese announcement on the right.

The time is the same in both: in the Mongolian columns it is written with Mongolian digits.
Sizes follow the Chinese page: the Mongolian title at the Chinese title's size, time and
place at the size of the Chinese time and place, the rest at the details' size.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from signage.core.config import Settings
from signage.core.model import Block, ColorRole, Line, Meeting, Page, PageStyle, Role, Slide
from signage.typeset.canvas import frame_for
from signage.typeset.fonts import FontBook
from signage.typeset.layout import body_floor_px, layout_slide, page_seconds
from signage.typeset.mongolian import MongolianFace, mongolian_digits
from signage.typeset.vertical import (
    Column,
    columns_width,
    fit_beside,
    number_pages,
    page_number_room,
    place_columns,
    reading_units,
    set_columns,
    vertical_pages,
)

FIELD_ORDER = ("title", "place", "host", "attendees", "agenda", "notes")
MEETING_SCALES = (1.3, 1.2, 1.1, 1.0)
"""A meeting's sizes step down less far than a notice's: its fields are short."""


def _meeting_sizes(f: int) -> tuple[int, int, int]:
    """Title, time and place, the rest."""
    return (round(f * 1.5), round(f * 1.25), f)


def when_digits(m: Meeting) -> str:
    """2026.12.03 14:30-16:30 in Mongolian digits."""
    text = f"{m.start:%Y.%m.%d %H:%M}"
    if m.end is not None:
        text += f"-{m.end:%H:%M}" if m.end.date() == m.start.date() else f"-{m.end:%Y.%m.%d %H:%M}"
    return mongolian_digits(text)


def _fields(m: Meeting) -> list[tuple[str, str]]:
    given = list(m.mongolian)
    out = [(k, v) for k, v in given if k == "title"]
    out.append(("time", when_digits(m)))
    for key in FIELD_ORDER[1:]:
        out += [(k, v) for k, v in given if k == key]
    return out


def _columns(
    m: Meeting,
    sizes: tuple[int, int, int],
    length: float,
    face: MongolianFace,
    fonts: FontBook,
    urgent: bool,
) -> list[Column]:
    title_size, main_size, detail_size = sizes
    text: ColorRole = "urgent_text" if urgent else "text"
    out: list[Column] = []
    for key, value in _fields(m):
        role: Role = "title" if key == "title" else "body"
        size = (
            title_size if key == "title" else main_size if key in ("time", "place") else detail_size
        )
        color: ColorRole = ("urgent_text" if urgent else "title") if key == "title" else text
        cols = set_columns(
            value,
            role=role,
            size=size,
            color=color,
            length=length,
            face=face,
            fonts=fonts,
            align="center" if key == "title" else "top",
        )
        if cols and out:
            cols[0] = replace(cols[0], space_before=0.3 * detail_size)
        out.extend(cols)
    return out


def _sizes_of(lines: list[Line], fallback: int) -> tuple[int, int, int]:
    titles = [ln.size for ln in lines if ln.role == "title"]
    bodies = [ln.size for ln in lines if ln.role == "body"]
    detail = min(bodies, default=fallback)
    return (max(titles, default=round(detail * 1.5)), max(bodies, default=detail), detail)


def bilingual_meeting_pages(
    slide: Slide,
    m: Meeting,
    canvas: tuple[int, int],
    fonts: FontBook,
    face: MongolianFace,
    settings: Settings,
    now: datetime,
    duration: float | None,
) -> tuple[Page, ...]:
    frame = frame_for(canvas)
    body = frame.body
    floor = body_floor_px(settings, canvas)
    urgent = slide.urgent
    chinese = replace(slide, body=replace(m, mongolian=()))
    seconds = duration if duration is not None else slide.duration
    meta: ColorRole = "urgent_text" if urgent else "muted"
    fit = fit_beside(
        MEETING_SCALES,
        floor,
        body,
        face,
        lambda f: _columns(m, _meeting_sizes(f), body.h, face, fonts, urgent),
        lambda area, f: layout_slide(
            chinese, canvas, fonts, settings, now, duration, body=area, floor=f
        ),
    )
    if fit is not None:
        zh_lines = [
            ln for ln in fit.page.lines if not (ln.role == "meta" and ln.y >= frame.footer.y)
        ]
        # The Mongolian at the sizes the Chinese took, if it still fits its part.
        cols = _columns(m, _sizes_of(zh_lines, fit.size), body.h, face, fonts, urgent)
        if columns_width(cols, face) > fit.width + 0.5 * fit.size:
            cols = list(fit.columns)
        span = max((c.length for c in cols), default=0.0)
        lines = [*place_columns(cols, body.x, body.y + (body.h - span) / 2, span, face), *zh_lines]
        time = seconds if seconds is not None else page_seconds(reading_units(lines))
        style: PageStyle = "urgent" if urgent else "meeting"
        return (Page(style=style, duration=float(time), lines=tuple(lines)),)
    # Too much for one page: the Mongolian page first, then the Chinese announcement.
    blocks = [Block("title" if k == "title" else "body", v, indent=False) for k, v in _fields(m)]
    mn_pages = vertical_pages(
        blocks,
        frame,
        fonts,
        face,
        floor,
        document=False,
        urgent=urgent,
        seconds=seconds,
        room=page_number_room(frame, face),
    )
    zh_pages = layout_slide(chinese, canvas, fonts, settings, now, duration)
    return number_pages(
        [*((p, "mn") for p in mn_pages), *((p, "zh") for p in zh_pages)],
        frame,
        fonts,
        face,
        meta,
        always=False,
    )
