"""The figures the office reports (DOMAIN.md's table), computed by one grouped pass of SQL per period of receipt.

One function, ``compute_figures``, feeds the command line, the GUI, the annual report and the Excel 统计
sheet, so they agree to the last decimal.  It returns a typed ``Figures``; ``Figures.as_json`` is the
object ``stats --json`` prints (its keys never change).  Each figure's Chinese label and definition is
declared once here, in ``FIGURE_SPECS``.  Percentages are rounded half away from zero to one decimal
from exact fractions; a figure whose denominator is empty is ``None`` (JSON null), never 0.

Each period (this one, then the same period last year) is read in one grouped scan: one row per
combination of unit, category, channel, outcome, department and satisfaction, carrying the sums of
every flag.  The scan walks ``ix_cases_figures``, which holds every column it reads in the order it
groups by, so SQLite neither reads the cases' rows nor sorts them; the cases per month are counted
from ``ix_cases_received_at`` alone.  Everything else is folded from those rows in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, case, exists, func, select, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from xinfang_desk.ledger.models import Case, Category, Department, Unit
from xinfang_desk.ledger.storage import backend_of
from xinfang_desk.ledger.vocab import COLLECTIVE_MIN_PEOPLE, Channel, Outcome, Satisfaction, Status


def pct(numerator: int, denominator: int) -> float | None:
    """numerator / denominator × 100, rounded half away from zero to one decimal; None if nothing to divide."""
    if not denominator:
        return None
    value = Fraction(numerator * 100, denominator)
    sign = -1 if value < 0 else 1
    tenths = int(abs(value) * 10 + Fraction(1, 2))
    return sign * tenths / 10


def yoy_pct(this: int, last: int) -> float | None:
    """同比: (this − last) / last × 100, one decimal; None when last year had none."""
    return pct(this - last, last)


def year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def same_range_last_year(start: date, end: date) -> tuple[date, date]:
    def back(d: date) -> date:
        try:
            return d.replace(year=d.year - 1)
        except ValueError:  # 29 February
            return d.replace(year=d.year - 1, day=28)

    return back(start), back(end)


def so_far(start: date, end: date, today: date | None) -> tuple[date, date]:
    """The period as far as it has run: one that runs past ``today`` ends today, so that a running year is
    compared with the same days of last year (1 January to 1 December against last year's), not with all
    of last year."""
    if today is not None and start <= today < end:
        return start, today
    return start, end


def received_between(start: date, end: date) -> ColumnElement[bool]:
    """Cases received from ``start`` to ``end`` inclusive (the period every figure counts by)."""
    return and_(
        Case.received_at >= datetime.combine(start, time.min),
        Case.received_at < datetime.combine(end + timedelta(days=1), time.min),
    )


def walked_received_between(session: Session, start: date, end: date) -> list[ColumnElement[bool]]:
    """``received_between`` for a grouped scan: its bounds marked likely, so that the planner does not pick
    the date index (and sort what it finds) but walks ``ix_cases_figures``, which is in unit order."""
    backend = backend_of(session)
    return [
        backend.likely(Case.received_at >= datetime.combine(start, time.min)),
        backend.likely(Case.received_at < datetime.combine(end + timedelta(days=1), time.min)),
    ]


@dataclass(frozen=True)
class FigureSpec:
    """One figure: its JSON key, its Chinese label and how it is counted (shown on hover)."""

    key: str
    label: str
    definition: str


#: Every figure, in the order of ``stats --json``: the one place its label and definition are declared.
FIGURE_SPECS: tuple[FigureSpec, ...] = (
    FigureSpec("period", "统计期间", "按收件（登记）日期计，起止日期均含当日。"),
    FigureSpec("received", "登记量", "统计期间内收到并登记的信访事项件数（含不予受理、转送）。"),
    FigureSpec("accepted", "受理量", "统计期间内收到、已决定受理的事项件数。"),
    FigureSpec("accepted_last_year", "上年同期受理量", "上一年同一期间收到、已受理的事项件数。"),
    FigureSpec(
        "accepted_yoy_pct",
        "受理量同比（%）",
        "（本期受理量 − 上年同期受理量）÷ 上年同期受理量 × 100，保留一位小数。",
    ),
    FigureSpec("closed", "办结量", "统计期间内收到、目前已办结的事项件数。"),
    FigureSpec(
        "on_time_closure_pct", "按期办结率（%）", "已办结事项中，在办理期限（含批准延期）内办结的比例。"
    ),
    FigureSpec("first_time_closed", "初信初访办结量", "已办结事项中，不是重复访的（初信初访）件数。"),
    FigureSpec(
        "first_time_one_time_closure_pct",
        "初信初访一次性办结率（%）",
        "已办结的初信初访事项中，从未重开（复查）、其后也没有关联的重复访的比例。",
    ),
    FigureSpec("repeat", "重复访", "标记为重复访（同一信访人就同一事项再次信访）的件数。"),
    FigureSpec("repeat_last_year", "上年同期重复访", "上一年同一期间的重复访件数。"),
    FigureSpec(
        "repeat_yoy_pct", "重复访同比（%）", "（本期重复访 − 上年同期）÷ 上年同期 × 100，保留一位小数。"
    ),
    FigureSpec("bypassed_level", "越级访", "标记为越级访（越过本单位向上级反映）的件数。"),
    FigureSpec("collective", "集体访", f"信访人数 {COLLECTIVE_MIN_PEOPLE} 人及以上的件数。"),
    FigureSpec("evaluated", "已回访评价", "已回访并作出满意、基本满意或不满意评价的件数。"),
    FigureSpec(
        "satisfaction_pct", "满意度（%）", "（满意 + 基本满意）÷ 已回访评价件数 × 100，保留一位小数。"
    ),
    FigureSpec("category_share_pct", "类别占比（%）", "各一级问题类别在受理事项中所占比例。"),
    FigureSpec("outcomes", "结果分布", "已答复事项按“三到位一处理”的处理结果计数。"),
    FigureSpec("forwarded", "转送", "转送有权处理机关的件数。"),
    FigureSpec("assigned", "交办", "已交办承办单位的件数。"),
    FigureSpec("supervised", "督办", "督办过至少一次的件数。"),
    FigureSpec("by_department", "承办单位案件数", "各承办单位承办的事项件数，多者在前。"),
    FigureSpec("by_channel", "信访形式分布", "按来访、来信、电话等信访形式计数。"),
    FigureSpec("by_unit", "各单位案件数", "各二级单位登记的事项件数。"),
    FigureSpec("by_month", "各月登记量", "按收件月份计数。"),
)
FIGURE_LABELS: dict[str, str] = {spec.key: spec.label for spec in FIGURE_SPECS}
FIGURE_DEFINITIONS: dict[str, str] = {spec.key: spec.definition for spec in FIGURE_SPECS}


def short_label(key: str) -> str:
    """The figure's label without its unit mark (for text that prints the value with its own “%”)."""
    return FIGURE_LABELS[key].removesuffix("（%）")


#: The answers that count as an evaluation (the denominator of 满意度).
EVALUATED: tuple[Satisfaction, ...] = (Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED)
#: The answers that count as satisfied (the numerator of 满意度).
SATISFIED: tuple[Satisfaction, ...] = (Satisfaction.SATISFIED, Satisfaction.BASIC)


@dataclass(frozen=True)
class DepartmentClosure:
    """A handling department's closed cases and how many of them were closed on time."""

    closed: int
    on_time: int

    @property
    def on_time_pct(self) -> float | None:
        return pct(self.on_time, self.closed)


@dataclass(frozen=True)
class Figures:
    """The figures of one period (and one unit, or all), typed; ``previous`` is the same period last year."""

    start: date
    end: date
    unit_code: str | None
    received: int = 0
    accepted: int = 0
    closed: int = 0
    on_time_closed: int = 0
    first_time_closed: int = 0
    one_time_closed: int = 0
    repeat: int = 0
    bypassed_level: int = 0
    collective: int = 0
    forwarded: int = 0
    assigned: int = 0
    supervised: int = 0
    #: accepted cases per top-level category name (categories with accepted cases, in their order)
    category_accepted: dict[str, int] = field(default_factory=dict)
    #: Outcome label → count (every outcome, zero included)
    outcomes: dict[str, int] = field(default_factory=dict)
    #: department name → cases, most first
    by_department: dict[str, int] = field(default_factory=dict)
    #: Channel label → count (every channel)
    by_channel: dict[str, int] = field(default_factory=dict)
    #: unit code → cases, by code
    by_unit: dict[str, int] = field(default_factory=dict)
    unit_names: dict[str, str] = field(default_factory=dict)
    #: "YYYY-MM" → cases
    by_month: dict[str, int] = field(default_factory=dict)
    #: Satisfaction label → count (every answer, 未评价 included)
    satisfaction_counts: dict[str, int] = field(default_factory=dict)
    #: department name → closed / closed on time, best rate first
    department_closure: dict[str, DepartmentClosure] = field(default_factory=dict)
    previous: Figures | None = None

    # -- derived figures ----------------------------------------------------------------------
    @property
    def evaluated(self) -> int:
        return sum(self.satisfaction_counts.get(s.label, 0) for s in EVALUATED)

    @property
    def satisfied(self) -> int:
        return sum(self.satisfaction_counts.get(s.label, 0) for s in SATISFIED)

    @property
    def accepted_last_year(self) -> int:
        return self.previous.accepted if self.previous else 0

    @property
    def repeat_last_year(self) -> int:
        return self.previous.repeat if self.previous else 0

    @property
    def accepted_yoy_pct(self) -> float | None:
        return yoy_pct(self.accepted, self.accepted_last_year)

    @property
    def repeat_yoy_pct(self) -> float | None:
        return yoy_pct(self.repeat, self.repeat_last_year)

    @property
    def on_time_closure_pct(self) -> float | None:
        return pct(self.on_time_closed, self.closed)

    @property
    def first_time_one_time_closure_pct(self) -> float | None:
        return pct(self.one_time_closed, self.first_time_closed)

    @property
    def satisfaction_pct(self) -> float | None:
        return pct(self.satisfied, self.evaluated)

    @property
    def category_share_pct(self) -> dict[str, float | None]:
        return {name: pct(n, self.accepted) for name, n in self.category_accepted.items()}

    def unit_label(self, code: str) -> str:
        return self.unit_names.get(code) or code

    def value(self, key: str) -> Any:
        """The figure ``key`` as ``stats --json`` gives it."""
        return self.as_json()[key]

    def as_json(self) -> dict[str, Any]:
        """The object ``stats --json`` prints and the 统计 sheet shows (keys fixed for compatibility)."""
        return {
            "period": {"from": self.start.isoformat(), "to": self.end.isoformat()},
            "received": self.received,
            "accepted": self.accepted,
            "accepted_last_year": self.accepted_last_year,
            "accepted_yoy_pct": self.accepted_yoy_pct,
            "closed": self.closed,
            "on_time_closure_pct": self.on_time_closure_pct,
            "first_time_closed": self.first_time_closed,
            "first_time_one_time_closure_pct": self.first_time_one_time_closure_pct,
            "repeat": self.repeat,
            "repeat_last_year": self.repeat_last_year,
            "repeat_yoy_pct": self.repeat_yoy_pct,
            "bypassed_level": self.bypassed_level,
            "collective": self.collective,
            "evaluated": self.evaluated,
            "satisfaction_pct": self.satisfaction_pct,
            "category_share_pct": self.category_share_pct,
            "outcomes": dict(self.outcomes),
            "forwarded": self.forwarded,
            "assigned": self.assigned,
            "supervised": self.supervised,
            "by_department": dict(self.by_department),
            "by_channel": dict(self.by_channel),
            "by_unit": {self.unit_label(code): n for code, n in self.by_unit.items()},
            "by_month": dict(self.by_month),
        }


#: The plain (non-nested) figures, in table order, that carry a value for both periods.
SCALAR_KEYS: tuple[str, ...] = tuple(
    spec.key
    for spec in FIGURE_SPECS
    if spec.key
    not in {
        "period",
        "category_share_pct",
        "outcomes",
        "by_department",
        "by_channel",
        "by_unit",
        "by_month",
        "accepted_last_year",
        "repeat_last_year",
        "accepted_yoy_pct",
        "repeat_yoy_pct",
    }
)


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# The sums carried by each group, in order (names of ``Figures`` fields).
_FLAGS = (
    "received",
    "accepted",
    "closed",
    "on_time_closed",
    "first_time_closed",
    "one_time_closed",
    "repeat",
    "bypassed_level",
    "collective",
    "forwarded",
    "assigned",
    "supervised",
)


def flag_conditions() -> dict[str, ColumnElement[bool]]:
    """The condition each counted flag tests on a case (shared with the drill-down filters)."""
    later = aliased(Case)
    closed = Case.status == Status.CLOSED.value
    first_time_closed = and_(closed, Case.is_repeat.is_(False))
    return {
        "received": true(),
        "accepted": Case.accepted_at.is_not(None),
        "closed": closed,
        "on_time_closed": and_(closed, Case.closed_on_time.is_(True)),
        "first_time_closed": first_time_closed,
        "one_time_closed": and_(
            first_time_closed, Case.reopen_count == 0, ~exists().where(later.repeat_of_id == Case.id)
        ),
        "repeat": Case.is_repeat.is_(True),
        "bypassed_level": Case.bypassed_level.is_(True),
        "collective": Case.people_count >= COLLECTIVE_MIN_PEOPLE,
        "forwarded": Case.status == Status.FORWARDED.value,
        "assigned": Case.assigned_at.is_not(None),
        "supervised": Case.supervise_count > 0,
    }


@dataclass
class _Tally:
    """Running sums of one period while the grouped rows are folded."""

    flags: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_FLAGS, 0))
    category_accepted: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    departments: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    department_closed: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    channels: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    units: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    months: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    satisfaction: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def compute_figures(
    session: Session, start: date, end: date, *, unit_code: str | None = None, today: date | None = None
) -> Figures:
    """Every figure of DOMAIN.md for cases received from ``start`` to ``end`` inclusive, and last year's.

    With ``unit_code`` only that unit's cases count (the office's figures per unit); with ``today`` a period
    still running ends today (``so_far``), and the figures' ``end`` says so.
    """
    start, end = so_far(start, end, today)
    last_start, last_end = same_range_last_year(start, end)
    names = _Names.load(session)
    previous = _figures(
        _tally(session, last_start, last_end, unit_code), names, last_start, last_end, unit_code, None
    )
    return _figures(_tally(session, start, end, unit_code), names, start, end, unit_code, previous)


#: The columns the figures group by, in the order of ``ix_cases_figures`` (so the scan needs no sort).
_GROUPED_BY = (
    Case.unit_code,
    Case.category_id,
    Case.channel,
    Case.outcome,
    Case.department_id,
    Case.satisfaction,
)
#: Months counted in one statement (each month is one count over ``ix_cases_received_at``).
_MONTHS_AT_ONCE = 120


def _tally(session: Session, start: date, end: date, unit_code: str | None) -> _Tally:
    """The sums of the cases received from ``start`` to ``end`` inclusive (of one unit with ``unit_code``)."""
    where = walked_received_between(session, start, end)
    if unit_code is not None:
        where.append(Case.unit_code == unit_code)
    conditions = flag_conditions()
    sums = [func.count(Case.id)] + [_count(conditions[name]) for name in _FLAGS[1:]]
    rows = session.execute(select(*_GROUPED_BY, *sums).where(*where).group_by(*_GROUPED_BY)).all()

    tally = _Tally()
    for unit, category_id, channel, outcome, department_id, satisfaction, *counts in rows:
        n = int(counts[0])
        for name, value in zip(_FLAGS, counts, strict=True):
            tally.flags[name] += int(value)
        accepted = int(counts[1])
        if accepted:
            tally.category_accepted[category_id] += accepted
        if outcome is not None:
            tally.outcomes[outcome] += n
        if department_id is not None:
            tally.departments[department_id] += n
            closure = tally.department_closed[department_id]
            closure[0] += int(counts[2])
            closure[1] += int(counts[3])
        tally.channels[channel] += n
        tally.units[unit] += n
        tally.satisfaction[satisfaction] += n
    since, until = datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)
    tally.months.update(_months(session, since, until, unit_code))
    return tally


def _months(session: Session, since: datetime, until: datetime, unit_code: str | None) -> dict[str, int]:
    """Cases received per month ("YYYY-MM", months with cases) from ``since`` until before ``until``.

    Of all units: one count per month, each a range of ``ix_cases_received_at``.  Of one unit: its
    stretch of ``ix_cases_figures`` grouped by month (counting it month by month would walk it again
    for every month).
    """
    if unit_code is not None:
        year, month = backend_of(session).year_and_month(Case.received_at)
        rows = session.execute(
            select(year, month, func.count())
            .where(Case.unit_code == unit_code, Case.received_at >= since, Case.received_at < until)
            .group_by(year, month)
        ).all()
        return {f"{int(y):04d}-{int(m):02d}": int(n) for y, m, n in rows}
    bounds = [since]
    while bounds[-1] < until:
        first = bounds[-1]
        bounds.append(min(until, datetime(first.year + first.month // 12, first.month % 12 + 1, 1)))
    spans = list(zip(bounds, bounds[1:], strict=False))
    months: dict[str, int] = {}
    for at in range(0, len(spans), _MONTHS_AT_ONCE):
        chunk = spans[at : at + _MONTHS_AT_ONCE]
        counts = [
            select(func.count()).where(Case.received_at >= first, Case.received_at < after).scalar_subquery()
            for first, after in chunk
        ]
        for (first, _after), n in zip(chunk, session.execute(select(*counts)).one(), strict=True):
            if n:
                months[f"{first.year:04d}-{first.month:02d}"] = int(n)
    return months


@dataclass(frozen=True)
class _Names:
    """Names and order of the reference data the grouped rows refer to by id or code."""

    categories: dict[int, tuple[int, str]]
    departments: dict[int, str]
    units: dict[str, str]

    @classmethod
    def load(cls, session: Session) -> _Names:
        return cls(
            categories={
                cid: (order, name)
                for cid, order, name in session.execute(
                    select(Category.id, Category.sort_order, Category.name)
                )
            },
            departments=dict(session.execute(select(Department.id, Department.name)).all()),
            units=dict(session.execute(select(Unit.code, Unit.name)).all()),
        )


def _figures(
    tally: _Tally, names: _Names, start: date, end: date, unit_code: str | None, previous: Figures | None
) -> Figures:
    category_accepted = {
        names.categories[cid][1]: n
        for cid, n in sorted(
            tally.category_accepted.items(),
            key=lambda item: (names.categories[item[0]][0], names.categories[item[0]][1]),
        )
    }
    departments: dict[str, int] = defaultdict(int)
    closure: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for did, n in tally.departments.items():
        departments[names.departments[did]] += n
    for did, (closed, on_time) in tally.department_closed.items():
        closure[names.departments[did]][0] += closed
        closure[names.departments[did]][1] += on_time
    department_closure = {
        name: DepartmentClosure(closed, on_time) for name, (closed, on_time) in closure.items() if closed
    }
    return Figures(
        start=start,
        end=end,
        unit_code=unit_code,
        **tally.flags,
        category_accepted=category_accepted,
        outcomes={o.label: tally.outcomes.get(o.value, 0) for o in Outcome},
        by_department=dict(sorted(departments.items(), key=lambda item: (-item[1], item[0]))),
        by_channel={c.label: tally.channels.get(c.value, 0) for c in Channel},
        by_unit=dict(sorted(tally.units.items())),
        unit_names={code: names.units.get(code, "") for code in tally.units},
        by_month=dict(sorted(tally.months.items())),
        satisfaction_counts={s.label: tally.satisfaction.get(s.value, 0) for s in Satisfaction},
        department_closure=dict(
            sorted(
                department_closure.items(),
                key=lambda item: (-(item[1].on_time / item[1].closed), -item[1].closed, item[0]),
            )
        ),
        previous=previous,
    )
