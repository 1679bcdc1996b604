"""Operations on the holiday calendar and deadlines: a year's days, the office's entries, a reckoned deadline.

An entry that moves open cases' deadlines reports those cases as changed (they are recomputed in the
same transaction, each with a 期限重算 event).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from xinfang_desk.ledger import calendar_entries
from xinfang_desk.ledger.calendar import Reckoning, WorkCalendar
from xinfang_desk.ledger.calendar_entries import CalendarChange, DayInfo, YearView
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.limits import check_date
from xinfang_desk.ledger.operations.context import Changes, OpContext, OpResult
from xinfang_desk.ledger.permissions import Permission, requires
from xinfang_desk.ledger.settings import DEADLINE_RULES, Settings

#: Short names of the deadline rules (``deadline --rule``); ``extend`` is the longest extension.
RULE_NAMES = {"extend": "extend_max"} | {
    key.removeprefix("rule."): key.removeprefix("rule.") for key in DEADLINE_RULES if key != "rule.extend_max"
}


def _changed(change: CalendarChange) -> OpResult[CalendarChange]:
    # the settings page shows the calendar (reference data); moved deadlines change the lists too
    return OpResult(change, Changes(reference=True, everything=bool(change.recomputed)))


@requires(Permission.VIEW)
def calendar_year(ctx: OpContext, year: int) -> YearView:
    """Everything the 节假日 editor shows for ``year``."""
    return calendar_entries.load_year(ctx.session, year)


@requires(Permission.VIEW)
def calendar_days(ctx: OpContext, year: int, *, every_day: bool = False) -> tuple[str, list[DayInfo]]:
    """A year's status line and its listed days (every day with ``every_day``), each with its source."""
    if not calendar_entries.FIRST_YEAR <= year <= calendar_entries.LAST_YEAR:
        raise ValidationError(
            f"年份“{year}”超出 {calendar_entries.FIRST_YEAR}–{calendar_entries.LAST_YEAR}。"
        )
    calendar = WorkCalendar.load(ctx.session)
    days = calendar_entries.year_days(ctx.session, year, calendar, every_day=every_day)
    return calendar_entries.year_status(calendar, year), list(days)


@requires(Permission.VIEW)
def estimated_years(ctx: OpContext, years: Iterable[int]) -> tuple[int, ...]:
    """Those of ``years`` (in order) whose holidays neither the library nor the office's entries know:
    their deadlines are estimated by the statutory holidays alone."""
    calendar = WorkCalendar.load(ctx.session)
    return tuple(year for year in sorted(set(years)) if not calendar.covers(year))


@requires(Permission.CALENDAR)
def enter_notice(ctx: OpContext, text: str) -> OpResult[CalendarChange]:
    """按通知录入: a notice's lines; their years count as entered.  Nothing changes if a line is bad."""
    return _changed(calendar_entries.import_notice(ctx.session, ctx.actor.name, text, clock=ctx.clock))


@requires(Permission.CALENDAR)
def set_calendar_day(ctx: OpContext, day: date, mark: str, note: str = "") -> OpResult[CalendarChange]:
    """Enter one day as 休 or 班."""
    return _changed(calendar_entries.set_day(ctx.session, ctx.actor.name, day, mark, note, clock=ctx.clock))


@requires(Permission.CALENDAR)
def remove_calendar_day(ctx: OpContext, day: date) -> OpResult[CalendarChange]:
    """Take back the office's entry of one day."""
    return _changed(calendar_entries.remove_day(ctx.session, ctx.actor.name, day, clock=ctx.clock))


def reckon_by_rule(calendar: WorkCalendar, settings: Settings, start: date, rule_name: str) -> Reckoning:
    """The deadline of the rule named ``rule_name`` (see ``RULE_NAMES``) counted from ``start``."""
    key = RULE_NAMES.get(rule_name.strip())
    if key is None:
        raise ValidationError(f"没有“{rule_name}”这条期限规则。可选：{'、'.join(RULE_NAMES)}。")
    check_date(start, "起算日")
    return calendar.reckon(start, settings.rule(key))


@requires(Permission.VIEW)
def reckon_deadline(ctx: OpContext, start: date, rule_name: str) -> Reckoning:
    """A deadline by this ledger's rules and calendar (the office's entries included)."""
    return reckon_by_rule(WorkCalendar.load(ctx.session), Settings.load(ctx.session), start, rule_name)
