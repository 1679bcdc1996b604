"""Operations on cases: register, every workflow step, correct, attachments, and the case view's reads."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from xinfang_desk.ledger.audit import REVEAL_PERSONAL_DATA
from xinfang_desk.ledger.case_details import (
    CaseDetails,
    ReferenceChoices,
    load_case_details,
    load_reference_choices,
    read_attachment,
)
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.operations.context import OpContext, OpResult
from xinfang_desk.ledger.permissions import STEP_PERMISSIONS, Permission, requires
from xinfang_desk.ledger.repeats import RepeatCandidate, find_earlier_cases
from xinfang_desk.ledger.settings import Settings
from xinfang_desk.ledger.vocab import Channel, EventKind, Outcome, Satisfaction
from xinfang_desk.ledger.workflow import MAX_ATTACHMENT_BYTES, CaseDraft, find_case


@dataclass(frozen=True)
class CaseRef:
    """A case as the caller names it afterwards: its internal id, number and status."""

    id: int
    case_no: str
    status: str
    revision: int


def _ref(case: Any) -> CaseRef:
    return CaseRef(case.id, case.case_no, case.status, case.revision)


@requires(Permission.REGISTER)
def register_case(ctx: OpContext, draft: CaseDraft) -> OpResult[CaseRef]:
    """登记 a new case."""
    case = ctx.workflow.register(draft)
    ctx.session.flush()
    return ctx.result(_ref(case))


@requires(None)
def perform_step(
    ctx: OpContext, case_ref: str | int, kind: EventKind, values: Mapping[str, Any]
) -> OpResult[CaseRef]:
    """Perform one workflow step with plain ``values`` (the step dialog's or the command line's).

    Keys: ``at`` (a datetime, optional) and per step ``note``, ``reason``, ``to``, ``department``,
    ``opinion``, ``due_on``, ``days``, ``outcome``, ``text``, ``satisfaction``, ``review`` (重开: a
    复查/复核 request or 重新办理, also straight from 已回访 after 不满意) and ``channel`` (再次来访).
    """
    kind = EventKind(kind)
    if kind not in STEP_PERMISSIONS:
        raise ValidationError(f"“{kind.label}”不是可以直接执行的办理步骤。")
    ctx.require(STEP_PERMISSIONS[kind])
    workflow = ctx.workflow
    case = find_case(ctx.session, case_ref)
    v = values
    at: datetime | None = v.get("at")
    match EventKind(kind):
        case EventKind.ACCEPT:
            workflow.accept(case, v.get("note", ""), at=at)
        case EventKind.DECLINE:
            workflow.decline(case, v.get("reason", ""), at=at)
        case EventKind.FORWARD:
            workflow.forward(case, v.get("to", ""), v.get("note", ""), at=at)
        case EventKind.OBJECT:
            workflow.object_to_routing(case, v.get("reason", ""), at=at)
        case EventKind.ASSIGN:
            due: date | None = v.get("due_on")
            workflow.assign(case, v.get("department", ""), v.get("opinion", ""), due_on=due, at=at)
        case EventKind.PROGRESS:
            workflow.progress(case, v.get("note", ""), at=at)
        case EventKind.EXTEND:
            workflow.extend(case, _whole_number(v.get("days"), "延期天数"), v.get("reason", ""), at=at)
        case EventKind.SUPERVISE:
            workflow.supervise(case, v.get("note", ""), at=at)
        case EventKind.REPLY:
            workflow.reply(case, Outcome(v.get("outcome")), v.get("text", ""), at=at)
        case EventKind.EVALUATE:
            workflow.evaluate(case, Satisfaction(v.get("satisfaction")), v.get("note", ""), at=at)
        case EventKind.CLOSE:
            workflow.close(case, v.get("note", ""), at=at)
        case EventKind.REOPEN:
            workflow.reopen(case, v.get("reason", ""), review=bool(v.get("review", True)), at=at)
        case EventKind.REVISIT:
            workflow.record_visit(case, Channel(v.get("channel") or Channel.VISIT), v.get("note", ""), at=at)
        case other:
            raise ValidationError(f"“{other.label}”不是可以直接执行的办理步骤。")
    ctx.session.flush()
    return ctx.result(_ref(case))


def _whole_number(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise ValidationError(f"{what}应为整数。")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{what}应为整数。") from None


@requires(None)
def record_visit(
    ctx: OpContext, case_ref: str | int, channel: Channel, note: str = "", at: datetime | None = None
) -> OpResult[CaseRef]:
    """再次来访: record another visit (letter, call) about an open matter on its case."""
    return perform_step(ctx, case_ref, EventKind.REVISIT, {"channel": channel, "note": note, "at": at})


@requires(Permission.REGISTER)
def correct_case(
    ctx: OpContext, case_ref: str | int, field: str, value: Any, reason: str
) -> OpResult[CaseRef]:
    """更正 a registered field; the old value stays in the history."""
    case = find_case(ctx.session, case_ref)
    ctx.workflow.correct(case, field, value, reason)
    ctx.session.flush()
    return ctx.result(_ref(case))


@requires(Permission.REGISTER)
def link_repeat(ctx: OpContext, case_ref: str | int, earlier_ref: str) -> OpResult[CaseRef]:
    """关联重复访: mark a case as a repeat of an earlier one."""
    case = find_case(ctx.session, case_ref)
    ctx.workflow.link_repeat(case, earlier_ref)
    ctx.session.flush()
    return ctx.result(_ref(case))


@requires(Permission.REGISTER)
def add_attachment_files(ctx: OpContext, case_ref: str | int, paths: list[str]) -> OpResult[int]:
    """添加附件 from files on disk; each is checked before any is stored."""
    case = find_case(ctx.session, case_ref)
    files = [Path(p) for p in paths]
    for path in files:
        if not path.is_file():
            raise ValidationError(f"“{path.name}”不是文件，不能作为附件。")
        if path.stat().st_size > MAX_ATTACHMENT_BYTES:
            raise ValidationError(f"附件“{path.name}”超过50MB，请压缩或分拆后再添加。")
    for path in files:
        media_type = mimetypes.guess_type(path.name)[0] or ""
        ctx.workflow.add_attachment(case, path.name, path.read_bytes(), media_type)
    return ctx.result(len(files))


@requires(Permission.VIEW)
def case_details(ctx: OpContext, case_ref: str | int) -> CaseDetails:
    """Everything the case view shows about one case."""
    case_id = case_ref if isinstance(case_ref, int) else find_case(ctx.session, case_ref).id
    return load_case_details(ctx.session, case_id, today=ctx.now().date())


@requires(Permission.VIEW)
def attachment_file(ctx: OpContext, attachment_id: int) -> tuple[str, bytes]:
    """The file name and verified bytes of one attachment."""
    return read_attachment(ctx.session, attachment_id)


@requires(Permission.VIEW)
def record_reveal(ctx: OpContext, case_id: int, case_no: str, field: str) -> None:
    """Record in the audit log that the actor read a petitioner's unmasked ID number or phone."""
    ctx.audit(REVEAL_PERSONAL_DATA, {"case_id": case_id, "case_no": case_no, "field": field})


@requires(Permission.VIEW)
def reference_choices(ctx: OpContext) -> ReferenceChoices:
    """Categories, departments and their defaults, for the registration form and step dialogs."""
    return load_reference_choices(ctx.session)


@requires(Permission.VIEW)
def earlier_cases(ctx: OpContext, **person: Any) -> list[RepeatCandidate]:
    """Earlier cases of the same person (open ones first) within the ledger's 重复访 look-back."""
    window = Settings.load(ctx.session).get("repeat_window_days")
    return find_earlier_cases(ctx.session, since=ctx.now() - timedelta(days=window), **person)
