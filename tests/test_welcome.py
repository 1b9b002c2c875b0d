"""A new, empty lobby tells staff where to put files, until real content arrives."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pygame
import pytest

from signage.appliance.samba import staff_share_address
from signage.commands.run import _welcome
from signage.content.folder import ContentFolder
from signage.core.config import Settings, load_settings
from signage.core.model import Page
from signage.render.page import (
    WELCOME_TITLE,
    draw_header,
    header_lines,
    idle_lines,
    render_idle,
    welcome_lines,
)
from signage.typeset.canvas import Rect, frame_for
from signage.typeset.fonts import FontBook
from tests.golden import check_golden

NOW = datetime(2026, 12, 1, 10, 0).astimezone()
ADDRESS = "\\\\lobby-pc\\signage"


@pytest.fixture(scope="module")
def fonts() -> Iterator[FontBook]:
    pygame.display.init()
    yield FontBook.from_settings({})
    pygame.quit()


@pytest.mark.parametrize("canvas", [(1920, 1080), (1080, 1920), (1280, 720), (640, 360)])
def test_the_card_fits_under_the_clock_in_every_orientation(
    fonts: FontBook, canvas: tuple[int, int]
) -> None:
    frame = frame_for(canvas)
    lines, box = welcome_lines(frame, ADDRESS, fonts)
    assert lines[0].text == WELCOME_TITLE
    assert ADDRESS in [ln.text for ln in lines]  # the address is never broken
    for line in lines:
        assert box.x <= line.x and line.x + line.width <= box.right, line.text
        assert box.y <= line.y and line.y + line.size <= box.bottom, line.text
    assert box.bottom <= frame.body.bottom
    above = Rect(frame.body.x, frame.body.y, frame.body.w, box.y - frame.body.y)
    import dataclasses

    clock = idle_lines(dataclasses.replace(frame, body=above), "青山镇人民政府", NOW, fonts)
    assert max(ln.y + ln.size for ln in clock) <= box.y  # nothing overlaps the card
    # Text stays readable: the smallest line is the card's body size, not shrunk to fit.
    assert min(ln.size for ln in lines) >= round(40 * frame.scale) - 1 or canvas == (640, 360)


def test_without_an_address_the_card_says_to_ask(fonts: FontBook) -> None:
    lines, _ = welcome_lines(frame_for((1920, 1080)), "", fonts)
    text = "".join(ln.text for ln in lines)
    assert "\\\\" not in text and "地址请问管理员" in text


def test_idle_page_keeps_its_old_form_without_a_card(fonts: FontBook) -> None:
    theme = Settings().theme
    plain = render_idle((640, 360), "青山镇人民政府", NOW, fonts, theme)
    again = render_idle((640, 360), "青山镇人民政府", NOW, fonts, theme, welcome=None)
    card = render_idle((640, 360), "青山镇人民政府", NOW, fonts, theme, welcome=ADDRESS)
    assert pygame.image.tobytes(plain, "RGB") == pygame.image.tobytes(again, "RGB")
    assert pygame.image.tobytes(plain, "RGB") != pygame.image.tobytes(card, "RGB")


def test_golden_welcome_frame(fonts: FontBook) -> None:
    canvas = (960, 540)
    frame = frame_for(canvas)
    surface = render_idle(canvas, "青山镇人民政府", NOW, fonts, Settings().theme, welcome=ADDRESS)
    header = header_lines(frame, "青山镇人民政府", NOW, fonts)
    draw_header(surface, frame, header, fonts, Settings().theme)
    lines, _ = welcome_lines(frame, ADDRESS, fonts)
    record = Page(style="idle", duration=0, lines=tuple(header + lines))
    check_golden("frame-welcome", record, canvas, surface, fonts)


def test_the_address_comes_from_the_configuration_or_smb_conf(tmp_path: Path) -> None:
    content = tmp_path / "srv"
    content.mkdir()
    smb = tmp_path / "smb.conf"
    smb.write_text(f"[global]\n   workgroup = X\n\n[大厅]\n   path = {content}\n", "utf-8")
    plain = Settings(content=content)
    assert staff_share_address(plain, "lobby-pc", smb) == "\\\\lobby-pc\\大厅"
    assert staff_share_address(plain, "lobby-pc", tmp_path / "none.conf") == ""
    named = Settings(content=content, share={"share_name": "xinxi"})
    assert staff_share_address(named, "lobby-pc", None) == "\\\\lobby-pc\\xinxi"
    told = Settings(content=content, share={"address": "\\\\10.0.0.5\\信息屏"})
    assert staff_share_address(told, "lobby-pc", smb) == "\\\\10.0.0.5\\信息屏"
    elsewhere = Settings(content=content, share={"share_content": False})
    assert staff_share_address(elsewhere, "lobby-pc", None) == ""


def test_the_card_goes_once_anything_arrives(tmp_path: Path) -> None:
    (tmp_path / "slides").mkdir()
    (tmp_path / "playlists").mkdir()
    settings = Settings(content=tmp_path, share={"share_name": "signage"})
    folder = ContentFolder(lambda: load_settings(tmp_path, None, {"settle_s": 0.0}), time.monotonic)
    try:
        folder.scan()
        welcome = _welcome(folder, settings)
        assert welcome() is not None and welcome().endswith("\\signage")  # type: ignore[union-attr]
        (tmp_path / "slides" / "通知.txt").write_text("关于放假的通知\n放假一天。\n", "utf-8")
        folder.scan()
        assert welcome() is None
        (tmp_path / "slides" / "通知.txt").unlink()
        (tmp_path / "slides" / "坏.jpg").write_bytes(b"\xff\xd8\xff broken")
        folder.scan()
        assert welcome() is None  # a broken first file: 状态.txt explains it, not the card
    finally:
        folder.close()
