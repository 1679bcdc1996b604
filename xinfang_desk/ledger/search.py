"""Finding cases: full-text search of summaries, content and names plus filters, ordered and paged.

The ledger view reads the ordered ids a page at a time (``case_page``, keyset paging) and their
display rows (``case_rows``); how many cases match is counted apart (``count_cases``), so nothing
ever loads the whole table and the first page does not wait for the count.  Text search uses
the storage backend's index (SQLite's FTS5 indexes, PostgreSQL's trigram indexes).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from xinfang_desk.ledger import tables
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.limits import MAX_SEARCH_CHARS, MAX_SEARCH_WORDS, check_date, check_year
from xinfang_desk.ledger.storage import backend_of
from xinfang_desk.ledger.vocab import OPEN_STATUSES, Channel, Nature, Outcome, Satisfaction, Source, Status

# Searches read the tables, not the ORM classes: the 台账's first page is read before those are declared
# (see ``ledger.tables``).
_cases = tables.cases
_categories = tables.categories
_departments = tables.departments
_petitioners = tables.petitioners


@dataclass
class CaseFilter:
    """What the user asked for; empty fields do not filter."""

    text: str = ""
    statuses: Sequence[Status] = ()
    category: str = ""
    channel: Channel | None = None
    department: str = ""
    received_from: date | None = None
    received_to: date | None = None
    year: int | None = None
    overdue: bool = False
    due_soon: bool = False
    due_soon_days: int = 3
    repeat_only: bool = False
    satisfactions: Sequence[Satisfaction] = ()
    unit_code: str = ""
    #: names of counted figures the case must meet (``figures.flag_conditions``: "accepted", "closed",
    #: "on_time_closed", "one_time_closed", "collective", …), so a figure's cases are its own condition
    flags: Sequence[str] = ()
    #: False: only closed cases that were not closed on time (the complement of "on_time_closed")
    closed_late: bool = False
    outcome: Outcome | None = None
    #: exactly this sub-category (by name)
    subcategory: str = ""
    #: the summary contains this text (plain substring, no full-text matching)
    summary_contains: str = ""
    today: date = field(default_factory=date.today)


#: Columns a user can sort by: name → column expression.
SORTABLE: dict[str, ColumnElement] = {
    "case_no": _cases.c.case_no,
    "received_at": _cases.c.received_at,
    "channel": _cases.c.channel,
    "status": _cases.c.status,
    "due_on": _cases.c.due_on,
    "summary": _cases.c.summary,
    "category": _cases.c.category_id,
    "department": _cases.c.department_id,
    "unit_code": _cases.c.unit_code,
    "people_count": _cases.c.people_count,
    "updated_at": _cases.c.updated_at,
    "petitioner": select(_petitioners.c.name)
    .where(_petitioners.c.id == _cases.c.petitioner_id)
    .scalar_subquery(),
    "subcategory": _cases.c.subcategory_id,
    "source": _cases.c.source,
    "nature": _cases.c.nature,
    "satisfaction": _cases.c.satisfaction,
    "supervise_count": _cases.c.supervise_count,
    "is_repeat": _cases.c.is_repeat,
}


#: Sort columns with an index of their own: a page can follow it in order and stop at its last case.
ORDERED_BY_INDEX = frozenset({"received_at", "case_no"})
#: Fewer matches than this are read through the filters' indexes and then ordered; None: the
#: square root of 40 × the ledger's cases, where reading and ordering the matches (about their
#: number of steps) costs what following the order to the 50th match does (cases / matches × 50).
FEW_MATCHES: int | None = None


def words_of(text: str) -> list[str]:
    """The words of a search: split at (full-width) spaces; control characters are ignored."""
    cleaned = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in (text or ""))
    return cleaned.replace("\u3000", " ").split()


def _conditions(session: Session, f: CaseFilter, *, walk: bool = False) -> list[ColumnElement[bool]]:
    """The SQL conditions of ``f``.

    ``walk``: for a query that should follow the sort order and stop early: each condition but the
    period is marked as usually true (SQLite's ``likely``) and the text condition is not on the bare
    id, so the planner follows the sort column's index instead of reading the filters' indexes and
    sorting; the period stays a range the index can start and stop at.
    """
    conds: list[ColumnElement[bool]] = []
    words = words_of(f.text)
    if len(f.text or "") > MAX_SEARCH_CHARS or len(words) > MAX_SEARCH_WORDS:
        raise ValidationError(f"检索内容过长：最多 {MAX_SEARCH_WORDS} 个词、{MAX_SEARCH_CHARS} 个字。")
    if f.year is not None:
        check_year(f.year)
    for day, what in ((f.received_from, "起始日期"), (f.received_to, "截止日期")):
        if day is not None:
            check_date(day, what)
    backend = backend_of(session)
    if words:
        conds.append(backend.text_filter(words, _cases.c.id + 0 if walk else _cases.c.id))
    if f.statuses:
        conds.append(_cases.c.status.in_([Status(s).value for s in f.statuses]))
    if f.category:
        top = select(_categories.c.id).where(
            _categories.c.name == f.category, _categories.c.parent_id.is_(None)
        )
        sub = select(_categories.c.id).where(
            _categories.c.name == f.category, _categories.c.parent_id.is_not(None)
        )
        conds.append(or_(_cases.c.category_id.in_(top), _cases.c.subcategory_id.in_(sub)))
    if f.channel is not None:
        conds.append(_cases.c.channel == Channel(f.channel).value)
    if f.department:
        conds.append(
            _cases.c.department_id.in_(select(_departments.c.id).where(_departments.c.name == f.department))
        )
    start, end = f.received_from, f.received_to
    if f.year is not None:
        start = max(start or date(f.year, 1, 1), date(f.year, 1, 1))
        end = min(end or date(f.year, 12, 31), date(f.year, 12, 31))
    period: list[ColumnElement[bool]] = []  # on the default order's own column: never marked likely
    if start is not None:
        period.append(_cases.c.received_at >= datetime.combine(start, time.min))
    if end is not None:
        period.append(_cases.c.received_at < datetime.combine(end + timedelta(days=1), time.min))
    if f.overdue or f.due_soon:
        open_ = _cases.c.status.in_([s.value for s in OPEN_STATUSES])
        parts = []
        if f.overdue:
            parts.append(_cases.c.due_on < f.today)
        if f.due_soon:
            parts.append(
                and_(_cases.c.due_on >= f.today, _cases.c.due_on <= f.today + timedelta(days=f.due_soon_days))
            )
        conds.append(and_(open_, or_(*parts)))
    if f.repeat_only:
        conds.append(_cases.c.is_repeat.is_(True))
    if f.satisfactions:
        conds.append(_cases.c.satisfaction.in_([Satisfaction(v).value for v in f.satisfactions]))
    if f.unit_code:
        conds.append(_cases.c.unit_code == f.unit_code)
    if f.flags:
        from xinfang_desk.ledger.figures import flag_conditions  # the figures' own module, loaded when asked

        conditions = flag_conditions()
        conds.extend(conditions[name] for name in f.flags)
    if f.closed_late:
        conds.append(and_(_cases.c.status == Status.CLOSED.value, _cases.c.closed_on_time.is_not(True)))
    if f.outcome is not None:
        conds.append(_cases.c.outcome == Outcome(f.outcome).value)
    if f.subcategory:
        sub_ids = select(_categories.c.id).where(
            _categories.c.name == f.subcategory, _categories.c.parent_id.is_not(None)
        )
        conds.append(_cases.c.subcategory_id.in_(sub_ids))
    if f.summary_contains:
        conds.append(_cases.c.summary.contains(f.summary_contains, autoescape=True))
    return [*period, *(backend.likely(c) for c in conds)] if walk else [*period, *conds]


@dataclass(frozen=True)
class PageKey:
    """Where a page of ids ended: its last case's sort value (or that it was blank) and id.

    The next page starts right after it (keyset paging), so no page needs the ones before it.
    """

    blank: bool
    value: Any
    id: int


def _blank_forms(column: ColumnElement) -> list[ColumnElement[bool]]:
    """The forms a blank sort value takes: none for a column that always has one (NOT NULL), else
    NULL, and for text also the empty string."""
    if not getattr(column, "nullable", True):
        return []
    forms = [column.is_(None)]
    if isinstance(column.type, String):
        forms.append(column == "")
    return forms


def _filled(column: ColumnElement) -> list[ColumnElement[bool]]:
    """Conditions selecting the cases whose sort value is not blank."""
    return [not_(form) for form in _blank_forms(column)]


def case_page(
    session: Session,
    f: CaseFilter,
    *,
    sort: str = "received_at",
    descending: bool = True,
    after: PageKey | None = None,
    limit: int | None = None,
) -> tuple[list[int], PageKey | None]:
    """Up to ``limit`` ids of matching cases in display order, starting after ``after``.

    Cases whose sort value is blank come last in either direction (by id); the others are in the
    order of their value, then id.  Each part is an ordered query that stops at ``limit``, so the
    first page does not grow with the number of matches.  Returns the ids and the key to continue
    from (None when the last case was reached).
    """
    column = SORTABLE.get(sort, _cases.c.received_at)
    ids: list[int] = []
    last: PageKey | None = after
    if after is None or not after.blank:

        def filled(walk: bool) -> Select:
            query = select(_cases.c.id, column).where(*_conditions(session, f, walk=walk), *_filled(column))
            if after is not None:
                key, start = tuple_(column, _cases.c.id), tuple_(literal(after.value, column.type), after.id)
                query = query.where(key < start if descending else key > start)
            order = [column.desc(), _cases.c.id.desc()] if descending else [column.asc(), _cases.c.id.asc()]
            return query.order_by(*order).limit(limit)

        rows = _ordered_rows(session, filled, sort, f, limit)
        ids.extend(row[0] for row in rows)
        if rows:
            last = PageKey(False, rows[-1][1], rows[-1][0])
    blank = _blank_forms(column)
    wanted = None if limit is None else limit - len(ids)
    if blank and (wanted is None or wanted > 0):
        query = select(_cases.c.id).where(*_conditions(session, f), or_(*blank))
        if last is not None and last.blank:
            query = query.where(_cases.c.id < last.id if descending else _cases.c.id > last.id)
        query = query.order_by(_cases.c.id.desc() if descending else _cases.c.id.asc()).limit(wanted)
        found = list(session.scalars(query))
        ids.extend(found)
        if found:
            last = PageKey(True, None, found[-1])
    if limit is None or len(ids) < limit:
        return ids, None
    return ids, last


def _ordered_rows(
    session: Session, query: Callable[[bool], Select], sort: str, f: CaseFilter, limit: int | None
) -> list[Row]:
    """The rows of an ordered, limited query (``query(walk)``), by the plan that stops earliest.

    When many cases match, following the sort column's index and stopping at the ``limit``-th match
    is quickest; when few do, reading those few through the filters' indexes and ordering them is.
    SQLite's planner cannot tell which without statistics, so the matches are counted first, up to
    ``FEW_MATCHES`` (with search words: the cases holding them, counted in the text index alone).
    """
    if limit is None or sort not in ORDERED_BY_INDEX or not backend_of(session).needs_plan_hints:
        return list(session.execute(query(False)).all())
    few = FEW_MATCHES
    if few is None:
        few = max(200, math.isqrt(40 * int(session.scalar(select(func.max(_cases.c.id))) or 0)))
    if _fewer_than(session, f, few):
        return list(session.execute(query(False)).all())
    return list(session.execute(query(True)).all())


def _fewer_than(session: Session, f: CaseFilter, few: int) -> bool:
    """True when fewer than ``few`` cases may match ``f`` (counting stops at ``few``)."""
    words = words_of(f.text)
    if words:  # the cases holding the words, counted in the text index (the others filter those)
        hits = backend_of(session).text_hits(session.connection(), words)
        if hits is not None:
            return hits < few
    matches = select(_cases.c.id).where(*_conditions(session, f)).limit(few).subquery()
    return int(session.scalar(select(func.count()).select_from(matches)) or 0) < few


def case_ids(
    session: Session,
    f: CaseFilter,
    *,
    sort: str = "received_at",
    descending: bool = True,
    limit: int | None = None,
) -> list[int]:
    """The ids of matching cases in display order (blanks last), at most ``limit`` of them."""
    return case_page(session, f, sort=sort, descending=descending, limit=limit)[0]


def count_cases(session: Session, f: CaseFilter) -> int:
    """How many cases ``f`` selects (a search alone is counted in the text index, without the cases)."""
    words = words_of(f.text)
    if words and not _conditions(session, replace(f, text="")):
        hits = backend_of(session).text_hits(session.connection(), words)
        if hits is not None:
            return hits
    return int(session.scalar(select(func.count(_cases.c.id)).where(*_conditions(session, f))) or 0)


def count_many(session: Session, filters: Mapping[str, CaseFilter]) -> dict[str, int]:
    """``count_cases`` of every filter, in one scan of the cases (a sum of a CASE per filter)."""
    if not filters:
        return {}
    row = session.execute(select(*_filter_sums(session, filters)).select_from(_cases)).one()
    return {key: int(value) for key, value in zip(filters, row, strict=True)}


def count_many_by_unit(session: Session, filters: Mapping[str, CaseFilter]) -> dict[str, dict[str, int]]:
    """Per unit code: ``count_cases`` of every filter narrowed to that unit, in one grouped scan.

    The filters name no unit themselves; a unit with no case is absent (all its counts are 0).
    """
    if any(f.unit_code for f in filters.values()):
        raise ValueError("count_many_by_unit: the filters must not name a unit")
    sums = _filter_sums(session, filters)
    rows = session.execute(select(_cases.c.unit_code, *sums).group_by(_cases.c.unit_code)).all()
    return {
        code: {key: int(value) for key, value in zip(filters, values, strict=True)} for code, *values in rows
    }


def _filter_sums(session: Session, filters: Mapping[str, CaseFilter]) -> list[ColumnElement[int]]:
    """Per filter, the number of scanned cases it selects (a sum of a CASE on its conditions)."""
    return [
        func.coalesce(func.sum(case((and_(true(), *_conditions(session, f)), 1), else_=0)), 0)
        for f in filters.values()
    ]


@dataclass(frozen=True)
class CaseRow:
    """One line of the ledger view, as plain data (safe to hand across threads)."""

    id: int
    uuid: str
    case_no: str
    received_at: datetime
    channel: str
    source: str
    nature: str
    petitioner: str
    people_count: int
    category: str
    subcategory: str
    summary: str
    status: str
    status_code: str
    department: str
    due_on: date | None
    satisfaction: str
    supervise_count: int
    is_repeat: bool
    unit_code: str
    overdue: bool
    due_soon: bool
    #: the deadline depends on an estimated holiday (估算)
    due_estimated: bool = False


@cache
def _rows_query() -> Select:
    """The select of display rows for a list of ids (built once: building it costs more than running it)."""
    sub = _categories.alias()
    return (
        select(
            _cases.c.id,
            _cases.c.uuid,
            _cases.c.case_no,
            _cases.c.received_at,
            _cases.c.channel,
            _cases.c.source,
            _cases.c.nature,
            _petitioners.c.name,
            _cases.c.people_count,
            _categories.c.name,
            sub.c.name,
            _cases.c.summary,
            _cases.c.status,
            _departments.c.name,
            _cases.c.due_on,
            _cases.c.satisfaction,
            _cases.c.supervise_count,
            _cases.c.is_repeat,
            _cases.c.unit_code,
            _cases.c.due_estimated,
        )
        .join(_petitioners, _petitioners.c.id == _cases.c.petitioner_id)
        .join(_categories, _categories.c.id == _cases.c.category_id)
        .outerjoin(sub, sub.c.id == _cases.c.subcategory_id)
        .outerjoin(_departments, _departments.c.id == _cases.c.department_id)
        .where(_cases.c.id.in_(bindparam("ids", expanding=True)))
    )


def case_rows(
    session: Session, ids: Sequence[int], *, today: date | None = None, due_soon_days: int = 3
) -> list[CaseRow]:
    """Display rows for ``ids``, in the order given (missing ids are skipped)."""
    if not ids:
        return []
    today = today or date.today()
    rows = session.execute(_rows_query(), {"ids": list(ids)}).all()
    by_id: dict[int, CaseRow] = {}
    for r in rows:
        status = Status(r[12])
        due = r[14]
        is_open = status in OPEN_STATUSES and due is not None
        by_id[r[0]] = CaseRow(
            id=r[0],
            uuid=r[1],
            case_no=r[2],
            received_at=r[3],
            channel=Channel(r[4]).label,
            source=Source(r[5]).label,
            nature=Nature(r[6]).label,
            petitioner=r[7],
            people_count=r[8],
            category=r[9],
            subcategory=r[10] or "",
            summary=r[11],
            status=status.label,
            status_code=status.value,
            department=r[13] or "",
            due_on=due,
            satisfaction=Satisfaction(r[15]).label,
            supervise_count=r[16],
            is_repeat=bool(r[17]),
            unit_code=r[18],
            overdue=is_open and due < today,
            due_soon=is_open and today <= due <= today + timedelta(days=due_soon_days),
            due_estimated=is_open and bool(r[19]),
        )
    return [by_id[i] for i in ids if i in by_id]
