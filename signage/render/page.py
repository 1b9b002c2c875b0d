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
    organisation = _cut_to(organisation, room, org_size, fonts)
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


def _cut_to(text: str, room: float, size: int, fonts: FontBook) -> str:
    """text, or as much of it as fits `room` followed by '…': a name longer than the band
    even at the smallest size ran under the clock."""
    if fonts.advance(text, "sans-bold", size) <= room:
        return text
    low, high = 0, len(text)  # the longest prefix that fits, by halving: names may be long
    while low < high:
        mid = (low + high + 1) // 2
        if fonts.advance(text[:mid] + "…", "sans-bold", size) <= room:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + "…"


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
            from signage.formats.word import docx_picture

            # Only the picture this page shows is inflated, through the reader's counter.
            data = docx_picture(data, page.picture)
        other = theme.background if page.style == "image" else theme.image_background
        pil = prepare_image(data, (area.w, area.h), page.fit, ground, other)
        if page.style == "image" and pil.info.get("ground", ground) != ground:
            surface.fill(pil.info["ground"])  # a logo on nothing: the whole page its ground
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
    *,
    welcome: str | None = None,
) -> pygame.Surface:
    """Nothing to play: the name and the clock. With `welcome` (the share's address, or ""
    when it is not known) a new, empty lobby also shows staff where to put files."""
    from signage.render.text import draw_lines

    frame = frame_for(canvas)
    surface = pygame.Surface(canvas)
    surface.fill(theme.background)
    if welcome is None:
        draw_lines(surface, idle_lines(frame, organisation, now, fonts, mongolian), fonts, theme)
        return surface
    card, box = welcome_lines(frame, welcome, fonts)
    # The name and the clock keep their own layout, in the room above the card.
    above = Rect(frame.body.x, frame.body.y, frame.body.w, box.y - frame.body.y)
    draw_lines(
        surface,
        idle_lines(dataclasses.replace(frame, body=above), organisation, now, fonts, mongolian),
        fonts,
        theme,
    )
    surface.fill(
        _tint(theme.background, theme.muted, 0.12), pygame.Rect(box.x, box.y, box.w, box.h)
    )
    pygame.draw.rect(
        surface,
        theme.accent,
        pygame.Rect(box.x, box.y, box.w, box.h),
        max(2, round(4 * frame.scale)),
    )
    draw_lines(surface, card, fonts, theme)
    return surface


WELCOME_TITLE = "这块屏幕还没有内容"
WELCOME_WHERE = "工作人员：请把通知、文件、照片放进共享文件夹"
WELCOME_UNKNOWN = "工作人员：请把通知、文件、照片放进播放机的共享文件夹"
WELCOME_FOLDERS = "放进 slides 里的 通知、政策、会议、图片 等文件夹，几秒钟后就会显示在这里。"
WELCOME_GUIDE = "怎么写、放在哪里，见共享文件夹里的“使用说明.txt”；共享文件夹的地址请问管理员。"
WELCOME_GUIDE_KNOWN = "怎么写、放在哪里，见共享文件夹里的“使用说明.txt”。"


def welcome_lines(frame: Frame, address: str, fonts: FontBook) -> tuple[list[Line], Rect]:
    """A card for a lobby with no content yet: where staff put files (`address`, e.g.
    \\\\lobby-pc\\signage, or "" when not known). Returns its lines and its box, in the lower
    part of the body; sizes stay readable from the middle of the hall."""
    body = frame.body
    pad = round(36 * frame.scale)
    width = body.w - 2 * pad
    title_size = max(18, round(56 * frame.scale))
    text_size = max(14, round(40 * frame.scale))
    address_size = max(18, round(72 * frame.scale))
    rows: list[tuple[str, int, str, str]] = [
        (WELCOME_TITLE, title_size, "sans-bold", "accent"),
        (WELCOME_WHERE if address else WELCOME_UNKNOWN, text_size, "sans", "text"),
    ]
    if address:
        rows.append((address, address_size, "sans-bold", "title"))
    rows.append((WELCOME_FOLDERS, text_size, "sans", "text"))
    rows.append((WELCOME_GUIDE_KNOWN if address else WELCOME_GUIDE, text_size, "sans", "muted"))
    fitted = []
    for text, size, font, color in rows:
        if font == "sans-bold" and text == address:
            # The address must stay one piece: smaller, never broken.
            while size > 12 and fonts.advance(text, font, size) > width:  # type: ignore[arg-type]
                size -= 2
            fitted.append((text, size, font, color))
            continue
        for part in _wrap(text, width, lambda t, sz=size, f=font: fonts.advance(t, f, sz)):  # type: ignore[misc]
            fitted.append((part, size, font, color))
    gap = round(18 * frame.scale)
    height = sum(size for _, size, _, _ in fitted) + gap * (len(fitted) - 1) + 2 * pad
    box = Rect(body.x, body.bottom - height, body.w, height)
    top = box.y + pad
    lines = []
    for text, size, font, color in fitted:
        w = fonts.advance(text, font, size)  # type: ignore[arg-type]
        lines.append(
            _line(text, body.x + (body.w - w) / 2, top, size, fonts, font=font, color=color)
        )
        top += size + gap
    return lines, box


_BREAK_AFTER = "，、；：。 "


def _wrap(text: str, width: int, measure: Callable[[str], float]) -> list[str]:
    """A sentence of the card in lines that fit: broken after a comma or a space where one
    fits, else between characters (never before a closing mark)."""
    out: list[str] = []
    rest = text
    while rest and measure(rest) > width:
        fit = len(rest)
        while fit > 1 and measure(rest[:fit]) > width:
            fit -= 1
        cut = max((i + 1 for i in range(fit) if rest[i] in _BREAK_AFTER), default=0)
        if cut < fit // 2:
            cut = fit
            # Not before a closing mark, and not inside a name like 使用说明.txt.
            while cut > 1 and (
                rest[cut] in "，、；：。）”’" or (_latin(rest[cut - 1]) and _latin(rest[cut]))
            ):
                cut -= 1
            while cut > 1 and rest[cut - 1] in "“‘（":
                cut -= 1
            # A quoted name (“使用说明.txt”) moves whole to the next line.
            opened = rest.rfind("“", 0, cut)
            if opened > 0 and "”" not in rest[opened:cut]:
                cut = opened
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        out.append(rest)
    return out


def _latin(ch: str) -> bool:
    return ch.isascii() and not ch.isspace()


def _tint(
    ground: tuple[int, int, int], ink: tuple[int, int, int], share: float
) -> tuple[int, int, int]:
    r, g, b = (round(a + (c - a) * share) for a, c in zip(ground, ink, strict=True))
    return (r, g, b)
