"""The player loop: the only part that touches the display.

Event driven: it sleeps until the next deadline (page switch, clock minute, a file settling,
a schedule boundary, a heartbeat) or an event (file change, a worker's answer, key, signal).
A static page draws no frames; a page followed by itself is not drawn again. The loop never
opens a content file: the content folder's workers read files into slides, the screen's
worker lane lays them out and renders pages, and the loop only uploads finished pixels and
draws them (screen.output) with the header band over them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pygame

from signage.appliance.logsetup import OnceLogger
from signage.appliance.status import problem_key, status_dict, write_status
from signage.content.folder import ContentFolder
from signage.core.clock import Clock
from signage.core.model import Page, Plan, PlannedItem, Problem
from signage.render.page import draw_header, header_lines, render_idle
from signage.screen.output import Display, Picture
from signage.screen.prepare import Failed, Preparer
from signage.screen.rotation import Rotation, Showing
from signage.typeset.canvas import frame_for
from signage.workers.lane import Lane

if TYPE_CHECKING:
    from signage.typeset.fonts import FontBook

log = logging.getLogger(__name__)

STATUS_INTERVAL_S = 10.0
KEY_POLL_S = 0.2
FIRST_PAGE_WAIT_S = 10.0
"""How long the first frame waits for a worker to make the first page."""
WAIT_RECHECK_S = 1.0
REPLAN_AT_LEAST_S = 60.0
"""The plan is made again this often even when nothing says it changed (a safety net)."""
DEFER_AFTER_S = 1.0
"""A page not ready this long after it was due is passed over until it is."""
MAX_PASS_OVER = 50
"""Unready slides passed over in one go, at most: enough for any lobby's slow files."""
VERIFY_INTERVAL_S = 3600.0
"""How often the frame on the glass is read back and compared with what was drawn."""
STEP_KEYS = {
    pygame.K_RIGHT: 1,
    pygame.K_PAGEDOWN: 1,
    pygame.K_SPACE: 1,
    pygame.K_LEFT: -1,
    pygame.K_PAGEUP: -1,
}
"""Keys that leaf through the pages in a window (for staff checking content at a desk)."""


class TextureCache:
    """Pages uploaded to the renderer, least recently used first out, bounded in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._items: OrderedDict[tuple[Any, ...], tuple[Any, pygame.Surface, int]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> tuple[Any, pygame.Surface] | None:
        entry = self._items.get(key)
        if entry is None:
            return None
        self._items.move_to_end(key)
        return entry[0], entry[1]

    def put(self, key: tuple[Any, ...], texture: Any, surface: pygame.Surface) -> None:
        """`texture` on the renderer and the `surface` it came from (for comparisons and the
        desk's picture of the screen); counted at 4 bytes a pixel for each."""
        size = surface.get_width() * surface.get_height() * 8
        old = self._items.pop(key, None)
        if old is not None:
            self.used -= old[2]
        self._items[key] = (texture, surface, size)
        self.used += size
        while self.used > self.max_bytes and len(self._items) > 1:
            _, (_, _, dropped) = self._items.popitem(last=False)
            self.used -= dropped

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def clear(self) -> None:
        self._items.clear()
        self.used = 0


def parse_quit_keys(text: str) -> tuple[tuple[int, ...], int]:
    """'ctrl+alt+q' -> (modifier groups, key code); ValueError quoting a bad name.

    Each group (KMOD_CTRL covers left and right) must have at least one key held.
    """
    groups: list[int] = []
    key: int | None = None
    names = {
        "ctrl": pygame.KMOD_CTRL,
        "control": pygame.KMOD_CTRL,
        "alt": pygame.KMOD_ALT,
        "shift": pygame.KMOD_SHIFT,
    }
    for part in text.lower().replace(" ", "").split("+"):
        if part in names:
            groups.append(names[part])
        else:
            code = pygame.key.key_code(part)
            if code == pygame.K_UNKNOWN:
                raise ValueError(f"{text!r}: unknown key {part!r}")
            key = code
    if key is None:
        raise ValueError(f"{text!r} names no key")
    return tuple(groups), key


@dataclass
class Hooks:
    """What the appliance layer plugs in; every call must be cheap and must not raise."""

    on_first_frame: Callable[[], None] = lambda: None
    on_tick: Callable[[float], None] = lambda monotonic_now: None
    """Every pass of the loop (the systemd watchdog heartbeat, re-applying display power)."""
    tick_interval_s: float | None = None
    """The loop wakes at least this often when set (half the watchdog period)."""
    on_page: Callable[[Showing, Plan, float], None] = lambda showing, plan, seconds: None
    """Called when a page leaves the screen, with its seconds on screen (the play log)."""
    on_stop: Callable[[], None] = lambda: None
    on_display: Callable[[str], None] = lambda state: None
    on_status: Callable[[dict[str, Any]], None] = lambda status: None
    on_position: Callable[[str, int], None] = lambda path, page: None
    """A new page is up: remember it, so a restarted player resumes near it."""
    on_frame: Callable[[pygame.Surface], None] | None = None
    """A new frame is up: the page with the header band, composed in memory (当前画面.jpg).
    The surface is the callee's; computing it costs a copy, so it is only made when set."""
    extra_problems: Callable[[], list[Problem]] = field(default=lambda: [])
    welcome: Callable[[], str | None] = lambda: None
    """On the idle page: where staff put files (a card for a new, empty lobby), or None."""


class Player:
    def __init__(
        self,
        folder: ContentFolder,
        clock: Clock,
        fonts: FontBook,
        display: Display,
        *,
        lane: Lane,
        status_file: Path | None = None,
        hooks: Hooks | None = None,
        watcher: Any = None,
    ) -> None:
        """`lane` lays out and renders pages (workers.lane: a WorkerLane in the player; an
        InlineLane only in tests that need the loop deterministic)."""
        self.folder = folder
        self.clock = clock
        self.fonts = fonts
        self.display = display
        self.canvas = display.canvas
        self.frame = frame_for(self.canvas)
        self.status_file = status_file
        self.hooks = hooks or Hooks()
        self.watcher = watcher
        self.preparer = Preparer(lane, folder.root, self.canvas)
        self.rotation = Rotation(self._pages, self._turn_limit)
        self.cache = TextureCache(max(16, folder.settings.cache_mb) * 1_000_000)
        self.plan: Plan | None = None
        self.running = True
        self.frames = 0
        self.fade_frame_times: deque[float] = deque(maxlen=256)
        """perf_counter() after each fade frame, for the benchmark (kept short)."""
        self.transitions: deque[tuple[int, float]] = deque(maxlen=64)
        """(frames, seconds of CPU) for each transition, for the benchmark."""
        self._shown: Picture | None = None
        self._shown_key: tuple[Any, ...] | None = None
        """What is on the glass: a page key, ("idle", minute) or ("dark",)."""
        self._shown_surface: pygame.Surface | None = None
        self._header: tuple[Any, ...] | None = None
        self._minute: tuple[int, int, int, int, int] | None = None
        self._status_due = 0.0
        self._status_written: dict[str, Any] | None = None
        self._problem_since: dict[str, datetime] = {}
        self._status_failing = False
        self._problem_log: OnceLogger[str] = OnceLogger(log)
        self._display_state = "on"
        self._showing_since_wall: datetime | None = None
        self._last_tick = 0.0
        self._next_change: datetime | None = None
        self._plan_stamp: tuple[int, int] | None = None
        self._told_deferred: set[str] = set()
        self._plan_made = 0.0
        self._settings_version = folder.settings_version
        self._quit_mods, self._quit_key = parse_quit_keys(folder.settings.quit_keys)
        self._wake = threading.Event()
        self._waiting_since: float | None = None
        """Monotonic time since which the next page is due but still being made."""
        self._verified = False
        self._step = 0
        """+1 or -1: a person asked for the next or the previous page (windowed mode)."""
        self._display_problem: Problem | None = None
        self._verify_due = float("inf")
        self.preparer.use(folder.settings, folder.settings_version)

    # --- pages, pixels, textures -------------------------------------------------------------

    def _pages(self, item: PlannedItem) -> tuple[Page, ...] | None:
        return self.preparer.pages(item, self.clock.now())

    def _turn_limit(self, item: PlannedItem) -> int:
        if item.pages_per_turn is not None:
            return item.pages_per_turn
        return self.folder.settings.pages_per_turn

    def _page_key(self, item: PlannedItem, index: int) -> tuple[Any, ...]:
        return (*self.preparer.key(item, self.clock.now()), index)

    def _texture(self, item: PlannedItem, index: int) -> tuple[Any, pygame.Surface] | Failed | None:
        """The page uploaded to the renderer; Failed; None while a worker still makes it."""
        key = self._page_key(item, index)
        ready = self.cache.get(key)
        if ready is not None:
            return ready
        pixels = self.preparer.pixels(item, index, self.clock.now())
        if pixels is None or isinstance(pixels, Failed):
            return pixels
        surface = pygame.image.frombuffer(pixels.data, (pixels.width, pixels.height), "RGB")
        texture = self.display.texture(surface)
        self.cache.put(key, texture, surface)
        return texture, surface

    def prepare_next(self) -> None:
        """Have what comes next made while the current page is up, so the switch is a draw."""
        position = self.rotation.peek()
        if position is not None and self._display_state == "on":
            self._texture(*position)

    # --- drawing -------------------------------------------------------------------------

    def _header_picture(self) -> tuple[Any, pygame.Surface, tuple[int, int, int, int]]:
        """The header band (organisation, date and time) as it is this minute."""
        now = self.clock.now()
        self._minute = (now.year, now.month, now.day, now.hour, now.minute)
        settings = self.folder.settings
        key = (self._minute, settings.organisation, self._settings_version)
        band = self.frame.header
        rect = (band.x, band.y, band.w, band.h)
        if self._header is not None and self._header[0] == key:
            return self._header[1], self._header[2], rect
        surface = pygame.Surface(self.canvas)
        lines = header_lines(
            self.frame, settings.organisation, now, self.fonts, settings.organisation_mn
        )
        draw_header(surface, self.frame, lines, self.fonts, settings.theme)
        strip = surface.subsurface(pygame.Rect(rect)).copy()
        texture = self.display.texture(strip)
        self._header = (key, texture, strip)
        return texture, strip, rect

    def _picture(self, texture: Any) -> Picture:
        header, _, rect = self._header_picture()
        return Picture(texture, header, rect)

    def _composed(self, surface: pygame.Surface) -> pygame.Surface:
        """The page with the header band, composed in memory: what the glass should show."""
        _, strip, rect = self._header_picture()
        out = surface.copy()
        out.blit(strip, rect[:2])
        return out

    def _present(
        self, key: tuple[Any, ...], texture: Any, surface: pygame.Surface, fade: bool
    ) -> None:
        settings = self.folder.settings
        picture = self._picture(texture)
        if not self._verified:
            self._verified = True
            if not self.display.verify(picture, self._composed(surface)):
                message = (
                    f"the renderer {self.display.renderer_name} does not show the first page "
                    "as drawn: the screen may be black or wrong (see docs/appliance.md)"
                )
                log.error("%s", message)
                self._display_problem = Problem("", message, code="display-unverified")
        old = self._shown
        cpu = time.process_time()
        if (
            fade
            and old is not None
            and self._shown_key is not None
            and self._shown_key[0] != "dark"
            and settings.transition == "fade"
            and settings.transition_ms > 0
        ):
            frames = self.display.fade(
                old, picture, settings.transition_ms / 1000.0, self._fade_frame
            )
        else:
            self.display.show(picture)
            frames = 1
        self.frames += frames
        self.transitions.append((frames, time.process_time() - cpu))
        self._shown, self._shown_key, self._shown_surface = picture, key, surface
        if self.hooks.on_frame is not None:
            self.hooks.on_frame(self._composed(surface))

    def _fade_frame(self) -> bool:
        """Between two frames of a fade: keep the heartbeat and the quit keys alive."""
        self.fade_frame_times.append(time.perf_counter())
        self.hooks.on_tick(self.clock.monotonic())
        for event in pygame.event.get((pygame.QUIT, pygame.KEYDOWN)):
            self._handle(event)
        return self.running

    def _show_idle(self, fade: bool = True) -> None:
        settings = self.folder.settings
        now = self.clock.now()
        welcome = self.hooks.welcome()
        minute = now.strftime("%Y%m%d%H%M")
        key = ("idle", minute, settings.organisation, self._settings_version, welcome)
        if self._shown_key == key:
            return  # the same idle screen is up already
        body = render_idle(
            self.canvas,
            settings.organisation,
            now,
            self.fonts,
            settings.theme,
            settings.organisation_mn,
            welcome=welcome,
        )
        self._present(key, self.display.texture(body), body, fade)

    def _show_dark(self) -> None:
        if self._shown_key == ("dark",):
            return
        black = pygame.Surface(self.canvas)
        black.fill((0, 0, 0))
        picture = Picture(self.display.texture(black), None)
        self.display.show(picture)
        self._shown, self._shown_key, self._shown_surface = picture, ("dark",), black
        self.frames += 1

    # --- the loop --------------------------------------------------------------------------

    def replan(self) -> bool:
        """Recompute the plan for now; True if what is on screen must change at once.

        The plan is a function of the content and the time: it is made again when the
        content changed, at the next moment it can change by time alone, and at least once
        a minute, not on every pass (with thousands of files arriving a few at a time,
        planning on every pass held the loop)."""
        now_wall = self.clock.now()
        mono = self.clock.monotonic()
        stamp = (self.folder.catalog.version, self.folder.settings_version)
        boundary = self._next_change
        if (
            self.plan is not None
            and stamp == self._plan_stamp
            and (boundary is None or now_wall < boundary)
            and mono < self._plan_made + REPLAN_AT_LEAST_S
        ):
            return False
        self._plan_stamp, self._plan_made = stamp, mono
        plan = self.folder.plan(now_wall)
        old = self.plan
        self.plan = plan
        self._next_change = self.folder.next_change(now_wall)
        self.preparer.forget_except({(i.slide.path, i.slide.digest) for i in plan.items})
        if old is None or old.items != plan.items:
            self.preparer.lay_out_ahead(plan.items, now_wall)
        display_changed = plan.display != self._display_state
        if display_changed:
            self._display_state = plan.display
            self.hooks.on_display(plan.display)
        # The rotation follows the plan even while dark, so it lights up with the right one.
        switch = self.rotation.set_plan(plan, self.clock.monotonic())
        if old is not None and old.urgent != plan.urgent:
            switch = True
        if self._display_state == "off":
            return display_changed  # one black frame when it goes dark, none after
        return display_changed or switch or old is None

    def advance(self, fade: bool = True) -> None:
        """Put the next page up if it is ready; else keep what is up and wait for it."""
        now = self.clock.monotonic()
        if self._display_state == "off":
            self._finish_current(now)
            self.rotation.current = None
            self._waiting_since = None
            self._show_dark()
            return
        passed_over = 0
        for _ in range(max(1, len(self.rotation.order)) + 1):
            position = self.rotation.peek()
            if position is None:
                self._finish_current(now)
                self.rotation.advance(now)
                self._waiting_since = None
                self._show_idle(fade)
                return
            item, index = position
            ready = self._texture(item, index)
            if isinstance(ready, Failed):
                continue  # now known to be unshowable: peek passes over it
            if ready is None:
                if self._waiting_since is None:
                    self._waiting_since = now
                # A few unready slides in a row are passed over at once (the screen goes on
                # with the next ready one); thousands are not walked on every pass.
                late = now - self._waiting_since >= DEFER_AFTER_S
                if late and passed_over < MAX_PASS_OVER and self._defer(item):
                    passed_over += 1
                    continue  # a slow one waits for its next turn; the others go on
                if self.rotation.current is None and self._shown_key is None:
                    self._show_idle(fade=False)  # never a black screen while the first is made
                return
            self._waiting_since = None
            previous = self.rotation.current
            self._finish_current(now)
            showing = self.rotation.advance(now)
            if showing is None:
                continue
            key = self._page_key(showing.item, showing.page_index)
            same = (
                previous is not None
                and self._shown_key == key
                and previous.item.slide.path == showing.item.slide.path
            )
            if same:
                # A one-slide rotation, or a page followed by itself: nothing to redraw.
                self.hooks.on_position(showing.item.slide.path, showing.page_index)
                return
            texture, surface = ready
            self._showing_since_wall = self.clock.now()
            self._present(key, texture, surface, fade)
            self.hooks.on_position(showing.item.slide.path, showing.page_index)
            self._write_status(force=True)
            return
        self._finish_current(now)
        self.rotation.current = None
        self._show_idle(fade)

    def _defer(self, item: PlannedItem) -> bool:
        """Pass over a slide whose page is still being made, if another can go up instead."""
        self.preparer.defer(item)
        if self.rotation.peek() is None:
            self.preparer.undefer(item)  # it is all there is: better to wait for it
            return False
        if item.slide.path not in self._told_deferred:
            # Once per slide: with thousands unready this was ten lines a second.
            if len(self._told_deferred) > 1000:
                self._told_deferred.clear()
            self._told_deferred.add(item.slide.path)
            log.info("%s is still being prepared; it comes next time round", item.slide.path)
        return True

    def _finish_current(self, now: float) -> None:
        cur = self.rotation.current
        if cur is not None and self.plan is not None:
            self.hooks.on_page(cur, self.plan, max(0.0, now - cur.started))

    def _refresh_clock(self) -> None:
        now = self.clock.now()
        minute = (now.year, now.month, now.day, now.hour, now.minute)
        if minute == self._minute:
            return
        if self._shown is None or self._shown_key in (None, ("dark",)):
            return
        if self._display_state == "off":
            return
        if self._shown_key[0] == "idle":
            self._show_idle(fade=False)  # the big clock is the idle page itself
            return
        self._shown = self._picture(self._shown.page)
        self.display.show(self._shown)
        self.frames += 1

    def next_deadline(self) -> float:
        """Monotonic time of the next thing that must happen with no event."""
        mono = self.clock.monotonic()
        now = self.clock.now()
        next_minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1) - now
        candidates = [mono + next_minute.total_seconds(), self._status_due]
        page_end = self.rotation.next_deadline()
        if self._waiting_since is not None:
            # The next page is being made; its arrival wakes us. Look again now and then in
            # case a wake-up was lost.
            candidates.append(mono + WAIT_RECHECK_S)
        elif page_end is not None and self._display_state == "on":
            candidates.append(page_end)
        settle = self.folder.next_deadline()
        if settle is not None:
            candidates.append(settle)
        if self.hooks.tick_interval_s:
            candidates.append(self._last_tick + self.hooks.tick_interval_s)
        boundary = self._next_boundary(now)
        if boundary is not None:
            candidates.append(mono + max(0.0, (boundary - now).total_seconds()))
        return min(candidates)

    def _next_boundary(self, now: datetime) -> datetime | None:
        boundary = self._next_change
        return boundary if boundary is None or boundary > now else now

    def start(self) -> None:
        """Scan, plan and put the first page up."""
        self.folder.scan()
        self._take_settings()
        self.replan()
        self._await_first_page(FIRST_PAGE_WAIT_S)
        self.advance(fade=False)
        # The status file says what is up before anyone (systemd) is told we are running,
        # and nobody is told so over a screen that does not show what was drawn.
        self._write_status(force=True)
        if self.picture_ok:
            self.hooks.on_first_frame()
        self._verify_due = self.clock.monotonic() + VERIFY_INTERVAL_S
        self.prepare_next()

    def tick(self) -> None:
        """One pass: take changes, switch pages that are due, refresh the clock, report."""
        mono = self.clock.monotonic()
        changed = False
        if self.watcher is not None:
            paths = self.watcher.drain()
            if paths:  # "" among them asks for a full rescan (the watcher's safety net)
                changed |= self.folder.update(paths)
        deadline = self.folder.next_deadline()
        if deadline is not None and mono >= deadline:
            changed |= self.folder.settle()
        restyled = self._take_settings()
        arrived = self.preparer.collect()
        if self._step:
            self._take_step(mono)
        switch = self.replan() or (restyled and self._shown is not None)
        due = self.rotation.due(mono) and self._display_state == "on"
        if switch or due or (arrived and self._waiting_since is not None):
            self.advance()
            self.prepare_next()
        elif changed or arrived:
            self.prepare_next()
        self._refresh_clock()
        if mono >= self._verify_due:
            self._check_picture(mono)
        self._last_tick = mono
        self.hooks.on_tick(mono)
        self._write_status(force=changed)

    @property
    def picture_ok(self) -> bool:
        """False once a frame read back from the renderer was not the one drawn: the
        heartbeat then stops, so systemd restarts the player rather than trust a black screen."""
        return self._display_problem is None

    def _check_picture(self, mono: float) -> None:
        """Now and then, read the frame on the glass back and compare it with what was drawn."""
        self._verify_due = mono + VERIFY_INTERVAL_S
        shown, surface = self._shown, self._shown_surface
        if shown is None or surface is None or self._shown_key in (None, ("dark",)):
            return
        expected = surface if self._shown_key[0] == "idle" else self._composed(surface)
        if shown.header is None:
            expected = surface
        if self.display.verify(shown, expected):
            return
        message = (
            f"the frame read back from the renderer {self.display.renderer_name} is not the one "
            "drawn: the screen may be black or frozen; the player stops its heartbeat so that "
            "systemd restarts it"
        )
        log.error("%s", message)
        self._display_problem = Problem("", message, code="display-unverified")
        self._write_status(force=True)

    def _take_step(self, mono: float) -> None:
        step, self._step = self._step, 0
        cur = self.rotation.current
        if cur is None or self._display_state != "on":
            return
        if step > 0:
            self.rotation.current = dataclasses.replace(cur, until=mono)  # due now
            return
        position = self.rotation.before()
        if position is None:
            return
        ready = self._texture(*position)
        if ready is None or isinstance(ready, Failed):
            return  # still being made: the next key press will find it
        self._finish_current(mono)
        showing = self.rotation.put_up(*position, mono)
        if showing is not None:
            key = self._page_key(showing.item, showing.page_index)
            self._showing_since_wall = self.clock.now()
            self._present(key, *ready, fade=False)
            self._write_status(force=True)

    def _take_settings(self) -> bool:
        """New content settings (theme, organisation, defaults): nothing made before holds."""
        if self._settings_version == self.folder.settings_version:
            return False
        self._settings_version = self.folder.settings_version
        self.preparer.use(self.folder.settings, self._settings_version)
        self.cache.clear()
        self._header = None
        return True

    def _await_first_page(self, seconds: float) -> None:
        """At start, give the workers a moment to read the files already there and make the
        first page, so that the first frame (and READY) is a page, not the idle screen."""
        give_up = time.monotonic() + seconds
        while time.monotonic() < give_up and self.running:
            if self.folder.catalog.settling and self.folder.settle():
                self._take_settings()
                self.replan()
            position = self.rotation.peek()
            if position is None:
                if not self.folder.catalog.settling:
                    return  # nothing to play: the idle screen it is
            elif self._texture(*position) is not None:
                return
            self._wake.wait(0.05)
            self._wake.clear()
            self.preparer.collect()

    def _write_status(self, force: bool = False) -> None:
        """Rewrite the status file when what it says changed, and at least every 10 s."""
        mono = self.clock.monotonic()
        now = self.clock.now()
        content = _unique(self.folder.problems() + list(self.plan.problems if self.plan else ()))
        # The catalog logs its own files' problems as it finds them, and the hooks' owners
        # (the play log) theirs; the rest (playlists, settings, the schedule) are logged
        # here, once when they appear and once when they clear.
        from_catalog = self.folder.catalog.problems
        self._problem_log.sync(
            {problem_key(p): p.describe() for p in content if p.path not in from_catalog}
        )
        own = [self._display_problem] if self._display_problem is not None else []
        problems = _unique(content + own + self.preparer.problems() + self.hooks.extra_problems())
        keys = {problem_key(p) for p in problems}
        for key in keys - self._problem_since.keys():
            self._problem_since[key] = now
        for key in self._problem_since.keys() - keys:
            del self._problem_since[key]
        cur = self.rotation.current
        on = self._display_state == "on"
        status = status_dict(
            now=now,
            screen=self.folder.settings.screen,
            playlist=self.plan.playlist if self.plan else None,
            current=None
            if cur is None or not on
            else (cur.item.slide.path, cur.page_index, self._showing_since_wall or now),
            rotation=self.rotation.order if on else (),
            problems=problems,
            problem_since=self._problem_since,
            display=self._display_state,
            left_out=self.plan.left_out if self.plan else (),
            urgent=self.plan.urgent if self.plan else False,
            playlists=self.plan.playlists if self.plan else (),
            warnings=[
                (path, warning)
                for path, slide in self.folder.catalog.slides.items()
                for warning in slide.warnings
            ],
        )
        comparable = {k: v for k, v in status.items() if k != "updated_at"}
        if not force and comparable == self._status_written and mono < self._status_due:
            return
        self._status_written = comparable
        self._status_due = mono + STATUS_INTERVAL_S
        self._put_status(status)

    def _put_status(self, status: dict[str, Any]) -> None:
        self.hooks.on_status(status)
        if self.status_file is None:
            return
        try:
            write_status(self.status_file, status)
        except OSError as err:
            if not self._status_failing:
                log.warning("cannot write the status file %s: %s", self.status_file, err)
            self._status_failing = True
        else:
            if self._status_failing:
                log.info("the status file %s is written again", self.status_file)
            self._status_failing = False

    def _handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.KEYDOWN:
            windowed_escape = event.key == pygame.K_ESCAPE and self.folder.settings.windowed
            combination = event.key == self._quit_key and all(
                event.mod & group for group in self._quit_mods
            )
            if windowed_escape or combination:
                self.running = False
            elif self.folder.settings.windowed and event.key in STEP_KEYS:
                # At a desk, a person leafs through the pages with the arrow keys.
                self._step = STEP_KEYS[event.key]
                self.wake()

    def close(self) -> None:
        """Let go of every texture, before the renderer that made them goes (SDL frees a
        renderer's textures with it; a texture released after that is a dangling pointer)."""
        self.cache.clear()
        self._shown = None
        self._header = None
        self.display.last = None

    def wake(self) -> None:
        """Thread-safe: cut the current wait short (file events, signals)."""
        self._wake.set()

    def wait(self) -> None:
        """Sleep until the next deadline, a wake() or a key; handle what arrives.

        Not pygame.event.wait(timeout): with drivers that cannot block on events (KMSDRM on a
        console, the dummy driver) SDL implements it as a 1 ms polling loop, which costs
        several percent of a Raspberry Pi core on a static slide. Keys are looked at a few
        times a second instead; that is quick enough for a quit combination.
        """
        deadline = self.next_deadline()
        while self.running:
            remaining = deadline - self.clock.monotonic()
            if remaining <= 0:
                break
            woken = self._wake.wait(min(remaining, KEY_POLL_S))
            for event in pygame.event.get():
                self._handle(event)
            if woken:
                self._wake.clear()
                break

    def run(self) -> None:
        self.start()
        while self.running:
            self.wait()
            if self.running:  # a quit key or signal during the wait ends it here
                self.tick()
        self._finish_current(self.clock.monotonic())
        self.hooks.on_stop()


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for p in problems:
        key = problem_key(p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def install_signal_handlers(player: Player) -> None:
    """SIGTERM and SIGINT end the loop cleanly (systemd stop, Ctrl-C on a console)."""

    def stop(signum: int, frame: object) -> None:
        player.running = False
        with contextlib.suppress(pygame.error):
            pygame.event.post(pygame.event.Event(pygame.QUIT))

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def sdl_environment(driver: str | None) -> None:
    if driver:
        os.environ["SDL_VIDEODRIVER"] = driver
    # A lobby screen must never blank or dim by itself.
    os.environ.setdefault("SDL_VIDEO_ALLOW_SCREENSAVER", "0")
