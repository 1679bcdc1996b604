"""Estimated holidays for a year the official calendar does not cover yet, and deadlines across them."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinfang_desk.ledger import calendar as calendar_module
from xinfang_desk.ledger.calendar import DaySource, WorkCalendar
from xinfang_desk.ledger.holiday_estimate import estimated_rest_days, statutory_holidays
from xinfang_desk.ledger.settings import DEADLINE_RULES, DeadlineRule

cal = WorkCalendar()


def test_2027_is_estimated_until_the_notice_comes() -> None:
    # the installed library covers up to 2026; 2027 is reckoned from the statutory holidays
    assert calendar_module.library_covers(2026) and not cal.covers(2027)
    assert cal.year_source(2027) is DaySource.ESTIMATE


def test_hand_worked_2027_estimates() -> None:
    rest = estimated_rest_days(2027)
    assert rest[date(2027, 1, 1)] == "元旦"  # Friday
    # 春节: 除夕 Fri 5 Feb, 初一–初三 6–8 Feb; Sat 6 and Sun 7 are made up on Tue 9 and Wed 10
    assert [day for name, day in statutory_holidays(2027) if name == "春节"] == [
        date(2027, 2, d) for d in (5, 6, 7, 8)
    ]
    assert {date(2027, 2, 9), date(2027, 2, 10)} <= set(rest) and date(2027, 2, 11) not in rest
    assert rest[date(2027, 4, 5)] == "清明节"  # Monday
    # 劳动节 1–2 May is a Saturday and Sunday: made up on Mon 3 and Tue 4 May
    assert rest[date(2027, 5, 3)] == rest[date(2027, 5, 4)] == "劳动节补假"
    assert rest[date(2027, 6, 9)] == "端午节"  # 五月初五, Wednesday
    assert rest[date(2027, 9, 15)] == "中秋节"  # 八月十五, Wednesday
    # 国庆 1–3 October: Fri, Sat, Sun → made up on Mon 4 and Tue 5
    assert rest[date(2027, 10, 1)] == "国庆节"
    assert rest[date(2027, 10, 4)] == rest[date(2027, 10, 5)] == "国庆节补假"
    assert cal.is_workday(date(2027, 10, 6))
    for day in rest:
        assert not cal.is_workday(day) and cal.info(day).source is DaySource.ESTIMATE
    # an estimated year has no swapped working weekends
    assert not any(cal.is_workday(date(2027, 1, 1) + timedelta(days=n)) for n in range(1, 3))


@pytest.mark.parametrize("year", range(2020, 2027))
def test_qingming_and_the_lunar_holidays_match_the_library(year: int) -> None:
    """清明, 春节 (初一–初三; 除夕 since the 2025 办法), 端午 and 中秋 are official rest days of 2020–2026."""
    holidays = statutory_holidays(year)
    spring = [day for name, day in holidays if name == "春节"]
    assert spring[1] - spring[0] == timedelta(days=1)
    for name, day in holidays:
        if name in ("清明节", "端午节", "中秋节") or (name == "春节" and (day != spring[0] or year >= 2025)):
            assert not chinese_calendar.is_workday(day), (name, day)
    qingming = next(day for name, day in statutory_holidays(year) if name == "清明节")
    on_holiday, holiday = chinese_calendar.get_holiday_detail(qingming)
    assert on_holiday and holiday == chinese_calendar.Holiday.tomb_sweeping_day.value


def test_calendar_day_deadlines_across_estimated_holidays() -> None:
    # 15 日 from 17 December 2026 ends on Friday 1 January 2027, 元旦 → Monday 4 January
    fifteen = cal.reckon(date(2026, 12, 17), DeadlineRule(15))
    assert (fifteen.plain, fifteen.due, fifteen.estimated) == (date(2027, 1, 1), date(2027, 1, 4), True)
    # 60 日 from 8 December 2026 ends on Saturday 6 February, inside 春节 → Thursday 11 February
    assert cal.deadline(date(2026, 12, 8), DeadlineRule(60)) == date(2027, 2, 11)
    # 30 日 from 1 September 2027 ends on Friday 1 October → after 国庆 and its 补假: 6 October
    assert cal.deadline(date(2027, 9, 1), DeadlineRule(30)) == date(2027, 10, 6)


def test_working_day_deadlines_across_estimated_holidays() -> None:
    # 5 工作日 after Mon 28 December 2026: 29, 30, 31 Dec, (元旦), Mon 4, Tue 5 January
    assert cal.deadline(date(2026, 12, 28), DeadlineRule(5, "workday")) == date(2027, 1, 5)
    # 5 工作日 after Thu 29 April 2027: Fri 30 April, (1–4 May), 5, 6, 7, 10 May
    assert cal.deadline(date(2027, 4, 29), DeadlineRule(5, "workday")) == date(2027, 5, 10)


def test_a_deadline_inside_the_covered_years_is_not_estimated() -> None:
    reckoning = cal.reckon(date(2026, 9, 1), DeadlineRule(30))
    assert reckoning.due == date(2026, 10, 8) and not reckoning.estimated  # 国庆 2026: 1–7 Oct
    assert "估算" not in "".join(reckoning.reasons())


def test_an_entered_working_sunday_counts_as_a_working_day() -> None:
    # the office entered 2027 from the notice: 春节 5–11 Feb rest, Sunday 14 February worked
    entered = {date(2027, 2, 5) + timedelta(days=n): False for n in range(7)} | {date(2027, 2, 14): True}
    office = WorkCalendar(entered, entered=[2027])
    assert office.covers(2027) and office.is_workday(date(2027, 2, 14))
    assert office.info(date(2027, 2, 14)).source is DaySource.OFFICE
    # 5 工作日 after Thu 4 February: Fri 12, Sun 14 (worked), 15, 16, 17
    assert office.deadline(date(2027, 2, 4), DeadlineRule(5, "workday")) == date(2027, 2, 17)
    # 10 日 from 4 February is Sunday 14 February, a working day: the deadline stays there
    reckoning = office.reckon(date(2027, 2, 4), DeadlineRule(10))
    assert reckoning.due == date(2027, 2, 14) and not reckoning.estimated
    # the entered year's other days are plain weeks, no longer estimates
    assert office.is_workday(date(2027, 4, 5)) and office.info(date(2027, 4, 5)).source is DaySource.OFFICE


def test_a_single_entered_day_keeps_the_rest_of_the_year_estimated() -> None:
    corrected = WorkCalendar({date(2027, 2, 11): False})
    assert not corrected.covers(2027)
    assert not corrected.is_workday(date(2027, 2, 11))
    assert not corrected.is_workday(date(2027, 2, 9))  # estimated 补假 still there
    assert corrected.deadline(date(2026, 12, 8), DeadlineRule(60)) == date(2027, 2, 12)


RULES = [spec.default for spec in DEADLINE_RULES.values()]


@given(
    st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31)),
    st.sampled_from(RULES)
    | st.builds(DeadlineRule, st.integers(1, 90), st.sampled_from(["calendar", "workday"])),
)
def test_any_deadline_is_a_working_day_no_earlier_than_the_plain_count(
    start: date, rule: DeadlineRule
) -> None:
    reckoning = cal.reckon(start, rule)
    assert cal.is_workday(reckoning.due)
    assert reckoning.due >= start + timedelta(days=rule.days)
    if rule.kind == "calendar":
        # it moved only across rest days
        plain = reckoning.plain
        assert all(not cal.is_workday(plain + timedelta(days=i)) for i in range((reckoning.due - plain).days))
    # estimated exactly when a day the count looked at lies in a year without official data
    first = reckoning.plain if rule.kind == "calendar" else start + timedelta(days=1)
    looked_at = {(first + timedelta(days=i)).year for i in range((reckoning.due - first).days + 1)}
    assert reckoning.estimated == any(not calendar_module.library_covers(year) for year in looked_at)
