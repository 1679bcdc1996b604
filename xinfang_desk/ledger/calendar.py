"""Working days and deadlines by China's holiday calendar: the office's entries, the library, estimates.

Each day has one source, strongest first: the office's own entry (本单位录入, ``CalendarDay``), the
maintained ``chinese_calendar`` library (官方库, holidays and swapped working weekends), and for a year
neither covers an estimate by the statutory holidays (估算, ``ledger.holiday_estimate``).  A year the
office has entered from the State Council's notice (``entered_years``) is not estimated: its days
are the office's entries and plain weekends.  A deadline that depends on an estimated day says so.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang_desk.ledger import ledger_info, tables
from xinfang_desk.ledger.holiday_estimate import estimated_rest_days
from xinfang_desk.ledger.settings import DeadlineRule

#: ``ledger_info`` key: the years whose official arrangement the office entered ("2027,2028").
ENTERED_YEARS_KEY = "calendar_entered_years"
#: ``ledger_info`` keys: the holiday library the open cases' deadlines were last reckoned with, and that
#: an older ledger's deadlines were given their basis (``ledger.deadline_sync``)
LIBRARY_KEY = "calendar_library"
ADOPTED_KEY = "deadline_basis_adopted"
WEEKDAYS = "一二三四五六日"
_LIBRARY_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


class DaySource(enum.Enum):
    """Where the answer for one day comes from."""

    OFFICE = "本单位录入"
    LIBRARY = "官方库"
    ESTIMATE = "估算"


@dataclass(frozen=True)
class DayInfo:
    """One day: working or not, its source, and what it is (元旦, 调休上班, 星期六 …)."""

    day: date
    is_workday: bool
    source: DaySource
    name: str = ""

    @property
    def special(self) -> bool:
        """A rest day on a weekday or a working day on a weekend."""
        return self.is_workday == (self.day.weekday() >= 5)

    def describe(self) -> str:
        what = self.name or ("工作日" if self.is_workday else "休息日")
        holiday = not self.is_workday and self.name not in ("", "周末")
        mark = "（估算）" if self.source is DaySource.ESTIMATE and holiday else ""
        return f"{self.day:%Y-%m-%d}（星期{WEEKDAYS[self.day.weekday()]}）{what}{mark}"


@dataclass(frozen=True)
class Reckoning:
    """A deadline and why: the plain count, the rest days it moved over, whether it is estimated."""

    start: date
    rule: DeadlineRule
    due: date
    plain: date
    moved_over: tuple[DayInfo, ...] = field(default=())
    estimated: bool = False
    estimated_years: tuple[int, ...] = field(default=())

    def reasons(self) -> list[str]:
        """Why the deadline is this day, in the clerk's words, one line each."""
        lines = [f"按{self.rule.describe()}计算，自 {self.start:%Y-%m-%d} 的次日起算。"]
        if self.rule.kind == "workday":
            holidays = [d for d in self.moved_over if d.day.weekday() < 5]
            if holidays:
                lines.append("其间的节假日不计：" + "、".join(d.describe() for d in holidays) + "。")
        elif self.due != self.plain:
            passed = "、".join(d.describe() for d in self.moved_over)
            lines.append(f"期满日 {self.plain:%Y-%m-%d} 为休息日（{passed}），顺延至其后第一个工作日。")
        else:
            lines.append(f"期满日 {self.plain:%Y-%m-%d} 为工作日，不顺延。")
        if self.estimated:
            years = "、".join(str(year) for year in self.estimated_years)
            lines.append(
                f"估算：{years}年的节假日安排尚未公布（官方库未收录，本单位未录入），"
                "按法定节假日估算，不含调休；国务院通知发布后请录入并核对。"
            )
        return lines


@lru_cache(maxsize=256)
def library_covers(year: int) -> bool:
    """True when the installed ``chinese_calendar`` knows this year's holidays."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def library_fingerprint() -> str:
    """The installed library's version and the years it covers, e.g. ``1.11.0:2004-2026``."""
    version = getattr(chinese_calendar, "__version__", None)
    if version is None:  # read from the installed package's metadata (a slow import) only when it must
        from importlib import metadata

        try:
            version = metadata.version("chinesecalendar")
        except metadata.PackageNotFoundError:
            version = "?"
    years = sorted({day.year for day in chinese_calendar.constants.holidays})
    return f"{version}:{years[0]}-{years[-1]}"


def entered_years(session: Session) -> set[int]:
    """The years whose whole arrangement the office entered from the State Council's notice."""
    value = ledger_info.read(session, ENTERED_YEARS_KEY).get(ENTERED_YEARS_KEY, "")
    return {int(part) for part in value.split(",") if part.strip()}


def needs_sync(session: Session) -> bool:
    """Whether ``deadline_sync.sync_at_open`` has anything to do: the ledger's deadlines never got their
    basis, or were reckoned with another holiday library (asked in a reading session at every opening,
    through the table, so opening never waits).

    A database with no unit yet (just created, or the empty target of a copy) has nothing to sync.
    """
    info = ledger_info.read(session, "unit_code", LIBRARY_KEY, ADOPTED_KEY)
    if "unit_code" not in info:
        return False
    return ADOPTED_KEY not in info or info.get(LIBRARY_KEY) != library_fingerprint()


class WorkCalendar:
    """Answers whether a day is a working day, and reckons deadlines over calendar or working days."""

    def __init__(
        self,
        corrections: Mapping[date, bool] | None = None,
        *,
        entered: Iterable[int] = (),
        estimate: bool = True,
        names: Mapping[date, str] | None = None,
    ) -> None:
        self._corrections = dict(corrections or {})
        self._names = dict(names or {})
        self._entered = frozenset(entered)
        self._estimate = estimate
        self._known: dict[date, DayInfo] = {}

    @classmethod
    def load(cls, session: Session, *, estimate: bool = True) -> WorkCalendar:
        days = tables.calendar_days
        rows = session.execute(select(days.c.day, days.c.is_workday, days.c.note)).all()
        return cls(
            {row.day: row.is_workday for row in rows},
            entered=entered_years(session),
            estimate=estimate,
            names={row.day: row.note for row in rows if row.note},
        )

    # -- years ----------------------------------------------------------------------------------
    def year_source(self, year: int) -> DaySource:
        """Who knows this year's arrangement: the library, the office's entry, or nobody (估算)."""
        if library_covers(year):
            return DaySource.LIBRARY
        if year in self._entered:
            return DaySource.OFFICE
        return DaySource.ESTIMATE

    def covers(self, year: int) -> bool:
        """True when the library or the office's entry knows this year's holidays (no estimate)."""
        return self.year_source(year) is not DaySource.ESTIMATE

    # -- days -----------------------------------------------------------------------------------
    def info(self, day: date) -> DayInfo:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._look_up(day)
        return known

    def is_workday(self, day: date) -> bool:
        return self.info(day).is_workday

    def _look_up(self, day: date) -> DayInfo:
        weekend = day.weekday() >= 5
        plain = "周末" if weekend else ""
        if day in self._corrections:
            workday = self._corrections[day]
            default = "调休上班" if workday and weekend else plain if workday or weekend else "休息"
            return DayInfo(day, workday, DaySource.OFFICE, self._names.get(day) or default)
        source = self.year_source(day.year)
        if source is DaySource.LIBRARY:
            workday = bool(chinese_calendar.is_workday(day))
            name = plain
            if not workday and not weekend or workday and weekend:
                _holiday, detail = chinese_calendar.get_holiday_detail(day)
                holiday = _LIBRARY_NAMES.get(detail, detail or "")
                name = f"{holiday}调休上班" if workday else holiday or "休息"
            return DayInfo(day, workday, source, name)
        if source is DaySource.ESTIMATE and self._estimate:
            holiday = estimated_rest_days(day.year).get(day)
            if holiday:
                return DayInfo(day, False, source, holiday)
        return DayInfo(day, not weekend, source, plain)

    def is_estimated(self, day: date) -> bool:
        return self.info(day).source is DaySource.ESTIMATE

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

    # -- deadlines ------------------------------------------------------------------------------
    def reckon(self, start: date, rule: DeadlineRule) -> Reckoning:
        """The last day of a period of ``rule`` that begins the day after ``start``, and why.

        Calendar days: ``start`` + days, moved to the next working day when it falls on a rest day
        (民法典第203条).  Working days: the ``days``-th working day after ``start``.  Estimated when
        any day the count looked at has no official answer yet.
        """
        plain = start + timedelta(days=rule.days)
        if rule.kind == "workday":
            due = self.add_workdays(start, rule.days)
            first = start + timedelta(days=1)
        else:
            due = self.next_workday(plain)
            first = plain
        looked_at = [self.info(first + timedelta(days=n)) for n in range((due - first).days + 1)]
        return Reckoning(
            start=start,
            rule=rule,
            due=due,
            plain=plain,
            moved_over=tuple(d for d in looked_at if not d.is_workday),
            estimated=any(d.source is DaySource.ESTIMATE for d in looked_at),
            estimated_years=tuple(sorted({d.day.year for d in looked_at if d.source is DaySource.ESTIMATE})),
        )

    def deadline(self, start: date, rule: DeadlineRule) -> date:
        """The due date of ``reckon``."""
        return self.reckon(start, rule).due

    def extend(self, due: date, days: int) -> date:
        """A deadline extended by ``days`` calendar days, again moved off a rest day."""
        return self.reckon(due, DeadlineRule(days)).due
