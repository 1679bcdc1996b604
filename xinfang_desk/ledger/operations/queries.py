"""Reads behind the windows: the dashboard, the ledger's ids and rows, filter choices, the ledger's facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from xinfang_desk.ledger import ledger_info, tables
from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.operations.context import OpContext
from xinfang_desk.ledger.permissions import Permission, requires
from xinfang_desk.ledger.search import (
    CaseFilter,
    CaseRow,
    PageKey,
    case_ids,
    case_page,
    case_rows,
    count_cases,
)
from xinfang_desk.ledger.settings import Settings

if TYPE_CHECKING:
    from xinfang_desk.ledger.dashboard import Dashboard, UnitTiles


@dataclass(frozen=True)
class DashboardData:
    """The tiles, and every overdue and due-soon open case (the nearest deadline first)."""

    dashboard: Dashboard
    urgent: tuple[CaseRow, ...]
    urgent_filter: CaseFilter
    #: the banner about next year's holidays not yet entered ("" when there is nothing to say)
    calendar_warning: str = ""
    #: the office's line per unit (empty in a unit's own ledger)
    units: tuple[UnitTiles, ...] = ()


@requires(Permission.VIEW)
def dashboard_data(ctx: OpContext, today: date | None = None) -> DashboardData:
    """The 工作台: its tiles and every overdue or due-soon open case, none left out."""
    # loaded with the first dashboard, after the window's 台账 page, not with the reads it starts with
    from xinfang_desk.ledger.calendar_entries import next_year_warning
    from xinfang_desk.ledger.dashboard import dashboard_and_unit_tiles

    today = today or ctx.now().date()
    office = ledger_info.office_ledger(ctx.session)
    board, units = dashboard_and_unit_tiles(ctx.session, today, with_units=office)
    urgent = CaseFilter(overdue=True, due_soon=True, due_soon_days=board.due_soon_days, today=today)
    ids = case_ids(ctx.session, urgent, sort="due_on", descending=False)
    rows = case_rows(ctx.session, ids, today=today, due_soon_days=board.due_soon_days)
    warning = next_year_warning(WorkCalendar.load(ctx.session), today)
    return DashboardData(board, tuple(rows), urgent, warning, tuple(units))


@dataclass(frozen=True)
class IdPage:
    """A page of the ledger view's ids, and where the next page starts (None: this was the last)."""

    ids: tuple[int, ...]
    next: PageKey | None


@requires(Permission.VIEW)
def ledger_id_page(
    ctx: OpContext,
    case_filter: CaseFilter,
    *,
    sort: str = "received_at",
    descending: bool = True,
    after: PageKey | None = None,
    limit: int,
) -> IdPage:
    """Up to ``limit`` ids of the cases ``case_filter`` selects, in the view's order, after ``after``."""
    ids, key = case_page(ctx.session, case_filter, sort=sort, descending=descending, after=after, limit=limit)
    return IdPage(tuple(ids), key)


@requires(Permission.VIEW)
def matching_count(ctx: OpContext, case_filter: CaseFilter) -> int:
    """How many cases ``case_filter`` selects."""
    return count_cases(ctx.session, case_filter)


@requires(Permission.VIEW)
def ledger_rows(ctx: OpContext, ids: Sequence[int], *, today: date, due_soon_days: int) -> list[CaseRow]:
    """The ledger view's rows of ``ids`` (in that order)."""
    return case_rows(ctx.session, ids, today=today, due_soon_days=due_soon_days)


@dataclass(frozen=True)
class CaseList:
    """The first cases a filter selects (newest first), and how many it selects in all."""

    total: int
    rows: tuple[CaseRow, ...]


@requires(Permission.VIEW)
def list_cases(ctx: OpContext, case_filter: CaseFilter, *, limit: int) -> CaseList:
    """Up to ``limit`` cases ``case_filter`` selects, newest first, and their number.

    临期 is counted as the ledger's settings say, as of the operation's day (the filter's own
    ``due_soon_days`` and ``today`` are replaced by them).
    """
    today = ctx.now().date()
    case_filter = replace(case_filter, due_soon_days=Settings.load(ctx.session).due_soon_days, today=today)
    ids = case_ids(ctx.session, case_filter, limit=limit)
    rows = case_rows(ctx.session, ids, today=today, due_soon_days=case_filter.due_soon_days)
    return CaseList(count_cases(ctx.session, case_filter), tuple(rows))


@dataclass(frozen=True)
class FilterChoices:
    """The values the ledger's filter bar offers, read from the ledger."""

    years: tuple[int, ...] = ()
    categories: tuple[tuple[str, bool], ...] = ()  # (name, is_sub_category)
    departments: tuple[str, ...] = ()
    #: (code, name) of the units whose cases the office ledger holds (empty in a unit's own ledger)
    units: tuple[tuple[str, str], ...] = ()
    due_soon_days: int = 3
    today: date = field(default_factory=date.today)


@requires(Permission.VIEW)
def filter_choices(ctx: OpContext) -> FilterChoices:
    """Years with cases (and this one), categories in their order, departments, the due-soon days."""
    session = ctx.session
    today = ctx.now().date()
    cases, categories_table, departments_table = tables.cases, tables.categories, tables.departments
    years = set(session.scalars(select(cases.c.year).distinct())) | {today.year}
    categories: list[tuple[str, bool]] = []
    all_categories = session.execute(
        select(categories_table.c.id, categories_table.c.name, categories_table.c.parent_id).order_by(
            categories_table.c.sort_order, categories_table.c.name
        )
    ).all()
    for top in (c for c in all_categories if c.parent_id is None):
        categories.append((top.name, False))
        categories.extend((c.name, True) for c in all_categories if c.parent_id == top.id)
    departments = tuple(session.scalars(select(departments_table.c.name).order_by(departments_table.c.id)))
    units: tuple[tuple[str, str], ...] = ()
    if ledger_info.office_ledger(ctx.session):
        # loaded here: a unit's ledger does not need the assessment's figures before its first rows
        from xinfang_desk.ledger.assessment import known_units

        units = tuple(known_units(session))
    return FilterChoices(
        years=tuple(sorted(years, reverse=True)),
        categories=tuple(categories),
        departments=departments,
        units=units,
        due_soon_days=Settings.load(session).due_soon_days,
        today=today,
    )


@dataclass(frozen=True)
class LedgerFacts:
    """Who keeps this ledger: the unit, and whether it is the office's merged ledger."""

    unit_code: str
    unit_name: str
    is_office: bool
    is_demo: bool = False


@requires(Permission.VIEW)
def ledger_facts(ctx: OpContext) -> LedgerFacts:
    info = ledger_info.read(ctx.session)
    return LedgerFacts(
        info.get("unit_code", ""),
        info.get("unit_name", ""),
        ledger_info.is_office(info),
        ledger_info.is_demo(info),
    )
