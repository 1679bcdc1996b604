"""The audit trail as people read it: who saw, changed, exported or printed what, and when; and ``verify``.

The trail joins the audit log (exports, prints, revealed personal data, settings, users, sign-ins) with
the case events (every change to a case), newest first, filtered by person, case and action.  Reading it
needs ``VIEW_AUDIT`` (管理员, 单位负责人); exporting it is itself recorded before the file is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from xinfang_desk.ledger import audit
from xinfang_desk.ledger.chain_check import Finding, verify_ledger
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.models import AuditEntry, Case, CaseEvent
from xinfang_desk.ledger.operations.context import OpContext
from xinfang_desk.ledger.permissions import Permission, requires
from xinfang_desk.ledger.users import users_removed_outside
from xinfang_desk.ledger.vocab import EventKind

#: Rows the page shows at most (newest first); the export writes every matching row.
PAGE_LIMIT = 1000
#: The action filter's value for "every change to a case" (the case events).
CASE_CHANGES = "case_event"


@dataclass(frozen=True)
class TrailFilter:
    person: str = ""
    case_no: str = ""
    action: str = ""  # an audit code, CASE_CHANGES, an event kind's code, or "" for all
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class TrailRow:
    at: datetime
    actor: str
    action: str  # the Chinese label
    case_no: str
    detail: str


def _detail_text(detail: dict[str, Any]) -> str:
    parts = []
    for key, value in detail.items():
        if key == "case_no":
            continue
        if isinstance(value, list):
            value = "、".join(str(v) for v in value[:20]) + ("…" if len(value) > 20 else "")
        parts.append(f"{key}={value}")
    return "；".join(parts)


def _audit_case_nos(detail: dict[str, Any]) -> list[str]:
    found = [str(detail["case_no"])] if detail.get("case_no") else []
    cases = detail.get("cases")
    if isinstance(cases, list):
        found += [str(c) for c in cases]
    return found


def _rows(ctx: OpContext, f: TrailFilter, limit: int | None) -> list[TrailRow]:
    rows: list[TrailRow] = []
    event_kinds = {k.value for k in EventKind}
    want_audit = f.action != CASE_CHANGES and f.action not in event_kinds
    want_events = not f.action or f.action == CASE_CHANGES or f.action in event_kinds
    if want_audit:
        q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        if f.person:
            q = q.where(AuditEntry.actor.contains(f.person.strip()))
        if f.action:
            q = q.where(AuditEntry.action == f.action)
        if f.start:
            q = q.where(AuditEntry.at >= f.start)
        if f.end:
            q = q.where(AuditEntry.at <= f.end)
        for entry in ctx.session.scalars(q):
            detail = entry.detail if isinstance(entry.detail, dict) else {}
            case_nos = _audit_case_nos(detail)
            if f.case_no and not any(f.case_no.strip() in c for c in case_nos):
                continue
            rows.append(
                TrailRow(
                    entry.at,
                    entry.actor,
                    audit.action_label(entry.action),
                    "、".join(case_nos[:5]),
                    _detail_text(detail),
                )
            )
            if limit and len(rows) >= limit:
                break
    if want_events:
        q = (
            select(CaseEvent, Case.case_no)
            .join(Case, Case.id == CaseEvent.case_id)
            .order_by(CaseEvent.recorded_at.desc(), CaseEvent.case_id.desc(), CaseEvent.seq.desc())
        )
        if f.person:
            q = q.where(CaseEvent.actor.contains(f.person.strip()))
        if f.case_no:
            q = q.where(Case.case_no.contains(f.case_no.strip()))
        if f.action and f.action != CASE_CHANGES:
            q = q.where(CaseEvent.kind == f.action)
        if f.start:
            q = q.where(CaseEvent.recorded_at >= f.start)
        if f.end:
            q = q.where(CaseEvent.recorded_at <= f.end)
        if limit:
            q = q.limit(limit)
        for event, case_no in ctx.session.execute(q):
            label = EventKind(event.kind).label if event.kind in {k.value for k in EventKind} else event.kind
            rows.append(TrailRow(event.recorded_at, event.actor, label, case_no, event.note or ""))
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows[:limit] if limit else rows


@requires(Permission.VIEW_AUDIT)
def trail_rows(ctx: OpContext, trail_filter: TrailFilter, limit: int | None = PAGE_LIMIT) -> list[TrailRow]:
    """The trail's rows matching ``trail_filter``, newest first."""
    return _rows(ctx, trail_filter, limit)


@requires(Permission.VIEW_AUDIT)
def trail_actions(ctx: OpContext) -> list[tuple[str, str]]:
    """The action filter's choices: (code, label)."""
    del ctx
    return [(CASE_CHANGES, "案件办理（全部步骤）")] + list(audit.ACTION_LABELS.items())


@requires(Permission.VIEW_AUDIT)
def export_trail(ctx: OpContext, trail_filter: TrailFilter, path: str | Path) -> int:
    """Write the matching rows to an .xlsx file; the export is recorded (and flushed) before the file is."""
    from xinfang_desk.export.exchange.trail_workbook import write_trail

    rows = _rows(ctx, trail_filter, None)
    target = Path(path)
    return write_trail(
        target,
        rows,
        before_publishing=lambda: ctx.audit(
            audit.EXPORT_AUDIT,
            {
                "file": target.name,
                "rows": len(rows),
                "person": trail_filter.person,
                "case_no": trail_filter.case_no,
                "action": trail_filter.action,
            },
        ),
    )


@dataclass(frozen=True)
class Verification:
    findings: tuple[Finding, ...]
    guards_missing_at_open: tuple[str, ...]
    guards_restored_before: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not (self.findings or self.guards_missing_at_open or self.guards_restored_before)

    def lines(self) -> list[str]:
        lines = []
        if self.guards_missing_at_open:
            lines.append(
                "打开台账时发现保护触发器被删除（已恢复）：" + "、".join(self.guards_missing_at_open)
            )
        lines += [f"此前曾发现保护触发器被删除：{text}" for text in self.guards_restored_before]
        lines += [f.line() for f in self.findings]
        return lines


@requires(Permission.VIEW)
def verify(ctx: OpContext) -> Verification:
    """Check the history: the hash chain, each case's steps and state, and the guards (``chain_check``).

    Refused in one sentence on a database whose backend does not seal the chain (neither a ledger file
    nor a PostgreSQL server: another database reached through the generic backend).
    """
    if ctx.ledger is not None and not ctx.ledger.backend.seals_chain:
        raise ValidationError(
            "此台账所在的数据库尚未启用历史记录哈希链，无法校验；台账文件（SQLite）和 PostgreSQL 服务器上可以。"
        )
    findings = verify_ledger(ctx.session.connection())
    if users_removed_outside(ctx.session):
        findings.append(Finding("", "审计日志记录了管理员，但用户表已被清空：用户在本程序之外被删除。"))
    now_missing = ctx.ledger.guards_missing_at_open if ctx.ledger is not None else ()
    earlier = tuple(
        f"{entry.at:%Y-%m-%d %H:%M}：" + "、".join(entry.detail.get("triggers", []))
        for entry in ctx.session.scalars(
            select(AuditEntry).where(AuditEntry.action == audit.GUARDS_RESTORED).order_by(AuditEntry.id)
        )
    )
    if now_missing and earlier:
        earlier = earlier[:-1]  # the last one is this opening's own record
    return Verification(tuple(findings), tuple(now_missing), earlier)
