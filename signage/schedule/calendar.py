"""China's official working days: which dates count as `workdays` and which as `holidays`.

The State Council publishes each year's arrangement (放假安排) in November or December: the
statutory holidays, the substituted days off around them (调休) and the Saturdays or Sundays
that become working days in exchange. The `holidays` package records these arrangements
year by year; `holidays.China(...).is_working_day()` already combines them.

How a year the package does not know yet is detected: every arrangement published since
2001 contains at least one weekend working day, so a year with no weekend working day
recorded is taken as not yet published. For such a year the package still lists the
statutory holidays (and its own estimate of the days off owed when one falls on a weekend,
which the regulation requires), so the fallback is "Monday to Friday, except those
holidays", and the calendar reports the gap so the administrator can add the official
days (`calendar: {workdays: [...], holidays: [...]}` in the machine configuration). A year
for which the administrator has listed any day is treated as known.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from holidays.countries.china import China
from holidays.holiday_base import HolidayBase

from signage.core.model import Problem

UNKNOWN_YEAR_CODE = "calendar-year-unknown"


def parse_iso_dates(values: Iterable[str], source: str) -> tuple[frozenset[date], list[Problem]]:
    """ISO dates from settings; a bad entry is a problem naming it and the rest still count."""
    out: set[date] = set()
    problems: list[Problem] = []
    for raw in values:
        text = str(raw).strip()
        try:
            out.add(date.fromisoformat(text))
        except ValueError:
            problems.append(
                Problem(
                    "",
                    f"{source}: {text!r} is not a date like 2027-02-07",
                    code="bad-calendar-date",
                )
            )
    return frozenset(out), problems


class WorkCalendar:
    """Official working days, with the administrator's additions taking precedence.

    Not frozen only because it memoises one `holidays.China` object per year: asking about
    a date is then a set lookup, cheap enough for the player to call every few seconds.
    """

    def __init__(
        self,
        extra_workdays: Iterable[date] = (),
        extra_holidays: Iterable[date] = (),
    ) -> None:
        self.extra_workdays = frozenset(extra_workdays)
        self.extra_holidays = frozenset(extra_holidays) - self.extra_workdays
        self._years: dict[int, HolidayBase] = {}

    @classmethod
    def from_settings(
        cls, workdays: Iterable[str], holidays_: Iterable[str]
    ) -> tuple[WorkCalendar, list[Problem]]:
        """From `settings.calendar_workdays` / `settings.calendar_holidays` (ISO date strings)."""
        work, problems = parse_iso_dates(workdays, "calendar.workdays")
        rest, more = parse_iso_dates(holidays_, "calendar.holidays")
        return cls(work, rest), problems + more

    def _china(self, year: int) -> HolidayBase | None:
        if year not in self._years:
            try:
                self._years[year] = China(years=year)  # type: ignore[no-untyped-call]
            except (NotImplementedError, ValueError, KeyError):
                # Outside the years the package can compute at all (before 1950, far future).
                return None
        return self._years[year]

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        china = self._china(day.year)
        if china is None:
            return day.weekday() < 5
        return bool(china.is_working_day(day))

    def is_holiday(self, day: date) -> bool:
        """Every day that is not an official working day: weekends and public holidays."""
        return not self.is_workday(day)

    def holiday_name(self, day: date) -> str | None:
        china = self._china(day.year)
        if china is None:
            return None
        name = china.get(day)
        return None if name is None else str(name)

    def year_known(self, year: int) -> bool:
        """Whether the official arrangement of `year` is known (see the module docstring)."""
        if any(d.year == year for d in self.extra_workdays | self.extra_holidays):
            return True
        china = self._china(year)
        if china is None:
            return False
        return any(d.year == year for d in china.weekend_workdays)

    def year_problem(self, year: int) -> Problem | None:
        """A note for the status page when `year`'s arrangement is missing, else None."""
        if self.year_known(year):
            return None
        return Problem(
            "",
            f"{year}年调休安排未收录：按周一至周五上班、法定节假日休息计算，"
            f"调休上班日和调休休息日请在机器配置 calendar.workdays / calendar.holidays 中补充"
            f" (the official {year} working-day arrangement is not known yet; "
            f"using Monday-Friday minus statutory holidays)",
            code=UNKNOWN_YEAR_CODE,
        )
