"""Time windows, validity and display hours, at and around every boundary."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from signage.core.config import DisplayWindow
from signage.core.model import TimeWindow
from signage.schedule.calendar import WorkCalendar
from signage.schedule.windows import (
    clock_problem,
    display_on,
    next_boundary,
    parse_display_windows,
    slide_valid,
    validity_edges,
    window_active,
)

TZ = ZoneInfo("Asia/Shanghai")
SECOND = timedelta(seconds=1)
CAL = WorkCalendar()


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=TZ)


OFFICE = TimeWindow(days="everyday", hours=((8 * 60, 18 * 60),))


@pytest.mark.parametrize(
    ("now", "active"),
    [
        (at(2026, 12, 3, 7, 59, 59), False),
        (at(2026, 12, 3, 8, 0, 0), True),
        (at(2026, 12, 3, 17, 59, 59, 999999), True),
        (at(2026, 12, 3, 18, 0, 0), False),  # the end is excluded: over at exactly 18:00
        (at(2026, 12, 3, 18, 0, 1), False),
    ],
)
def test_hour_range_start_inclusive_end_exclusive(now: datetime, active: bool) -> None:
    assert window_active(OFFICE, now, CAL) is active


# Friday nights only: 22:00 Friday to 06:00 Saturday belongs to Friday.
FRIDAY_NIGHT = TimeWindow(days=("fri",), hours=((22 * 60, 6 * 60),))


@pytest.mark.parametrize(
    ("now", "active"),
    [
        (at(2026, 12, 4, 21, 59, 59), False),  # Friday before the start
        (at(2026, 12, 4, 22, 0, 0), True),
        (at(2026, 12, 4, 23, 59, 59), True),  # one second before midnight
        (at(2026, 12, 5, 0, 0, 0), True),  # midnight: now Saturday, still Friday's night
        (at(2026, 12, 5, 0, 0, 1), True),  # one second after midnight
        (at(2026, 12, 5, 5, 59, 59), True),
        (at(2026, 12, 5, 6, 0, 0), False),
        (at(2026, 12, 4, 3, 0, 0), False),  # Friday early morning belongs to Thursday night
        (at(2026, 12, 5, 22, 0, 0), False),  # Saturday night
    ],
)
def test_overnight_range_belongs_to_the_day_it_starts(now: datetime, active: bool) -> None:
    assert window_active(FRIDAY_NIGHT, now, CAL) is active


def test_workdays_follow_the_official_calendar() -> None:
    workdays = TimeWindow(days="workdays", hours=((8 * 60, 18 * 60),))
    holidays = TimeWindow(days="holidays")
    saturday_makeup = at(2026, 10, 10, 9)  # a Saturday that is a working day
    national_day = at(2026, 10, 1, 9)  # a Thursday that is a holiday
    assert window_active(workdays, saturday_makeup, CAL)
    assert not window_active(holidays, saturday_makeup, CAL)
    assert not window_active(workdays, national_day, CAL)
    assert window_active(holidays, national_day, CAL)
    assert window_active(holidays, at(2027, 10, 1, 9), CAL)
    assert window_active(workdays, at(2027, 10, 8, 9), CAL)  # a Friday


def test_overnight_workday_evening_checks_the_start_day() -> None:
    evenings = TimeWindow(days="workdays", hours=((20 * 60, 2 * 60),))
    # 2026-10-09 Friday is a workday, Saturday 2026-10-10 a make-up workday too.
    assert window_active(evenings, at(2026, 10, 10, 1, 30), CAL)  # Friday's evening
    assert window_active(evenings, at(2026, 10, 11, 1, 30), CAL)  # the make-up Saturday's
    assert not window_active(evenings, at(2026, 10, 12, 1, 30), CAL)  # Sunday's: a day off


DECEMBER = TimeWindow(dates=((at(2026, 12, 1), at(2026, 12, 31, 23, 59, 59, 999999)),))


@pytest.mark.parametrize(
    ("now", "active"),
    [
        (at(2026, 11, 30, 23, 59, 59), False),
        (at(2026, 12, 1, 0, 0, 0), True),  # first day
        (at(2026, 12, 31, 23, 59, 59), True),  # last day, last second
        (at(2027, 1, 1, 0, 0, 0), False),
    ],
)
def test_dates_are_inclusive_whole_days(now: datetime, active: bool) -> None:
    assert window_active(DECEMBER, now, CAL) is active


def test_overnight_range_on_the_last_date_runs_past_it() -> None:
    nights = TimeWindow(hours=((22 * 60, 6 * 60),), dates=DECEMBER.dates)
    assert window_active(nights, at(2027, 1, 1, 2, 0), CAL)  # the night of 31 December
    assert not window_active(nights, at(2026, 12, 1, 2, 0), CAL)  # the night of 30 November
    assert not window_active(nights, at(2027, 1, 1, 22, 0), CAL)


def test_no_window_is_always_active() -> None:
    assert window_active(None, at(2026, 12, 3), CAL)
    assert window_active(TimeWindow(), at(2026, 12, 3), CAL)


def test_slide_valid_is_inclusive_at_both_ends() -> None:
    start, end = at(2026, 12, 1), at(2026, 12, 7, 23, 59, 59, 999999)
    assert not slide_valid(start, end, start - SECOND)
    assert slide_valid(start, end, start)
    assert slide_valid(start, end, at(2026, 12, 7, 23, 59, 59))
    assert slide_valid(start, end, end)
    assert not slide_valid(start, end, end + timedelta(microseconds=1))
    assert slide_valid(None, None, start)
    assert slide_valid(None, end, start)
    assert not slide_valid(start, None, start - SECOND)
    exact = at(2026, 12, 7, 18, 0)
    assert slide_valid(None, exact, exact)
    assert not slide_valid(None, exact, exact + SECOND)


def test_slide_valid_compares_across_zones() -> None:
    utc_start = datetime(2026, 12, 1, 0, 0, tzinfo=ZoneInfo("UTC"))  # 08:00 in Beijing
    assert not slide_valid(utc_start, None, at(2026, 12, 1, 7, 59))
    assert slide_valid(utc_start, None, at(2026, 12, 1, 8, 0))


LOBBY_HOURS = (DisplayWindow(days="workdays", hours=("07:30-18:30",)),)


@pytest.mark.parametrize(
    ("now", "lit"),
    [
        (at(2026, 12, 3, 7, 29, 59), False),
        (at(2026, 12, 3, 7, 30), True),
        (at(2026, 12, 3, 18, 29, 59), True),
        (at(2026, 12, 3, 18, 30), False),
        (at(2026, 12, 5, 12, 0), False),  # an ordinary Saturday
        (at(2026, 10, 10, 12, 0), True),  # a make-up working Saturday
        (at(2026, 10, 1, 12, 0), False),  # National Day
    ],
)
def test_display_windows(now: datetime, lit: bool) -> None:
    assert display_on(LOBBY_HOURS, now, CAL) is lit


def test_display_is_on_without_windows_or_with_only_bad_ones() -> None:
    assert display_on((), at(2026, 12, 3, 3), CAL)
    bad = (DisplayWindow(days="someday", hours=("07:30-18:30",)),)
    assert display_on(bad, at(2026, 12, 3, 3), CAL)
    windows, problems = parse_display_windows(bad)
    assert windows == ()
    assert [p.code for p in problems] == ["bad-display"]
    assert "'someday'" in problems[0].message


def test_several_display_windows() -> None:
    windows = (
        DisplayWindow(days="workdays", hours=("07:30-12:00", "14:00-18:00")),
        DisplayWindow(days=("sat",), hours=("09:00-11:00",)),
    )
    assert not display_on(windows, at(2026, 12, 3, 13), CAL)
    assert display_on(windows, at(2026, 12, 3, 14), CAL)
    assert display_on(windows, at(2026, 12, 5, 10), CAL)


def test_untrusted_clock_keeps_the_display_on() -> None:
    boot = datetime(1970, 1, 1, 3, 0, tzinfo=TZ)
    assert display_on(LOBBY_HOURS, boot, CAL)
    problem = clock_problem(boot)
    assert problem is not None and problem.code == "clock-not-set"
    assert clock_problem(at(2026, 1, 1)) is None
    assert clock_problem(datetime(2023, 12, 31, 23, 59, tzinfo=TZ)) is not None


def test_next_boundary_hour_edges() -> None:
    assert next_boundary(at(2026, 12, 3, 7), [OFFICE]) == at(2026, 12, 3, 8)
    assert next_boundary(at(2026, 12, 3, 8), [OFFICE]) == at(2026, 12, 3, 18)
    assert next_boundary(at(2026, 12, 3, 17, 59, 59), [OFFICE]) == at(2026, 12, 3, 18)
    # Exactly at 18:00 the change has happened: the next one is tomorrow morning.
    assert next_boundary(at(2026, 12, 3, 18), [OFFICE]) == at(2026, 12, 4, 8)


def test_next_boundary_overnight_and_midnight() -> None:
    assert next_boundary(at(2026, 12, 4, 23, 59, 59), [FRIDAY_NIGHT]) == at(2026, 12, 5, 6)
    assert next_boundary(at(2026, 12, 5, 6), [FRIDAY_NIGHT]) == at(2026, 12, 5, 22)
    whole_days = TimeWindow(days="workdays")
    assert next_boundary(at(2026, 12, 3, 15), [whole_days]) == at(2026, 12, 4)
    assert next_boundary(at(2026, 12, 3, 15), [DECEMBER]) == at(2026, 12, 4)
    until_midnight = TimeWindow(hours=((22 * 60, 24 * 60),))
    assert next_boundary(at(2026, 12, 3, 23), [until_midnight]) == at(2026, 12, 4)


def test_next_boundary_moments_and_nothing() -> None:
    now = at(2026, 12, 3, 9)
    edges = validity_edges(at(2026, 12, 1), at(2026, 12, 3, 12))
    assert next_boundary(now, [], edges) == at(2026, 12, 3, 12) + timedelta(microseconds=1)
    assert next_boundary(now, [None, TimeWindow()], [None, at(2026, 12, 2)]) is None
    assert next_boundary(now, [OFFICE], [at(2026, 12, 3, 10)]) == at(2026, 12, 3, 10)


# --- properties: nothing changes between now and next_boundary(now) ---------------------------

_minutes = st.integers(min_value=0, max_value=1439)
_hour_ranges = st.lists(
    st.tuples(_minutes, st.integers(min_value=1, max_value=1440)).filter(lambda r: r[0] != r[1]),
    max_size=3,
)
_days = st.one_of(
    st.sampled_from(["everyday", "workdays", "holidays"]),
    st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1).map(
        lambda names: tuple(sorted(set(names)))
    ),
)
_moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 30)).map(
    lambda d: d.replace(tzinfo=TZ)
)


@st.composite
def _windows(draw: st.DrawFn) -> TimeWindow:
    dates = ()
    if draw(st.booleans()):
        first = draw(_moments).replace(hour=0, minute=0, second=0, microsecond=0)
        last = first + timedelta(days=draw(st.integers(0, 20)), hours=23, minutes=59, seconds=59)
        dates = ((first, last.replace(microsecond=999999)),)
    return TimeWindow(days=draw(_days), hours=tuple(draw(_hour_ranges)), dates=dates)


@hypothesis_settings(max_examples=300, deadline=None)
@given(window=_windows(), now=_moments, fraction=st.floats(min_value=0, max_value=1))
def test_window_is_constant_until_its_next_boundary(
    window: TimeWindow, now: datetime, fraction: float
) -> None:
    boundary = next_boundary(now, [window])
    if boundary is None:
        later = now + timedelta(days=400 * fraction)
    else:
        assert boundary > now
        later = now + (boundary - now) * fraction
        if later >= boundary:
            later = boundary - timedelta(microseconds=1)
    assert window_active(window, later, CAL) == window_active(window, now, CAL)
