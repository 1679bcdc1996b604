"""Working days and deadlines by China's official holiday calendar, with users' corrections.

The holidays and swapped working weekends (调休) come from the maintained ``chinese_calendar``
library; a user may correct or add days (``CalendarDay``).  For a year the library does not cover,
only weekends count as rest days and ``covers`` says so, so the UI can warn.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang_desk.ledger.models import CalendarDay
from xinfang_desk.ledger.settings import DeadlineRule


class WorkCalendar:
    """Answers whether a day is a working day, and adds calendar or working days to a date."""

    def __init__(self, corrections: Mapping[date, bool] | None = None) -> None:
        self._corrections = dict(corrections or {})
        self._known: dict[date, bool] = {}

    @classmethod
    def load(cls, session: Session) -> WorkCalendar:
        return cls({row.day: row.is_workday for row in session.scalars(select(CalendarDay))})

    def covers(self, year: int) -> bool:
        """True when the official calendar (or a user's correction) knows this year's holidays."""
        if any(day.year == year for day in self._corrections):
            return True
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._look_up(day)
        return known

    def _look_up(self, day: date) -> bool:
        if day in self._corrections:
            return self._corrections[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        """``day`` itself if it is a working day, else the first working day after it."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_workdays(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
        day = start
        remaining = count
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def deadline(self, start: date, rule: DeadlineRule) -> date:
        """The last day of a period of ``rule`` that begins the day after ``start``.

        Calendar days: ``start`` + days, moved to the next working day when it falls on a rest day
        (民法典第203条).  Working days: the ``days``-th working day after ``start``.
        """
        if rule.kind == "workday":
            return self.add_workdays(start, rule.days)
        return self.next_workday(start + timedelta(days=rule.days))

    def extend(self, due: date, days: int) -> date:
        """A deadline extended by ``days`` calendar days, again moved off a rest day."""
        return self.next_workday(due + timedelta(days=days))
