"""The lists the office asks for in its year-end report: overdue cases and repeat petitioners.

Both are plain data with no personal data beyond a masked name, so they can be printed and sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, aliased

from xinfang_desk.ledger.figures import received_between
from xinfang_desk.ledger.models import Case, Category, Department, Petitioner
from xinfang_desk.ledger.vocab import OPEN_STATUSES


@dataclass(frozen=True)
class OverdueCase:
    """An open case received in the period that is past its deadline today."""

    case_no: str
    received_on: date
    category: str
    department: str
    due_on: date
    days_overdue: int


@dataclass(frozen=True)
class RepeatPetitioner:
    """A petitioner (masked name) with repeat cases in the period."""

    name: str
    cases: int
    repeats: int
    case_nos: tuple[str, ...]


def masked_name(name: str) -> str:
    """The surname and a star for each further character (李玥 → 李*); an empty name is 匿名."""
    name = (name or "").strip()
    return name[0] + "*" * (len(name) - 1) if name else "匿名"


def overdue_cases(
    session: Session, start: date, end: date, today: date, *, unit_code: str | None = None, limit: int = 200
) -> list[OverdueCase]:
    """Open cases received in the period whose deadline has passed, most overdue first."""
    query = (
        select(Case.case_no, Case.received_at, Category.name, Department.name, Case.due_on)
        .join(Category, Category.id == Case.category_id)
        .outerjoin(Department, Department.id == Case.department_id)
        .where(
            received_between(start, end),
            Case.status.in_([s.value for s in OPEN_STATUSES]),
            Case.due_on < today,
        )
        .order_by(Case.due_on, Case.case_no)
        .limit(limit)
    )
    if unit_code:
        query = query.where(Case.unit_code == unit_code)
    return [
        OverdueCase(no, received.date(), category, department or "", due, (today - due).days)
        for no, received, category, department, due in session.execute(query)
    ]


def repeat_petitioners(
    session: Session, start: date, end: date, *, unit_code: str | None = None, limit: int = 50
) -> list[RepeatPetitioner]:
    """Petitioners with a repeat case received in the period, with every case of theirs in the period.

    A person is recognised across cases as ``ledger.repeats`` does: the ID number when recorded, else
    the name with the phone number.
    """
    person = func.coalesce(Petitioner.id_number, Petitioner.name + "|" + func.coalesce(Petitioner.phone, ""))
    in_period = received_between(start, end)
    of_unit = Case.unit_code == unit_code if unit_code else true()
    repeaters = (
        select(person.label("person"))
        .join(Case, Case.petitioner_id == Petitioner.id)
        .where(in_period, of_unit, Case.is_repeat.is_(True), Petitioner.anonymous.is_(False))
        .distinct()
        .subquery()
    )
    p = aliased(Petitioner)
    key = func.coalesce(p.id_number, p.name + "|" + func.coalesce(p.phone, ""))
    rows = session.execute(
        select(key, p.name, Case.case_no, Case.is_repeat)
        .join(Case, Case.petitioner_id == p.id)
        .where(in_period, of_unit, key.in_(select(repeaters.c.person)))
        .order_by(Case.received_at)
    ).all()
    people: dict[str, tuple[str, list[str], int]] = {}
    for person_key, name, case_no, is_repeat in rows:
        entry = people.setdefault(person_key, (name, [], 0))
        people[person_key] = (entry[0], [*entry[1], case_no], entry[2] + int(bool(is_repeat)))
    result = [
        RepeatPetitioner(masked_name(name), len(nos), repeats, tuple(nos))
        for name, nos, repeats in people.values()
    ]
    result.sort(key=lambda r: (-r.cases, -r.repeats, r.case_nos[0]))
    return result[:limit]
