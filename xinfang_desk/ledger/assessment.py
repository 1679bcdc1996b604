"""Unit assessment (office mode): a line per unit of the figures the yearly score weighs (seed 2: 8 %).

Every unit the office knows is listed, a unit with no case in the period included.  The counts use the
same conditions as ``compute_figures`` (``flag_conditions``), grouped by unit in one walk of
``ix_cases_figures`` (the cases' rows are not read); 当前超期 counts the unit's open cases past their
deadline today, whenever they were received (from ``ix_cases_status_due``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from xinfang_desk.ledger import ledger_info
from xinfang_desk.ledger.figures import EVALUATED, SATISFIED, flag_conditions, pct, walked_received_between
from xinfang_desk.ledger.models import Case, LedgerInfo, Unit
from xinfang_desk.ledger.vocab import OPEN_STATUSES

#: The columns of the table: (attribute, Chinese heading, definition shown on hover).
ASSESSMENT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("unit_name", "单位", "二级单位名称"),
    ("accepted", "受理量", "统计期间内收到、已受理的事项件数"),
    ("on_time_pct", "按期办结率（%）", "已办结事项中按期（含批准延期）办结的比例"),
    ("one_time_pct", "初信初访一次性办结率（%）", "已办结的初信初访事项中从未重开、其后也无重复访的比例"),
    ("repeat", "重复访", "标记为重复访的件数"),
    ("supervised", "督办", "督办过至少一次的件数"),
    ("satisfaction_pct", "满意度（%）", "（满意 + 基本满意）÷ 已回访评价件数"),
    ("overdue_now", "当前超期", "今天仍未办结且已过期限的事项件数（不限收件期间）"),
)


@dataclass(frozen=True)
class UnitAssessment:
    """One unit's line of the assessment table."""

    unit_code: str
    unit_name: str
    accepted: int
    closed: int
    on_time: int
    first_time_closed: int
    one_time: int
    repeat: int
    supervised: int
    evaluated: int
    satisfied: int
    overdue_now: int

    @property
    def on_time_pct(self) -> float | None:
        return pct(self.on_time, self.closed)

    @property
    def one_time_pct(self) -> float | None:
        return pct(self.one_time, self.first_time_closed)

    @property
    def satisfaction_pct(self) -> float | None:
        return pct(self.satisfied, self.evaluated)

    def value(self, attribute: str) -> object:
        return getattr(self, attribute)


def _sum(condition: object) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def known_units(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every unit the office knows, its own code left out unless it has cases; by code."""
    own_code = _office_code(session)
    names = dict(session.execute(select(Unit.code, Unit.name)).all())
    with_cases = set(session.scalars(select(Case.unit_code).distinct()))
    codes = sorted((set(names) - {own_code}) | with_cases)
    return [(code, names.get(code) or code) for code in codes]


def _office_code(session: Session) -> str | None:
    own = session.get(LedgerInfo, "unit_code")
    return own.value if own is not None and ledger_info.office_ledger(session) else None


def unit_assessment(session: Session, start: date, end: date, today: date) -> list[UnitAssessment]:
    """The table for cases received from ``start`` to ``end``, by unit code; overdue as of ``today``."""
    flags = flag_conditions()
    evaluated = Case.satisfaction.in_([s.value for s in EVALUATED])
    satisfied = Case.satisfaction.in_([s.value for s in SATISFIED])
    overdue = and_(Case.status.in_([s.value for s in OPEN_STATUSES]), Case.due_on < today)
    columns = [
        flags["accepted"],
        flags["closed"],
        flags["on_time_closed"],
        flags["first_time_closed"],
        flags["one_time_closed"],
        flags["repeat"],
        flags["supervised"],
        evaluated,
        satisfied,
    ]
    in_period = {
        code: [int(v) for v in values]
        for code, *values in session.execute(
            select(Case.unit_code, *[_sum(c) for c in columns])
            .where(*walked_received_between(session, start, end))
            .group_by(Case.unit_code)
        )
    }
    overdue_now = dict(
        session.execute(select(Case.unit_code, func.count()).where(overdue).group_by(Case.unit_code)).all()
    )
    counts = {
        code: in_period.get(code, [0] * len(columns)) + [int(overdue_now.get(code, 0))]
        for code in set(in_period) | set(overdue_now)
    }
    own_code = _office_code(session)
    names = dict(session.execute(select(Unit.code, Unit.name)).all())
    codes = sorted((set(names) - {own_code}) | set(counts))
    return [
        UnitAssessment(code, names.get(code) or code, *counts.get(code, [0] * (len(columns) + 1)))
        for code in codes
    ]
