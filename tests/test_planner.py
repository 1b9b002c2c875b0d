"""make_plan: which playlist wins, what plays, what is left out and why."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from signage.core.config import DisplayWindow, Settings
from signage.core.model import (
    Block,
    Document,
    ImageBody,
    Meeting,
    Plan,
    PlannedItem,
    Playlist,
    PlaylistItem,
    Problem,
    Slide,
    TimeWindow,
)
from signage.schedule.calendar import WorkCalendar
from signage.schedule.planner import (
    expand_item,
    make_plan,
    missing_items,
    next_change,
    path_key,
    plan_json,
    referenced_paths,
)

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
SETTINGS = Settings(screen="lobby-1")


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=TZ)


def notice(path: str, **kw: object) -> Slide:
    title = path.rsplit("/", 1)[-1]
    doc = Document(
        title, (Block("title", title), Block("body", "各位群众：现将有关事项通知如下。"))
    )
    return Slide(path=path, kind="notice", title=title, body=doc, digest=path, **kw)  # type: ignore[arg-type]


def image(path: str, **kw: object) -> Slide:
    body = ImageBody(1920, 1080, "JPEG")
    return Slide(path=path, kind="image", title=path, body=body, digest=path, **kw)  # type: ignore[arg-type]


def meeting(path: str, start: datetime, end: datetime | None) -> Slide:
    body = Meeting(title="党委会", start=start, end=end, place="三楼会议室")
    return Slide(path=path, kind="meeting", title="党委会", body=body, digest=path)


def library(*slides: Slide) -> dict[str, Slide]:
    """As the catalog gives them: in name order."""
    return {s.path: s for s in sorted(slides, key=lambda s: path_key(s.path))}


def playlist(path: str, *items: str | PlaylistItem, **kw: object) -> Playlist:
    made = tuple(
        i if isinstance(i, PlaylistItem) else PlaylistItem(slides=i, line=n + 2)
        for n, i in enumerate(items)
    )
    return Playlist(path=path, name=path, items=made, **kw)  # type: ignore[arg-type]


def lists(*playlists: Playlist) -> dict[str, Playlist]:
    return {p.path: p for p in playlists}


def plan(
    slides: dict[str, Slide],
    playlists: dict[str, Playlist],
    now: datetime,
    settings: Settings = SETTINGS,
    problems: tuple[Problem, ...] = (),
) -> Plan:
    return make_plan(slides, problems, playlists, settings, now, CAL)


def paths(p: Plan) -> list[str]:
    return [i.slide.path for i in p.items]


def reasons(p: Plan) -> dict[str, str]:
    return dict(p.left_out)


SLIDES = library(
    notice("slides/notices/10-放假.txt"),
    notice("slides/notices/2-防汛.txt"),
    image("slides/images/大厅.jpg"),
    notice("slides/policies/医保.txt", show_from=at(2026, 12, 1)),
)


def test_no_playlist_plays_every_slide_in_name_order() -> None:
    p = plan(SLIDES, {}, at(2026, 11, 30, 9))
    assert p.playlist is None
    assert paths(p) == [
        "slides/images/大厅.jpg",
        "slides/notices/2-防汛.txt",
        "slides/notices/10-放假.txt",
    ]
    assert reasons(p) == {"slides/policies/医保.txt": "show_from 2026-12-01 not reached"}
    assert p.display == "on"
    assert not p.urgent
    # On its first day the slide comes in.
    assert "slides/policies/医保.txt" in paths(plan(SLIDES, {}, at(2026, 12, 1)))


def test_playlist_items_file_folder_and_glob_in_order() -> None:
    lobby = playlist(
        "playlists/lobby.yaml",
        "notices/",
        "images/*.JPG",
        PlaylistItem("policies/医保.txt", duration=30.0, fit="cover", line=9),
    )
    p = plan(SLIDES, lists(lobby), at(2026, 12, 3, 9))
    assert p.playlist == "playlists/lobby.yaml"
    assert paths(p) == [
        "slides/notices/2-防汛.txt",
        "slides/notices/10-放假.txt",
        "slides/images/大厅.jpg",
        "slides/policies/医保.txt",
    ]
    assert p.items[3] == PlannedItem(SLIDES["slides/policies/医保.txt"], 30.0, "cover")
    assert p.left_out == ()


def test_slides_not_in_the_playlist_are_left_out_with_its_name() -> None:
    lobby = playlist("playlists/lobby.yaml", "notices/2-防汛.txt")
    p = plan(SLIDES, lists(lobby), at(2026, 12, 3, 9))
    assert paths(p) == ["slides/notices/2-防汛.txt"]
    assert reasons(p)["slides/images/大厅.jpg"] == "not in playlist lobby.yaml"


def test_missing_item_is_a_problem_with_its_line() -> None:
    lobby = playlist("playlists/lobby.yaml", "notices/", "gone.txt", "nothing/*.png")
    p = plan(SLIDES, lists(lobby), at(2026, 12, 3, 9))
    missing = [(q.path, q.line, q.code) for q in p.problems]
    assert missing == [
        ("playlists/lobby.yaml", 3, "missing-slide"),
        ("playlists/lobby.yaml", 4, "missing-slide"),
    ]
    assert "'gone.txt'" in p.problems[0].message
    assert len(p.items) == 2


def test_missing_item_of_an_inactive_playlist_is_still_reported() -> None:
    office = playlist("playlists/office.yaml", "gone/", when=WORKDAY)
    night = plan(SLIDES, lists(office), at(2026, 11, 26, 22))
    day = plan(SLIDES, lists(office), at(2026, 11, 26, 9))
    assert night.problems == day.problems
    assert [(q.line, q.code) for q in night.problems] == [(2, "missing-slide")]


def test_missing_items_for_check_covers_every_playlist() -> None:
    upstairs = playlist("playlists/upstairs.yaml", "images/", "old.jpg", screens=("lobby-2",))
    lobby = playlist("playlists/lobby.yaml", "notices/", "bad.jpg")
    broken = Problem("slides/bad.jpg", "the image is truncated", code="image-truncated")
    found = missing_items([upstairs, lobby], list(SLIDES), [broken])
    assert [(q.path, q.line) for q in found] == [("playlists/upstairs.yaml", 3)]


def test_item_naming_a_broken_file_adds_no_second_problem() -> None:
    broken = Problem("slides/bad.jpg", "the image is truncated", code="image-truncated")
    lobby = playlist("playlists/lobby.yaml", "bad.jpg", "notices/")
    p = plan(SLIDES, lists(lobby), at(2026, 12, 3, 9), problems=(broken,))
    assert p.problems == (broken,)


def test_staff_writing_the_slides_prefix_still_match() -> None:
    assert expand_item("slides/notices/", list(SLIDES)) == [
        "slides/notices/2-防汛.txt",
        "slides/notices/10-放假.txt",
    ]
    assert expand_item("NOTICES/2-防汛.TXT", list(SLIDES)) == ["slides/notices/2-防汛.txt"]
    assert expand_item("*.txt", list(SLIDES)) == []  # * stays within one folder
    assert len(expand_item("**/*.txt", list(SLIDES))) == 3


def test_item_and_slide_validity_must_both_hold() -> None:
    slides = library(notice("slides/a.txt", show_until=at(2026, 12, 10, 23, 59, 59, 999999)))
    item = PlaylistItem("a.txt", show_from=at(2026, 12, 5), line=4)
    lobby = playlist("playlists/lobby.yaml", item)
    assert paths(plan(slides, lists(lobby), at(2026, 12, 4, 23, 59, 59))) == []
    before = plan(slides, lists(lobby), at(2026, 12, 4, 12))
    assert reasons(before) == {
        "slides/a.txt": "show_from 2026-12-05 not reached (playlist item, line 4)"
    }
    assert paths(plan(slides, lists(lobby), at(2026, 12, 5))) == ["slides/a.txt"]
    assert paths(plan(slides, lists(lobby), at(2026, 12, 10, 23, 59, 59))) == ["slides/a.txt"]
    after = plan(slides, lists(lobby), at(2026, 12, 11))
    assert reasons(after) == {"slides/a.txt": "show_until 2026-12-10 passed"}


def test_playlists_for_other_screens_are_skipped() -> None:
    lobby = playlist("playlists/lobby.yaml", "notices/")
    upstairs = playlist("playlists/upstairs.yaml", "images/", screens=("lobby-2",), priority=9)
    p = plan(SLIDES, lists(lobby, upstairs), at(2026, 12, 3, 9))
    assert p.playlist == "playlists/lobby.yaml"
    assert reasons(p)["slides/images/大厅.jpg"] == "for screen lobby-2"
    assert reasons(p)["slides/policies/医保.txt"] == "not in playlist lobby.yaml"
    other = plan(
        SLIDES, lists(lobby, upstairs), at(2026, 12, 3, 9), SETTINGS.replace(screen="lobby-2")
    )
    assert other.playlist == "playlists/upstairs.yaml"


def test_only_other_screens_playlists_means_everything_plays() -> None:
    upstairs = playlist("playlists/upstairs.yaml", "images/", screens=("lobby-2",))
    p = plan(SLIDES, lists(upstairs), at(2026, 12, 3, 9))
    assert p.playlist is None
    assert len(p.items) == 4
    assert any("lobby-1" in n for n in p.notes)


WORKDAY = TimeWindow(days="workdays", hours=((8 * 60, 18 * 60),))


def test_highest_priority_active_playlist_wins() -> None:
    fallback = playlist("playlists/all.yaml", "notices/", "images/")
    office = playlist("playlists/office.yaml", "policies/", priority=5, when=WORKDAY)
    both = lists(fallback, office)
    assert plan(SLIDES, both, at(2026, 12, 3, 9)).playlist == "playlists/office.yaml"
    assert plan(SLIDES, both, at(2026, 12, 3, 18)).playlist == "playlists/all.yaml"
    assert plan(SLIDES, both, at(2026, 12, 3, 17, 59, 59)).playlist == "playlists/office.yaml"
    assert plan(SLIDES, both, at(2026, 10, 10, 9)).playlist == "playlists/office.yaml"  # make-up
    assert plan(SLIDES, both, at(2026, 10, 1, 9)).playlist == "playlists/all.yaml"  # holiday


def test_priority_tie_goes_to_the_first_file_name() -> None:
    a = playlist("playlists/2-早班.yaml", "notices/", priority=3)
    b = playlist("playlists/10-晚班.yaml", "images/", priority=3)
    p = plan(SLIDES, lists(b, a), at(2026, 12, 3, 9))
    assert p.playlist == "playlists/2-早班.yaml"  # natural order: 2 before 10
    assert any("10-晚班.yaml" in n and "same priority" in n for n in p.notes)


def test_playlists_present_but_none_active_plays_nothing() -> None:
    office = playlist("playlists/office.yaml", "notices/", when=WORKDAY)
    p = plan(SLIDES, lists(office), at(2026, 12, 3, 20))
    assert p.playlist is None
    assert p.items == ()
    assert set(reasons(p).values()) == {"no playlist is active now"}
    assert len(p.left_out) == 4


def test_meeting_appears_lead_days_before_and_leaves_at_its_end() -> None:
    slides = library(
        meeting("slides/meetings/党委会.yaml", at(2026, 12, 10, 14, 30), at(2026, 12, 10, 16))
    )
    settings = SETTINGS.replace(meeting_lead_days=7)

    def shown(now: datetime) -> bool:
        return paths(plan(slides, {}, now, settings)) == ["slides/meetings/党委会.yaml"]

    assert not shown(at(2026, 12, 2, 23, 59, 59))
    assert shown(at(2026, 12, 3, 0, 0))
    assert shown(at(2026, 12, 10, 15, 59, 59))
    assert not shown(at(2026, 12, 10, 16, 0))
    early = plan(slides, {}, at(2026, 12, 1), settings)
    assert reasons(early)["slides/meetings/党委会.yaml"] == (
        "meeting on 2026-12-10 14:30: shown from 2026-12-03"
    )
    late = plan(slides, {}, at(2026, 12, 11), settings)
    assert "over" in reasons(late)["slides/meetings/党委会.yaml"]


def test_meeting_without_end_leaves_at_the_end_of_its_day() -> None:
    slides = library(meeting("slides/m.yaml", at(2026, 12, 10, 9), None))
    assert paths(plan(slides, {}, at(2026, 12, 10, 23, 59, 59))) == ["slides/m.yaml"]
    assert paths(plan(slides, {}, at(2026, 12, 11))) == []


URGENT = notice(
    "slides/urgent/停水.txt",
    urgent=True,
    show_from=at(2026, 12, 3, 10),
    show_until=at(2026, 12, 3, 12),
)


def test_urgent_notice_arrives_and_leaves() -> None:
    slides = library(*SLIDES.values(), URGENT)
    lobby = playlist("playlists/lobby.yaml", "notices/", screens=("lobby-1",))
    pl = lists(lobby)
    before = plan(slides, pl, at(2026, 12, 3, 9, 59, 59))
    assert not before.urgent
    assert before.playlist == "playlists/lobby.yaml"
    assert "slides/urgent/停水.txt" not in paths(before)
    assert reasons(before)["slides/urgent/停水.txt"].startswith("show_from 2026-12-03 10:00")

    for moment in (at(2026, 12, 3, 10), at(2026, 12, 3, 11), at(2026, 12, 3, 12)):
        during = plan(slides, pl, moment)
        assert during.urgent
        assert paths(during) == ["slides/urgent/停水.txt"]
        assert during.playlist is None
        assert reasons(during)["slides/notices/2-防汛.txt"] == "an urgent notice is showing"

    after = plan(slides, pl, at(2026, 12, 3, 12, 0, 1))
    assert not after.urgent
    assert paths(after) == ["slides/notices/2-防汛.txt", "slides/notices/10-放假.txt"]
    assert reasons(after)["slides/urgent/停水.txt"] == "show_until 2026-12-03 12:00 passed"


def test_urgent_preempts_on_every_screen_and_without_playlists() -> None:
    slides = library(*SLIDES.values(), URGENT)
    other = SETTINGS.replace(screen="lobby-9")
    assert plan(slides, {}, at(2026, 12, 3, 11), other).urgent
    # Out of its period an urgent notice does not join the ordinary rotation.
    assert "slides/urgent/停水.txt" not in paths(plan(slides, {}, at(2026, 12, 4)))


def test_display_off_outside_display_windows() -> None:
    settings = SETTINGS.replace(display_windows=(DisplayWindow("workdays", ("07:30-18:30",)),))
    assert plan(SLIDES, {}, at(2026, 12, 3, 7, 29, 59), settings).display == "off"
    assert plan(SLIDES, {}, at(2026, 12, 3, 7, 30), settings).display == "on"
    assert plan(SLIDES, {}, at(2026, 12, 3, 18, 30), settings).display == "off"
    assert plan(SLIDES, {}, at(2026, 12, 6, 12), settings).display == "off"  # Sunday
    bad = SETTINGS.replace(display_windows=(DisplayWindow("workdays", ("7.30-18.30",)),))
    p = plan(SLIDES, {}, at(2026, 12, 3, 3), bad)
    assert p.display == "on"
    assert [q.code for q in p.problems] == ["bad-display"]


def test_untrusted_clock_plays_only_undated_content() -> None:
    boot = datetime(1970, 1, 1, 8, 0, tzinfo=TZ)
    timed = playlist("playlists/office.yaml", "policies/", priority=5, when=WORKDAY)
    always = playlist("playlists/all.yaml", "notices/", "images/", "policies/")
    p = plan(SLIDES, lists(timed, always), boot)
    assert p.playlist == "playlists/all.yaml"
    assert "slides/policies/医保.txt" not in paths(p)
    assert "clock is not set" in reasons(p)["slides/policies/医保.txt"]
    assert [q.code for q in p.problems] == ["clock-not-set"]
    assert next_change(SLIDES, lists(timed, always), SETTINGS, boot) == boot + timedelta(minutes=1)


def test_unknown_calendar_year_is_reported_when_workdays_matter() -> None:
    office = playlist("playlists/office.yaml", "notices/", when=WORKDAY)
    p = plan(SLIDES, lists(office), at(2027, 3, 10, 9))
    assert p.playlist == "playlists/office.yaml"
    assert [q.code for q in p.problems] == ["calendar-year-unknown"]
    assert any("2027年调休安排未收录" in n for n in p.notes)
    assert plan(SLIDES, lists(office), at(2026, 3, 10, 9)).problems == ()
    assert plan(SLIDES, {}, at(2027, 3, 10, 9)).problems == ()  # nothing uses the calendar


def test_next_change_covers_windows_validity_and_meetings() -> None:
    slides = library(
        notice("slides/a.txt", show_until=at(2026, 12, 3, 12)),
        meeting("slides/m.yaml", at(2026, 12, 20, 9), at(2026, 12, 20, 11)),
    )
    office = playlist(
        "playlists/office.yaml",
        PlaylistItem("a.txt", show_from=at(2026, 12, 3, 10, 30), line=2),
        when=WORKDAY,
    )
    pl = lists(office)
    assert next_change(slides, pl, SETTINGS, at(2026, 12, 3, 7)) == at(2026, 12, 3, 8)
    assert next_change(slides, pl, SETTINGS, at(2026, 12, 3, 9)) == at(2026, 12, 3, 10, 30)
    after_until = at(2026, 12, 3, 12) + timedelta(microseconds=1)
    assert next_change(slides, pl, SETTINGS, at(2026, 12, 3, 11)) == after_until
    assert next_change(slides, pl, SETTINGS, at(2026, 12, 3, 13)) == at(2026, 12, 3, 18)
    assert next_change(slides, {}, SETTINGS, at(2026, 12, 3, 13)) == at(2026, 12, 13)
    assert next_change(slides, {}, SETTINGS, at(2026, 12, 20, 10)) == at(2026, 12, 20, 11)
    assert next_change(slides, {}, SETTINGS, at(2026, 12, 21)) is None


def test_plan_json_shape() -> None:
    lobby = playlist(
        "playlists/lobby.yaml", PlaylistItem("notices/", duration=20.0, line=2), "gone.txt"
    )
    p = plan(SLIDES, lists(lobby), at(2026, 12, 3, 9))
    data = plan_json(p)
    assert list(data) == ["at", "screen", "playlist", "items", "left_out", "problems", "display"]
    assert data["at"] == "2026-12-03T09:00:00+08:00"
    assert data["screen"] == "lobby-1"
    assert data["playlist"] == "playlists/lobby.yaml"
    assert data["items"][0] == {"path": "slides/notices/2-防汛.txt", "pages": 1, "duration": 20.0}
    assert data["left_out"][0] == {
        "path": "slides/images/大厅.jpg",
        "reason": "not in playlist lobby.yaml",
    }
    assert data["problems"] == [
        {
            "path": "playlists/lobby.yaml",
            "message": "line 3: slides 'gone.txt' matches no file under slides/",
        }
    ]
    assert data["display"] == "on"
    with_pages = plan_json(p, page_info=lambda item: (3, 3 * (item.duration or 10.0)))
    assert with_pages["items"][0] == {
        "path": "slides/notices/2-防汛.txt",
        "pages": 3,
        "duration": 60.0,
    }


def test_referenced_paths() -> None:
    lobby = playlist("playlists/lobby.yaml", "images/", "notices/", "images/大厅.jpg")
    assert referenced_paths(lobby, SLIDES) == [
        "slides/images/大厅.jpg",
        "slides/notices/2-防汛.txt",
        "slides/notices/10-放假.txt",
    ]


def test_next_years_missing_calendar_is_reported_from_december() -> None:
    office = playlist("playlists/office.yaml", "notices/", when=WORKDAY)
    assert plan(SLIDES, lists(office), at(2026, 11, 30, 9)).problems == ()
    december = plan(SLIDES, lists(office), at(2026, 12, 1, 9))
    assert [q.code for q in december.problems] == ["calendar-year-unknown"]
    assert "2027" in december.problems[0].message


def test_naive_meeting_times_are_taken_as_local() -> None:
    naive = Meeting(title="例会", start=datetime(2026, 12, 10, 9), end=datetime(2026, 12, 10, 10))
    slide = Slide(path="slides/m.yaml", kind="meeting", title="例会", body=naive, digest="x")
    slides = library(slide)
    assert paths(plan(slides, {}, at(2026, 12, 10, 9, 59, 59))) == ["slides/m.yaml"]
    assert paths(plan(slides, {}, at(2026, 12, 10, 10))) == []
    assert next_change(slides, {}, SETTINGS, at(2026, 12, 10, 9)) == at(2026, 12, 10, 10)


# --- property: the plan stays as it is until next_change ----------------------------------------

PROPERTY_SLIDES = library(
    notice("slides/a.txt", show_from=at(2026, 12, 1, 9, 30), show_until=at(2026, 12, 5, 18)),
    notice("slides/b.txt", show_until=at(2026, 12, 20, 23, 59, 59, 999999)),
    image("slides/c.jpg"),
    meeting("slides/m.yaml", at(2026, 12, 10, 14, 30), at(2026, 12, 10, 16)),
    notice(
        "slides/urgent/u.txt",
        urgent=True,
        show_from=at(2026, 12, 3, 10),
        show_until=at(2026, 12, 3, 11),
    ),
)
PROPERTY_PLAYLISTS = lists(
    playlist("playlists/all.yaml", "a.txt", "c.jpg", "m.yaml"),
    playlist("playlists/office.yaml", "a.txt", "b.txt", "m.yaml", priority=2, when=WORKDAY),
    playlist(
        "playlists/nights.yaml",
        PlaylistItem("c.jpg", show_from=at(2026, 12, 7, 12), line=2),
        priority=5,
        when=TimeWindow(days=("fri", "sat"), hours=((22 * 60, 6 * 60),)),
    ),
)
PROPERTY_SETTINGS = SETTINGS.replace(
    display_windows=(DisplayWindow("everyday", ("06:30-22:30",)),), meeting_lead_days=3
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    now=st.datetimes(min_value=datetime(2026, 11, 25), max_value=datetime(2026, 12, 25)).map(
        lambda d: d.replace(tzinfo=TZ)
    ),
    fraction=st.floats(min_value=0, max_value=1),
)
def test_plan_is_constant_until_next_change(now: datetime, fraction: float) -> None:
    def show(moment: datetime) -> tuple[object, ...]:
        p = plan(PROPERTY_SLIDES, PROPERTY_PLAYLISTS, moment, PROPERTY_SETTINGS)
        return (p.playlist, paths(p), p.display, p.urgent, p.left_out)

    change = next_change(PROPERTY_SLIDES, PROPERTY_PLAYLISTS, PROPERTY_SETTINGS, now)
    assert change is not None and change > now
    later = now + (change - now) * fraction
    if later >= change:
        later = change - timedelta(microseconds=1)
    assert show(later) == show(now)


# --- issue 14: what staff tripped over ---------------------------------------------------


def test_anything_in_the_chinese_urgent_folder_is_urgent_whatever_its_type() -> None:
    # Seen: only a .txt in urgent/ took over; a photo or a Word file in 紧急 played in turn.
    photo = image("slides/紧急/停电示意图.jpg")
    word = notice("slides/紧急通知/停水.docx")
    old = image("slides/urgent/旧的.jpg")
    lobby = playlist("playlists/lobby.yaml", "notices/")
    for slide in (photo, word, old):
        p = plan(library(*SLIDES.values(), slide), lists(lobby), at(2026, 12, 3, 9))
        assert p.urgent and paths(p) == [slide.path], slide.path
        assert p.items[0].slide.urgent  # laid out in the urgent style
    # A folder that only contains the word is not urgent.
    p = plan(library(image("slides/不紧急/a.jpg")), {}, at(2026, 12, 3, 9))
    assert not p.urgent


def test_urgent_plan_names_the_playlist_it_pauses() -> None:
    lobby = playlist("playlists/lobby.yaml", "notices/", priority=10)
    spare = playlist("playlists/spare.yaml", "images/")
    p = plan(library(*SLIDES.values(), URGENT), lists(lobby, spare), at(2026, 12, 3, 11))
    assert p.urgent and p.playlist is None
    assert dict(p.playlists) == {
        "playlists/lobby.yaml": "paused while urgent notices show",
        "playlists/spare.yaml": "priority 0 is lower than playlists/lobby.yaml (10)",
    }


def test_a_timed_playlist_without_priority_beats_the_always_on_fallback() -> None:
    # Seen: a playlist written from 使用说明 (no priority) never played beside the demo's
    # fallback of the same priority, because "default.yaml" sorts before "工作日.yaml".
    fallback = playlist("playlists/default.yaml", "images/")
    mine = playlist("playlists/工作日.yaml", "notices/", when=WORKDAY)
    p = plan(SLIDES, lists(fallback, mine), at(2026, 12, 3, 9))
    assert p.playlist == "playlists/工作日.yaml"
    assert dict(p.playlists) == {
        "playlists/default.yaml": (
            "same priority 0 as playlists/工作日.yaml, which has times and wins"
        )
    }
    evening = plan(SLIDES, lists(fallback, mine), at(2026, 12, 3, 19))
    assert evening.playlist == "playlists/default.yaml"
    assert dict(evening.playlists) == {"playlists/工作日.yaml": "not active now"}


def test_every_unused_playlist_says_why() -> None:
    low = playlist("playlists/low.yaml", "images/", when=WORKDAY)
    high = playlist("playlists/high.yaml", "notices/", priority=5)
    night = playlist(
        "playlists/night.yaml", "notices/", priority=9, when=TimeWindow(hours=((0, 60),))
    )
    upstairs = playlist("playlists/upstairs.yaml", "images/", screens=("lobby-2", "lobby-3"))
    p = plan(SLIDES, lists(low, high, night, upstairs), at(2026, 12, 3, 9))
    assert p.playlist == "playlists/high.yaml"
    assert dict(p.playlists) == {
        "playlists/low.yaml": "priority 0 is lower than playlists/high.yaml (5)",
        "playlists/night.yaml": "not active now",
        "playlists/upstairs.yaml": "for screen lobby-2, lobby-3",
    }


def test_a_missing_folder_is_named_with_the_folders_there() -> None:
    # Seen: the demo's playlists named notices/ while staff made 通知; the reason did not
    # say which name was wrong nor what is there.
    slides = library(notice("slides/通知/a.txt"), image("slides/图片/b.jpg"))
    lobby = playlist("playlists/lobby.yaml", "notices/", "通知/gone.txt", "gone.txt")
    p = plan(slides, lists(lobby), at(2026, 12, 3, 9))
    messages = [pr.message for pr in p.problems if pr.code == "missing-slide"]
    assert messages == [
        "slides 'notices/' matches no file under slides/ (folders in slides/: 图片/, 通知/)",
        "slides '通知/gone.txt' matches no file under slides/",
        "slides 'gone.txt' matches no file under slides/",
    ]


def test_problems_the_folder_already_lists_are_not_repeated() -> None:
    # Seen: `signage plan` printed each missing playlist item twice.
    lobby = playlist("playlists/lobby.yaml", "gone/")
    first = plan(SLIDES, lists(lobby), at(2026, 12, 3, 9))
    again = plan(SLIDES, lists(lobby), at(2026, 12, 3, 9), problems=first.problems)
    assert len(again.problems) == len(first.problems) == 1


def test_a_meeting_past_its_end_is_over_not_expired() -> None:
    # Seen: a finished meeting told staff to "change or delete the end date".
    end = at(2026, 12, 3, 16, 30)
    m = meeting("slides/会议/m.yaml", at(2026, 12, 3, 14, 30), end)
    slides = library(dataclasses.replace(m, show_until=end))
    assert reasons(plan(slides, {}, at(2026, 12, 5))) == {
        "slides/会议/m.yaml": "meeting of 2026-12-03 14:30 is over"
    }


def test_an_empty_folder_a_playlist_names_is_not_missing() -> None:
    # No meeting this week: 会议/ is there, empty; that is no mistake to report.
    lobby = playlist("playlists/lobby.yaml", "会议/", "slides/会议", "notices/", "gone/")
    folders = {"会议"}
    found = missing_items([lobby], list(SLIDES), is_folder=folders.__contains__)
    assert [p.message.split(" matches")[0] for p in found] == ["slides 'gone/'"]
    p = plan(SLIDES, lists(lobby), at(2026, 12, 3, 9))
    assert len([x for x in p.problems if x.code == "missing-slide"]) == 3
    p = make_plan(
        SLIDES, (), lists(lobby), SETTINGS, at(2026, 12, 3, 9), CAL, is_folder=folders.__contains__
    )
    assert len([x for x in p.problems if x.code == "missing-slide"]) == 1


def test_a_file_item_naming_a_folder_is_still_missing() -> None:
    lobby = playlist("playlists/lobby.yaml", "x.jpg")
    found = missing_items([lobby], list(SLIDES), is_folder={"x.jpg"}.__contains__)
    assert len(found) == 1


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("*.txt", "slides/a.txt", True),
        ("*a*b", "slides/xaab", True),
        ("*a*a*b", "slides/aab", True),
        ("*a*a*b", "slides/ab", False),
        ("**x*/y", "slides/x1/x2/y", True),
        ("**/*.jpg", "slides/a/b/c.jpg", True),
        ("*/c.jpg", "slides/a/b/c.jpg", False),
        ("a*/b*", "slides/a1/b2", True),
        ("[!x]*.txt", "slides/y.txt", True),
    ],
)
def test_globs_keep_their_meaning(pattern: str, name: str, matches: bool) -> None:
    from signage.schedule.planner import expand_item

    assert (expand_item(pattern, [name]) == [name]) is matches


def test_a_name_matches_whatever_its_unicode_form_and_case() -> None:
    """公告é.txt typed on Windows (é one character) names the file a Mac saved (e and a
    combining accent): they looked the same and the playlist said 找不到."""
    decomposed = unicodedata.normalize("NFD", "slides/Café/公告é.txt")
    paths = [decomposed, "slides/other.txt"]
    assert expand_item("Café/公告é.txt", paths) == [decomposed]
    assert expand_item("CAFÉ/", paths) == [decomposed]
    assert expand_item("Café/*.txt", paths) == [decomposed]
