"""Drawing pages: background, ink where layout put it, fallback faces; golden pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pygame
import pytest

from signage.core.config import Settings, Theme
from signage.core.model import Line, Page, Slide
from signage.formats.meeting import read_meeting_slide
from signage.formats.text import read_text_slide
from signage.render.text import draw_lines, render_text_page
from signage.typeset.fonts import FontBook
from signage.typeset.layout import layout_slide
from tests.golden import check_golden

FIXTURES = Path(__file__).parent / "fixtures" / "text"
TZ = ZoneInfo("Asia/Shanghai")
SETTINGS = Settings(timezone="Asia/Shanghai")
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=TZ)
THEME = Theme()


@pytest.fixture(scope="module")
def fonts() -> FontBook:
    return FontBook.from_settings()


def slide_of(name: str) -> Slide:
    data = (FIXTURES / name).read_bytes()
    if name.endswith(".yaml"):
        return read_meeting_slide(f"slides/{name}", data, SETTINGS)
    return read_text_slide(f"slides/{name}", data, SETTINGS)


def ink_in(surface: pygame.Surface, rect: pygame.Rect, background: tuple[int, int, int]) -> int:
    count = 0
    clipped = rect.clip(surface.get_rect())
    for x in range(clipped.left, clipped.right, 2):
        for y in range(clipped.top, clipped.bottom, 2):
            if tuple(surface.get_at((x, y)))[:3] != background:
                count += 1
    return count


def test_page_background_and_ink_where_the_lines_are(fonts: FontBook) -> None:
    canvas = (960, 540)
    (page,) = layout_slide(slide_of("stop-water-gbk.txt"), canvas, fonts, SETTINGS, NOW)
    surface = render_text_page(page, canvas, fonts, THEME)
    assert surface.get_size() == canvas
    assert tuple(surface.get_at((2, 2)))[:3] == THEME.background
    for ln in page.lines:
        box = pygame.Rect(ln.x, ln.y, max(ln.width, 1), ln.size)
        assert ink_in(surface, box, THEME.background) > 0, ln.text
    # Between two lines of text there is only background.
    a, b = page.lines[2], page.lines[3]
    gap = pygame.Rect(a.x, a.y + a.size + 4, a.width, max(0, b.y - a.y - a.size - 12))
    assert ink_in(surface, gap, THEME.background) == 0


def test_urgent_page_has_the_urgent_ground(fonts: FontBook) -> None:
    canvas = (960, 540)
    slide = slide_of("urgent/road-closed.txt")
    (page,) = layout_slide(slide, canvas, fonts, SETTINGS, NOW)
    surface = render_text_page(page, canvas, fonts, THEME)
    assert tuple(surface.get_at((2, 2)))[:3] == THEME.urgent_background
    ln = page.lines[-1]
    pixels = {
        tuple(surface.get_at((x, y)))[:3]
        for x in range(ln.x, ln.x + ln.width)
        for y in range(ln.y, ln.y + ln.size)
    }
    assert THEME.urgent_text in pixels


def test_character_missing_from_the_main_face_is_drawn_by_a_fallback(fonts: FontBook) -> None:
    if not fonts.fallbacks or fonts.missing("⚕"):
        pytest.skip("no fallback font with U+2695 installed")
    surface = pygame.Surface((200, 100))
    surface.fill(THEME.background)
    size = 60
    line = Line("⚕", "body", 10, 20, 60, size, baseline=20 + round(0.88 * size))
    draw_lines(surface, [line], fonts, THEME)
    assert ink_in(surface, pygame.Rect(10, 10, 80, 80), THEME.background) > 20


def test_runs_are_drawn_at_their_own_x(fonts: FontBook) -> None:
    from signage.core.model import Glyphs

    surface = pygame.Surface((400, 100))
    surface.fill(THEME.background)
    line = Line(
        "中文", "body", 10, 20, 300, 40, baseline=55, runs=(Glyphs("中", 10.0), Glyphs("文", 300.0))
    )
    draw_lines(surface, [line], fonts, THEME)
    assert ink_in(surface, pygame.Rect(10, 20, 40, 45), THEME.background) > 0
    assert ink_in(surface, pygame.Rect(60, 10, 230, 80), THEME.background) == 0
    assert ink_in(surface, pygame.Rect(300, 20, 40, 45), THEME.background) > 0


GOLDENS = [
    ("notice", "stop-water-gbk.txt", 0),
    ("document-p1", "annual-report-utf8bom.txt", 0),
    ("document-p2", "annual-report-utf8bom.txt", 1),
    ("meeting", "meeting-zh.yaml", 0),
    ("meeting-p2", "meeting-zh.yaml", 1),
    ("urgent", "urgent/road-closed.txt", 0),
    ("markdown", "notice.md", 0),
    ("table", "round2/补贴公示.txt", 1),
    ("headings", "round2/政策解读.txt", 1),
    ("list-items", "round2/安全会议通知.txt", 1),
]


@pytest.mark.parametrize("canvas", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
@pytest.mark.parametrize(("name", "fixture", "index"), GOLDENS, ids=[g[0] for g in GOLDENS])
def test_golden_pages(
    fonts: FontBook, name: str, fixture: str, index: int, canvas: tuple[int, int]
) -> None:
    pages: tuple[Page, ...] = layout_slide(slide_of(fixture), canvas, fonts, SETTINGS, NOW)
    page = pages[index]
    surface = render_text_page(page, canvas, fonts, THEME)
    orientation = "landscape" if canvas[0] > canvas[1] else "portrait"
    check_golden(f"{name}-{orientation}", page, canvas, surface, fonts)
