"""What `run` plays agrees with `plan` and the timeline, across schedule boundaries.

The player runs headless (SDL dummy driver) on a ManualClock. The loop is driven the way
`Player.run` drives it: sleep until `next_deadline()` (but at most a second, so that every
second is also looked at), then `tick()`. At every step the player's rotation is compared
with `make_plan` at that moment and with the `timeline()` segment covering it.
"""

from __future__ import annotations

import gc
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pygame
import pytest

from signage.commands.cli import main as cli_main
from signage.content.folder import ContentFolder
from signage.core.clock import ManualClock
from signage.core.config import Settings, load_settings
from signage.schedule.calendar import WorkCalendar
from signage.schedule.timeline import Segment, timeline
from signage.screen.output import Display
from signage.screen.player import Hooks, Player
from signage.screen.power import DisplayPower
from signage.typeset.fonts import FontBook
from signage.workers.lane import InlineLane

REPO = Path(__file__).resolve().parent.parent
SIZE = (320, 180)
TZ = ZoneInfo("Asia/Shanghai")
BLACK = (0, 0, 0)

WORKDAY = """\
name: 工作日
priority: 10
when:
  days: workdays
  hours: "08:00-18:00"
items:
  - slides: notices/
  - slides: meetings/
"""
FALLBACK = """\
name: 兜底
priority: 0
items:
  - slides: notices/
  - slides: meetings/
  - slides: other/
"""


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=TZ)


# --- set-up ---------------------------------------------------------------------------------


@pytest.fixture
def display() -> Iterator[None]:
    pygame.display.init()
    yield
    gc.collect()  # textures go before the renderer that made them
    pygame.quit()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "slides").mkdir(parents=True)
    (content / "playlists").mkdir()
    (content / "signage.yaml").write_text("organisation: 青山镇人民政府\n", encoding="utf-8")
    return content


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def notice(root: Path, rel: str, body: str, front: str = "") -> Path:
    head = f"---\n{front}---\n" if front else ""
    return write(root, "slides/" + rel, f"{head}{body}\n\n青山镇人民政府\n")


def meeting(root: Path, rel: str, start: str, end: str) -> Path:
    return write(
        root,
        "slides/" + rel,
        f"kind: meeting\ntitle: 工作例会\nstart: {start}\nend: {end}\nplace: 三楼会议室\n",
    )


@dataclass
class Rig:
    player: Player
    clock: ManualClock
    displays: list[str] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def folder(self) -> ContentFolder:
        return self.player.folder


def make_rig(
    root: Path,
    start: datetime,
    machine: Path | None = None,
    hooks: Hooks | None = None,
    clock: ManualClock | None = None,
    **overrides: Any,
) -> Rig:
    base: dict[str, Any] = {
        "size": SIZE,
        "windowed": True,
        "transition": "none",
        "settle_s": 0.0,
        "timezone": "Asia/Shanghai",
        "screen": "lobby-1",
        "default_duration": 10.0,
    }
    base.update(overrides)

    def load() -> tuple[Settings, list[Any]]:
        return load_settings(root, machine, base)

    clock = clock or ManualClock(start)
    folder = ContentFolder(load, clock.monotonic)
    settings = folder.settings
    rig_hooks = hooks or Hooks()
    player = Player(
        folder,
        clock,
        FontBook.from_settings(settings.fonts),
        Display(settings.size, True, settings.rotation),
        lane=InlineLane(),
        hooks=rig_hooks,
    )
    rig = Rig(player, clock)
    on_display, on_status = rig_hooks.on_display, rig_hooks.on_status

    def record_display(state: str) -> None:
        rig.displays.append(state)
        on_display(state)

    def record_status(status: dict[str, Any]) -> None:
        rig.statuses.append(status)
        on_status(status)

    rig_hooks.on_display = record_display
    rig_hooks.on_status = record_status
    return rig


def current(player: Player) -> str | None:
    cur = player.rotation.current
    return None if cur is None else cur.item.slide.path


def is_black(player: Player) -> bool:
    """Is the glass black, as the renderer shows it?"""
    surface = player.display.screenshot()
    assert surface is not None
    w, h = surface.get_size()
    points = [(x, y) for x in (2, w // 2, w - 3) for y in (2, h // 2, h - 3)]
    return all(tuple(surface.get_at(p))[:3] == BLACK for p in points)


def plan_timeline(folder: ContentFolder, start: datetime, end: datetime) -> list[Segment]:
    return timeline(
        folder.catalog.slides,
        folder.problems(),
        folder.playlists,
        folder.settings,
        folder.calendar,
        start,
        end,
    )


def covering(segments: list[Segment], moment: datetime) -> Segment:
    found = [s for s in segments if s.start <= moment < s.end]
    assert len(found) == 1, f"no single segment covers {moment}: {segments}"
    return found[0]


def agree(player: Player, segments: list[Segment] | None = None) -> None:
    """The player's rotation is the plan at this moment, and the timeline's segment."""
    now = player.clock.now()
    expected = player.folder.plan(now)
    got = player.plan
    assert got is not None
    items = tuple(i.slide.path for i in expected.items)
    where = f"at {now:%Y-%m-%d %H:%M:%S.%f}"
    assert (got.playlist, got.display, got.urgent) == (
        expected.playlist,
        expected.display,
        expected.urgent,
    ), where
    assert tuple(i.slide.path for i in got.items) == items, where
    if expected.display == "on":
        assert player.rotation.order == items, where
        if items:
            assert current(player) in items, where
        else:
            assert current(player) is None, where
    else:
        assert current(player) is None and is_black(player), where
    if segments is not None:
        seg = covering(segments, now)
        assert (seg.playlist, seg.items, seg.display, seg.urgent) == (
            expected.playlist,
            items,
            expected.display,
            expected.urgent,
        ), where


def wakes_for_boundary(player: Player) -> None:
    """The loop never sleeps past the next moment at which the plan changes by time."""
    now = player.clock.now()
    boundary = player.folder.next_change(now)
    if boundary is None:
        return
    due = player.clock.monotonic() + (boundary - now).total_seconds()
    assert player.next_deadline() <= due + 1e-6, f"sleeps past {boundary} at {now}"


def run_until(
    rig: Rig,
    end: datetime,
    segments: list[Segment] | None = None,
    step: float = 1.0,
) -> list[datetime]:
    """Drive the loop as Player.run does, to `end`; check agreement at every wake-up.
    Returns the moments it woke at."""
    player, clock = rig.player, rig.clock
    woke = []
    while clock.now() < end:
        wakes_for_boundary(player)
        left = (end - clock.now()).total_seconds()
        sleep = max(0.0, min(step, player.next_deadline() - clock.monotonic(), left))
        clock.advance(sleep if sleep > 0 else 1e-6)
        player.tick()
        woke.append(clock.now())
        agree(player, segments)
    return woke


def boundary_ticks(woke: list[datetime], boundary: datetime) -> list[datetime]:
    return [w for w in woke if boundary <= w < boundary + timedelta(seconds=1)]


# --- 1. schedule boundaries -----------------------------------------------------------------


def boundary_content(root: Path) -> None:
    write(root, "playlists/workday.yaml", WORKDAY)
    write(root, "playlists/all.yaml", FALLBACK)
    notice(root, "notices/01-a.txt", "第一份通知。")
    notice(root, "notices/02-b.txt", "第二份通知。")
    notice(root, "notices/03-c.txt", "限时通知。", "show_until: 2026-12-01 17:59:30\n")
    # Leaves at the end of the 1st (a date alone in show_until is the whole day).
    notice(root, "notices/04-d.txt", "今天的通知。", "show_until: 2026-12-01\n")
    notice(root, "notices/05-e.txt", "明天的通知。", "show_from: 2026-12-02\n")
    meeting(root, "meetings/m.yaml", "2026-12-01 17:00", "2026-12-01 18:00:30")
    notice(root, "other/f.txt", "只在兜底列表里。")
    write(
        root,
        "playlists/wed.yaml",
        "name: 周三\npriority: 5\nwhen:\n  days: [wed]\nitems:\n  - slides: other/\n",
    )


@pytest.mark.parametrize(
    ("start", "end", "boundaries"),
    [
        # Tuesday, a working day: the notice leaves at 17:59:30, the workday playlist ends at
        # 18:00, the meeting at 18:00:30.
        (
            at(2026, 12, 1, 17, 59, 0),
            at(2026, 12, 1, 18, 1, 0),
            [at(2026, 12, 1, 17, 59, 30), at(2026, 12, 1, 18), at(2026, 12, 1, 18, 0, 30)],
        ),
        # Midnight Tuesday -> Wednesday: a notice's last day ends, another's first begins,
        # the Wednesday playlist starts.
        (at(2026, 12, 1, 23, 59, 59), at(2026, 12, 2, 0, 0, 1), [at(2026, 12, 2)]),
        # The morning: the workday playlist starts at 08:00 sharp.
        (at(2026, 12, 3, 7, 59, 0), at(2026, 12, 3, 8, 0, 5), [at(2026, 12, 3, 8)]),
        # Friday 18:00 into a weekend evening.
        (at(2026, 12, 4, 17, 59, 50), at(2026, 12, 4, 18, 0, 10), [at(2026, 12, 4, 18)]),
    ],
)
def test_the_player_follows_the_plan_across_boundaries(
    root: Path, display: None, start: datetime, end: datetime, boundaries: list[datetime]
) -> None:
    boundary_content(root)
    # Off the whole second, so that one-second steps alone never land on a boundary: only
    # next_deadline() brings the loop there.
    start += timedelta(seconds=0.37)
    rig = make_rig(root, start)
    rig.player.start()
    segments = plan_timeline(rig.folder, start, end + timedelta(seconds=1))
    assert len(segments) == len(boundaries) + 1  # the content really changes at each
    # (A show_until ends an instant after its time: within a millisecond of the boundary.)
    assert all(
        abs((s.start - b).total_seconds()) < 1e-3
        for s, b in zip(segments[1:], boundaries, strict=True)
    )
    agree(rig.player, segments)
    woke = run_until(rig, end, segments)
    for boundary in boundaries:
        # It woke for the boundary itself (not a second later), and switched on that tick.
        assert boundary_ticks(woke, boundary), f"no wake-up at {boundary}"
        first = boundary_ticks(woke, boundary)[0]
        assert (first - boundary).total_seconds() < 1e-3


def test_a_night_window_crossing_midnight_belongs_to_the_day_it_starts(
    root: Path, display: None
) -> None:
    write(root, "playlists/all.yaml", FALLBACK)
    write(
        root,
        "playlists/friday-night.yaml",
        'priority: 3\nwhen:\n  days: [fri]\n  hours: "22:00-06:00"\nitems:\n  - slides: other/\n',
    )
    notice(root, "notices/a.txt", "通知。")
    notice(root, "other/f.txt", "夜间通知。")
    night = "playlists/friday-night.yaml"
    cases = [
        (at(2026, 12, 4, 21, 59, 58), at(2026, 12, 4, 22, 0, 2), "playlists/all.yaml", night),
        (at(2026, 12, 5, 5, 59, 58), at(2026, 12, 5, 6, 0, 2), night, "playlists/all.yaml"),
        # Saturday night is not Friday night.
        (at(2026, 12, 5, 21, 59, 58), at(2026, 12, 5, 22, 0, 2), "playlists/all.yaml", None),
        # Friday early morning belongs to Thursday's night: not active.
        (at(2026, 12, 4, 0, 59, 58), at(2026, 12, 4, 1, 0, 2), "playlists/all.yaml", None),
    ]
    for start, end, before, after in cases:
        rig = make_rig(root, start)
        rig.player.start()
        assert rig.player.plan is not None and rig.player.plan.playlist == before
        segments = plan_timeline(rig.folder, start, end + timedelta(seconds=1))
        run_until(rig, end, segments)
        assert rig.player.plan.playlist == (after or before)
        gc.collect()  # textures go before the renderer that made them
        pygame.quit()
        pygame.display.init()


def test_the_slide_on_screen_that_leaves_is_replaced_at_once(root: Path, display: None) -> None:
    boundary_content(root)
    rig = make_rig(root, at(2026, 12, 1, 17, 59, 0), default_duration=600.0)
    player = rig.player
    # The notice that expires at 17:59:30 goes up first, with 10 minutes to run.
    player.rotation.start_at("slides/notices/03-c.txt", 0)
    player.start()
    assert current(player) == "slides/notices/03-c.txt"
    run_until(rig, at(2026, 12, 1, 17, 59, 30) + timedelta(seconds=0.5))
    assert current(player) == "slides/notices/04-d.txt"


def test_nothing_active_shows_the_idle_screen_and_comes_back(root: Path, display: None) -> None:
    write(root, "playlists/workday.yaml", WORKDAY)
    notice(root, "notices/a.txt", "通知。")
    rig = make_rig(root, at(2026, 12, 1, 17, 59, 58))
    rig.player.start()
    segments = plan_timeline(rig.folder, at(2026, 12, 1, 17), at(2026, 12, 2, 9))
    run_until(rig, at(2026, 12, 1, 18, 0, 2), segments)
    assert rig.player.plan is not None and rig.player.plan.playlist is None
    assert current(rig.player) is None and not is_black(rig.player)
    # Overnight the loop sleeps until the morning edge, waking at least each clock minute.
    rig.clock.set(at(2026, 12, 2, 7, 59, 58))
    rig.player.tick()
    run_until(rig, at(2026, 12, 2, 8, 0, 2), segments)
    assert current(rig.player) == "slides/notices/a.txt"


# --- 2. urgent notices ------------------------------------------------------------------------


def urgent_content(root: Path) -> None:
    write(root, "playlists/all.yaml", FALLBACK)
    for name in ("01-a", "02-b", "03-c"):
        notice(root, f"notices/{name}.txt", f"通知{name}。")


def drop(rig: Rig, root: Path, rel: str, body: str, front: str = "") -> None:
    notice(root, rel, body, front)
    rig.folder.update({"slides/" + rel})
    rig.clock.advance(0.1)
    rig.player.tick()


def test_an_urgent_notice_preempts_at_once_and_rotates_with_a_second(
    root: Path, display: None
) -> None:
    urgent_content(root)
    rig = make_rig(root, at(2026, 12, 1, 10))
    player = rig.player
    player.start()
    run_until(rig, at(2026, 12, 1, 10, 0, 13))
    assert current(player) == "slides/notices/02-b.txt"  # 3 s into its 10
    drop(rig, root, "urgent/1.txt", "紧急通知一：大厅暂停办理业务。")
    assert current(player) == "slides/urgent/1.txt"
    assert player.plan is not None and player.plan.urgent
    assert player.rotation.order == ("slides/urgent/1.txt",)
    agree(player)
    drop(rig, root, "urgent/2.txt", "紧急通知二：请从东门疏散。")
    assert current(player) == "slides/urgent/1.txt"  # the first keeps its time
    agree(player)
    shown = {current(player)}
    for _ in range(30):
        rig.clock.advance(1)
        player.tick()
        agree(player)
        shown.add(current(player))
    assert shown == {"slides/urgent/1.txt", "slides/urgent/2.txt"}


def _resumes(rig: Rig, before: str, remove: Callable[[], None]) -> None:
    player = rig.player
    remove()
    agree(player)
    assert player.plan is not None and not player.plan.urgent
    order = player.rotation.order
    successor = order[(order.index(before) + 1) % len(order)]
    assert current(player) in (before, successor)


SHOWN_BEFORE = "slides/notices/02-b.txt"


def test_the_rotation_resumes_where_it_was_when_the_urgent_notice_is_removed(
    root: Path, display: None
) -> None:
    urgent_content(root)
    rig = make_rig(root, at(2026, 12, 1, 10))
    rig.player.start()
    run_until(rig, at(2026, 12, 1, 10, 0, 13))
    assert current(rig.player) == SHOWN_BEFORE
    drop(rig, root, "urgent/1.txt", "紧急通知：大厅暂停办理业务。")
    run_until(rig, at(2026, 12, 1, 10, 0, 30))

    def remove() -> None:
        (root / "slides/urgent/1.txt").unlink()
        rig.folder.update({"slides/urgent/1.txt"})
        rig.clock.advance(0.1)
        rig.player.tick()

    _resumes(rig, SHOWN_BEFORE, remove)


def test_the_rotation_resumes_where_it_was_when_the_urgent_notice_expires(
    root: Path, display: None
) -> None:
    urgent_content(root)
    rig = make_rig(root, at(2026, 12, 1, 10))
    rig.player.start()
    run_until(rig, at(2026, 12, 1, 10, 0, 13))
    assert current(rig.player) == SHOWN_BEFORE
    drop(rig, root, "urgent/1.txt", "紧急通知。", "show_until: 2026-12-01 10:00:40\n")
    run_until(rig, at(2026, 12, 1, 10, 0, 30))
    assert current(rig.player) == "slides/urgent/1.txt"
    _resumes(rig, SHOWN_BEFORE, lambda: run_until(rig, at(2026, 12, 1, 10, 0, 41)))


def test_an_expiring_urgent_notice_leaves_on_the_tick_it_expires(root: Path, display: None) -> None:
    urgent_content(root)
    rig = make_rig(root, at(2026, 12, 1, 10))
    rig.player.start()
    drop(rig, root, "urgent/1.txt", "紧急通知。", "show_until: 2026-12-01 10:00:40\n")
    segments = plan_timeline(rig.folder, rig.clock.now(), at(2026, 12, 1, 10, 1))
    assert [s.urgent for s in segments] == [True, False]
    woke = run_until(rig, at(2026, 12, 1, 10, 0, 45), segments)
    assert boundary_ticks(woke, at(2026, 12, 1, 10, 0, 40))
    assert current(rig.player) in {f"slides/notices/0{n}.txt" for n in ("1-a", "2-b", "3-c")}


# --- 3. the display switching off and on ------------------------------------------------------

DISPLAY_WINDOWS = (
    "organisation: 青山镇人民政府\n"
    'display:\n  on:\n    - days: workdays\n      hours: "07:30-18:30"\n'
)


def display_content(root: Path, windows: str = DISPLAY_WINDOWS) -> None:
    write(root, "signage.yaml", windows)
    write(root, "playlists/workday.yaml", WORKDAY)
    write(root, "playlists/all.yaml", FALLBACK)
    notice(root, "notices/a.txt", "通知一。")
    notice(root, "other/f.txt", "兜底通知。")


def test_the_display_goes_dark_and_lights_at_the_window_edges(root: Path, display: None) -> None:
    display_content(root)
    rig = make_rig(root, at(2026, 12, 1, 18, 29, 50))
    player = rig.player
    player.start()
    assert rig.displays == [] and not is_black(rig.player)
    segments = plan_timeline(rig.folder, at(2026, 12, 1, 18), at(2026, 12, 2, 8))
    assert [s.display for s in segments] == ["on", "off", "on"]
    woke = run_until(rig, at(2026, 12, 1, 18, 30, 10), segments)
    assert boundary_ticks(woke, at(2026, 12, 1, 18, 30))
    assert rig.displays == ["off"] and is_black(rig.player)
    assert rig.statuses[-1]["display"] == "off" and rig.statuses[-1]["current"] is None
    # Wednesday morning: lit at 07:30 with the fallback, the workday list from 08:00.
    rig.clock.set(at(2026, 12, 2, 7, 29, 55))
    player.tick()
    assert rig.displays == ["off"] and is_black(rig.player)
    woke = run_until(rig, at(2026, 12, 2, 7, 30, 5), segments)
    assert boundary_ticks(woke, at(2026, 12, 2, 7, 30))
    assert rig.displays == ["off", "on"] and not is_black(rig.player)
    assert player.plan is not None and player.plan.playlist == "playlists/all.yaml"
    assert current(player) in player.rotation.order


def test_lighting_up_on_a_playlist_edge_shows_the_new_playlist(root: Path, display: None) -> None:
    # The panel is lit exactly when the workday playlist starts.
    display_content(root, DISPLAY_WINDOWS.replace("07:30-18:30", "08:00-18:00"))
    rig = make_rig(root, at(2026, 12, 2, 7, 59, 58))
    rig.player.start()
    assert rig.player.plan is not None and rig.player.plan.display == "off"
    segments = plan_timeline(rig.folder, at(2026, 12, 2, 7), at(2026, 12, 2, 9))
    run_until(rig, at(2026, 12, 2, 8, 0, 2), segments)


def test_a_dark_display_draws_no_frames(root: Path, display: None) -> None:
    display_content(root)
    rig = make_rig(root, at(2026, 12, 1, 18, 30, 5))
    rig.player.start()
    assert is_black(rig.player)
    frames = rig.player.frames
    run_until(rig, at(2026, 12, 1, 18, 35), step=10.0)
    assert rig.player.frames == frames


def power_rig(root: Path, tmp_path: Path, start: datetime) -> tuple[Rig, list[tuple[str, ...]]]:
    """The player with DisplayPower wired as commands.run wires it, and a recording runner."""
    machine = write(
        tmp_path,
        "machine.yaml",
        "display:\n"
        "  off_command: [vcgencmd, display_power, '0']\n"
        "  on_command: [vcgencmd, display_power, '1']\n"
        "  command_interval_s: 60\n",
    )
    calls: list[tuple[str, ...]] = []

    def runner(argv: Any, timeout_s: float) -> int:
        calls.append(tuple(argv))
        return 0

    state = ["on"]
    power_box: list[DisplayPower] = []

    def on_tick(mono: float) -> None:
        power_box[0].update(state[0], mono)  # type: ignore[arg-type]

    def on_display(new: str) -> None:
        state[0] = new
        power_box[0].update(new, clock_box[0].monotonic())  # type: ignore[arg-type]

    clock_box: list[ManualClock] = []
    rig = make_rig(root, start, machine, Hooks(on_tick=on_tick, on_display=on_display))
    clock_box.append(rig.clock)
    power_box.append(DisplayPower.from_settings(rig.folder.settings, runner=runner))
    return rig, calls


OFF = ("vcgencmd", "display_power", "0")
ON = ("vcgencmd", "display_power", "1")


def test_display_power_runs_on_change_and_again_after_the_interval(
    root: Path, display: None, tmp_path: Path
) -> None:
    display_content(root)
    rig, calls = power_rig(root, tmp_path, at(2026, 12, 1, 18, 29, 0))
    rig.player.start()
    run_until(rig, at(2026, 12, 1, 18, 29, 59))
    assert calls == [ON]  # the first tick applies the state it starts in
    run_until(rig, at(2026, 12, 1, 18, 30, 1))
    assert calls == [ON, OFF]  # at once on the change
    run_until(rig, at(2026, 12, 1, 18, 32, 30), step=5.0)
    assert calls == [ON, OFF, OFF, OFF]  # again every 60 s
    assert rig.displays == ["off"]


def test_display_commands_in_the_content_folder_are_refused(
    root: Path, display: None, tmp_path: Path
) -> None:
    write(
        root,
        "signage.yaml",
        "display:\n  on: [{days: workdays, hours: '07:30-18:30'}]\n"
        "  off_command: [rm, -rf, /]\n  on_command: [reboot]\n",
    )
    write(root, "playlists/all.yaml", FALLBACK)
    notice(root, "notices/a.txt", "通知。")
    rig = make_rig(root, at(2026, 12, 1, 18, 29, 0))
    calls: list[tuple[str, ...]] = []
    power = DisplayPower.from_settings(
        rig.folder.settings, runner=lambda argv, t: calls.append(tuple(argv)) or 0
    )
    assert power.commands == {"off": (), "on": ()}
    rig.player.start()
    run_until(rig, at(2026, 12, 1, 18, 31), step=5.0)
    assert rig.displays == ["off"]  # the content's hours still apply
    power.update("off", rig.clock.monotonic())
    power.update("on", rig.clock.monotonic())
    assert calls == []
    problems = rig.folder.problems()
    assert any("machine configuration" in p.message for p in problems), problems


def test_a_refused_display_command_does_not_drop_the_display_hours(
    root: Path, display: None
) -> None:
    write(
        root,
        "signage.yaml",
        "display:\n  off_command: [reboot]\n  on: [{days: workdays, hours: '07:30-18:30'}]\n",
    )
    rig = make_rig(root, at(2026, 12, 1, 10))
    rig.folder.scan()
    settings = rig.folder.settings
    assert settings.display_off_command == ()
    assert any(p.path == "signage.yaml" for p in rig.folder.problems())
    assert len(settings.display_windows) == 1


def test_a_whole_day_sleeping_only_as_long_as_next_deadline_allows(
    root: Path, display: None
) -> None:
    display_content(root)
    notice(root, "notices/b.txt", "上午通知。", "show_from: 2026-12-01 09:15\n")
    notice(root, "notices/c.txt", "限时通知。", "show_until: 2026-12-01 12:34:56\n")
    meeting(root, "meetings/m.yaml", "2026-12-01 14:00", "2026-12-01 15:20")
    start, end = at(2026, 12, 1, 7), at(2026, 12, 1, 19)
    rig = make_rig(root, start, default_duration=900.0)
    rig.player.start()
    segments = plan_timeline(rig.folder, start, end + timedelta(seconds=1))
    woke = run_until(rig, end, segments, step=24 * 3600.0)
    edges = [s.start for s in segments[1:]]
    assert len(edges) >= 6
    for edge in edges:
        assert boundary_ticks(woke, edge), f"slept through {edge}"
    assert rig.displays == ["off", "on", "off"]
    # Between boundaries it slept: woken by the clock minute, pages and the 10 s status beat.
    assert len(woke) < 12 * 3600 / 8


# --- 4. the official calendar -----------------------------------------------------------------


def calendar_content(root: Path) -> None:
    write(root, "playlists/workday.yaml", WORKDAY)
    write(root, "playlists/all.yaml", FALLBACK)
    notice(root, "notices/a.txt", "通知。")
    notice(root, "other/f.txt", "兜底通知。")


@pytest.mark.parametrize(
    ("moment", "playlist"),
    [
        (at(2026, 10, 10, 10), "playlists/workday.yaml"),  # make-up working Saturday
        (at(2026, 10, 1, 10), "playlists/all.yaml"),  # National Day, a Thursday
        (at(2026, 10, 9, 10), "playlists/workday.yaml"),  # an ordinary Friday
        (at(2026, 10, 11, 10), "playlists/all.yaml"),  # the Sunday after
    ],
)
def test_make_up_days_and_holidays_through_the_player(
    root: Path, display: None, moment: datetime, playlist: str
) -> None:
    calendar_content(root)
    rig = make_rig(root, moment)
    rig.player.start()
    run_until(rig, moment + timedelta(seconds=15))
    assert rig.player.plan is not None and rig.player.plan.playlist == playlist
    assert not [p for p in rig.player.plan.problems if p.code == "calendar-year-unknown"]


def unknown_year() -> int:
    calendar = WorkCalendar()
    return next(y for y in range(2027, 2100) if not calendar.year_known(y))


def test_a_year_the_calendar_does_not_know_is_reported_and_monday_to_friday_used(
    root: Path, display: None
) -> None:
    calendar_content(root)
    year = unknown_year()
    # The first Monday of March and the Saturday after: no holiday near either.
    monday = at(year, 3, 1, 10)
    monday += timedelta(days=(7 - monday.weekday()) % 7)
    saturday = monday + timedelta(days=5)
    for moment, playlist in ((monday, "playlists/workday.yaml"), (saturday, "playlists/all.yaml")):
        rig = make_rig(root, moment)
        rig.player.start()
        run_until(rig, moment + timedelta(seconds=5))
        plan = rig.player.plan
        assert plan is not None and plan.playlist == playlist
        codes = [p.code for p in plan.problems]
        assert "calendar-year-unknown" in codes
        status_problems = [p["message"] for p in rig.statuses[-1]["problems"]]
        assert any(str(year) in m and "Monday-Friday" in m for m in status_problems)
        gc.collect()  # textures go before the renderer that made them
        pygame.quit()
        pygame.display.init()


# --- 5. an untrusted clock --------------------------------------------------------------------


def test_with_the_clock_not_set_only_undated_content_plays(root: Path, display: None) -> None:
    write(root, "signage.yaml", DISPLAY_WINDOWS)
    write(root, "playlists/workday.yaml", WORKDAY)
    write(root, "playlists/all.yaml", FALLBACK)
    notice(root, "notices/a.txt", "通知。")
    notice(root, "notices/b.txt", "限时通知。", "show_until: 2026-12-31\n")
    meeting(root, "meetings/m.yaml", "2026-12-01 17:00", "2026-12-01 18:00")
    notice(root, "other/f.txt", "兜底通知。")
    start = at(2000, 1, 3, 10)  # a Monday: the workday playlist would apply if believed
    rig = make_rig(root, start)
    rig.player.start()
    segments = plan_timeline(rig.folder, start, start + timedelta(minutes=3))
    run_until(rig, start + timedelta(minutes=2), segments, step=5.0)
    plan = rig.player.plan
    assert plan is not None
    assert plan.playlist == "playlists/all.yaml" and plan.display == "on"
    assert rig.player.rotation.order == ("slides/notices/a.txt", "slides/other/f.txt")
    assert "clock-not-set" in [p.code for p in plan.problems]
    assert any("clock is not set" in p["message"] for p in rig.statuses[-1]["problems"])
    assert not is_black(rig.player)
    # The time is looked at again at least every minute.
    assert rig.player.next_deadline() - rig.clock.monotonic() <= 60


class JumpClock(ManualClock):
    """Wall time can be corrected (NTP after boot) while monotonic time runs on."""

    def jump(self, when: datetime) -> None:
        mono = self.monotonic()
        self.set(when)
        self._mono = mono


def test_when_the_clock_is_corrected_the_schedule_applies_at_once(
    root: Path, display: None
) -> None:
    write(root, "playlists/workday.yaml", WORKDAY)
    write(root, "playlists/all.yaml", FALLBACK)
    notice(root, "notices/a.txt", "通知。")
    notice(root, "other/f.txt", "兜底通知。")
    clock = JumpClock(at(2000, 1, 1, 0, 0, 5))
    rig = make_rig(root, clock.now(), clock=clock)
    rig.player.start()
    run_until(rig, at(2000, 1, 1, 0, 1))
    assert rig.player.plan is not None and rig.player.plan.playlist == "playlists/all.yaml"
    clock.jump(at(2026, 12, 1, 10))  # a Tuesday morning
    rig.player.tick()
    agree(rig.player)
    assert rig.player.plan.playlist == "playlists/workday.yaml"
    assert current(rig.player) == "slides/notices/a.txt"
    assert not [p for p in rig.player.plan.problems if p.code == "clock-not-set"]
    assert not any("clock" in p["message"] for p in rig.statuses[-1]["problems"])
    run_until(rig, at(2026, 12, 1, 10, 1))


# --- 6. `signage plan --json` agrees with the player ---------------------------------------


@pytest.fixture
def demo(tmp_path: Path) -> tuple[Path, Path]:
    content = tmp_path / "demo"
    shutil.copytree(REPO / "slides", content / "slides")
    shutil.copytree(REPO / "playlists", content / "playlists")
    shutil.copy(REPO / "signage.yaml", content / "signage.yaml")
    machine = write(tmp_path, "machine.yaml", "screen: lobby-1\ntimezone: Asia/Shanghai\n")
    return content, machine


@pytest.mark.parametrize(
    "moment",
    [
        "2026-12-01T10:00:00",  # Tuesday morning: the workday playlist
        "2026-12-01T18:00:00",  # its end, to the second: the fallback
        "2026-12-03T15:00:00",  # during the first meeting
        "2026-12-05T09:00:00",  # Saturday
        "2026-12-10T11:30:00",  # the second meeting has just ended
    ],
)
def test_plan_json_agrees_with_the_player(
    demo: tuple[Path, Path], display: None, capsys: pytest.CaptureFixture[str], moment: str
) -> None:
    content, machine = demo
    status = cli_main(["plan", "--content", str(content), "--config", str(machine), "--at", moment])
    assert status == 0
    capsys.readouterr()
    status = cli_main(
        ["plan", "--content", str(content), "--config", str(machine), "--at", moment, "--json"]
    )
    assert status == 0
    data = json.loads(capsys.readouterr().out)
    when = datetime.fromisoformat(moment).replace(tzinfo=TZ)
    assert data["at"] == when.isoformat(timespec="seconds")
    rig = make_rig(content, when, machine)
    rig.player.start()
    player = rig.player
    assert player.plan is not None
    assert data["playlist"] == player.plan.playlist
    assert data["display"] == player.plan.display
    assert [i["path"] for i in data["items"]] == list(player.rotation.order)
    assert current(player) == data["items"][0]["path"]
    left_out = {i["path"] for i in data["left_out"]}
    assert left_out.isdisjoint(player.rotation.order)
    assert left_out | set(player.rotation.order) == set(rig.folder.catalog.slides)
    run_until(rig, when + timedelta(seconds=30), step=5.0)


def test_plan_timeline_json_agrees_with_the_player(
    demo: tuple[Path, Path], display: None, capsys: pytest.CaptureFixture[str]
) -> None:
    content, machine = demo
    argv = ["plan", "--content", str(content), "--config", str(machine)]
    window = ["--from", "2026-12-03T07:00", "--to", "2026-12-05T09:00", "--json"]
    assert cli_main(argv + window) == 0
    segments = json.loads(capsys.readouterr().out)
    assert len(segments) >= 5
    start = datetime.fromisoformat(segments[0]["start"])
    rig = make_rig(content, start, machine, default_duration=3600.0)
    rig.player.start()
    for seg in segments:
        seg_start = datetime.fromisoformat(seg["start"])
        seg_end = datetime.fromisoformat(seg["end"])
        for moment in (seg_start, seg_start + (seg_end - seg_start) / 2):
            if moment > rig.clock.now():
                rig.clock.set(moment)
                rig.player.tick()
            player = rig.player
            assert player.plan is not None
            assert (player.plan.playlist, player.plan.display) == (
                seg["playlist"],
                seg["display"],
            ), moment
            assert list(player.rotation.order) == seg["items"], moment
