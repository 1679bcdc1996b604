"""Recording who took personal data out of the ledger: one append-only audit entry per export or print.

A full export (unmasked ID and phone numbers) concerns many cases at once; recording it as a case
event would raise every case's revision and make the office see a "newer" version of each.  So it
goes to the ledger-level ``audit_log`` table instead, with the acting user, the time and what left.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.models import AuditEntry
from xinfang_desk.ledger.vocab import EventKind

#: Audit actions (codes stored in the log); a full export reuses the event kind's code.
EXPORT_FULL = EventKind.EXPORT_FULL.value
EXPORT_MASKED = "export_masked"
PRINT_DOCUMENTS = "print_documents"
#: Someone pressed 显示 to read a petitioner's unmasked ID number or phone.
REVEAL_PERSONAL_DATA = "reveal_personal_data"


def require_actor(actor: str) -> str:
    """The acting user's name, refusing an empty one."""
    actor = (actor or "").strip()
    if not actor:
        raise ValidationError("未指明操作人。")
    return actor


def record_audit(
    session: Session,
    actor: str,
    action: str,
    detail: dict[str, Any],
    *,
    clock: Callable[[], datetime] = datetime.now,
) -> AuditEntry:
    """Append one entry to the audit log (the caller's session commits)."""
    entry = AuditEntry(
        at=clock().replace(microsecond=0), actor=require_actor(actor), action=action, detail=detail
    )
    session.add(entry)
    session.flush()
    return entry
