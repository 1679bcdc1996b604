"""Deadlines over China's official holidays and swapped working weekends (调休)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from xinfang_desk.ledger.calendar import DaySource, WorkCalendar
from xinfang_desk.ledger.settings import DeadlineRule

cal = WorkCalendar()


def test_spring_festival_2025_holidays_and_swapped_days() -> None:
    assert not cal.is_workday(date(2025, 1, 29))  # 春节
    assert not cal.is_workday(date(2025, 2, 4))
    assert cal.is_workday(date(2025, 1, 26))  # Sunday, worked (调休)
    assert cal.is_workday(date(2025, 2, 8))  # Saturday, worked


def test_calendar_day_deadline_falling_in_spring_festival_moves_to_next_working_day() -> None:
    # 15 日 from 16 January 2025 is 31 January, inside 春节 (28 Jan – 4 Feb) → 5 February
    assert cal.deadline(date(2025, 1, 16), DeadlineRule(15)) == date(2025, 2, 5)


def test_calendar_day_deadline_on_a_swapped_working_sunday_stays() -> None:
    # 15 日 from 11 January 2025 is Sunday 26 January, a working day by 调休
    assert cal.deadline(date(2025, 1, 11), DeadlineRule(15)) == date(2025, 1, 26)


def test_calendar_day_deadline_in_national_day_2025() -> None:
    # 60 日 from 3 August 2025 is 2 October (国庆中秋 1–8 Oct) → 9 October
    assert cal.deadline(date(2025, 8, 3), DeadlineRule(60)) == date(2025, 10, 9)
    # 7 日 from 21 September is Sunday 28 September, a working day by 调休
    assert cal.deadline(date(2025, 9, 21), DeadlineRule(7)) == date(2025, 9, 28)


def test_working_days_skip_holidays_and_count_swapped_weekends() -> None:
    # 5 工作日 after 24 January 2025 (Fri): 26 (Sun, worked), 27, then 5 Feb, 6 Feb, 7 Feb
    assert cal.deadline(date(2025, 1, 24), DeadlineRule(5, "workday")) == date(2025, 2, 7)
    # 5 工作日 after 30 September 2025: 9, 10, 11 (Sat, worked), 13, 14 October
    assert cal.deadline(date(2025, 9, 30), DeadlineRule(5, "workday")) == date(2025, 10, 14)


def test_an_office_entry_overrides_the_library() -> None:
    corrected = WorkCalendar({date(2025, 3, 3): False})
    assert not corrected.is_workday(date(2025, 3, 3))
    assert corrected.info(date(2025, 3, 3)).source is DaySource.OFFICE
    assert corrected.info(date(2025, 3, 4)).source is DaySource.LIBRARY
    # 5 日 from 26 February is Monday 3 March, entered as a rest day → 4 March
    assert corrected.deadline(date(2025, 2, 26), DeadlineRule(5)) == date(2025, 3, 4)


@given(st.dates(min_value=date(2010, 1, 1), max_value=date(2026, 12, 1)), st.integers(1, 90))
def test_a_calendar_deadline_is_a_working_day_not_before_the_plain_count(start: date, days: int) -> None:
    due = cal.deadline(start, DeadlineRule(days))
    assert cal.is_workday(due)
    assert (due - start).days >= days
    # it moved only across rest days
    from datetime import timedelta

    plain = start + timedelta(days=days)
    assert all(not cal.is_workday(plain + timedelta(days=i)) for i in range((due - plain).days))


@given(st.dates(min_value=date(2010, 1, 1), max_value=date(2026, 11, 1)), st.integers(1, 30))
def test_working_day_count_matches_a_day_by_day_count(start: date, days: int) -> None:
    from datetime import timedelta

    due = cal.deadline(start, DeadlineRule(days, "workday"))
    counted = sum(cal.is_workday(start + timedelta(days=i)) for i in range(1, (due - start).days + 1))
    assert counted == days and cal.is_workday(due)


def test_the_library_fingerprint_names_the_installed_package_version(
    installed_library_fingerprint: Callable[[], str],
) -> None:
    """Read from the module, the version must equal the package's: a changed text would recompute deadlines."""
    from importlib import metadata

    version, years = installed_library_fingerprint().split(":")
    assert version == metadata.version("chinesecalendar")
    first, last = (int(year) for year in years.split("-"))
    assert first <= 2020 < last
