"""Planned slides become pages, and pages become pixels: text, photos, PDF and Word pictures."""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import docx
import pygame
import pytest
from office_fixtures import text_pdf
from PIL import Image

from signage.core.config import Settings
from signage.core.model import Line, Page, PlannedItem
from signage.formats.registry import read_slide, slide_bytes
from signage.render.page import (
    chinese_datetime,
    draw_header,
    header_lines,
    idle_lines,
    render_idle,
    render_page,
)
from signage.typeset.canvas import frame_for
from signage.typeset.fonts import FontBook
from signage.typeset.paginate import pages_for
from tests.golden import check_golden

NOW = datetime(2026, 12, 1, 10, 0).astimezone()
REPO = Path(__file__).resolve().parent.parent
CANVAS = (640, 360)


@pytest.fixture(scope="module")
def fonts() -> Iterator[FontBook]:
    pygame.display.init()
    yield FontBook.from_settings({})
    gc.collect()  # textures go before the renderer that made them
    pygame.quit()


def render_all(root: Path, rel: str, fonts: FontBook) -> list[pygame.Surface]:
    settings = Settings(content=root)
    slide = read_slide(root, rel, settings)
    pages = pages_for(PlannedItem(slide), CANVAS, fonts, settings, NOW)
    return [
        render_page(p, CANVAS, fonts, settings.theme, lambda r: slide_bytes(root, r, settings))
        for p in pages
    ]


def test_word_pictures_become_image_pages_after_the_text(tmp_path: Path, fonts: FontBook) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (300, 200), (0, 160, 0)).save(picture, "PNG")
    document = docx.Document()
    document.add_paragraph("关于开展冬季防火检查的通知")
    document.add_paragraph("各村（社区）：请于12月10日前完成辖区防火检查。")
    document.add_picture(io.BytesIO(picture.getvalue()))
    (tmp_path / "slides").mkdir()
    document.save(str(tmp_path / "slides" / "notice.docx"))
    surfaces = render_all(tmp_path, "slides/notice.docx", fonts)
    assert len(surfaces) == 2
    r, g, b, _ = surfaces[1].get_at((CANVAS[0] // 2, CANVAS[1] // 2))
    assert g > 140 and r < 40 and b < 40  # the picture, fitted in the middle


def test_pdf_pages_are_fitted_and_numbered(tmp_path: Path, fonts: FontBook) -> None:
    (tmp_path / "slides").mkdir()
    (tmp_path / "slides" / "policy.pdf").write_bytes(
        text_pdf(["Page one", "Page two", "Page three"])
    )
    surfaces = render_all(tmp_path, "slides/policy.pdf", fonts)
    assert len(surfaces) == 3
    assert all(s.get_size() == CANVAS for s in surfaces)


FRAME_CANVAS = (960, 540)


def composed(page_surface: pygame.Surface, fonts: FontBook) -> tuple[pygame.Surface, list[Line]]:
    """The page as the player shows it: with the header band (organisation, date, time)."""
    frame = frame_for(FRAME_CANVAS)
    header = header_lines(frame, "青山镇人民政府", NOW, fonts)
    draw_header(page_surface, frame, header, fonts, Settings().theme)
    return page_surface, header


def test_golden_frame_with_a_photo(fonts: FontBook) -> None:
    slide = read_slide(REPO, "slides/图片/03-楼层指引（EXIF旋转）.jpg", Settings(content=REPO))
    page = pages_for(PlannedItem(slide), FRAME_CANVAS, fonts, Settings(), NOW)[0]
    surface = render_page(
        page, FRAME_CANVAS, fonts, Settings().theme, lambda r: (REPO / r).read_bytes()
    )
    surface, header = composed(surface, fonts)
    record = Page(style=page.style, duration=page.duration, lines=tuple(header))
    check_golden("frame-photo", record, FRAME_CANVAS, surface, fonts)


def test_golden_idle_frame(fonts: FontBook) -> None:
    surface = render_idle(FRAME_CANVAS, "青山镇人民政府", NOW, fonts, Settings().theme)
    surface, header = composed(surface, fonts)
    lines = header + idle_lines(frame_for(FRAME_CANVAS), "青山镇人民政府", NOW, fonts)
    check_golden(
        "frame-idle",
        Page(style="idle", duration=0, lines=tuple(lines)),
        FRAME_CANVAS,
        surface,
        fonts,
    )


def test_header_shows_the_date_and_time_in_chinese() -> None:
    assert chinese_datetime(datetime(2026, 11, 28, 14, 30)) == "2026年11月28日 星期六 14:30"


def test_an_organisation_too_long_for_the_band_ends_in_an_ellipsis(fonts: FontBook) -> None:
    """At the smallest size a 60-character name still ran under the clock."""
    frame = frame_for(FRAME_CANVAS)
    name = "某某自治区某某盟某某旗某某镇人民政府" * 4
    org, clock = header_lines(frame, name, NOW, fonts)
    assert org.text.endswith("…") and name.startswith(org.text[:-1])
    assert org.x + org.width < clock.x
    short = header_lines(frame, "青山镇人民政府", NOW, fonts)[0]
    assert short.text == "青山镇人民政府"
