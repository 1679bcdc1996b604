"""How a case's deadlines were reckoned (their basis), so that they can be reckoned again.

A deadline computed by the rules is kept with its basis on the case (``Case.deadline_basis``): the
start day, the rule's length and kind, the extensions added to it, and whether it depends on an
estimated holiday.  A deadline given from outside — the date on a superior's 交办单, an imported
办理时限, a 交办 date the unit head chose — has no basis and is never recomputed; only an extension
added to it is (``given`` is then its fixed base).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.settings import DeadlineRule
from xinfang_desk.ledger.vocab import OPEN_STATUSES, Status

if TYPE_CHECKING:
    from xinfang_desk.ledger.models import Case

#: the case columns of the deadlines a basis may describe, with their Chinese names
DEADLINE_COLUMNS = {
    "decide": ("decide_due_on", "受理期限"),
    "objection": ("objection_due_on", "异议期限"),
    "handle": ("handle_due_on", "办理期限"),
}
Basis = dict[str, Any]
#: what a 估算 mark means, for a tooltip
ESTIMATE_HINT = (
    "估算：该年的节假日安排尚未公布（官方库未收录，本单位未录入），期限按法定节假日估算，不含调休。"
    "国务院通知发布后，请在 设置 → 节假日 中录入，在办案件的期限会自动重算。"
)


def rule_basis(start: date, rule: DeadlineRule) -> Basis:
    """The basis of a deadline of ``rule`` counted from ``start``."""
    return {"start": start.isoformat(), "days": rule.days, "kind": rule.kind, "extensions": []}


def given_basis(given: date) -> Basis:
    """The basis of a deadline given from outside that is then extended by the rules."""
    return {"given": given.isoformat(), "extensions": []}


def reckon_basis(calendar: WorkCalendar, basis: Basis) -> tuple[date, bool]:
    """The deadline a basis gives today, and whether it depends on an estimated day."""
    if basis.get("given"):
        due, estimated = date.fromisoformat(basis["given"]), False
    else:
        rule = DeadlineRule(int(basis["days"]), basis.get("kind", "calendar"))
        reckoning = calendar.reckon(date.fromisoformat(basis["start"]), rule)
        due, estimated = reckoning.due, reckoning.estimated
    for days in basis.get("extensions", []):
        reckoning = calendar.reckon(due, DeadlineRule(int(days)))
        due, estimated = reckoning.due, estimated or reckoning.estimated
    return due, estimated


def set_basis(case: Case, key: str, basis: Basis | None, *, estimated: bool = False) -> None:
    """Store (or with ``None`` drop) the basis of one deadline of ``case``."""
    bases = dict(case.deadline_basis or {})
    if basis is None:
        bases.pop(key, None)
    else:
        bases[key] = {**basis, "estimated": estimated}
    case.deadline_basis = bases  # a new dict, so the JSON column is seen as changed


def running_deadlines(case: Case) -> tuple[str, ...]:
    """The deadlines still running for ``case``: deciding and objecting while registered, else handling."""
    status = Status(case.status)
    if status not in OPEN_STATUSES or case.due_on is None:
        return ()
    return ("decide", "objection") if status is Status.REGISTERED else ("handle",)


def current_deadline(case: Case) -> str | None:
    """Which deadline ``due_on`` is (None once the case is finished)."""
    running = running_deadlines(case)
    return running[0] if running else None


def due_text(due: date | None, estimated: bool) -> str:
    """A deadline as shown everywhere: ``2027-02-11``, or ``2027-02-11（估算）`` when estimated."""
    if due is None:
        return ""
    return f"{due:%Y-%m-%d}（估算）" if estimated else f"{due:%Y-%m-%d}"


def is_estimated(case: Case, key: str) -> bool:
    """Whether the deadline ``key`` of ``case`` depends on an estimated holiday."""
    basis = (case.deadline_basis or {}).get(key)
    return bool(basis and basis.get("estimated"))


def refresh_due_estimated(case: Case) -> None:
    """``due_estimated`` from the basis of the deadline that applies now."""
    key = current_deadline(case)
    basis = (case.deadline_basis or {}).get(key or "")
    case.due_estimated = bool(basis and basis.get("estimated"))
