"""The office enters the official holiday arrangement (本单位录入) without waiting for a new program.

The State Council's notice comes out each November; the office types or pastes its lines — one day
or a range and 休 or 班 (``2027-02-05~2027-02-11 休``, ``2027-02-14 班``), or the notice's own text
(``ledger.notice_text``) — or sets a single day.
Entering a notice makes its years "entered": their days are the office's entries and plain
weekends, no longer estimates.  Every change is in the audit log, and the open cases' deadlines
made by the rules are recomputed (``ledger.deadline_sync``).  A bad line changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang_desk.ledger import ledger_info
from xinfang_desk.ledger.audit import (
    CALENDAR_IMPORT,
    CALENDAR_REMOVE,
    CALENDAR_SET,
    record_audit,
    require_actor,
)
from xinfang_desk.ledger.calendar import ENTERED_YEARS_KEY, DayInfo, WorkCalendar, entered_years
from xinfang_desk.ledger.deadline_sync import Recomputed, recompute_open_deadlines
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.limits import MAX_YEAR, MIN_YEAR
from xinfang_desk.ledger.models import CalendarDay
from xinfang_desk.ledger.notice_text import looks_like_notice, read_notice

FIRST_YEAR, LAST_YEAR = MIN_YEAR, MAX_YEAR  # the years the ledger accepts (limits.py)
MAX_RANGE_DAYS = 31
MARKS = {"休": False, "班": True}

_DATE = r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?"
_LINE = re.compile(rf"^{_DATE}(?:\s*(?:~|～|至|—|–)\s*{_DATE})?\s+(\S)\s*(.*)$", re.ASCII)


@dataclass(frozen=True)
class NoticeLine:
    """One line of a notice: a day or a range of days, rest (休) or work (班), and a note."""

    line_no: int
    first: date
    last: date
    is_workday: bool
    note: str = ""

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class CalendarChange:
    """What an entry changed: how many days, which years, and the cases whose deadlines moved."""

    days: int
    years: tuple[int, ...]
    recomputed: tuple[Recomputed, ...]


def _day(parts: tuple[str, ...], line_no: int) -> date:
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise ValidationError(f"第{line_no}行：“{'-'.join(parts)}”不是有效日期。") from None


def parse_notice(text: str) -> list[NoticeLine]:
    """The lines of a notice, typed or the published text; a bad line raises naming it.  # starts a comment."""
    if looks_like_notice(text):
        lines = []
        for item in read_notice(text):
            lines.append(NoticeLine(item.line_no, item.first, item.last, False, item.name))
            lines += [
                NoticeLine(item.line_no, day, day, True, f"{item.name}调休上班") for day in item.workdays
            ]
        return _checked(lines)
    lines = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None or match.group(7) not in MARKS:
            raise ValidationError(
                f"第{line_no}行“{line}”看不懂：应为“日期 休”或“日期 班”，范围写作“2027-02-05~2027-02-11 休”。"
            )
        first = _day(match.group(1, 2, 3), line_no)
        last = _day(match.group(4, 5, 6), line_no) if match.group(4) else first
        lines.append(NoticeLine(line_no, first, last, MARKS[match.group(7)], match.group(8).strip()[:100]))
    return _checked(lines)


def _checked(lines: list[NoticeLine]) -> list[NoticeLine]:
    """Refuse no dates at all, a year out of range, and a day given as both 休 and 班."""
    if not lines:
        raise ValidationError("没有可录入的日期。")
    seen: dict[date, tuple[bool, int]] = {}
    for entry in lines:
        for day in (entry.first, entry.last):
            if not FIRST_YEAR <= day.year <= LAST_YEAR:
                raise ValidationError(f"第{entry.line_no}行：年份“{day.year}”超出 {FIRST_YEAR}–{LAST_YEAR}。")
        if entry.last < entry.first:
            raise ValidationError(f"第{entry.line_no}行：结束日期早于开始日期。")
        if (entry.last - entry.first).days >= MAX_RANGE_DAYS:
            raise ValidationError(f"第{entry.line_no}行：一个范围不超过{MAX_RANGE_DAYS}天，请核对。")
        for day in entry.days():
            earlier = seen.get(day)
            if earlier is not None and earlier[0] != entry.is_workday:
                raise ValidationError(
                    f"第{entry.line_no}行：{day:%Y-%m-%d} 与第{earlier[1]}行矛盾（休与班）。"
                )
            seen[day] = (entry.is_workday, entry.line_no)
    return lines


def _put(session: Session, actor: str, day: date, is_workday: bool, note: str, when: datetime) -> bool:
    row = session.get(CalendarDay, day)
    if row is None:
        session.add(CalendarDay(day=day, is_workday=is_workday, note=note, entered_by=actor, entered_at=when))
        return True
    if row.is_workday == is_workday and (row.note == note or not note):
        return False
    row.is_workday, row.note = is_workday, note or row.note
    row.entered_by, row.entered_at = actor, when
    return True


def _mark_entered(session: Session, years: set[int], entered: bool = True) -> None:
    known = entered_years(session)
    known = known | years if entered else known - years
    ledger_info.store(session, ENTERED_YEARS_KEY, ",".join(str(year) for year in sorted(known)))


def _finish(
    session: Session,
    actor: str,
    action: str,
    detail: dict[str, Any],
    years: set[int],
    reason: str,
    clock: Callable[[], datetime],
    *,
    days: int,
    changed: bool,
) -> CalendarChange:
    """Recompute the open deadlines if the calendar changed, and write the audit entry."""
    session.flush()
    recomputed = recompute_open_deadlines(session, actor, reason, clock=clock) if changed else []
    record_audit(session, actor, action, {**detail, "recomputed": len(recomputed)}, clock=clock)
    return CalendarChange(days, tuple(sorted(years)), tuple(recomputed))


def import_notice(
    session: Session, actor: str, text: str, *, clock: Callable[[], datetime] = datetime.now
) -> CalendarChange:
    """Enter a notice's lines; their years count as entered.  Nothing changes if a line is bad."""
    actor = require_actor(actor)
    lines = parse_notice(text)
    when = clock().replace(microsecond=0)
    changed = sum(
        _put(session, actor, day, entry.is_workday, entry.note, when)
        for entry in lines
        for day in entry.days()
    )
    years = {day.year for entry in lines for day in entry.days()}
    newly = years - entered_years(session)
    _mark_entered(session, years)
    detail = {"lines": len(lines), "days": changed, "years": sorted(years)}
    reason = f"本单位录入{'、'.join(map(str, sorted(years)))}年节假日安排"
    return _finish(
        session,
        actor,
        CALENDAR_IMPORT,
        detail,
        years,
        reason,
        clock,
        days=changed,
        changed=bool(changed or newly),
    )


def set_day(
    session: Session,
    actor: str,
    day: date,
    mark: str,
    note: str = "",
    *,
    clock: Callable[[], datetime] = datetime.now,
) -> CalendarChange:
    """Enter one day as 休 or 班 (an office correction; the year's estimate stays for other days)."""
    actor = require_actor(actor)
    if mark not in MARKS:
        raise ValidationError(f"“{mark}”无效：请写“休”或“班”。")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(f"年份“{day.year}”超出 {FIRST_YEAR}–{LAST_YEAR}。")
    changed = int(_put(session, actor, day, MARKS[mark], note.strip()[:100], clock().replace(microsecond=0)))
    detail = {"day": day.isoformat(), "mark": mark, "note": note}
    reason = f"本单位录入 {day:%Y-%m-%d} 为{'工作日' if MARKS[mark] else '休息日'}"
    return _finish(
        session, actor, CALENDAR_SET, detail, {day.year}, reason, clock, days=changed, changed=bool(changed)
    )


def remove_day(
    session: Session, actor: str, day: date, *, clock: Callable[[], datetime] = datetime.now
) -> CalendarChange:
    """Take back the office's entry of one day: the library or the estimate answers again."""
    actor = require_actor(actor)
    row = session.get(CalendarDay, day)
    if row is None:
        raise ValidationError(f"{day:%Y-%m-%d} 没有本单位录入的记录。")
    detail = {"day": day.isoformat(), "was": "班" if row.is_workday else "休", "note": row.note}
    session.delete(row)
    reason = f"撤销本单位对 {day:%Y-%m-%d} 的录入"
    return _finish(session, actor, CALENDAR_REMOVE, detail, {day.year}, reason, clock, days=1, changed=True)


def set_year_entered(
    session: Session, actor: str, year: int, entered: bool, *, clock: Callable[[], datetime] = datetime.now
) -> CalendarChange:
    """Say whether the office's entries are a year's whole arrangement (then nothing is estimated)."""
    actor = require_actor(actor)
    if entered == (year in entered_years(session)):
        return CalendarChange(0, (year,), ())
    _mark_entered(session, {year}, entered)
    reason = f"{year}年节假日安排{'已按通知录入' if entered else '改回估算'}"
    action = CALENDAR_IMPORT if entered else CALENDAR_REMOVE
    detail = {"year": year, "entered": entered}
    return _finish(session, actor, action, detail, {year}, reason, clock, days=0, changed=True)


def year_days(
    session: Session, year: int, calendar: WorkCalendar | None = None, *, every_day: bool = False
) -> list[DayInfo]:
    """The days of ``year`` worth listing (holidays on weekdays, working weekends, every entry), or all."""
    calendar = calendar or WorkCalendar.load(session)
    entered = set(
        session.scalars(
            select(CalendarDay.day).where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
        )
    )
    day, days = date(year, 1, 1), []
    while day.year == year:
        info = calendar.info(day)
        if every_day or info.special or day in entered:
            days.append(info)
        day += timedelta(days=1)
    return days


#: from this month on, a missing arrangement for next year is announced (the notice comes in November)
WARN_FROM_MONTH = 11


def next_year_warning(calendar: WorkCalendar, today: date) -> str:
    """From 1 November, while next year has neither official nor entered data: what to do ("" if nothing)."""
    year = today.year + 1
    if today.month < WARN_FROM_MONTH or calendar.covers(year):
        return ""
    return (
        f"{year}年的节假日安排尚未收录：延伸到{year}年的期限按法定节假日估算（不含调休），标注“估算”。"
        f"国务院办公厅通知发布后，请在 设置 → 节假日 中粘贴通知录入（或用命令 xinfang-desk calendar import），"
        "在办案件的期限将自动重算。"
    )


def year_status(calendar: WorkCalendar, year: int) -> str:
    """One line on where a year's arrangement comes from."""
    source = calendar.year_source(year)
    if source.name == "LIBRARY":
        return f"{year}年：官方库已收录（本单位录入的日期优先）。"
    if source.name == "OFFICE":
        return f"{year}年：本单位已按国务院通知录入。"
    return (
        f"{year}年：官方库未收录、本单位未录入，按法定节假日估算（不含调休），"
        "相关期限标注“估算”。通知发布后请在 设置 → 节假日 中录入。"
    )


@dataclass(frozen=True)
class YearView:
    """A year as the 节假日 editor shows it: where it comes from, and its listed days."""

    year: int
    status: str
    entered: bool
    covered_by_library: bool
    days: tuple[DayInfo, ...]


def load_year(session: Session, year: int) -> YearView:
    """Everything the 节假日 editor shows for ``year`` (plain data, safe to hand to the UI thread)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(f"年份“{year}”超出 {FIRST_YEAR}–{LAST_YEAR}。")
    calendar = WorkCalendar.load(session)
    return YearView(
        year=year,
        status=year_status(calendar, year),
        entered=year in entered_years(session),
        covered_by_library=calendar.year_source(year).name == "LIBRARY",
        days=tuple(year_days(session, year, calendar)),
    )
