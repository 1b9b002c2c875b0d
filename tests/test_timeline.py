"""timeline(): what plays when, walking from one boundary to the next."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from signage.core.config import DisplayWindow, Settings
from signage.core.model import Block, Document, Playlist, PlaylistItem, Slide, TimeWindow
from signage.schedule.calendar import WorkCalendar
from signage.schedule.timeline import Segment, format_timeline, timeline

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
SETTINGS = Settings(screen="lobby-1")


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=TZ)


def notice(path: str, **kw: object) -> Slide:
    doc = Document("通知", (Block("body", "内容"),))
    return Slide(path=path, kind="notice", title="通知", body=doc, digest=path, **kw)  # type: ignore[arg-type]


SLIDES = {s.path: s for s in (notice("slides/a.txt"), notice("slides/b.txt"))}
OFFICE = Playlist(
    path="playlists/office.yaml",
    name="办公时间",
    items=(PlaylistItem("a.txt", line=2),),
    priority=1,
    when=TimeWindow(days="workdays", hours=((8 * 60, 18 * 60),)),
)
ALWAYS = Playlist(path="playlists/all.yaml", name="全部", items=(PlaylistItem("b.txt", line=2),))
PLAYLISTS = {p.path: p for p in (OFFICE, ALWAYS)}


def spans(segments: list[Segment]) -> list[tuple[datetime, datetime, str | None]]:
    return [(s.start, s.end, s.playlist) for s in segments]


def test_weekend_with_a_make_up_saturday() -> None:
    # Friday 2026-10-09 a workday, Saturday 10-10 a make-up workday, Sunday 10-11 a day off.
    segments = timeline(SLIDES, (), PLAYLISTS, SETTINGS, CAL, at(2026, 10, 9), at(2026, 10, 12))
    assert spans(segments) == [
        (at(2026, 10, 9), at(2026, 10, 9, 8), "playlists/all.yaml"),
        (at(2026, 10, 9, 8), at(2026, 10, 9, 18), "playlists/office.yaml"),
        (at(2026, 10, 9, 18), at(2026, 10, 10, 8), "playlists/all.yaml"),
        (at(2026, 10, 10, 8), at(2026, 10, 10, 18), "playlists/office.yaml"),
        (at(2026, 10, 10, 18), at(2026, 10, 12), "playlists/all.yaml"),
    ]
    assert segments[1].items == ("slides/a.txt",)
    assert segments[0].items == ("slides/b.txt",)


def test_national_day_week_stays_on_the_fallback() -> None:
    segments = timeline(SLIDES, (), PLAYLISTS, SETTINGS, CAL, at(2026, 10, 1), at(2026, 10, 8))
    assert spans(segments) == [(at(2026, 10, 1), at(2026, 10, 8), "playlists/all.yaml")]


def test_urgent_notice_and_display_windows_split_segments() -> None:
    urgent = notice(
        "slides/urgent/停电.txt",
        urgent=True,
        show_from=at(2026, 12, 3, 9),
        show_until=at(2026, 12, 3, 10),
    )
    slides = {**SLIDES, urgent.path: urgent}
    settings = SETTINGS.replace(display_windows=(DisplayWindow("everyday", ("07:00-19:00",)),))
    segments = timeline(
        slides, (), PLAYLISTS, settings, CAL, at(2026, 12, 3, 6), at(2026, 12, 3, 20)
    )
    summary = [(s.start.strftime("%H:%M:%S"), s.playlist, s.urgent, s.display) for s in segments]
    assert summary == [
        ("06:00:00", "playlists/all.yaml", False, "off"),
        ("07:00:00", "playlists/all.yaml", False, "on"),
        ("08:00:00", "playlists/office.yaml", False, "on"),
        ("09:00:00", None, True, "on"),
        ("10:00:00", "playlists/office.yaml", False, "on"),  # 10:00:00.000001, shown to the second
        ("18:00:00", "playlists/all.yaml", False, "on"),
        ("19:00:00", "playlists/all.yaml", False, "off"),
    ]
    assert segments[3].items == ("slides/urgent/停电.txt",)
    assert segments[-1].end == at(2026, 12, 3, 20)


def test_step_caps_the_stride_without_changing_the_result() -> None:
    coarse = timeline(SLIDES, (), PLAYLISTS, SETTINGS, CAL, at(2026, 10, 9), at(2026, 10, 12))
    fine = timeline(
        SLIDES, (), PLAYLISTS, SETTINGS, CAL, at(2026, 10, 9), at(2026, 10, 12), timedelta(hours=1)
    )
    assert spans(fine) == spans(coarse)


def test_empty_range() -> None:
    assert timeline(SLIDES, (), PLAYLISTS, SETTINGS, CAL, at(2026, 10, 9), at(2026, 10, 9)) == []
    assert format_timeline([]) == ""


def test_format_timeline() -> None:
    segments = timeline(
        SLIDES,
        (),
        {"playlists/office.yaml": OFFICE},
        SETTINGS,
        CAL,
        at(2026, 10, 9, 7),
        at(2026, 10, 9, 9),
    )
    text = format_timeline(segments)
    # In Chinese for the administrator (issue 14), with the weekday.
    assert text == (
        "2026-10-09 周五 07:00:00 至 2026-10-09 周五 08:00:00  "
        "没有在播放时间内的播放列表：只显示单位名称和时间\n"
        "2026-10-09 周五 08:00:00 至 2026-10-09 周五 09:00:00  播放列表 playlists/office.yaml\n"
        "    slides/a.txt\n"
    )
    everything = timeline(SLIDES, (), {}, SETTINGS, CAL, at(2026, 10, 9, 7), at(2026, 10, 9, 9))
    assert "没有播放列表：全部文件按文件名顺序" in format_timeline(everything)
