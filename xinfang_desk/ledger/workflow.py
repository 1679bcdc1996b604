"""The life of a case as one service: register, accept, decline, forward, assign, … close, reopen.

Every step checks the case's state first and raises a ``WorkflowError`` in Chinese without changing
anything when the step is not allowed; otherwise it changes the case, raises its revision by one and
appends an event (who, when, note, data).  Nothing is deleted; a wrong entry is corrected by
``correct``, which records the old and the new value.  The caller's session commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, insert, or_, select
from sqlalchemy.orm import Session

from xinfang_desk.ledger import ledger_info
from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.deadlines import (
    DEADLINE_COLUMNS,
    Basis,
    current_deadline,
    given_basis,
    reckon_basis,
    refresh_due_estimated,
    rule_basis,
    running_deadlines,
    set_basis,
)
from xinfang_desk.ledger.errors import NotFoundError, ValidationError, WorkflowError
from xinfang_desk.ledger.identity import check_id_number, check_phone
from xinfang_desk.ledger.limits import (
    TEXT_LIMITS,
    check_date,
    check_length,
    check_text,
    length_problem,
    limit_of,
)
from xinfang_desk.ledger.models import (
    Attachment,
    AttachmentBlob,
    Case,
    CaseEvent,
    Category,
    Department,
    LedgerInfo,
    Petitioner,
)
from xinfang_desk.ledger.settings import DeadlineRule, Settings
from xinfang_desk.ledger.storage import backend_of
from xinfang_desk.ledger.vocab import (
    HANDLING_STATUSES,
    OPEN_STATUSES,
    Channel,
    EventKind,
    IdentityType,
    Nature,
    Outcome,
    Satisfaction,
    Source,
    Status,
)

#: Values a new case starts with (column defaults apply only at INSERT; steps before a flush need them).
_UNSET_COUNTERS: dict[str, Any] = {
    "assign_count": 0,
    "extended_days": 0,
    "extension_count": 0,
    "supervise_count": 0,
    "reopen_count": 0,
    "review_requested": False,
    "decline_reason": "",
    "forwarded_to": "",
    "assign_opinion": "",
    "reply_text": "",
}
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
EARLIEST_RECEIPT = datetime(2000, 1, 1)

#: The statuses in which each workflow step is allowed.  The workflow enforces it and the case view
#: offers only the steps it allows (``ledger.case_details.allowed_actions``).
STEP_STATUSES: dict[EventKind, frozenset[Status]] = {
    EventKind.ACCEPT: frozenset({Status.REGISTERED}),
    EventKind.DECLINE: frozenset({Status.REGISTERED}),
    EventKind.FORWARD: frozenset({Status.REGISTERED}),
    EventKind.OBJECT: frozenset({Status.REGISTERED}),
    EventKind.ASSIGN: HANDLING_STATUSES,
    EventKind.PROGRESS: HANDLING_STATUSES,
    EventKind.EXTEND: HANDLING_STATUSES,
    EventKind.SUPERVISE: OPEN_STATUSES,
    EventKind.REPLY: HANDLING_STATUSES,
    EventKind.EVALUATE: frozenset({Status.REPLIED}),
    EventKind.CLOSE: frozenset({Status.REPLIED, Status.EVALUATED}),
    EventKind.REOPEN: frozenset({Status.CLOSED, Status.EVALUATED}),
    EventKind.REVISIT: OPEN_STATUSES,
}


@dataclass
class PetitionerInput:
    """What the clerk records about the person; ID number and phone are optional but checked if given."""

    name: str = ""
    id_number: str = ""
    phone: str = ""
    identity_type: IdentityType = IdentityType.STUDENT
    affiliation: str = ""
    anonymous: bool = False


@dataclass
class CaseDraft:
    """The registration form (登记) of a new case."""

    channel: Channel
    source: Source
    nature: Nature
    category: str
    summary: str
    petitioner: PetitionerInput = field(default_factory=PetitionerInput)
    subcategory: str = ""
    content: str = ""
    people_count: int = 1
    received_at: datetime | None = None
    bypassed_level: bool = False
    repeat_of: str = ""
    superior_ref: str = ""
    superior_due_on: date | None = None
    owner_leader: str = ""
    remarks: str = ""
    proposed_department: str = ""


def find_case(session: Session, ref: str | int) -> Case:
    """A case by its number (JWC-2025-0007), UUID or internal id."""
    if isinstance(ref, int):
        case = session.get(Case, ref)
    else:
        text = str(ref).strip()
        case = session.scalars(select(Case).where(or_(Case.case_no == text, Case.uuid == text))).first()
    if case is None:
        raise NotFoundError(f"找不到案件“{ref}”。")
    return case


def find_category(session: Session, name: str, parent: Category | None = None) -> Category:
    name = (name or "").strip()
    if not name:
        raise ValidationError(f"请填写{'“' + parent.name + '”下的问题子类' if parent else '问题类别'}。")
    query = select(Category).where(Category.name == name)
    query = query.where(Category.parent_id.is_(None) if parent is None else Category.parent_id == parent.id)
    category = session.scalars(query).first()
    if category is None:
        where = f"“{parent.name}”下的" if parent else ""
        raise ValidationError(f"没有{where}问题类别“{name}”。")
    return category


def find_department(session: Session, name: str) -> Department:
    department = session.scalars(select(Department).where(Department.name == (name or "").strip())).first()
    if department is None or not department.active:
        raise ValidationError(f"没有名为“{name}”的承办单位。")
    return department


class Workflow:
    """The workflow steps, performed by ``actor`` (the acting user) in ``session``."""

    def __init__(
        self,
        session: Session,
        actor: str,
        *,
        clock: Callable[[], datetime] = datetime.now,
        calendar: WorkCalendar | None = None,
        settings: Settings | None = None,
    ) -> None:
        if not (actor or "").strip():
            raise ValidationError("未指明操作人。")
        self.session = session
        self.actor = actor.strip()
        self.clock = clock
        self.calendar = calendar or WorkCalendar.load(session)
        self.settings = settings or Settings.load(session)
        info = session.get(LedgerInfo, "unit_code")
        self.unit_code = info.value if info else "XF"
        #: the office's ledger holds every unit's merged cases; only its own may take steps here
        self.office = ledger_info.office_ledger(session)
        self._next_seq: dict[int, int] = {}
        self._categories: dict[tuple[str, int | None], Category] = {}
        self._departments: dict[str, Department] = {}
        #: Every case a step of this workflow changed, by object identity (the operation's ``Changes``).
        self.touched: dict[int, Case] = {}

    # ------------------------------------------------------------------ helpers
    def _when(self, at: datetime | None) -> datetime:
        now = self.clock()
        when = at or now
        if when > now + timedelta(minutes=5):
            raise ValidationError(f"日期“{when:%Y-%m-%d %H:%M}”晚于当前时间，不能预先登记。")
        if when < EARLIEST_RECEIPT:
            raise ValidationError(f"日期“{when:%Y-%m-%d}”过早，请核对。")
        check_date(when.date(), "日期")
        return when.replace(microsecond=0)

    def _record(
        self, case: Case, kind: EventKind, at: datetime, note: str = "", *, first: bool = False, **data: Any
    ) -> None:
        """Raise the revision and append the step's event (written with the case's next flush)."""
        if not first:
            self._require_own(case)
        now = self.clock().replace(microsecond=0)
        if not first:
            case.revision += 1
        self.touched.setdefault(id(case), case)
        case.updated_at = max(now, at)
        refresh_due_estimated(case)
        pending_events(self.session).append(
            (
                case,
                {
                    "seq": case.revision,
                    "kind": kind.value,
                    "actor": self.actor,
                    "at": at,
                    "recorded_at": now,
                    "note": note,
                    "data": {k: _jsonable(v) for k, v in data.items()},
                },
            )
        )

    def _require_own(self, case: Case) -> None:
        """In office mode, a merged case of another unit is read-only: that unit handles it."""
        if self.office and case.unit_code and case.unit_code != self.unit_code:
            raise WorkflowError(
                f"案件{case.case_no}属于单位 {case.unit_code}，由该单位办理；汇总台账中只能查看，不能办理。"
            )

    def _require(self, case: Case, allowed: frozenset[Status] | set[Status], message: str) -> None:
        self._require_own(case)
        if Status(case.status) not in allowed:
            raise WorkflowError(f"{message}（案件{case.case_no}当前状态：{Status(case.status).label}）")

    @staticmethod
    def _text(value: str, what: str) -> str:
        value = check_text(value, what)
        if not value:
            raise ValidationError(f"请填写{what}。")
        return value

    def _category(self, name: str, parent: Category | None) -> Category:
        key = (name, parent.id if parent else None)
        if key not in self._categories:
            self._categories[key] = find_category(self.session, name, parent)
        return self._categories[key]

    def _allocate_number(self, year: int) -> tuple[int, str]:
        if year not in self._next_seq:
            backend_of(self.session).serialize_numbering(self.session, self.unit_code, year)
            current = self.session.scalar(
                select(func.max(Case.seq)).where(Case.unit_code == self.unit_code, Case.year == year)
            )
            self._next_seq[year] = (current or 0) + 1
        seq = self._next_seq[year]
        self._next_seq[year] = seq + 1
        return seq, f"{self.unit_code}-{year}-{seq:04d}"

    # ------------------------------------------------------------------ register
    def register(self, draft: CaseDraft) -> Case:
        """登记: a new case, with its deciding deadline (15 日) and, if forwarded to us, objection deadline."""
        received = self._when(draft.received_at)
        summary = self._text(draft.summary, "内容摘要")
        if length_problem("summary", summary):
            raise ValidationError(f"内容摘要不超过{limit_of('summary')}字，详细内容请填入“信访内容”。")
        for key in ("content", "remarks", "owner_leader", "superior_ref"):
            check_length(key, (getattr(draft, key) or "").strip())
        if not isinstance(draft.people_count, int) or draft.people_count < 1:
            raise ValidationError("信访人数至少为1人。")
        top = self._category(draft.category, None)
        sub = self._category(draft.subcategory, top) if draft.subcategory else None
        petitioner = self._petitioner(draft.petitioner)
        source = Source(draft.source)
        if source is Source.SUPERIOR and draft.superior_due_on is None:
            raise ValidationError("上级转办事项须填写上级交办单规定的办理期限。")
        if draft.superior_due_on is not None:
            check_date(draft.superior_due_on, "上级规定的办理期限")
        if draft.superior_due_on is not None and draft.superior_due_on < received.date():
            raise ValidationError("上级规定的办理期限早于收件日期，请核对。")
        repeat_of = None
        if draft.repeat_of:
            repeat_of = find_case(self.session, draft.repeat_of)
            self.check_repeatable(repeat_of)
        proposed = draft.proposed_department.strip()
        if proposed:
            proposed = find_department(self.session, proposed).name
        seq, case_no = self._allocate_number(received.year)
        bases: dict[str, Basis] = {}
        decide_due = self._reckon(bases, "decide", rule_basis(received.date(), self.settings.rule("decide")))
        objection_due = (
            self._reckon(bases, "objection", rule_basis(received.date(), self.settings.rule("object")))
            if source in (Source.SUPERIOR, Source.OTHER_UNIT)
            else None
        )
        case = Case(
            unit_code=self.unit_code,
            year=received.year,
            seq=seq,
            case_no=case_no,
            received_at=received,
            channel=Channel(draft.channel).value,
            source=source.value,
            nature=Nature(draft.nature).value,
            category=top,
            subcategory=sub,
            petitioner=petitioner,
            people_count=draft.people_count,
            summary=summary,
            content=check_text(draft.content, "信访内容"),
            is_repeat=repeat_of is not None,
            repeat_of_id=repeat_of.id if repeat_of else None,
            bypassed_level=bool(draft.bypassed_level),
            superior_ref=check_text(draft.superior_ref, "上级交办文号", limit=200, one_line=True),
            superior_due_on=draft.superior_due_on,
            status=Status.REGISTERED.value,
            decide_due_on=decide_due,
            objection_due_on=objection_due,
            due_on=decide_due,
            deadline_basis=bases,
            owner_leader=check_text(draft.owner_leader, "包案领导", limit=100, one_line=True),
            remarks=check_text(draft.remarks, "备注"),
            proposed_department=proposed,
            revision=1,
            created_at=self.clock().replace(microsecond=0),
            updated_at=self.clock().replace(microsecond=0),
            satisfaction=Satisfaction.NONE.value,
            **_UNSET_COUNTERS,
        )
        self.session.add(case)
        self._record(
            case,
            EventKind.REGISTER,
            received,
            "",
            first=True,
            case_no=case_no,
            decide_due_on=decide_due,
            repeat_of=repeat_of.case_no if repeat_of else None,
        )
        return case

    def _reckon(self, bases: dict[str, Basis], key: str, basis: Basis) -> date:
        """A deadline by the rules, its basis (and whether it is estimated) stored in ``bases``."""
        due, estimated = reckon_basis(self.calendar, basis)
        bases[key] = {**basis, "estimated": estimated}
        return due

    def _set_handle_due(self, case: Case, basis: Basis | None, given: date | None = None) -> date:
        """The handling deadline: by the rules from ``basis``, or ``given`` from outside."""
        if basis is None:
            assert given is not None
            set_basis(case, "handle", None)
            due = given
        else:
            due, estimated = reckon_basis(self.calendar, basis)
            set_basis(case, "handle", basis, estimated=estimated)
        case.handle_due_on = due
        case.due_on = due
        return due

    def _petitioner(self, given: PetitionerInput) -> Petitioner:
        id_number = (given.id_number or "").strip()
        phone = (given.phone or "").strip()
        if id_number:
            verdict = check_id_number(id_number, today=self.clock().date())
            if not verdict.ok:
                raise ValidationError(verdict.message)
            id_number = verdict.value
        if phone:
            verdict = check_phone(phone)
            if not verdict.ok:
                raise ValidationError(verdict.message)
            phone = verdict.value
        name = check_length("petitioner_name", check_text(given.name, "信访人姓名", limit=100, one_line=True))
        check_length("affiliation", (given.affiliation or "").strip())
        if not name and not given.anonymous:
            raise ValidationError("请填写信访人姓名；匿名信访请勾选“匿名”。")
        return Petitioner(
            name=name or "匿名",
            id_number=id_number or None,
            phone=phone or None,
            identity_type=IdentityType(given.identity_type).value,
            affiliation=check_text(given.affiliation, "所在单位", limit=200, one_line=True),
            anonymous=bool(given.anonymous),
        )

    def check_repeatable(self, earlier: Case) -> None:
        status = Status(earlier.status)
        if status in OPEN_STATUSES:
            raise WorkflowError(
                f"同一事项仍在办理中（案件{earlier.case_no}，{status.label}），"
                "请在原案件中记录本次来访，不应新建案件。"
            )
        if earlier.reopen_count >= 2:
            raise WorkflowError(f"案件{earlier.case_no}已经复核终结，同一事实和理由不再受理（条例第36条）。")

    # ------------------------------------------------------------------ deciding
    def accept(self, case: Case, note: str = "", *, at: datetime | None = None) -> Case:
        """受理: the handling deadline starts (60 日, 7 日 for 信箱, the superior's date, or the category's)."""
        self._require(case, STEP_STATUSES[EventKind.ACCEPT], "只有待受理的案件才能受理。")
        when = self._when(at)
        self._not_before(case, when)
        due = self._set_handle_due(case, self._handle_basis(case, when.date()), self._given_handle_due(case))
        case.status = Status.ACCEPTED.value
        case.accepted_at = when
        self._record(
            case, EventKind.ACCEPT, when, note, handle_due_on=due, late=when.date() > case.decide_due_on
        )
        return case

    def _given_handle_due(self, case: Case) -> date | None:
        """A handling deadline given from outside (the superior's date): kept as it is, never reckoned."""
        return case.superior_due_on

    def _handle_basis(self, case: Case, accepted_on: date) -> Basis | None:
        """How the handling deadline is reckoned; None for a given date (``_given_handle_due``)."""
        if self._given_handle_due(case) is not None:
            return None
        if case.channel == Channel.MAILBOX or case.source == Source.PRESIDENT_MAILBOX:
            return rule_basis(case.received_at.date(), self.settings.rule("mailbox"))
        handle = self.settings.rule("handle")
        for category in (case.subcategory, case.category):
            if category is not None and category.default_deadline_days:
                return rule_basis(accepted_on, DeadlineRule(category.default_deadline_days, handle.kind))
        return rule_basis(accepted_on, handle)

    def _not_before(self, case: Case, when: datetime) -> None:
        if when < case.received_at:
            raise ValidationError(f"日期不能早于收件日期（{case.received_at:%Y-%m-%d}）。")

    def decline(self, case: Case, reason: str, *, at: datetime | None = None) -> Case:
        """不予受理, with the reason the petitioner is told."""
        self._require(case, STEP_STATUSES[EventKind.DECLINE], "只有待受理的案件才能作出不予受理决定。")
        reason = check_length("decline_reason", self._text(reason, "不予受理的理由"))
        when = self._when(at)
        self._not_before(case, when)
        case.status = Status.DECLINED.value
        case.decline_reason = reason
        case.due_on = None
        self._record(case, EventKind.DECLINE, when, reason)
        return case

    def forward(self, case: Case, to: str, note: str = "", *, at: datetime | None = None) -> Case:
        """转送: pass the case to the competent body."""
        self._require(case, STEP_STATUSES[EventKind.FORWARD], "只有待受理的案件才能转送。")
        to = check_length("forwarded_to", self._text(to, "转送的有权处理机关或单位"))
        when = self._when(at)
        self._not_before(case, when)
        case.status = Status.FORWARDED.value
        case.forwarded_to = to
        case.due_on = None
        self._record(case, EventKind.FORWARD, when, note, forwarded_to=to)
        return case

    def object_to_routing(self, case: Case, reason: str, *, at: datetime | None = None) -> Case:
        """异议: a case forwarded or assigned to us that is outside our remit goes back (5 工作日)."""
        self._require(case, STEP_STATUSES[EventKind.OBJECT], "只有尚未受理的转来事项才能提出异议。")
        if case.objection_due_on is None:
            raise WorkflowError("只有上级转办或其他单位转来的事项才能提出异议。")
        reason = self._text(reason, "异议理由")
        when = self._when(at)
        if when.date() > case.objection_due_on:
            raise WorkflowError(f"已超过提出异议的期限（{case.objection_due_on:%Y-%m-%d}，5个工作日）。")
        case.status = Status.FORWARDED.value
        case.forwarded_to = "退回交办单位"
        case.due_on = None
        self._record(case, EventKind.OBJECT, when, reason)
        return case

    # ------------------------------------------------------------------ handling
    def assign(
        self,
        case: Case,
        department: str,
        opinion: str,
        *,
        due_on: date | None = None,
        at: datetime | None = None,
    ) -> Case:
        """交办 to a handling department with 交办意见; an own deadline may be earlier, never later."""
        self._require(case, STEP_STATUSES[EventKind.ASSIGN], "案件尚未受理或已答复，不能交办。")
        dept = self._departments.get(department) or find_department(self.session, department)
        self._departments[department] = dept
        opinion = check_length("assign_opinion", self._text(opinion, "交办意见"))
        when = self._when(at)
        self._not_before(case, when)
        assert case.handle_due_on is not None
        if due_on is not None:
            check_date(due_on, "交办期限")
            if due_on < when.date():
                raise ValidationError("交办期限不能早于交办日期。")
            if due_on > case.handle_due_on:
                raise WorkflowError(f"交办期限不能晚于办理期限（{case.handle_due_on:%Y-%m-%d}）。")
            self._set_handle_due(case, None, due_on)
        case.status = Status.ASSIGNED.value
        case.department = dept
        case.assigned_at = when
        case.assign_opinion = opinion
        case.assign_count += 1
        self._record(
            case,
            EventKind.ASSIGN,
            when,
            opinion,
            department=dept.name,
            due_on=case.handle_due_on,
            number=case.assign_count,
        )
        return case

    def progress(self, case: Case, note: str, *, at: datetime | None = None) -> Case:
        """办理进展: a note from the handling department."""
        self._require(case, STEP_STATUSES[EventKind.PROGRESS], "只有办理中的案件才能记录办理进展。")
        note = self._text(note, "办理进展")
        when = self._when(at)
        case.status = Status.IN_PROGRESS.value
        self._record(case, EventKind.PROGRESS, when, note)
        return case

    def extend(self, case: Case, days: int, reason: str, *, at: datetime | None = None) -> Case:
        """延期: at most 30 more days (Art. 34), once unless the ledger allows more, with a reason."""
        self._require(case, STEP_STATUSES[EventKind.EXTEND], "只有办理中的案件才能延期。")
        limit = self.settings.rule("extend_max").days
        if not isinstance(days, int) or days < 1:
            raise ValidationError("延期天数至少为1天。")
        if case.extension_count >= 1 and not self.settings.get("allow_multiple_extensions"):
            raise WorkflowError(f"案件{case.case_no}已延期一次，不能再次延期。")
        left = extension_days_left(case.extension_count, case.extended_days, self.settings)
        if days > left:
            raise WorkflowError(f"延期总计不得超过{limit}日（本案还可延期{left}日），不能延期{days}日。")
        reason = self._text(reason, "延期理由")
        when = self._when(at)
        assert case.handle_due_on is not None
        old_due = case.handle_due_on
        basis = (case.deadline_basis or {}).get("handle") or given_basis(old_due)
        basis = {**basis, "extensions": [*basis.get("extensions", []), days]}
        self._set_handle_due(case, basis)
        case.extended_days += days
        case.extension_count += 1
        self._record(
            case, EventKind.EXTEND, when, reason, days=days, old_due_on=old_due, due_on=case.handle_due_on
        )
        return case

    def supervise(self, case: Case, note: str, *, at: datetime | None = None) -> Case:
        """督办: chase an open case; the count is kept."""
        self._require(case, STEP_STATUSES[EventKind.SUPERVISE], "已办结或未受理终结的案件无需督办。")
        note = self._text(note, "督办意见")
        when = self._when(at)
        case.supervise_count += 1
        self._record(case, EventKind.SUPERVISE, when, note, number=case.supervise_count)
        return case

    def reply(self, case: Case, outcome: Outcome, text: str, *, at: datetime | None = None) -> Case:
        """答复 the petitioner, with the outcome of 三到位一处理."""
        if Status(case.status) is Status.REGISTERED:
            raise WorkflowError(f"案件{case.case_no}尚未受理，不能答复。")
        self._require(case, STEP_STATUSES[EventKind.REPLY], "该案件不在办理中，不能答复。")
        text = check_length("reply_text", self._text(text, "答复内容"))
        outcome = Outcome(outcome)
        when = self._when(at)
        self._not_before(case, when)
        case.status = Status.REPLIED.value
        case.replied_at = when
        case.outcome = outcome.value
        case.reply_text = text
        self._record(case, EventKind.REPLY, when, text, outcome=outcome.value)
        return case

    def evaluate(
        self, case: Case, satisfaction: Satisfaction, note: str = "", *, at: datetime | None = None
    ) -> Case:
        """回访评价: 满意 · 基本满意 · 不满意.  The caller offers 重开 or 复查 after 不满意."""
        self._require(case, STEP_STATUSES[EventKind.EVALUATE], "只有已答复的案件才能回访评价。")
        satisfaction = Satisfaction(satisfaction)
        if satisfaction is Satisfaction.NONE:
            raise ValidationError("请选择满意度（满意、基本满意或不满意）。")
        when = self._when(at)
        case.status = Status.EVALUATED.value
        case.satisfaction = satisfaction.value
        case.evaluated_at = when
        self._record(case, EventKind.EVALUATE, when, note, satisfaction=satisfaction.value)
        return case

    def close(self, case: Case, note: str = "", *, at: datetime | None = None) -> Case:
        """办结; on time when the closing date is not after the (extended) deadline."""
        if Status(case.status) is Status.CLOSED:
            raise WorkflowError(f"案件{case.case_no}已经办结，不能重复办结。")
        self._require(case, STEP_STATUSES[EventKind.CLOSE], "案件答复信访人后才能办结。")
        when = self._when(at)
        assert case.handle_due_on is not None
        case.status = Status.CLOSED.value
        case.closed_at = when
        case.closed_on_time = when.date() <= case.handle_due_on
        case.due_on = None
        self._record(case, EventKind.CLOSE, when, note, on_time=case.closed_on_time)
        return case

    def reopen(self, case: Case, reason: str, *, review: bool = True, at: datetime | None = None) -> Case:
        """重开 a closed case: a 复查/复核 request (within 30 日 of the reply) or a correction by the unit.

        Straight from 已回访 when the petitioner was dissatisfied (重新办理 without a 办结 in between).
        """
        self._require(case, STEP_STATUSES[EventKind.REOPEN], "只有已办结的案件才能重开。")
        if Status(case.status) is Status.EVALUATED and case.satisfaction != Satisfaction.UNSATISFIED.value:
            raise WorkflowError(f"案件{case.case_no}回访满意，应予办结，不能重新办理。")
        reason = self._text(reason, "重开理由")
        when = self._when(at)
        if review:
            if case.reopen_count >= 2:
                raise WorkflowError(f"案件{case.case_no}已经复核，同一事实和理由不再受理（条例第36条）。")
            window = self.settings.rule("review_request")
            since = (case.replied_at or case.closed_at or when).date()
            if when.date() > self.calendar.deadline(since, window):
                raise WorkflowError(f"已超过申请复查、复核的期限（答复之日起{window.describe()}）。")
        basis = rule_basis(when.date(), self.settings.rule("review" if review else "handle"))
        case.status = Status.IN_PROGRESS.value
        case.reopen_count += 1
        case.review_requested = case.review_requested or review
        case.closed_at = None
        case.closed_on_time = None
        due = self._set_handle_due(case, basis)
        self._record(
            case, EventKind.REOPEN, when, reason, review=review, due_on=due, number=case.reopen_count
        )
        return case

    def record_visit(
        self, case: Case, channel: Channel, note: str = "", *, at: datetime | None = None
    ) -> Case:
        """再次来访: the petitioner came (wrote, called) again about this open matter; no new case."""
        self._require(case, STEP_STATUSES[EventKind.REVISIT], "只有仍在办理中的事项才能记录再次来访。")
        channel = Channel(channel)
        when = self._when(at)
        self._not_before(case, when)
        self._record(case, EventKind.REVISIT, when, (note or "").strip(), channel=channel.value)
        return case

    # ------------------------------------------------------------------ the calendar changed
    def recompute_deadlines(self, case: Case, reason: str) -> list[dict[str, Any]]:
        """期限重算: the running deadlines computed by the rules, reckoned again by today's calendar.

        One event lists every deadline that moved (old → new) or stopped (or started) being an
        estimate; a deadline given from outside has no basis and is left alone.  Returns the changes.
        """
        reason = self._text(reason, "重算原因")
        bases = case.deadline_basis or {}
        current = current_deadline(case)
        changes: list[dict[str, Any]] = []
        for key in running_deadlines(case):
            basis = bases.get(key)
            column, label = DEADLINE_COLUMNS[key]
            old = getattr(case, column)
            if not basis or old is None:
                continue
            new, estimated = reckon_basis(self.calendar, basis)
            was_estimated = bool(basis.get("estimated"))
            if new == old and estimated == was_estimated:
                continue
            setattr(case, column, new)
            set_basis(case, key, basis, estimated=estimated)
            if key == current:
                case.due_on = new
            changes.append(
                {
                    "deadline": key,
                    "label": label,
                    "old": old,
                    "new": new,
                    "estimated": estimated,
                    "was_estimated": was_estimated,
                }
            )
        if changes:
            note = "；".join(_describe_recomputed(change) for change in changes) + f"（{reason}）"
            self._record(
                case,
                EventKind.RECOMPUTE_DEADLINE,
                self.clock().replace(microsecond=0),
                note,
                reason=reason,
                changes=[{k: _jsonable(v) for k, v in change.items()} for change in changes],
            )
        return changes

    # ------------------------------------------------------------------ corrections and links
    CORRECTABLE = {
        "summary": "内容摘要",
        "content": "信访内容",
        "owner_leader": "包案领导",
        "remarks": "备注",
        "bypassed_level": "是否越级访",
        "people_count": "人数",
    }

    def correct(self, case: Case, field_name: str, value: Any, reason: str) -> Case:
        """更正 a registered field; the old value stays in the history."""
        if field_name not in self.CORRECTABLE:
            raise ValidationError(f"“{field_name}”不能更正。")
        reason = self._text(reason, "更正理由")
        if field_name == "people_count" and (not isinstance(value, int) or value < 1):
            raise ValidationError("信访人数至少为1人。")
        if field_name == "summary":
            value = self._text(str(value), "内容摘要")
        elif isinstance(value, str):
            value = check_text(value, self.CORRECTABLE[field_name])
        elif isinstance(value, date):
            check_date(value, self.CORRECTABLE[field_name])
        if isinstance(value, str) and field_name in TEXT_LIMITS:
            check_length(field_name, value)
        old = getattr(case, field_name)
        if old == value:
            raise ValidationError(f"{self.CORRECTABLE[field_name]}没有变化。")
        setattr(case, field_name, value)
        self._record(case, EventKind.CORRECT, self._when(None), reason, field=field_name, old=old, new=value)
        return case

    def link_repeat(self, case: Case, earlier_ref: str) -> Case:
        """关联重复访: mark ``case`` as a repeat of an earlier case of the same person and matter."""
        earlier = find_case(self.session, earlier_ref)
        if earlier.id == case.id or earlier.received_at > case.received_at:
            raise ValidationError("只能关联到更早登记的另一案件。")
        case.is_repeat = True
        case.repeat_of_id = earlier.id
        self._record(case, EventKind.LINK_REPEAT, self._when(None), "", repeat_of=earlier.case_no)
        return case

    def add_attachment(self, case: Case, filename: str, content: bytes, media_type: str = "") -> Attachment:
        """添加附件: stored in the ledger by its SHA-256 (once, however many cases share it)."""
        filename = self._text(filename, "附件文件名")
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise ValidationError(f"附件“{filename}”超过50MB，请压缩或分拆后再添加。")
        digest = hashlib.sha256(content).hexdigest()
        if self.session.get(AttachmentBlob, digest) is None:
            self.session.add(AttachmentBlob(sha256=digest, size=len(content), content=content))
        when = self._when(None)
        attachment = Attachment(
            filename=filename,
            media_type=media_type or "application/octet-stream",
            sha256=digest,
            size=len(content),
            added_by=self.actor,
            added_at=when,
        )
        case.attachments.append(attachment)
        self._record(case, EventKind.ATTACH, when, filename, sha256=digest, size=len(content))
        return attachment


def extension_days_left(extension_count: int, extended_days: int, settings: Settings) -> int:
    """How many more days a case may still be extended (0: no further extension is allowed)."""
    if extension_count >= 1 and not settings.get("allow_multiple_extensions"):
        return 0
    return max(settings.rule("extend_max").days - extended_days, 0)


_PENDING_EVENTS = "xinfang_desk.pending_events"


def pending_events(session: Session) -> list[tuple[Case, dict[str, Any]]]:
    """Events recorded in ``session`` whose case has not been flushed since."""
    return session.info.setdefault(_PENDING_EVENTS, [])


@event.listens_for(Session, "after_flush")
def _write_pending_events(session: Session, _context: object) -> None:
    """Append the recorded events in one multi-row INSERT, now that their cases have ids.

    A step always changes its case (the revision), so the case is part of every flush that must
    carry its events; events are never written through the ORM's unit of work, which keeps a
    step cheap and the history insert-only.
    """
    pending = session.info.pop(_PENDING_EVENTS, None)
    if pending:
        rows = [{"case_id": case.id, **row} for case, row in pending]
        session.connection().execute(insert(CaseEvent), rows)


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending_events(session: Session, _previous: object) -> None:
    session.info.pop(_PENDING_EVENTS, None)


def attachment_content(session: Session, attachment: Attachment) -> bytes:
    """The bytes of an attachment, verified against its SHA-256."""
    blob = session.get(AttachmentBlob, attachment.sha256)
    if blob is None or hashlib.sha256(blob.content).hexdigest() != attachment.sha256:
        raise ValidationError(f"附件“{attachment.filename}”已损坏或丢失。")
    return blob.content


def _describe_recomputed(change: dict[str, Any]) -> str:
    mark = "（估算）" if change["estimated"] else ""
    if change["old"] == change["new"]:
        now = "按估算计算" if change["estimated"] else "已按正式节假日安排确认，不再是估算"
        return f"{change['label']} {change['new']:%Y-%m-%d} 不变，{now}"
    return f"{change['label']} {change['old']:%Y-%m-%d} → {change['new']:%Y-%m-%d}{mark}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
