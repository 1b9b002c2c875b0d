"""Pages become pygame surfaces. Pure in the sense that matters: (page, canvas, fonts, theme,
file bytes) in, pixels out; nothing here opens a window or reads the clock."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import pygame

from signage.core.config import Theme
from signage.core.model import Line, Page
from signage.typeset.canvas import Frame, Rect, frame_for

if TYPE_CHECKING:
    from signage.typeset.fonts import FontBook

WEEKDAYS = "一二三四五六日"

ImageSource = Callable[[str], bytes]
"""Returns the current bytes of a slide file (root-relative path); raises OSError if gone."""


def chinese_date(now: datetime) -> str:
    return f"{now.year}年{now.month}月{now.day}日 星期{WEEKDAYS[now.weekday()]}"


def chinese_datetime(now: datetime) -> str:
    """'2026年11月28日 星期六 14:30' as the header shows it."""
    return f"{chinese_date(now)} {now.hour:02d}:{now.minute:02d}"


def _line(
    text: str,
    x: float,
    top: float,
    size: int,
    fonts: FontBook,
    *,
    font: str = "sans",
    role: str = "meta",
    color: str = "text",
) -> Line:
    width = fonts.advance(text, font, size)  # type: ignore[arg-type]
    return Line(
        text=text,
        role=role,  # type: ignore[arg-type]
        x=round(x),
        y=round(top),
        width=round(width),
        size=size,
        font=font,  # type: ignore[arg-type]
        color=color,  # type: ignore[arg-type]
        baseline=round(top + size * 0.88),
    )


def header_lines(
    frame: Frame, organisation: str, now: datetime, fonts: FontBook, mongolian: str = ""
) -> list[Line]:
    """Organisation name on the left, date and time on the right, in the header band.

    With a Mongolian name too, the Mongolian comes first and the Chinese after it, at one
    size; when both do not fit on one line, the Mongolian stands above the Chinese."""
    band = frame.header
    size = max(16, round(band.h * 0.46))
    top = band.y + (band.h - size) / 2
    margin = frame.body.x
    clock = chinese_datetime(now)
    clock_w = fonts.advance(clock, "sans", size)
    org_size = size
    room = band.w - 2 * margin - clock_w - size
    if mongolian and fonts.mongolian is not None:
        from signage.typeset.bilingual import bilingual_header

        date = f"{now.month}月{now.day}日 星期{WEEKDAYS[now.weekday()]}"
        times = (clock, date, f"{now.hour:02d}:{now.minute:02d}")
        return bilingual_header(mongolian, organisation, times, band, margin, size, fonts)
    lines = [_line(clock, band.right - margin - clock_w, top, size, fonts)]
    while org_size > 16 and fonts.advance(organisation, "sans-bold", org_size) > room:
        org_size -= 2
    if organisation:
        lines.insert(
            0,
            _line(
                organisation,
                margin,
                band.y + (band.h - org_size) / 2,
                org_size,
                fonts,
                font="sans-bold",
            ),
        )
    return lines


def draw_header(
    surface: pygame.Surface, frame: Frame, lines: list[Line], fonts: FontBook, theme: Theme
) -> None:
    from signage.render.text import draw_lines

    band = frame.header
    surface.fill(theme.header_background, pygame.Rect(band.x, band.y, band.w, band.h))
    draw_lines(surface, lines, fonts, dataclasses.replace(theme, text=theme.header_text))


def idle_lines(
    frame: Frame, organisation: str, now: datetime, fonts: FontBook, mongolian: str = ""
) -> list[Line]:
    """Nothing to play: the organisation's name and a large clock, never a black screen.

    A Mongolian name stands above the Chinese one, at the same size."""
    body = frame.body
    name_size = max(24, round(96 * frame.scale))
    face = fonts.mongolian if mongolian else None
    while name_size > 24 and (
        fonts.advance(organisation, "serif-bold", name_size) > body.w
        or (face is not None and _mongolian_width(mongolian, name_size, fonts) > body.w)
    ):
        name_size -= 4
    time_size = max(24, round(200 * frame.scale))
    date_size = max(20, round(64 * frame.scale))
    gap = round(40 * frame.scale)
    total = name_size + gap + time_size + gap + date_size
    mongolian_h = round(name_size * 1.5) if face is not None else 0
    top = body.y + (body.h - total - mongolian_h) / 2
    lines = []
    if face is not None:
        from signage.typeset.bilingual import mongolian_line

        w = _mongolian_width(mongolian, name_size, fonts)
        middle = top + name_size * 0.6
        lines.append(
            mongolian_line(
                mongolian, body.x + (body.w - w) / 2, middle, name_size, face, fonts, color="title"
            )
        )
        top += mongolian_h
    texts = [
        (organisation, name_size, "serif-bold", "title"),
        (f"{now.hour:02d}:{now.minute:02d}", time_size, "sans", "text"),
        (chinese_date(now), date_size, "sans", "muted"),
    ]
    for text, size, font, color in texts:
        if text:
            w = fonts.advance(text, font, size)  # type: ignore[arg-type]
            lines.append(
                _line(text, body.x + (body.w - w) / 2, top, size, fonts, font=font, color=color)
            )
        top += size + gap
    return lines


def _mongolian_width(text: str, size: int, fonts: FontBook) -> float:
    from signage.typeset.bilingual import mongolian_line_width

    face = fonts.mongolian
    return mongolian_line_width(text, size, face, fonts) if face is not None else 0.0


def footer_line(frame: Frame, number: int, count: int, fonts: FontBook) -> Line:
    text = f"第 {number + 1}/{count} 页"
    size = max(14, round(frame.footer.h * 0.5))
    w = fonts.advance(text, "sans", size)
    top = frame.footer.y + (frame.footer.h - size) / 2
    return _line(text, frame.footer.right - w, top, size, fonts, color="muted")


def _picture_area(frame: Frame, page: Page) -> Rect:
    """Photos use everything below the header; PDF pages leave the footer for the number."""
    w, h = frame.canvas
    if page.style == "pdf":
        return Rect(0, frame.header.bottom, w, frame.footer.y - frame.header.bottom)
    return Rect(0, frame.header.bottom, w, h - frame.header.bottom)


def render_page(
    page: Page,
    canvas: tuple[int, int],
    fonts: FontBook,
    theme: Theme,
    source: ImageSource,
) -> pygame.Surface:
    """The page's pixels on the whole canvas; the header band is left for draw_header."""
    frame = frame_for(canvas)
    if page.style in ("image", "pdf"):
        return _render_picture(page, frame, fonts, theme, source)
    from signage.render.text import render_text_page

    return render_text_page(page, canvas, fonts, theme)


def _render_picture(
    page: Page, frame: Frame, fonts: FontBook, theme: Theme, source: ImageSource
) -> pygame.Surface:
    from signage.formats.images import prepare_image

    surface = pygame.Surface(frame.canvas)
    area = _picture_area(frame, page)
    ground = theme.image_background if page.style == "image" else theme.background
    surface.fill(ground)
    assert page.image_path is not None
    data = source(page.image_path)
    if page.style == "pdf":
        from signage.formats.pdf import render_pdf_page

        pil = render_pdf_page(data, page.pdf_page or 0, (area.w, area.h))
        from signage.formats.images import fit_box

        fitted = (
            pil.resize(fit_box(pil.size, (area.w, area.h), "contain"))
            if (pil.width > area.w or pil.height > area.h)
            else pil
        )
        from PIL import Image

        canvas_img = Image.new("RGB", (area.w, area.h), ground)
        canvas_img.paste(
            fitted.convert("RGB"), ((area.w - fitted.width) // 2, (area.h - fitted.height) // 2)
        )
        pil = canvas_img
    else:
        if page.picture is not None:
            from signage.formats.word import docx_images

            data = docx_images(data)[page.picture]
        pil = prepare_image(data, (area.w, area.h), page.fit, ground)
    picture = pygame.image.frombytes(pil.tobytes(), pil.size, "RGB")
    surface.blit(picture, (area.x, area.y))
    if page.style == "pdf" and page.count > 1:
        from signage.render.text import draw_lines

        draw_lines(surface, [footer_line(frame, page.number, page.count, fonts)], fonts, theme)
    return surface


def render_idle(
    canvas: tuple[int, int],
    organisation: str,
    now: datetime,
    fonts: FontBook,
    theme: Theme,
    mongolian: str = "",
) -> pygame.Surface:
    from signage.render.text import draw_lines

    frame = frame_for(canvas)
    surface = pygame.Surface(canvas)
    surface.fill(theme.background)
    draw_lines(surface, idle_lines(frame, organisation, now, fonts, mongolian), fonts, theme)
    return surface
