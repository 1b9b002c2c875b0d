"""Pages with traditional Mongolian: Mongolian alone, or Mongolian and Chinese together.

The order is the one Inner Mongolia's rules on using both scripts in public set (内蒙古自治区
社会市面蒙汉两种文字并用管理办法): written horizontally, Mongolian above (or before) the
Chinese; written vertically, Mongolian on the left and Chinese on the right; on separate
boards, the Mongolian one first. Both at the same size.

One file holds both versions: its paragraphs are sorted by script (a paragraph that is
mostly Mongolian letters belongs to the Mongolian version), so staff only type the
Mongolian text and the Chinese text one after the other. Then:

- both short (a 会标, a banner): one or two horizontal lines each, Mongolian above Chinese,
  as large as fits;
- else, when both fit one page at one size: Mongolian columns on the left, the Chinese
  set horizontally on the right, at the same body size;
- else: the Mongolian pages first, then the Chinese ones, numbered through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from signage.core.config import Settings
from signage.core.model import (
    Block,
    ColorRole,
    Document,
    FontRole,
    Glyphs,
    Line,
    Meeting,
    Page,
    PageStyle,
    Role,
    Slide,
)
from signage.typeset.canvas import Frame, Rect, frame_for
from signage.typeset.fonts import EM_TOP, FontBook
from signage.typeset.layout import (
    NOTICE_SCALES,
    URGENT_SCALES,
    body_floor_px,
    layout_slide,
    page_seconds,
)
from signage.typeset.meeting_mn import bilingual_meeting_pages
from signage.typeset.mongolian import (
    MongolianFace,
    is_mongolian_text,
    pieces,
    script_counts,
    words,
)
from signage.typeset.vertical import (
    Column,
    document_columns,
    fit_beside,
    is_footer,
    number_pages,
    page_number_room,
    place_columns,
    reading_units,
    set_columns,
    vertical_pages,
)

BANNER_MAX_CHARS = 30
"""A Chinese version of one line this short (and a Mongolian one of at most BANNER_MAX_WORDS
words) is a banner (会标): set horizontally, Mongolian above Chinese."""
BANNER_MAX_WORDS = 12
BANNER_PITCH = 1.5


def split_languages(doc: Document) -> tuple[list[Block], list[Block]]:
    """(Mongolian blocks, Chinese blocks), each in reading order."""
    mn: list[Block] = []
    zh: list[Block] = []
    for block in doc.blocks:
        (mn if is_mongolian_text(block.text) else zh).append(block)
    return mn, zh


def mongolian_line(
    text: str,
    x: float,
    middle: float,
    size: int,
    face: MongolianFace,
    fonts: FontBook,
    *,
    role: Role = "meta",
    color: ColorRole = "text",
) -> Line:
    """Mongolian written horizontally (the vertical text turned to read left to right, as
    on signs), its ink centred on `middle`."""
    band = face.band()
    baseline = middle + (band.right - band.left) / 2 * size
    width = sum(
        face.width(p.text, size) if p.kind == "mongol" else fonts.advance(p.text, "sans", size)
        for p in pieces(text, face, across=True)
    )
    return Line(
        text=text,
        role=role,
        x=round(x),
        y=round(baseline - band.right * size),
        width=round(width),
        size=size,
        color=color,
        baseline=round(baseline),
        runs=(Glyphs(text, x),),
    )


def mongolian_line_width(text: str, size: int, face: MongolianFace, fonts: FontBook) -> float:
    return float(
        sum(
            face.width(p.text, size) if p.kind == "mongol" else fonts.advance(p.text, "sans", size)
            for p in pieces(text, face, across=True)
        )
    )


def chinese_line(
    text: str,
    x: float,
    middle: float,
    size: int,
    fonts: FontBook,
    *,
    font: FontRole = "sans",
    role: Role = "meta",
    color: ColorRole = "text",
) -> Line:
    """Chinese on one line, its em box centred on `middle`."""
    top = middle - size / 2
    return Line(
        text=text,
        role=role,
        x=round(x),
        y=round(top),
        width=round(fonts.advance(text, font, size)),
        size=size,
        font=font,
        color=color,
        baseline=round(top + EM_TOP * size),
        runs=(Glyphs(text, x),),
    )


# --- the entry ---------------------------------------------------------------------------------


def mongolian_pages(
    slide: Slide,
    canvas: tuple[int, int],
    fonts: FontBook,
    settings: Settings,
    now: datetime,
    duration: float | None = None,
) -> tuple[Page, ...] | None:
    """Pages for a slide with traditional Mongolian text; None for any other slide (and when
    no Mongolian font is installed: the Chinese layout then shows it and warns)."""
    if slide.lang == "zh":
        return None
    body = slide.body
    if isinstance(body, Meeting):
        if not body.mongolian:
            return None
        face = fonts.mongolian
        if face is None:
            return None
        return bilingual_meeting_pages(slide, body, canvas, fonts, face, settings, now, duration)
    if not isinstance(body, Document) or slide.kind not in ("notice", "document"):
        return None
    if slide.lang == "mn":
        mn: list[Block] = list(body.blocks)
        zh: list[Block] = []
    else:
        mn, zh = split_languages(body)
    if not mn:
        return None
    face = fonts.mongolian
    if face is None:
        return None
    frame = frame_for(canvas)
    floor = body_floor_px(settings, canvas)
    seconds = duration if duration is not None else slide.duration
    urgent = slide.urgent
    meta: ColorRole = "urgent_text" if urgent else "muted"
    document = slide.kind == "document"

    def mongolian_pages() -> list[Page]:
        return vertical_pages(
            mn,
            frame,
            fonts,
            face,
            floor,
            document=document,
            urgent=urgent,
            seconds=seconds,
            room=page_number_room(frame, face),
        )

    if not zh:
        pages = mongolian_pages()
        return number_pages([(p, "mn") for p in pages], frame, fonts, face, meta, always=document)
    banner = _banner(mn, zh, frame, fonts, face, floor, slide, seconds)
    if banner is not None:
        return (banner,)
    both = _side_by_side(mn, zh, frame, fonts, face, floor, slide, canvas, settings, now, seconds)
    if both is not None:
        return number_pages([(both, "zh")], frame, fonts, face, meta, always=document)
    mn_pages = mongolian_pages()
    zh_pages = layout_slide(
        _chinese_slide(slide, zh, slide.kind), canvas, fonts, settings, now, duration
    )
    return number_pages(
        [*((p, "mn") for p in mn_pages), *((p, "zh") for p in zh_pages)],
        frame,
        fonts,
        face,
        meta,
        always=document,
    )


def _chinese_slide(slide: Slide, zh: Sequence[Block], kind: str) -> Slide:
    title = next((b.text for b in zh if b.role == "title"), None)
    doc = Document(title=title, blocks=tuple(zh))
    return replace(
        slide,
        body=doc,
        kind="document" if kind == "document" else "notice",
        title=title or slide.title,
    )


def _banner(
    mn: Sequence[Block],
    zh: Sequence[Block],
    frame: Frame,
    fonts: FontBook,
    face: MongolianFace,
    floor: int,
    slide: Slide,
    seconds: float | None,
) -> Page | None:
    """A short text in both languages: Mongolian line(s) above Chinese line(s), centred,
    one size for all, as large as fits."""
    if len(mn) != 1 or len(zh) != 1:
        return None
    zh_chars = sum(1 for b in zh for c in b.text if not c.isspace())
    mn_words = sum(len(words(b.text)) for b in mn)
    if zh_chars > BANNER_MAX_CHARS or mn_words > BANNER_MAX_WORDS:
        return None
    body = frame.body
    rows: list[tuple[str, str]] = [("mn", " ".join(words(b.text))) for b in mn]
    rows += [("zh", b.text.strip()) for b in zh]
    urgent = slide.urgent
    color: ColorRole = "urgent_text" if urgent else "title"
    largest = min(round(body.h / (len(rows) * BANNER_PITCH)), round(floor * 2.5))

    def width(kind: str, text: str, size: int) -> float:
        if kind == "mn":
            return mongolian_line_width(text, size, face, fonts)
        return fonts.advance(text, "serif-bold", size)

    size = largest
    while size >= floor:
        if all(width(k, t, size) <= body.w for k, t in rows):
            break
        size -= 2
    else:
        return None
    pitch = BANNER_PITCH * size
    top = body.y + (body.h - pitch * len(rows)) / 2
    lines: list[Line] = []
    for n, (kind, text) in enumerate(rows):
        middle = top + pitch * (n + 0.5)
        x = body.x + (body.w - width(kind, text, size)) / 2
        role: Role = "title" if n in (0, len(mn)) else "body"
        if kind == "mn":
            lines.append(mongolian_line(text, x, middle, size, face, fonts, role=role, color=color))
        else:
            lines.append(
                chinese_line(
                    text, x, middle, size, fonts, font="serif-bold", role=role, color=color
                )
            )
    time = seconds if seconds is not None else page_seconds(reading_units(lines))
    style: PageStyle = "urgent" if urgent else "notice"
    return Page(style=style, duration=float(time), lines=tuple(lines))


def _side_by_side(
    mn: Sequence[Block],
    zh: Sequence[Block],
    frame: Frame,
    fonts: FontBook,
    face: MongolianFace,
    floor: int,
    slide: Slide,
    canvas: tuple[int, int],
    settings: Settings,
    now: datetime,
    seconds: float | None,
) -> Page | None:
    """Mongolian columns on the left, the Chinese on the right, at one body size: the
    largest at which both fit one page."""
    body = frame.body
    urgent = slide.urgent
    chinese = _chinese_slide(slide, zh, "document")
    fit = fit_beside(
        URGENT_SCALES if urgent else NOTICE_SCALES,
        floor,
        body,
        face,
        lambda size: document_columns(mn, size, body.h, face, fonts, urgent=urgent),
        lambda area, size: layout_slide(
            chinese, canvas, fonts, settings, now, None, body=area, floor=size
        ),
    )
    if fit is None:
        return None
    zh_lines = [ln for ln in fit.page.lines if not is_footer(ln, frame)]
    if not zh_lines:
        return None
    # Both halves centred as one group, each centred from top to bottom.
    start = body.x + fit.width + fit.gutter
    zh_top = min(ln.y for ln in zh_lines)
    zh_bottom = max(ln.y + ln.size for ln in zh_lines)
    zh_left = min(ln.x for ln in zh_lines)
    zh_right = max(ln.x + ln.width for ln in zh_lines)
    group = (zh_right - body.x) - (zh_left - start)
    shift_x = (body.w - group) / 2
    dy = body.y + (body.h - (zh_bottom - zh_top)) / 2 - zh_top
    dx = shift_x - (zh_left - start)
    moved = [_moved(ln, dx, dy) for ln in zh_lines]
    span = max((c.length for c in fit.columns), default=0.0)
    top = body.y + (body.h - span) / 2
    lines = [*place_columns(fit.columns, body.x + shift_x, top, span, face), *moved]
    time = seconds if seconds is not None else page_seconds(reading_units(lines))
    style: PageStyle = "urgent" if urgent else "notice"
    return Page(style=style, duration=float(time), lines=tuple(lines))


def _moved(line: Line, dx: float, dy: float) -> Line:
    return replace(
        line,
        x=round(line.x + dx),
        y=round(line.y + dy),
        baseline=round(line.baseline + dy),
        runs=tuple(replace(r, x=r.x + dx) for r in line.runs),
    )


def columns_for_fields(
    fields: Sequence[tuple[str, Role, ColorRole, int]],
    length: float,
    face: MongolianFace,
    fonts: FontBook,
) -> list[Column]:
    """Columns for labelled fields (a meeting's title, place …), one paragraph each."""
    out: list[Column] = []
    for text, role, color, size in fields:
        cols = set_columns(
            text, role=role, size=size, color=color, length=length, face=face, fonts=fonts
        )
        out.extend(cols)
    return out


def mongolian_share(text: str) -> float:
    mn, han = script_counts(text)
    return mn / (mn + 3 * han) if mn or han else 0.0


def bilingual_header(
    mongolian: str,
    chinese: str,
    clock: tuple[str, str, str],
    band: Rect,
    margin: int,
    size: int,
    fonts: FontBook,
) -> list[Line]:
    """The header band with the organisation's name in both scripts and the clock.

    clock is (full line, short date, time): "2026年12月1日 星期二 10:00", "12月1日 星期二",
    "10:00". One row when it fits: Mongolian name, Chinese name, clock, one size for the
    names. Else (a portrait screen, a long name) two rows: Mongolian above Chinese, the
    short date above the time."""
    face = fonts.mongolian
    assert face is not None
    middle = band.y + band.h / 2
    full, date, time = clock

    def widths(s: int) -> tuple[float, float]:
        return (
            mongolian_line_width(mongolian, s, face, fonts),
            fonts.advance(chinese, "sans-bold", s),
        )

    clock_w = fonts.advance(full, "sans", size)
    room = band.w - 2 * margin - clock_w - size
    one = size
    while one > 0.75 * size and sum(widths(one)) + one > room:
        one -= 2
    mn_w, zh_w = widths(one)
    if mn_w + zh_w + one <= room:
        return [
            mongolian_line(mongolian, margin, middle, one, face, fonts),
            chinese_line(chinese, margin + mn_w + one, middle, one, fonts, font="sans-bold"),
            chinese_line(full, band.right - margin - clock_w, middle, size, fonts),
        ]
    two = round(band.h * 0.36)
    while two > 12:
        stacked_clock = max(fonts.advance(date, "sans", two), fonts.advance(time, "sans", two))
        if max(widths(two)) <= band.w - 2 * margin - stacked_clock - two:
            break
        two -= 1
    upper, lower = band.y + band.h * 0.28, band.y + band.h * 0.72
    right = band.right - margin
    return [
        mongolian_line(mongolian, margin, upper, two, face, fonts),
        chinese_line(chinese, margin, lower, two, fonts, font="sans-bold"),
        chinese_line(date, right - fonts.advance(date, "sans", two), upper, two, fonts),
        chinese_line(time, right - fonts.advance(time, "sans", two), lower, two, fonts),
    ]
