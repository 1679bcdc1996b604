"""The figures the office reports (DOMAIN.md's table), computed in SQL for any period of receipt.

One function, ``compute_figures``, feeds the command line, the GUI and the Excel 统计 sheet, so they
agree to the last decimal.  Percentages are rounded half away from zero to one decimal from exact
fractions; a figure whose denominator is empty is ``None`` (JSON null), never 0.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import Integer, and_, case, exists, extract, func, select, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from xinfang_desk.ledger.models import Case, Category, Department, Unit
from xinfang_desk.ledger.vocab import Channel, Outcome, Satisfaction, Status


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


def received_between(start: date, end: date) -> ColumnElement[bool]:
    """Cases received from ``start`` to ``end`` inclusive (the period every figure counts by)."""
    return and_(
        Case.received_at >= datetime.combine(start, time.min),
        Case.received_at < datetime.combine(end + timedelta(days=1), time.min),
    )


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def compute_figures(
    session: Session, start: date, end: date, *, unit_code: str | None = None
) -> dict[str, Any]:
    """Every figure of DOMAIN.md for cases received from ``start`` to ``end`` inclusive.

    With ``unit_code`` only that unit's cases count (the office's figures per unit).
    """
    of_unit = Case.unit_code == unit_code if unit_code is not None else true()
    in_period = and_(received_between(start, end), of_unit)
    later = aliased(Case)
    followed_by_repeat = exists().where(later.repeat_of_id == Case.id)
    closed = Case.status == Status.CLOSED.value
    first_time_closed = and_(closed, Case.is_repeat.is_(False))
    evaluated = Case.satisfaction.in_([s.value for s in Satisfaction if s is not Satisfaction.NONE])
    accepted = Case.accepted_at.is_not(None)

    row = session.execute(
        select(
            func.count(Case.id),
            _count(accepted),
            _count(closed),
            _count(and_(closed, Case.closed_on_time.is_(True))),
            _count(first_time_closed),
            _count(and_(first_time_closed, Case.reopen_count == 0, ~followed_by_repeat)),
            _count(Case.is_repeat.is_(True)),
            _count(Case.bypassed_level.is_(True)),
            _count(Case.people_count >= 5),
            _count(evaluated),
            _count(Case.satisfaction.in_([Satisfaction.SATISFIED.value, Satisfaction.BASIC.value])),
            _count(Case.status == Status.FORWARDED.value),
            _count(Case.assigned_at.is_not(None)),
            _count(Case.supervise_count > 0),
        ).where(in_period)
    ).one()
    (
        received,
        n_accepted,
        n_closed,
        on_time,
        n_first_closed,
        one_time,
        repeat,
        bypassed,
        collective,
        n_evaluated,
        satisfied,
        forwarded,
        assigned,
        supervised,
    ) = (int(v) for v in row)

    last_start, last_end = same_range_last_year(start, end)
    last = session.execute(
        select(_count(accepted), _count(Case.is_repeat.is_(True))).where(
            received_between(last_start, last_end), of_unit
        )
    ).one()
    accepted_last, repeat_last = int(last[0]), int(last[1])

    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "received": received,
        "accepted": n_accepted,
        "accepted_last_year": accepted_last,
        "accepted_yoy_pct": yoy_pct(n_accepted, accepted_last),
        "closed": n_closed,
        "on_time_closure_pct": pct(on_time, n_closed),
        "first_time_closed": n_first_closed,
        "first_time_one_time_closure_pct": pct(one_time, n_first_closed),
        "repeat": repeat,
        "repeat_last_year": repeat_last,
        "repeat_yoy_pct": yoy_pct(repeat, repeat_last),
        "bypassed_level": bypassed,
        "collective": collective,
        "evaluated": n_evaluated,
        "satisfaction_pct": pct(satisfied, n_evaluated),
        "category_share_pct": _category_share(session, in_period, n_accepted),
        "outcomes": _outcomes(session, in_period),
        "forwarded": forwarded,
        "assigned": assigned,
        "supervised": supervised,
        "by_department": _by_department(session, in_period),
        "by_channel": _by_channel(session, in_period),
        "by_unit": _by_unit(session, in_period),
        "by_month": _by_month(session, in_period),
    }


def _category_share(
    session: Session, in_period: ColumnElement[bool], accepted: int
) -> dict[str, float | None]:
    rows = session.execute(
        select(Category.name, func.count(Case.id))
        .join(Category, Category.id == Case.category_id)
        .where(in_period, Case.accepted_at.is_not(None))
        .group_by(Category.id, Category.name, Category.sort_order)
        .order_by(Category.sort_order, Category.name)
    ).all()
    return {name: pct(int(n), accepted) for name, n in rows}


def _outcomes(session: Session, in_period: ColumnElement[bool]) -> dict[str, int]:
    counts = dict(
        session.execute(
            select(Case.outcome, func.count(Case.id))
            .where(in_period, Case.outcome.is_not(None))
            .group_by(Case.outcome)
        ).all()
    )
    return {o.label: int(counts.get(o.value, 0)) for o in Outcome}


def _by_department(session: Session, in_period: ColumnElement[bool]) -> dict[str, int]:
    rows = session.execute(
        select(Department.name, func.count(Case.id))
        .join(Department, Department.id == Case.department_id)
        .where(in_period)
        .group_by(Department.name)
        .order_by(func.count(Case.id).desc(), Department.name)
    ).all()
    return {name: int(n) for name, n in rows}


def _by_channel(session: Session, in_period: ColumnElement[bool]) -> dict[str, int]:
    counts = dict(
        session.execute(
            select(Case.channel, func.count(Case.id)).where(in_period).group_by(Case.channel)
        ).all()
    )
    return {c.label: int(counts.get(c.value, 0)) for c in Channel}


def _by_unit(session: Session, in_period: ColumnElement[bool]) -> dict[str, int]:
    rows = session.execute(
        select(Case.unit_code, func.max(Unit.name), func.count(Case.id))
        .outerjoin(Unit, Unit.code == Case.unit_code)
        .where(in_period)
        .group_by(Case.unit_code)
        .order_by(Case.unit_code)
    ).all()
    return {(name or code): int(n) for code, name, n in rows}


def _by_month(session: Session, in_period: ColumnElement[bool]) -> dict[str, int]:
    year = extract("year", Case.received_at).cast(Integer)
    month = extract("month", Case.received_at).cast(Integer)
    rows = session.execute(
        select(year, month, func.count(Case.id)).where(in_period).group_by(year, month).order_by(year, month)
    ).all()
    return {f"{int(y):04d}-{int(m):02d}": int(n) for y, m, n in rows}
