"""Planned slides become pages, and pages become pixels: text, photos, PDF and Word pictures."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import docx
import pygame
import pytest
from office_fixtures import text_pdf
from PIL import Image

from signage.config import Settings
from signage.fonts import FontBook
from signage.model import PlannedItem
from signage.pages import pages_for
from signage.render import render_page
from signage.slides import read_slide, slide_bytes

NOW = datetime(2026, 12, 1, 10, 0).astimezone()
CANVAS = (640, 360)


@pytest.fixture(scope="module")
def fonts() -> Iterator[FontBook]:
    pygame.display.init()
    yield FontBook.from_settings({})
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
