"""When things apply: time windows, validity periods, display hours, and the next change.

All pure functions of their arguments; `now` is an aware local datetime.

Decisions (DESIGN.md leaves them open):
- An hour range includes its start and excludes its end, to the minute: "08:00-18:00" is
  active at 17:59:59 and over at 18:00:00.
- A range that crosses midnight ("22:00-06:00") belongs to the day it STARTS on: the
  `days` and `dates` of the window are checked for that day. So with `days: [fri]`, the
  range runs from Friday 22:00 to Saturday 06:00, and Saturday 03:00 is inside it while
  Friday 03:00 is not. "22:00-24:00" ends exactly at midnight.
- `dates` are whole days. Without `hours`, a window is checked for today.
- `show_from` and `show_until` are inclusive at both ends; a date alone in `show_until`
  already means the last moment of that day (signage.core.clock.parse_when).
- A clock before 2024 is not set (a Raspberry Pi without a network or RTC boots in the
  past): every time condition is then unknowable, so only content without one plays, and
  the screen stays on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from signage.core.config import DisplayWindow
from signage.core.model import Problem, TimeWindow
from signage.schedule.calendar import WorkCalendar
from signage.schedule.playlist import WEEKDAYS, parse_days, parse_hours

CLOCK_TRUSTED_FROM_YEAR = 2024
DAY_MINUTES = 1440
AFTER = timedelta(microseconds=1)
"""The first moment after an inclusive end."""


def clock_trusted(now: datetime) -> bool:
    return now.year >= CLOCK_TRUSTED_FROM_YEAR


def clock_problem(now: datetime) -> Problem | None:
    if clock_trusted(now):
        return None
    return Problem(
        "",
        f"the clock is not set (it says {now:%Y-%m-%d %H:%M}): only slides and playlists"
        " without dates or hours are shown until it is",
        code="clock-not-set",
    )


def _day_matches(days: str | tuple[str, ...], day: date, calendar: WorkCalendar) -> bool:
    if days == "everyday":
        return True
    if days == "workdays":
        return calendar.is_workday(day)
    if days == "holidays":
        return not calendar.is_workday(day)
    if isinstance(days, str):
        days = (days,)
    return WEEKDAYS[day.weekday()] in days


def _dates_match(when: TimeWindow, day: date, now: datetime) -> bool:
    if not when.dates:
        return True
    return any(
        as_local(first, now).date() <= day <= as_local(last, now).date()
        for first, last in when.dates
    )


def as_local(moment: datetime, now: datetime) -> datetime:
    """`moment` in now's zone (naive moments are taken to be in it already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=now.tzinfo)
    return moment.astimezone(now.tzinfo)


def occurrence_days(hours: Sequence[tuple[int, int]], now: datetime) -> list[date]:
    """The days whose hour ranges contain `now` (a range belongs to the day it starts on)."""
    today = now.date()
    if not hours:
        return [today]
    minute = now.hour * 60 + now.minute
    out: list[date] = []
    for start, end in hours:
        if start < end:
            if start <= minute < end:
                out.append(today)
        else:  # crosses midnight
            if minute >= start:
                out.append(today)
            elif minute < end:
                out.append(today - timedelta(days=1))
    return out


def window_active(when: TimeWindow | None, now: datetime, calendar: WorkCalendar) -> bool:
    """Whether `now` is inside the window: days, hours and dates must all hold."""
    if when is None:
        return True
    return any(
        _day_matches(when.days, day, calendar) and _dates_match(when, day, now)
        for day in occurrence_days(when.hours, now)
    )


def has_time_conditions(when: TimeWindow | None) -> bool:
    return when is not None and (when.days != "everyday" or bool(when.hours) or bool(when.dates))


def slide_valid(show_from: datetime | None, show_until: datetime | None, now: datetime) -> bool:
    """show_from <= now <= show_until, each end optional."""
    if show_from is not None and now < as_local(show_from, now):
        return False
    return not (show_until is not None and now > as_local(show_until, now))


def parse_display_windows(
    windows: Sequence[DisplayWindow], source: str = "signage.yaml"
) -> tuple[tuple[TimeWindow, ...], list[Problem]]:
    """The `display: {on: [...]}` settings as TimeWindows; bad entries are problems, skipped."""
    out: list[TimeWindow] = []
    problems: list[Problem] = []
    for number, window in enumerate(windows, 1):
        try:
            days = parse_days(window.days)
            hours = tuple(parse_hours(h) for h in window.hours)
        except ValueError as err:
            message = f"display.on entry {number}: {err}"
            problems.append(Problem(source, message, code="bad-display"))
            continue
        out.append(TimeWindow(days=days, hours=hours))
    return tuple(out), problems


def display_on(windows: Sequence[DisplayWindow], now: datetime, calendar: WorkCalendar) -> bool:
    """Whether the screen should be lit. No windows, or none that can be read, or a clock
    that is not set: on — a typo must never leave the lobby dark."""
    parsed, _ = parse_display_windows(windows)
    if not parsed or not clock_trusted(now):
        return True
    return any(window_active(w, now, calendar) for w in parsed)


def _at_minute(day: date, minute: int, now: datetime) -> datetime:
    return datetime.combine(day, time(0), tzinfo=now.tzinfo) + timedelta(minutes=minute)


def window_edges(when: TimeWindow, now: datetime) -> list[datetime]:
    """The next moments after `now` at which the window could open or close."""
    today = now.date()
    out: list[datetime] = []
    for start, end in when.hours:
        for minute in (start, end % DAY_MINUTES):
            moment = _at_minute(today, minute, now)
            if moment <= now:
                moment = _at_minute(today + timedelta(days=1), minute, now)
            out.append(moment)
    if not when.hours and (when.days != "everyday" or when.dates):
        out.append(_at_minute(today + timedelta(days=1), 0, now))
    return out


def validity_edges(show_from: datetime | None, show_until: datetime | None) -> list[datetime]:
    """The moments a validity period starts and stops holding (the instant after its end)."""
    out = []
    if show_from is not None:
        out.append(show_from)
    if show_until is not None:
        out.append(show_until + AFTER)
    return out


def next_boundary(
    now: datetime,
    windows: Iterable[TimeWindow | None] = (),
    moments: Iterable[datetime | None] = (),
) -> datetime | None:
    """The earliest moment after `now` at which a window edge or one of `moments` falls.

    `moments` are instants at which something starts or stops (see `validity_edges`);
    those not after `now` are ignored. None when nothing will ever change.
    """
    candidates: list[datetime] = []
    for when in windows:
        if when is not None:
            candidates.extend(window_edges(when, now))
    for moment in moments:
        if moment is not None:
            local = as_local(moment, now)
            if local > now:
                candidates.append(local)
    return min(candidates, default=None)
