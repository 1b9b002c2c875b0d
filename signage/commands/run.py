"""`signage run`: wire settings, content, watcher, display, heartbeat and play log together."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from signage.core.clock import Clock, ShiftedClock, SystemClock, local_zone, parse_when
from signage.core.config import (
    LAST_GOOD_PROBLEM,
    MACHINE_PROBLEM,
    Settings,
    config_usable,
    unusable_config_message,
)
from signage.core.model import Problem

log = logging.getLogger("signage")

STATUS_PAGE_REFRESH_S = 300.0
EXIT_CONFIG = 78
"""sysexits' EX_CONFIG: the service is not worth restarting until the file is fixed."""


def run_player(
    load: Callable[[], tuple[Settings, list[Problem]]],
    args: argparse.Namespace,
    clock: Clock | None = None,
) -> int:
    settings, problems = load()
    if not config_usable(problems):
        # Never guess a content root or play with half a configuration: say what is wrong,
        # on the console, in the journal and on the staff's status page, and stop.
        print(unusable_config_message(problems), file=sys.stderr)
        _write_refusal(settings, problems, clock)
        return EXIT_CONFIG
    for problem in problems:
        if problem.code in (MACHINE_PROBLEM, LAST_GOOD_PROBLEM):
            log.error("machine configuration: %s", problem.describe())
        else:
            log.warning("settings: %s", problem.describe())
    if not settings.content.is_dir():
        log.warning("content folder %s does not exist (yet); waiting for it", settings.content)
    from signage.screen.display import choose_driver, open_display_error_message

    driver = choose_driver(os.environ, settings.driver)
    if driver:
        os.environ["SDL_VIDEODRIVER"] = driver
    os.environ.setdefault("SDL_VIDEO_ALLOW_SCREENSAVER", "0")
    import pygame

    from signage.content.folder import ContentFolder
    from signage.screen.output import Display, NoRendererError
    from signage.screen.player import Hooks, Player, install_signal_handlers
    from signage.typeset.fonts import FontBook
    from signage.workers.lane import WorkerLane
    from signage.workers.limits import worker_limits

    if clock is None:
        tz = local_zone(settings.timezone)
        clock = SystemClock(tz)
        if getattr(args, "at", None):
            clock = ShiftedClock(parse_when(args.at, tz))
    player_ref: list[Any] = []

    def wake() -> None:
        if player_ref:
            player_ref[0].wake()

    # Every content file is read, laid out and rendered in worker processes (signage.workers):
    # one lane reads files, the other makes the pages that come next; each wakes the loop
    # when an answer is ready. One worker of each starts now, while the display and the fonts
    # are opened, so that the first page is not kept waiting for an interpreter.
    limits = worker_limits(settings)
    # Two readers: a file that holds one up (until its time limit) does not hold up the rest.
    read_lane = WorkerLane("read", limits, processes=2, wake=wake, idle_exit_s=30.0, warm=1)
    # Two for the screen too: a slide slow to lay out holds one, the next pages use the other.
    screen_lane = WorkerLane("screen", limits, processes=2, wake=wake, idle_exit_s=60.0, warm=1)

    def give_up() -> int:
        read_lane.close()
        screen_lane.close()
        pygame.quit()
        return 1

    try:
        pygame.display.init()
        pygame.font.init()
        asked = os.environ.get("SDL_VIDEODRIVER", "")
        if pygame.display.get_driver() in ("offscreen", "dummy") and asked not in (
            "offscreen",
            "dummy",
        ):
            # SDL fell back to drawing nowhere: say so instead of playing to no one.
            raise pygame.error("no display found (SDL fell back to an off-screen driver)")
        display = Display(
            settings.size, settings.windowed, settings.rotation, renderer=settings.renderer
        )
    except (pygame.error, NoRendererError) as err:
        print(open_display_error_message(err, os.environ.get("SDL_VIDEODRIVER")), file=sys.stderr)
        return give_up()
    try:
        fonts = FontBook.from_settings(settings.fonts)
    except Exception as err:  # no CJK font: say what to install instead of a traceback
        print(f"signage: {err}", file=sys.stderr)
        display.close()
        return give_up()
    folder = ContentFolder(load, clock.monotonic, wake, lane=read_lane)

    from signage.appliance.notify import Notifier
    from signage.screen.power import DisplayPower

    notifier = Notifier(os.environ, monotonic=clock.monotonic)
    power = DisplayPower.from_settings(settings)
    display_state = ["on"]

    def on_tick(mono: float) -> None:
        if not player_ref or player_ref[0].picture_ok:
            notifier.watchdog(mono)
        power.update(display_state[0], mono)  # type: ignore[arg-type]

    def on_display(state: str) -> None:
        display_state[0] = state
        log.info("display %s", state)
        power.update(state, clock.monotonic())  # type: ignore[arg-type]

    def on_first_frame() -> None:
        notifier.ready()  # systemd: started; the watchdog counts from here

    hooks = Hooks(
        on_first_frame=on_first_frame,
        on_tick=on_tick,
        tick_interval_s=notifier.watchdog_interval_s,
        on_display=on_display,
    )
    playlog = _play_log(settings, clock)
    # The playlist each page went up under: by the time it leaves, an urgent notice may have
    # replaced the plan (or gone again), and the record must name the one it was shown for.
    shown_under: list[tuple[str, int, str | None]] = []
    if playlog is not None:
        log_ = playlog
        from signage.appliance.playlog import URGENT_PLAYLIST

        def on_page(showing: Any, plan: Any, seconds: float) -> None:
            if seconds < 0.5:
                return  # a page replaced at once was never really seen
            path, page = showing.item.slide.path, showing.page_index
            playlist: str | None
            if showing.item.slide.urgent:
                playlist = URGENT_PLAYLIST
            elif shown_under and shown_under[0][:2] == (path, page):
                playlist = shown_under[0][2]
            else:
                playlist = plan.playlist
            log_.record(
                when_start=clock.now() - timedelta(seconds=seconds),
                seconds=seconds,
                screen=settings.screen,
                playlist=playlist,
                path=showing.item.slide.path,
                digest=showing.item.slide.digest,
                page=showing.page_index,
                pages=showing.page.count,
            )

        hooks.on_page = on_page
        hooks.extra_problems = lambda: (
            [Problem("", f"play log: {log_.problem}", code="play-log")] if log_.problem else []
        )
    status_page_dir = settings.state_dir / "status" if settings.state_dir else None
    page_writer = _status_page_writer(status_page_dir, settings, clock) if status_page_dir else None
    last_line: list[str] = [""]

    def on_status(status: dict[str, Any]) -> None:
        current = status.get("current") or {}
        rotation, problems = len(status.get("rotation", [])), len(status.get("problems", []))
        playing = f"playing {current['path']} page {current['page'] + 1}; " if current else ""
        line = f"display {status['display']}; {playing}{rotation} in rotation; {problems} problems"
        if line != last_line[0]:
            last_line[0] = line
            notifier.status(line)  # `systemctl status signage` shows it
        if page_writer is not None:
            page_writer(status)

    hooks.on_status = on_status
    picture = day_sheet = None
    if status_page_dir is not None:
        from signage.appliance.daypreview import DayPreview
        from signage.appliance.screenpicture import ScreenPicture

        picture = ScreenPicture(status_page_dir)
        hooks.on_frame = picture.offer
        config = getattr(args, "config", None)
        day_sheet = DayPreview(
            status_page_dir,
            [
                "preview",
                "--content",
                str(folder.root),
                *(["--config", str(config)] if config is not None else []),
                "--screen",
                settings.screen,
                "--size",
                "{}x{}".format(*display.canvas),
            ],
        )
        sheet = day_sheet
        seen: list[object] = [None]

        def on_tick_with_sheet(mono: float) -> None:
            on_tick(mono)
            looks = (folder.catalog.version, folder.settings_version, tuple(folder.playlists))
            if looks != seen[0]:
                seen[0] = looks
                sheet.changed(mono)
            now = clock.now()
            sheet.tick(mono, now.date(), now.strftime("%Y-%m-%dT%H:%M"))

        hooks.on_tick = on_tick_with_sheet
    hooks.welcome = _welcome(folder, settings)

    from signage.content.watcher import Watcher

    watcher = Watcher(settings.content, settings, wake)
    player = Player(
        folder,
        clock,
        fonts,
        display,
        lane=screen_lane,
        status_file=settings.status_file,
        hooks=hooks,
        watcher=watcher,
    )
    position_file = _position_file(settings)
    if position_file is not None:
        resume = _read_position(position_file)
        if resume is not None:
            player.rotation.start_at(*resume)

    def on_position(path: str, page: int) -> None:
        plan = player.plan
        shown_under[:] = [(path, page, plan.playlist if plan is not None else None)]
        if position_file is not None:
            _write_position(position_file, path, page)

    hooks.on_position = on_position
    player_ref.append(player)
    install_signal_handlers(player)
    watcher.start()
    log.info(
        "playing %s on a %dx%d canvas (rotation %d) as screen %s",
        settings.content,
        *player.canvas,
        settings.rotation,
        settings.screen,
    )
    try:
        player.run()
    finally:
        notifier.stopping()
        watcher.stop()
        folder.close()
        read_lane.close()
        screen_lane.close()
        player.close()
        if picture is not None:
            picture.close()
        if day_sheet is not None:
            day_sheet.close()
        display.close()
        pygame.quit()
    return 0


def _welcome(folder: Any, settings: Settings) -> Callable[[], str | None]:
    """The idle page's card for staff while the lobby has no content at all: the share's
    address (looked up once), or None once anything has arrived in slides/."""
    import socket

    from signage.appliance.samba import staff_share_address

    address = staff_share_address(settings, socket.gethostname())

    def welcome() -> str | None:
        catalog = folder.catalog
        if catalog.slides or catalog.settling or any(p for p in catalog.problems if p):
            return None
        return address

    return welcome


def _write_refusal(settings: Settings, problems: list[Problem], clock: Clock | None) -> None:
    """Tell staff on 状态.txt that the player did not start, and why (when the state
    directory is known: --state-dir, systemd's, or the broken file's own)."""
    dirs = [settings.state_dir] if settings.state_dir else []
    dirs += [Path(d) for d in os.environ.get("STATE_DIRECTORY", "").split(":") if d]
    if not dirs:
        return
    from signage.appliance.statuspage import refusal_status, write_status_page
    from signage.core.clock import SystemClock

    now = (clock or SystemClock(local_zone(settings.timezone))).now()
    status = refusal_status(settings.screen, problems, now)
    try:
        write_status_page(dirs[0] / "status", status, now)
    except (OSError, ValueError) as err:
        log.warning("cannot write the staff status page in %s: %s", dirs[0], err)


def _position_file(settings: Settings) -> Path | None:
    """Where the rotation's place is kept: systemd's RuntimeDirectory (tmpfs: survives a
    crash and restart without wearing the SD card), else the state directory."""
    runtime = os.environ.get("RUNTIME_DIRECTORY")
    if runtime:
        return Path(runtime.split(":")[0]) / "position.json"
    if settings.state_dir is not None:
        return settings.state_dir / "position.json"
    return None


def _read_position(path: Path) -> tuple[str, int] | None:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return str(data["path"]), max(0, int(data["page"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_position(path: Path, rel: str, page: int) -> None:
    import json

    from signage.appliance.status import write_atomic

    try:
        write_atomic(path, json.dumps({"path": rel, "page": page}, ensure_ascii=False))
    except (OSError, UnicodeEncodeError) as err:
        log.debug("cannot remember the position in %s: %s", path, err)


def _status_page_writer(directory: Path, settings: Settings, clock: Clock) -> Any:
    """The staff's 状态.txt follows the status file, in the state dir (never the content)."""
    from signage.appliance.statuspage import write_status_page

    last: list[Any] = [None, 0.0]

    def write(status: dict[str, Any]) -> None:
        comparable = {k: v for k, v in status.items() if k != "updated_at"}
        # Unchanged pages are rewritten every few minutes all the same, so that the page's
        # time shows staff the player is alive.
        if comparable == last[0] and clock.monotonic() - last[1] < STATUS_PAGE_REFRESH_S:
            return
        last[0], last[1] = comparable, clock.monotonic()
        try:
            write_status_page(directory, status, clock.now(), content_root=settings.content)
        except (OSError, ValueError) as err:
            log.warning("cannot write the staff status page in %s: %s", directory, err)

    return write


def _play_log(settings: Settings, clock: Clock) -> Any:
    if settings.play_log is None:
        return None
    from signage.appliance.playlog import PlayLog

    return PlayLog(settings.play_log, settings.play_log_days, clock)
