"""Time comes from a clock object so that every test can set it."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware local time."""
        ...

    def monotonic(self) -> float: ...


class SystemClock:
    def __init__(self, tz: tzinfo | None = None) -> None:
        self.tz = tz

    def now(self) -> datetime:
        now = datetime.now(self.tz) if self.tz else datetime.now().astimezone()
        return now

    def monotonic(self) -> float:
        return time.monotonic()


class ShiftedClock:
    """Real time passing, but from a chosen moment (`run --at`: try a schedule by day)."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - datetime.now(start.tzinfo)

    def now(self) -> datetime:
        return datetime.now().astimezone() + self._offset

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told: now() and monotonic() advance together."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            start = start.astimezone()
        self._now = start
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    def set(self, when: datetime) -> None:
        delta = (when - self._now).total_seconds()
        self.advance(delta)


def local_zone(name: str | None) -> tzinfo | None:
    """The configured zone, or None for the machine's own."""
    return ZoneInfo(name) if name else None


_LOOSE_DATE = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(:\d{2})?)?$"
)


def _padded(value: str) -> str:
    """'2026/12/2 9:05' -> '2026-12-02 09:05': how staff write dates in Windows' own style."""
    m = _LOOSE_DATE.match(value)
    if m is None:
        return value
    y, mo, d, h, mi, sec = m.groups()
    day = f"{y}-{int(mo):02d}-{int(d):02d}"
    return day if h is None else f"{day} {int(h):02d}:{mi}{sec or ''}"


TIME_RANGE = re.compile(r"\d:\d\d(?::\d\d)?[ \t]*[-~～—–－至到][ \t]*\d{1,2}[:：]\d\d$")
"""'…15:00-17:00': a start and an end, never the UTC offset ISO 8601 would make of it."""


def parse_when(text: str, tz: tzinfo | None = None, *, end_of_day: bool = False) -> datetime:
    """'2026-12-01', '2026-12-01 09:00', '2026-12-01T09:00:30' in local time.

    A date alone means the start of that day, or with end_of_day the last moment of it, so
    `show_until: 2026-12-07` includes all of the 7th. Raises ValueError quoting the input.
    """
    raw = str(text).strip()
    value = _padded(raw.replace("：", ":"))
    if TIME_RANGE.search(value):
        # ISO reads "15:00-17:00" as 15:00 at UTC-17: the meeting came up a day late.
        raise ValueError(
            f"{raw!r} is a time range: write the start here (an end has its own field, "
            "such as a meeting's end)"
        )
    date_only = len(value) <= 10
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1) if not date_only else value)
    except ValueError:
        raise ValueError(f"{raw!r} is not a date like 2026-12-01 or 2026-12-01 09:00") from None
    if date_only and end_of_day:
        parsed = parsed.replace(hour=23, minute=59, second=59, microsecond=999999)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz) if tz else parsed.astimezone()
    return parsed
