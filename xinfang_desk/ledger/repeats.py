"""Finding a returning petitioner's earlier cases, so the clerk can link a 重复访 or reuse an open case.

The same person is the same ID number, or the same name together with the same phone number (DOMAIN.md).
Open cases come first: a matter still being handled is not a new case (条例第19条).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from xinfang_desk.ledger.models import Case, Category, Petitioner
from xinfang_desk.ledger.vocab import OPEN_STATUSES, Status


@dataclass(frozen=True)
class RepeatCandidate:
    """An earlier case of the same person; ``same_category`` marks a likely 重复访."""

    id: int
    case_no: str
    uuid: str
    received_at: datetime
    summary: str
    category: str
    status: str
    is_open: bool
    same_category: bool
    matched_by: str


def find_earlier_cases(
    session: Session,
    *,
    name: str = "",
    id_number: str = "",
    phone: str = "",
    category: str = "",
    since: datetime | None = None,
    limit: int = 20,
) -> list[RepeatCandidate]:
    """Earlier cases of the person identified by ID number, or by name and phone together.

    A closed case received before ``since`` (the ledger's 重复访 look-back) is left out; a case still
    being handled is always shown, however old (条例第19条: it is not a new matter).
    """
    id_number = (id_number or "").strip().upper()
    name, phone = (name or "").strip(), (phone or "").strip()
    who = []
    if len(id_number) == 18:
        who.append(Petitioner.id_number == id_number)
    if name and phone:
        who.append(and_(Petitioner.name == name, Petitioner.phone == phone))
    if not who:
        return []
    rows = session.execute(
        select(Case, Category.name, Petitioner.id_number)
        .join(Petitioner, Petitioner.id == Case.petitioner_id)
        .join(Category, Category.id == Case.category_id)
        .where(or_(*who))
        .order_by(Case.received_at.desc())
        .limit(200)
    ).all()
    found = []
    for case, category_name, pid in rows:
        status = Status(case.status)
        if since is not None and case.received_at < since and status not in OPEN_STATUSES:
            continue
        found.append(
            RepeatCandidate(
                id=case.id,
                case_no=case.case_no,
                uuid=case.uuid,
                received_at=case.received_at,
                summary=case.summary,
                category=category_name,
                status=status.label,
                is_open=status in OPEN_STATUSES,
                same_category=bool(category) and category_name == category,
                matched_by="身份证号" if id_number and pid == id_number else "姓名和电话",
            )
        )
    found.sort(key=lambda c: (not c.is_open, not c.same_category, -c.received_at.timestamp()))
    return found[:limit]
