"""The player loop, headless (SDL dummy driver), with an injected clock."""

from __future__ import annotations

import gc
import json
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pygame
import pytest

from signage.content.folder import ContentFolder
from signage.core.clock import ManualClock
from signage.core.config import Settings, load_settings
from signage.screen.output import Display
from signage.screen.player import Hooks, Player, TextureCache, parse_quit_keys
from signage.typeset.fonts import FontBook
from signage.workers.lane import InlineLane

REPO = Path(__file__).resolve().parent.parent
SIZE = (480, 270)
START = datetime(2026, 12, 1, 10, 0).astimezone()  # a Tuesday, a working day


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "slides").mkdir(parents=True)
    shutil.copy(REPO / "signage.yaml", root / "signage.yaml")
    return root


@pytest.fixture
def display() -> Iterator[None]:
    pygame.display.init()
    yield
    gc.collect()  # textures go before the renderer that made them
    pygame.quit()


def make_player(
    root: Path, clock: ManualClock, status: Path | None = None, **overrides: Any
) -> Player:
    base: dict[str, Any] = {"size": SIZE, "windowed": True, "transition": "none", "settle_s": 0.0}
    base.update(overrides)

    def load() -> tuple[Settings, list[Any]]:
        return load_settings(root, None, base)

    folder = ContentFolder(load, clock.monotonic)
    settings = folder.settings
    fonts = FontBook.from_settings(settings.fonts)
    shown: list[tuple[str, int, float]] = []
    hooks = Hooks(
        on_page=lambda s, plan, secs: shown.append((s.item.slide.path, s.page_index, secs))
    )
    player = Player(
        folder,
        clock,
        fonts,
        Display(settings.size, True, settings.rotation),
        lane=InlineLane(),
        status_file=status,
        hooks=hooks,
    )
    player.shown = shown  # type: ignore[attr-defined]
    return player


def write_notice(root: Path, name: str, body: str) -> Path:
    path = root / "slides" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{body}\n\n青山镇人民政府\n2026年11月28日\n", encoding="utf-8")
    return path


def screen(player: Player) -> pygame.Surface:
    """The glass as the renderer shows it."""
    surface = player.display.screenshot()
    assert surface is not None
    return surface


def current(player: Player) -> str | None:
    cur = player.rotation.current
    return None if cur is None else cur.item.slide.path


def run_for(player: Player, clock: ManualClock, seconds: float, step: float = 1.0) -> None:
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        clock.advance(step)
        player.tick()


def test_plays_slides_in_name_order_with_their_durations(content: Path, display: None) -> None:
    write_notice(content, "a.txt", "第一份通知。")
    write_notice(content, "b.txt", "第二份通知。")
    clock = ManualClock(START)
    player = make_player(content, clock, default_duration=10.0)
    player.start()
    assert current(player) == "slides/a.txt"
    assert player.frames == 1
    run_for(player, clock, 9)
    assert current(player) == "slides/a.txt"
    run_for(player, clock, 1)
    assert current(player) == "slides/b.txt"
    run_for(player, clock, 10)
    assert current(player) == "slides/a.txt"
    assert [s[0] for s in player.shown] == ["slides/a.txt", "slides/b.txt"]


def test_a_static_slide_draws_no_frames_but_the_clock_minute(content: Path, display: None) -> None:
    write_notice(content, "a.txt", "只有一份通知。")
    clock = ManualClock(START)
    player = make_player(content, clock, default_duration=3600.0)
    player.start()
    frames = player.frames
    deadline = player.next_deadline() - clock.monotonic()
    assert 0 < deadline <= 60  # sleeps until the next clock minute at most
    run_for(player, clock, 59, step=0.5)
    assert player.frames == frames  # nothing moved for 59 s: no frame
    run_for(player, clock, 2)
    assert player.frames == frames + 1  # the minute changed: the header is redrawn once


def test_nothing_playable_shows_name_and_clock(content: Path, display: None) -> None:
    clock = ManualClock(START)
    player = make_player(content, clock)
    player.start()
    assert player.rotation.current is None
    surface = screen(player)
    assert player.frames == 1
    # Not black: the theme background fills the body, the header band is drawn.
    assert surface.get_at((SIZE[0] // 2, SIZE[1] - 5))[:3] == Settings().theme.background
    assert surface.get_at((2, 2))[:3] == Settings().theme.header_background


def test_deleting_the_slide_on_screen_moves_on_at_once(content: Path, display: None) -> None:
    a = write_notice(content, "a.txt", "第一份通知。")
    write_notice(content, "b.txt", "第二份通知。")
    clock = ManualClock(START)
    player = make_player(content, clock)
    player.start()
    assert current(player) == "slides/a.txt"
    a.unlink()
    player.folder.update({"slides/a.txt"})
    clock.advance(0.1)
    player.tick()
    assert current(player) == "slides/b.txt"


def test_status_file_follows_the_show(content: Path, display: None, tmp_path: Path) -> None:
    write_notice(content, "a.txt", "第一份通知。")
    (content / "slides" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    status = tmp_path / "state" / "status.json"
    clock = ManualClock(START)
    player = make_player(content, clock, status)
    player.start()
    data = json.loads(status.read_text(encoding="utf-8"))
    assert data["current"]["path"] == "slides/a.txt" and data["current"]["page"] == 0
    assert data["rotation"] == ["slides/a.txt"]
    assert data["display"] == "on"
    assert [p["path"] for p in data["problems"]] == ["slides/broken.jpg"]
    assert data["left_out"] == []
    write_notice(content, "later.txt", "---\nshow_from: 2026-12-03\n---\n下周的通知。")
    player.folder.update({"slides/later.txt"})
    clock.advance(1)
    player.tick()
    data = json.loads(status.read_text(encoding="utf-8"))
    assert data["rotation"] == ["slides/a.txt"]
    assert data["left_out"] == [
        {"path": "slides/later.txt", "reason": "show_from 2026-12-03 not reached"}
    ]
    (content / "slides" / "broken.jpg").unlink()
    player.folder.update({"slides/broken.jpg"})
    clock.advance(1)
    player.tick()
    data = json.loads(status.read_text(encoding="utf-8"))
    assert data["problems"] == []


def test_the_content_folder_is_never_written(content: Path, display: None, tmp_path: Path) -> None:
    shutil.copytree(REPO / "slides", content / "slides", dirs_exist_ok=True)
    shutil.copytree(REPO / "playlists", content / "playlists")
    before = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    clock = ManualClock(START)
    player = make_player(content, clock, tmp_path / "status.json")
    player.start()
    run_for(player, clock, 300, step=5)
    after = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    assert after == before
    assert len(player.shown) >= 3


def test_rotation_turns_the_canvas(content: Path, display: None) -> None:
    write_notice(content, "a.txt", "竖屏通知。")
    clock = ManualClock(START)
    player = make_player(content, clock, rotation=90)
    player.start()
    assert player.canvas == (SIZE[1], SIZE[0])
    assert screen(player).get_size() == SIZE
    # The header band (top of the canvas) lands on the right edge of a screen turned clockwise.
    assert screen(player).get_at((SIZE[0] - 3, SIZE[1] // 2))[:3] == (
        Settings().theme.header_background
    )


def test_fade_draws_intermediate_frames(content: Path, display: None) -> None:
    write_notice(content, "a.txt", "第一份通知。")
    write_notice(content, "b.txt", "第二份通知。")
    clock = ManualClock(START)
    player = make_player(content, clock, transition="fade", transition_ms=150)
    player.start()
    frames = player.frames
    run_for(player, clock, 12)
    assert current(player) == "slides/b.txt"
    assert player.frames - frames > 2


def test_a_renderer_too_slow_to_fade_changes_pages_by_a_cut(
    display: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pygame._sdl2 import video

    from signage.screen import output
    from signage.screen.output import Picture

    screen_out = Display((320, 180), True, 0)
    try:
        pages = []
        for colour in ((200, 30, 30), (30, 30, 200)):
            surface = pygame.Surface((320, 180))
            surface.fill(colour)
            pages.append(Picture(video.Texture.from_surface(screen_out.renderer, surface), None))
        draw = screen_out._draw

        def slow_draw(frame: Picture, under: Picture | None = None) -> None:
            time.sleep(output.SLOW_FRAME_S * 1.5)  # what llvmpipe did in an emulator
            draw(frame, under)

        monkeypatch.setattr(screen_out, "_draw", slow_draw)
        assert screen_out.fade(pages[0], pages[1], 5.0, lambda: True) <= 4  # gave up early
        assert screen_out.cuts_only
        started = time.perf_counter()
        assert screen_out.fade(pages[1], pages[0], 5.0, lambda: True) == 1
        assert time.perf_counter() - started < 1.0
        assert screen_out.last is pages[0]
    finally:
        pages.clear()
        gc.collect()
        screen_out.close()


def test_escape_quits_a_window_and_the_combination_quits_full_screen(
    content: Path, display: None
) -> None:
    clock = ManualClock(START)
    player = make_player(content, clock)
    player._handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0))
    assert not player.running
    groups, key = parse_quit_keys("ctrl+alt+q")
    assert key == pygame.K_q and groups == (pygame.KMOD_CTRL, pygame.KMOD_ALT)
    player.running = True
    player._handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=pygame.KMOD_CTRL))
    assert player.running  # ctrl+q alone is not the combination
    player._handle(
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=pygame.KMOD_LCTRL | pygame.KMOD_LALT)
    )
    assert not player.running


def test_texture_cache_is_bounded_in_bytes() -> None:
    cache = TextureCache(max_bytes=3 * 100 * 100 * 8)
    for i in range(10):
        cache.put((i,), object(), pygame.Surface((100, 100), depth=32))
    assert len(cache) == 3 and cache.used <= cache.max_bytes
    assert cache.get((9,)) is not None and cache.get((0,)) is None


def test_display_off_draws_black_and_stops_the_rotation(content: Path, display: None) -> None:
    write_notice(content, "a.txt", "通知。")
    (content / "signage.yaml").write_text(
        "organisation: 青山镇人民政府\ndisplay:\n  on: [{days: everyday, hours: '08:00-18:00'}]\n",
        encoding="utf-8",
    )
    clock = ManualClock(datetime(2026, 12, 1, 17, 59, 50).astimezone())
    player = make_player(content, clock)
    player.start()
    assert current(player) == "slides/a.txt"
    run_for(player, clock, 15)
    assert player.plan is not None and player.plan.display == "off"
    assert screen(player).get_at((SIZE[0] // 2, SIZE[1] // 2))[:3] == (0, 0, 0)


def test_a_new_theme_in_the_content_settings_shows_at_once(content: Path, display: None) -> None:
    write_notice(content, "a.txt", "通知。")
    clock = ManualClock(START)
    player = make_player(content, clock, default_duration=600.0)
    player.start()
    surface = screen(player)
    assert surface.get_at((2, 2))[:3] == Settings().theme.header_background
    (content / "signage.yaml").write_text(
        "organisation: 青山镇\ntheme: {header_background: '#003366'}\n", encoding="utf-8"
    )
    player.folder.update({"signage.yaml"})
    clock.advance(1)
    player.tick()
    assert screen(player).get_at((2, 2))[:3] == (0, 0x33, 0x66)


def test_playlist_problems_are_logged_once_on_and_once_off(
    content: Path, display: None, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.INFO, logger="signage")
    write_notice(content, "a.txt", "通知。")
    (content / "playlists").mkdir()
    bad = content / "playlists" / "lobby.yaml"
    bad.write_text("items: [\n", encoding="utf-8")
    clock = ManualClock(START)
    player = make_player(content, clock)
    player.start()
    run_for(player, clock, 30, step=2)
    said = [r.getMessage() for r in caplog.records if "lobby.yaml" in r.getMessage()]
    assert len(said) == 1 and "YAML syntax error" in said[0]
    bad.write_text("items: [a.txt]\n", encoding="utf-8")
    player.folder.update({"playlists/lobby.yaml"})
    run_for(player, clock, 30, step=2)
    said = [r.getMessage() for r in caplog.records if "lobby.yaml" in r.getMessage()]
    assert len(said) == 2 and said[1].startswith("resolved:")


def test_arrow_keys_leaf_through_pages_in_a_window(content: Path, display: None) -> None:
    write_notice(content, "a.txt", "第一份通知。")
    write_notice(content, "b.txt", "第二份通知。")
    clock = ManualClock(START)
    player = make_player(content, clock, default_duration=600.0)
    player.start()
    assert current(player) == "slides/a.txt"

    def press(key: int) -> None:
        player._handle(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0))
        clock.advance(0.1)
        player.tick()

    press(pygame.K_RIGHT)
    assert current(player) == "slides/b.txt"
    press(pygame.K_LEFT)
    assert current(player) == "slides/a.txt"
    press(pygame.K_LEFT)  # before the first comes the last
    assert current(player) == "slides/b.txt"


def test_the_desk_picture_is_what_the_screen_shows(
    content: Path, display: None, tmp_path: Path
) -> None:
    from signage.appliance.screenpicture import FILE_NAME, ScreenPicture
    from signage.screen.display import frames_agree

    write_notice(content, "a.txt", "第一份通知。")
    write_notice(content, "b.txt", "第二份通知。")
    clock = ManualClock(START)
    player = make_player(content, clock, default_duration=10.0)
    picture = ScreenPicture(tmp_path / "status")
    player.hooks.on_frame = picture.offer
    try:
        for _ in range(2):
            if picture.written:
                run_for(player, clock, 10)
            else:
                player.start()
            assert picture.flush()
            written = pygame.image.load(str(tmp_path / "status" / FILE_NAME))
            assert written.get_size() == SIZE  # smaller than 960: not scaled up
            assert frames_agree(screen(player), written, tolerance=12.0)
        assert picture.written == 2
        assert not list((tmp_path / "status").glob(".*tmp*"))
    finally:
        picture.close()
