"""China's working-day calendar: make-up working days, substituted days off, unknown years."""

from __future__ import annotations

from datetime import date

import pytest

from signage.schedule.calendar import UNKNOWN_YEAR_CODE, WorkCalendar


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 10, 10), True),  # Saturday, make-up working day for National Day
        (date(2026, 9, 20), True),  # Sunday, make-up working day
        (date(2026, 1, 4), True),  # Sunday, make-up working day for New Year
        (date(2026, 2, 14), True),  # Saturday before the Spring Festival
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),  # Wednesday, substituted day off
        (date(2026, 2, 20), False),  # Friday, substituted day off
        (date(2026, 1, 1), False),  # New Year's Day
        (date(2026, 10, 9), True),  # ordinary Friday
        (date(2026, 10, 17), False),  # ordinary Saturday
        (date(2026, 10, 11), False),  # ordinary Sunday after the make-up Saturday
        (date(2027, 10, 1), False),  # statutory holiday, known before the arrangement is
        (date(2027, 5, 1), False),  # Labour Day, a Saturday
        (date(2027, 3, 10), True),  # ordinary Wednesday
        (date(2027, 3, 13), False),  # ordinary Saturday
    ],
)
def test_official_days(cal: WorkCalendar, day: date, workday: bool) -> None:
    assert cal.is_workday(day) is workday
    assert cal.is_holiday(day) is (not workday)


def test_known_and_unknown_years(cal: WorkCalendar) -> None:
    assert cal.year_known(2025)
    assert cal.year_known(2026)
    assert cal.year_problem(2026) is None
    # The 2027 arrangement is published late in 2026; the installed package does not have it.
    assert not cal.year_known(2027)
    problem = cal.year_problem(2027)
    assert problem is not None
    assert problem.code == UNKNOWN_YEAR_CODE
    assert "2027年调休安排未收录" in problem.message


def test_unknown_year_falls_back_to_monday_to_friday(cal: WorkCalendar) -> None:
    # No make-up Saturday is invented for an unknown year.
    saturdays = [date(2027, 1, d) for d in (2, 9, 16, 23, 30)]
    assert not any(cal.is_workday(d) for d in saturdays)


def test_administrator_overrides_win_and_make_the_year_known() -> None:
    cal, problems = WorkCalendar.from_settings(["2027-02-20", "2026-10-17"], ["2027-02-11"])
    assert problems == []
    assert cal.is_workday(date(2027, 2, 20))  # a Saturday declared a working day
    assert cal.is_workday(date(2026, 10, 17))
    assert not cal.is_workday(date(2027, 2, 11))  # a Thursday declared a day off
    assert cal.year_known(2027)
    assert cal.year_problem(2027) is None


def test_bad_override_is_a_problem_quoting_it() -> None:
    cal, problems = WorkCalendar.from_settings(["2027-13-01", "2027-02-20"], ["soon"])
    assert [p.code for p in problems] == ["bad-calendar-date", "bad-calendar-date"]
    assert "'2027-13-01'" in problems[0].message
    assert "'soon'" in problems[1].message
    assert cal.is_workday(date(2027, 2, 20))


def test_same_day_in_both_lists_counts_as_workday() -> None:
    cal = WorkCalendar([date(2027, 2, 20)], [date(2027, 2, 20)])
    assert cal.is_workday(date(2027, 2, 20))


def test_holiday_name(cal: WorkCalendar) -> None:
    assert cal.holiday_name(date(2026, 10, 1))
    assert cal.holiday_name(date(2026, 10, 9)) is None
