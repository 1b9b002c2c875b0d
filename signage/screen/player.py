"""The player loop: the only part that touches the display.

Event driven: it sleeps in pygame.event.wait() until the next deadline (page switch, clock
minute, a file settling, a schedule boundary, a heartbeat) or an event (file change, key,
signal). A static slide draws no frames.
"""

from __future__ import annotations

import contextlib
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
from signage.formats.registry import slide_bytes
from signage.render.page import draw_header, header_lines, render_idle, render_page
from signage.screen.rotation import Rotation, Showing
from signage.typeset.canvas import frame_for

if TYPE_CHECKING:
    from signage.typeset.fonts import FontBook

log = logging.getLogger(__name__)

STATUS_INTERVAL_S = 10.0
KEY_POLL_S = 0.2


class SurfaceCache:
    """Prepared page surfaces, least recently used first out, bounded in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self._items: OrderedDict[tuple[Any, ...], pygame.Surface] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> pygame.Surface | None:
        surface = self._items.get(key)
        if surface is not None:
            self._items.move_to_end(key)
        return surface

    def put(self, key: tuple[Any, ...], surface: pygame.Surface) -> None:
        size = surface.get_width() * surface.get_height() * surface.get_bytesize()
        old = self._items.pop(key, None)
        if old is not None:
            self.used -= old.get_width() * old.get_height() * old.get_bytesize()
        self._items[key] = surface
        self.used += size
        while self.used > self.max_bytes and len(self._items) > 1:
            _, dropped = self._items.popitem(last=False)
            self.used -= dropped.get_width() * dropped.get_height() * dropped.get_bytesize()

    def __len__(self) -> int:
        return len(self._items)

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
    extra_problems: Callable[[], list[Problem]] = field(default=lambda: [])
    welcome: Callable[[], str | None] = lambda: None
    """On the idle page: where staff put files (a card for a new, empty lobby), or None."""


class Display:
    """The window or full screen, with software rotation for portrait panels."""

    def __init__(self, size: tuple[int, int] | None, windowed: bool, rotation: int) -> None:
        self.rotation = rotation
        # `size` is the output as the panel sees it; the canvas we lay out on is turned.
        if windowed and size is not None:
            flags, want = 0, size
        else:
            # (0, 0) asks SDL for the desktop's native mode.
            flags, want = pygame.FULLSCREEN, size or (0, 0)
        self.screen = pygame.display.set_mode(want, flags)
        pygame.display.set_caption("signage")
        if not windowed:
            pygame.mouse.set_visible(False)
        w, h = self.screen.get_size()
        self.canvas = (h, w) if rotation % 180 else (w, h)

    def oriented(self, surface: pygame.Surface) -> pygame.Surface:
        if self.rotation == 0:
            return surface
        # pygame rotates counter-clockwise; the setting is clockwise.
        return pygame.transform.rotate(surface, -self.rotation)

    def present(self, surface: pygame.Surface) -> None:
        self.screen.blit(self.oriented(surface), (0, 0))
        pygame.display.flip()


class Player:
    def __init__(
        self,
        folder: ContentFolder,
        clock: Clock,
        fonts: FontBook,
        display: Display,
        *,
        status_file: Path | None = None,
        hooks: Hooks | None = None,
        watcher: Any = None,
    ) -> None:
        self.folder = folder
        self.clock = clock
        self.fonts = fonts
        self.display = display
        self.canvas = display.canvas
        self.frame = frame_for(self.canvas)
        self.status_file = status_file
        self.hooks = hooks or Hooks()
        self.watcher = watcher
        self.rotation = Rotation(self._pages, self._turn_limit)
        self.cache = SurfaceCache(max(16, folder.settings.cache_mb) * 1_000_000)
        self._page_cache: OrderedDict[tuple[Any, ...], tuple[Page, ...]] = OrderedDict()
        self.plan: Plan | None = None
        self.running = True
        self.frames = 0
        self.fade_frame_times: deque[float] = deque(maxlen=256)
        """perf_counter() after each fade frame, for the benchmark (kept short)."""
        self._composed: pygame.Surface | None = None
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
        self._settings_version = folder.settings_version
        self._quit_mods, self._quit_key = parse_quit_keys(folder.settings.quit_keys)
        self._wake = threading.Event()

    # --- pages and surfaces ----------------------------------------------------------------

    def _pages(self, item: PlannedItem) -> tuple[Page, ...]:
        from signage.typeset.paginate import pages_for

        now = self.clock.now()
        slide = item.slide
        # Meeting pages carry 今天/明天/即将开始 labels: lay them out again each minute.
        moment = now.strftime("%Y%m%d%H%M") if slide.kind == "meeting" else ""
        key = (slide.path, slide.digest, item.duration, item.fit, self.canvas, moment)
        pages = self._page_cache.get(key)
        if pages is None:
            try:
                pages = pages_for(item, self.canvas, self.fonts, self.folder.settings, now)
            except Exception as err:  # a layout bug on one file must not stop the screen
                log.exception("cannot lay out %s: %s", slide.path, err)
                pages = ()
            self._page_cache[key] = pages
            while len(self._page_cache) > 256:
                self._page_cache.popitem(last=False)
        return pages

    def _turn_limit(self, item: PlannedItem) -> int:
        if item.pages_per_turn is not None:
            return item.pages_per_turn
        return self.folder.settings.pages_per_turn

    def _source(self, rel: str) -> bytes:
        return slide_bytes(self.folder.root, rel, self.folder.settings)

    def _surface(self, item: PlannedItem, index: int, page: Page) -> pygame.Surface | None:
        moment = self.clock.now().strftime("%Y%m%d%H%M") if item.slide.kind == "meeting" else ""
        key = (item.slide.path, item.slide.digest, index, page.duration, page.fit, moment)
        surface = self.cache.get(key)
        if surface is None:
            try:
                surface = render_page(
                    page, self.canvas, self.fonts, self.folder.settings.theme, self._source
                )
            except Exception as err:  # a file replaced by a broken one mid-show, a bug
                log.warning("cannot draw %s page %d: %s", item.slide.path, index + 1, err)
                return None
            self.cache.put(key, surface)
        return surface

    def prepare_next(self) -> None:
        """Render what comes next while the current page is up, so the switch is one blit."""
        nxt = self.rotation.peek()
        if nxt is None:
            return
        item, index = nxt
        pages = self._pages(item)
        if 0 <= index < len(pages):
            self._surface(item, index, pages[index])

    # --- drawing ---------------------------------------------------------------------------

    def _compose(self, body: pygame.Surface) -> pygame.Surface:
        frame = body.copy()
        self._draw_header(frame)
        return frame

    def _draw_header(self, frame: pygame.Surface) -> None:
        now = self.clock.now()
        self._minute = (now.year, now.month, now.day, now.hour, now.minute)
        settings = self.folder.settings
        lines = header_lines(self.frame, settings.organisation, now, self.fonts)
        draw_header(frame, self.frame, lines, self.fonts, settings.theme)

    def _present(self, frame: pygame.Surface, fade: bool) -> None:
        settings = self.folder.settings
        old = self._composed
        if (
            fade
            and old is not None
            and settings.transition == "fade"
            and settings.transition_ms > 0
        ):
            self._fade(old, frame, settings.transition_ms / 1000.0)
        else:
            self.display.present(frame)
            self.frames += 1
        self._composed = frame

    def _fade(self, old: pygame.Surface, new: pygame.Surface, seconds: float) -> None:
        # Animation runs on the real clock, not the injected one: it is drawing, not logic.
        a = self.display.oriented(old)
        b = self.display.oriented(new).convert()
        screen = self.display.screen
        start = time.perf_counter()
        for _ in range(int(seconds * 120) + 1):  # a bound even if the clock misbehaves
            t = (time.perf_counter() - start) / seconds
            if t >= 1.0 or not self.running:
                break
            b.set_alpha(round(255 * t))
            screen.blit(a, (0, 0))
            screen.blit(b, (0, 0))
            pygame.display.flip()
            self.frames += 1
            self.fade_frame_times.append(time.perf_counter())
            for event in pygame.event.get((pygame.QUIT, pygame.KEYDOWN)):
                self._handle(event)
        b.set_alpha(None)
        screen.blit(b, (0, 0))
        pygame.display.flip()
        self.frames += 1

    def _show_idle(self, fade: bool = True) -> None:
        settings = self.folder.settings
        body = render_idle(
            self.canvas,
            settings.organisation,
            self.clock.now(),
            self.fonts,
            settings.theme,
            welcome=self.hooks.welcome(),
        )
        self._present(self._compose(body), fade=fade)

    def _show_dark(self) -> None:
        black = pygame.Surface(self.canvas)
        black.fill((0, 0, 0))
        self._composed = None
        self.display.present(black)
        self.frames += 1

    # --- the loop --------------------------------------------------------------------------

    def replan(self) -> bool:
        """Recompute the plan for now; True if what is on screen must change at once."""
        now_wall = self.clock.now()
        plan = self.folder.plan(now_wall)
        old = self.plan
        self.plan = plan
        self._next_change = self.folder.next_change(now_wall)
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
        now = self.clock.monotonic()
        self._finish_current(now)
        if self._display_state == "off":
            self.rotation.current = None
            self._show_dark()
            return
        for _ in range(max(1, len(self.rotation.order)) * 2):
            showing = self.rotation.advance(now)
            if showing is None:
                self._show_idle()
                return
            surface = self._surface(showing.item, showing.page_index, showing.page)
            if surface is not None:
                self._showing_since_wall = self.clock.now()
                self._present(self._compose(surface), fade)
                self.hooks.on_position(showing.item.slide.path, showing.page_index)
                self._write_status(force=True)
                return
        self.rotation.current = None
        self._show_idle()

    def _finish_current(self, now: float) -> None:
        cur = self.rotation.current
        if cur is not None and self.plan is not None:
            self.hooks.on_page(cur, self.plan, max(0.0, now - cur.started))

    def _refresh_clock(self) -> None:
        now = self.clock.now()
        minute = (now.year, now.month, now.day, now.hour, now.minute)
        if minute == self._minute:
            return
        self._minute = minute
        if self._composed is None or self._display_state == "off":
            return
        if self.rotation.current is None:
            self._show_idle(fade=False)  # the big clock is the idle page itself
            return
        frame = self._composed
        self._draw_header(frame)
        self.display.present(frame)
        self.frames += 1

    def next_deadline(self) -> float:
        """Monotonic time of the next thing that must happen with no event."""
        mono = self.clock.monotonic()
        now = self.clock.now()
        next_minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1) - now
        candidates = [mono + next_minute.total_seconds(), self._status_due]
        page_end = self.rotation.next_deadline()
        if page_end is not None and self._display_state == "on":
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
        self._settings_version = self.folder.settings_version
        self.replan()
        self.advance(fade=False)
        # The status file says what is up before anyone (systemd) is told we are running.
        self._write_status(force=True)
        self.hooks.on_first_frame()
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
        restyled = self._settings_version != self.folder.settings_version
        if restyled:
            # A new theme, organisation name or default duration: nothing cached still holds.
            self._settings_version = self.folder.settings_version
            self.cache.clear()
            self._page_cache.clear()
        switch = self.replan() or (restyled and self._composed is not None)
        if switch or (self.rotation.due(mono) and self._display_state == "on"):
            self.advance()
            self.prepare_next()
        elif changed:
            self.prepare_next()
        self._refresh_clock()
        self._last_tick = mono
        self.hooks.on_tick(mono)
        self._write_status(force=changed)

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
        problems = _unique(content + self.hooks.extra_problems())
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
        )
        comparable = {k: v for k, v in status.items() if k != "updated_at"}
        if not force and comparable == self._status_written and mono < self._status_due:
            return
        self._status_written = comparable
        self._status_due = mono + STATUS_INTERVAL_S
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
