"""Estimated public holidays of a year the official calendar does not cover yet.

The 全国年节及纪念日放假办法 as in force from 2025: 元旦 1 day, 春节 4 (除夕 and 初一–初三), 清明 1,
劳动节 2 (1–2 May), 端午 1, 中秋 1, 国庆 3 (1–3 October).  A holiday that falls on a Saturday or
Sunday, or on another holiday, is made up on the next working day(s) (补假).  Swapped working
weekends (调休) are announced by the State Council each November and cannot be estimated: an
estimated year has none.  Lunar dates come from ``lunardate``; 清明 (a solar term) from the
``chinese_calendar`` library's solar-term table.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from lunardate import LunarDate

#: The statutory holidays of a year: (name, day) in date order.
Holidays = tuple[tuple[str, date], ...]


def _qingming(year: int) -> date:
    for day, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10)):
        if name == "清明":
            return day
    raise ValueError(f"{year}年的清明日期无法计算。")


def statutory_holidays(year: int) -> Holidays:
    """The statutory holiday days of ``year`` (before 补假)."""
    spring = LunarDate(year, 1, 1).to_solar_date()
    days = [
        ("元旦", date(year, 1, 1)),
        ("春节", spring - timedelta(days=1)),
        *(("春节", spring + timedelta(days=n)) for n in range(3)),
        ("清明节", _qingming(year)),
        ("劳动节", date(year, 5, 1)),
        ("劳动节", date(year, 5, 2)),
        ("端午节", LunarDate(year, 5, 5).to_solar_date()),
        ("中秋节", LunarDate(year, 8, 15).to_solar_date()),
        *(("国庆节", date(year, 10, day)) for day in (1, 2, 3)),
    ]
    return tuple(sorted(days, key=lambda item: item[1]))


@lru_cache(maxsize=64)
def estimated_rest_days(year: int) -> dict[date, str]:
    """Every estimated holiday and 补假 day of ``year``, named (weekends that are holidays included)."""
    holidays = statutory_holidays(year)
    taken: set[date] = set()
    made_up: list[str] = []
    for name, day in holidays:
        if day.weekday() >= 5 or day in taken:
            made_up.append(name)
        taken.add(day)
    rest = {day: name for name, day in holidays}
    for name in made_up:
        last = max(day for holiday, day in holidays if holiday == name)
        day = last + timedelta(days=1)
        while day.weekday() >= 5 or day in rest:
            day += timedelta(days=1)
        rest[day] = f"{name}补假"
    return {day: name for day, name in sorted(rest.items()) if day.year == year}
