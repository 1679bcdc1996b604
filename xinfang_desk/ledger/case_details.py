"""Everything the case view (案件详情) shows about one case, as plain data, and the steps valid now.

``load_case_details`` reads a case into a ``CaseDetails``: its fields grouped and labelled in Chinese
(基本信息 / 信访人 / 办理 / 答复与评价), its history as a timeline, its attachments, the defaults the
step dialogs start from, and ``allowed_actions`` — the workflow steps the case's state allows, taken
from the same table the ``Workflow`` enforces (``workflow.STEP_STATUSES``).  No Qt here: the result
is safe to hand from the database worker to the UI thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang_desk.ledger import ledger_info
from xinfang_desk.ledger.deadlines import due_text, is_estimated
from xinfang_desk.ledger.errors import NotFoundError
from xinfang_desk.ledger.identity import mask_id_number, mask_phone
from xinfang_desk.ledger.models import (
    Attachment,
    Case,
    CaseEvent,
    Category,
    Department,
    LedgerInfo,
    MergedEvent,
    MergedFile,
)
from xinfang_desk.ledger.settings import Settings
from xinfang_desk.ledger.vocab import (
    COLLECTIVE_MIN_PEOPLE,
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
from xinfang_desk.ledger.workflow import (
    STEP_STATUSES,
    Workflow,
    attachment_content,
    extension_days_left,
    find_case,
)

#: The steps a case view offers, in the order its buttons appear.
ACTION_ORDER: tuple[EventKind, ...] = (
    EventKind.ACCEPT,
    EventKind.DECLINE,
    EventKind.FORWARD,
    EventKind.OBJECT,
    EventKind.ASSIGN,
    EventKind.PROGRESS,
    EventKind.EXTEND,
    EventKind.SUPERVISE,
    EventKind.REPLY,
    EventKind.EVALUATE,
    EventKind.CLOSE,
    EventKind.REOPEN,
    EventKind.REVISIT,
)


def is_other_units_case(session: Session, case: Case) -> bool:
    """A merged case of another unit in the office's ledger: read-only there (the Workflow refuses steps)."""
    own = session.get(LedgerInfo, "unit_code")
    return ledger_info.office_ledger(session) and own is not None and case.unit_code != own.value


def allowed_actions(
    status: Status | str,
    *,
    objection_due_on: date | None = None,
    extension_count: int = 0,
    extended_days: int = 0,
    settings: Settings | None = None,
    today: date | None = None,
    satisfaction: Satisfaction | str | None = None,
) -> list[EventKind]:
    """The workflow steps valid for a case in ``status`` now, in button order.

    Besides the status table: 异议 needs a forwarded case still inside its objection period, and 延期
    needs extension days left (one extension unless the ledger allows more, 30 日 in total).
    """
    status = Status(status)
    settings = settings or Settings()
    today = today or date.today()
    steps = []
    for kind in ACTION_ORDER:
        if status not in STEP_STATUSES[kind]:
            continue
        if kind is EventKind.OBJECT and (objection_due_on is None or today > objection_due_on):
            continue
        if kind is EventKind.EXTEND and extension_days_left(extension_count, extended_days, settings) < 1:
            continue
        dissatisfied = satisfaction == Satisfaction.UNSATISFIED.value
        if kind is EventKind.REOPEN and status is Status.EVALUATED and not dissatisfied:
            continue  # 重新办理 straight from 已回访 only when the petitioner was dissatisfied
        steps.append(kind)
    return steps


@dataclass(frozen=True)
class DetailField:
    """One labelled value; ``masked`` is what to show until the user asks to see personal data."""

    label: str
    value: str
    masked: str | None = None

    @property
    def personal(self) -> bool:
        return self.masked is not None


@dataclass(frozen=True)
class FieldGroup:
    title: str
    fields: tuple[DetailField, ...]

    def value(self, label: str) -> str:
        return next(f.value for f in self.fields if f.label == label)


@dataclass(frozen=True)
class TimelineEntry:
    """One step of the case's history: who, when, what, the note and a readable line of its data.

    A merged case's steps are the unit's record, not the office's acts: ``unit`` names that unit.
    """

    seq: int
    at: datetime
    actor: str
    kind: str
    kind_label: str
    note: str
    detail: str
    data: Mapping[str, Any]
    #: the unit whose ledger recorded the step (a merged case's history); "" for this ledger's own steps
    unit: str = ""

    @property
    def recorded_by(self) -> str:
        """Who took the step, as shown: a merged step says whose 台账 it comes from."""
        return f"{self.actor}（{self.unit}台账记录）" if self.unit else self.actor


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    media_type: str
    size: int
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class CaseDetails:
    """The case view's content for one case."""

    id: int
    case_no: str
    uuid: str
    revision: int
    status: Status
    received_at: datetime
    summary: str
    due_on: date | None
    #: ``due_on`` depends on an estimated holiday (a year without official data)
    due_estimated: bool
    days_left: int | None
    groups: tuple[FieldGroup, ...]
    timeline: tuple[TimelineEntry, ...]
    attachments: tuple[AttachmentInfo, ...]
    actions: tuple[EventKind, ...]
    #: Defaults the step dialogs start from.
    default_department: str = ""
    handle_due_on: date | None = None
    extension_days_left: int = 0
    departments: tuple[str, ...] = field(default_factory=tuple)

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    def group(self, title: str) -> FieldGroup:
        return next(g for g in self.groups if g.title == title)


def _day(value: date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def _moment(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


def _yes(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def default_department_of(case: Case) -> str:
    """The department a 交办 starts from: the one proposed at registration, else the categories' default."""
    if case.proposed_department:
        return case.proposed_department
    for category in (case.subcategory, case.category):
        if category is not None and category.default_department is not None:
            return category.default_department.name
    return ""


def _groups(case: Case, repeat_of: str, visits: int) -> tuple[FieldGroup, ...]:
    person = case.petitioner
    category = case.category.name + (f" / {case.subcategory.name}" if case.subcategory else "")
    people = f"{case.people_count}人" + ("（集体访）" if case.people_count >= COLLECTIVE_MIN_PEOPLE else "")
    repeat = f"是，重复 {repeat_of}" if case.is_repeat and repeat_of else _yes(case.is_repeat)
    extension = f"{case.extended_days}日（{case.extension_count}次）" if case.extension_count else ""
    outcome = Outcome(case.outcome).label if case.outcome else ""
    satisfaction = Satisfaction(case.satisfaction).label if case.evaluated_at else ""
    basic = FieldGroup(
        "基本信息",
        (
            DetailField("案件编号", case.case_no),
            DetailField("收件时间", _moment(case.received_at)),
            DetailField("信访形式", Channel(case.channel).label),
            DetailField("来源", Source(case.source).label),
            DetailField("事项性质", Nature(case.nature).label),
            DetailField("问题类别", category),
            DetailField("内容摘要", case.summary),
            DetailField("信访内容", case.content),
            DetailField("重复访", repeat),
            DetailField("越级访", _yes(case.bypassed_level)),
            DetailField("上级交办单号", case.superior_ref),
            DetailField("上级规定期限", _day(case.superior_due_on)),
            DetailField("拟交办单位", case.proposed_department),
            DetailField("包案领导", case.owner_leader),
            DetailField("备注", case.remarks),
        ),
    )
    petitioner = FieldGroup(
        "信访人",
        (
            DetailField(
                "姓名", person.name + ("（匿名）" if person.anonymous and person.name != "匿名" else "")
            ),
            DetailField("身份证号", person.id_number or "", mask_id_number(person.id_number)),
            DetailField("联系电话", person.phone or "", mask_phone(person.phone)),
            DetailField("身份类别", IdentityType(person.identity_type).label),
            DetailField("所在单位", person.affiliation),
            DetailField("人数", people),
        ),
    )
    handling = FieldGroup(
        "办理",
        (
            DetailField("状态", Status(case.status).label),
            DetailField("受理期限", due_text(case.decide_due_on, is_estimated(case, "decide"))),
            DetailField("异议期限", due_text(case.objection_due_on, is_estimated(case, "objection"))),
            DetailField("受理时间", _moment(case.accepted_at)),
            DetailField("不予受理理由", case.decline_reason),
            DetailField("转送至", case.forwarded_to),
            DetailField("承办单位", case.department.name if case.department else ""),
            DetailField("交办时间", _moment(case.assigned_at)),
            DetailField("交办意见", case.assign_opinion),
            DetailField("办理期限", due_text(case.handle_due_on, is_estimated(case, "handle"))),
            DetailField("延期", extension),
            DetailField("督办次数", str(case.supervise_count) if case.supervise_count else ""),
            DetailField("来访次数", f"{visits}次" + ("（含再次来访）" if visits > 1 else "")),
        ),
    )
    reply = FieldGroup(
        "答复与评价",
        (
            DetailField("答复时间", _moment(case.replied_at)),
            DetailField("处理结果", outcome),
            DetailField("答复内容", case.reply_text),
            DetailField("满意度", satisfaction),
            DetailField("回访时间", _moment(case.evaluated_at)),
            DetailField("办结时间", _moment(case.closed_at)),
            DetailField("按期办结", _yes(case.closed_on_time)),
            DetailField("重开次数", str(case.reopen_count) if case.reopen_count else ""),
            DetailField("申请复查", "是" if case.review_requested else ""),
        ),
    )
    return basic, petitioner, handling, reply


def _label(vocab: type[Outcome] | type[Satisfaction], code: Any) -> str:
    try:
        return vocab(code).label
    except ValueError:
        return str(code)


def describe_event(kind: str, data: Mapping[str, Any]) -> str:
    """A readable line of what an event's data says (the note is shown separately)."""
    d = data or {}
    try:
        kind = EventKind(kind)
    except ValueError:
        return ""
    match kind:
        case EventKind.REGISTER:
            text = f"编号 {d.get('case_no', '')}，受理期限 {d.get('decide_due_on', '')}"
            return text + (f"；重复访，关联 {d['repeat_of']}" if d.get("repeat_of") else "")
        case EventKind.ACCEPT:
            late = "（超过受理期限）" if d.get("late") else ""
            return f"办理期限 {d.get('handle_due_on', '')}{late}"
        case EventKind.FORWARD:
            return f"转送至 {d.get('forwarded_to', '')}"
        case EventKind.ASSIGN:
            return f"第{d.get('number', 1)}次交办至 {d.get('department', '')}，期限 {d.get('due_on', '')}"
        case EventKind.EXTEND:
            return f"延期{d.get('days', '')}日：{d.get('old_due_on', '')} → {d.get('due_on', '')}"
        case EventKind.SUPERVISE:
            return f"第{d.get('number', 1)}次督办"
        case EventKind.REPLY:
            return f"处理结果：{_label(Outcome, d.get('outcome'))}"
        case EventKind.EVALUATE:
            return f"满意度：{_label(Satisfaction, d.get('satisfaction'))}"
        case EventKind.CLOSE:
            return "按期办结" if d.get("on_time") else "超期办结"
        case EventKind.REOPEN:
            what = "复查/复核申请" if d.get("review") else "重新办理"
            return f"第{d.get('number', 1)}次重开（{what}），期限 {d.get('due_on', '')}"
        case EventKind.CORRECT:
            field_label = Workflow.CORRECTABLE.get(str(d.get("field", "")), str(d.get("field", "")))
            return f"{field_label}：“{_shown(d.get('old'))}” → “{_shown(d.get('new'))}”"
        case EventKind.REVISIT:
            channel = d.get("channel")
            how = Channel(channel).label if channel in {c.value for c in Channel} else str(channel or "")
            return f"信访形式：{how}"
        case EventKind.LINK_REPEAT:
            return f"关联为 {d.get('repeat_of', '')} 的重复访"
        case EventKind.ATTACH:
            return f"{_size(int(d.get('size') or 0))}"
    return ""


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} 字节"


def _kind_label(kind: str) -> str:
    try:
        return EventKind(kind).label
    except ValueError:
        return kind


def _merged_timeline(session: Session, case: Case) -> list[TimelineEntry]:
    """A merged case's steps as its unit's exported 办理记录 gave them (see ``MergedEvent``)."""
    rows = session.execute(
        select(MergedEvent, MergedFile.unit_name)
        .join(MergedFile, MergedFile.id == MergedEvent.merged_file_id)
        .where(MergedEvent.case_id == case.id)
        .order_by(MergedEvent.seq)
    )
    return [
        TimelineEntry(
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            kind=event.kind,
            kind_label=_kind_label(event.kind),
            note=event.note or "",
            detail=event.detail or "",
            data={},
            unit=unit_name or case.unit_code,
        )
        for event, unit_name in rows
    ]


def _timeline(session: Session, case: Case) -> tuple[TimelineEntry, ...]:
    entries = _merged_timeline(session, case)
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
    for event in events:
        entries.append(
            TimelineEntry(
                seq=event.seq,
                at=event.at,
                actor=event.actor,
                kind=event.kind,
                kind_label=_kind_label(event.kind),
                note=event.note or "",
                detail=describe_event(event.kind, event.data),
                data=dict(event.data or {}),
            )
        )
    return tuple(entries)


def load_case_details(session: Session, case_id: int, *, today: date | None = None) -> CaseDetails:
    """The case view's content for the case with internal id ``case_id``."""
    today = today or date.today()
    case = find_case(session, int(case_id))
    settings = Settings.load(session)
    status = Status(case.status)
    due = case.due_on if status in OPEN_STATUSES else None
    repeat_of = (
        session.scalar(select(Case.case_no).where(Case.id == case.repeat_of_id)) if case.repeat_of_id else ""
    )
    departments = tuple(
        session.scalars(select(Department.name).where(Department.active).order_by(Department.id))
    )
    timeline = _timeline(session, case)
    return CaseDetails(
        id=case.id,
        case_no=case.case_no,
        uuid=case.uuid,
        revision=case.revision,
        status=status,
        received_at=case.received_at,
        summary=case.summary,
        due_on=due,
        due_estimated=bool(due and case.due_estimated),
        days_left=(due - today).days if due else None,
        groups=_groups(case, repeat_of, 1 + sum(e.kind == EventKind.REVISIT.value for e in timeline)),
        timeline=timeline,
        attachments=tuple(
            AttachmentInfo(a.id, a.filename, a.media_type, a.size, a.added_by, a.added_at)
            for a in case.attachments
        ),
        actions=()
        if is_other_units_case(session, case)
        else tuple(
            allowed_actions(
                status,
                objection_due_on=case.objection_due_on,
                extension_count=case.extension_count,
                extended_days=case.extended_days,
                settings=settings,
                today=today,
                satisfaction=case.satisfaction if case.evaluated_at else None,
            )
        ),
        default_department=default_department_of(case),
        handle_due_on=case.handle_due_on,
        extension_days_left=extension_days_left(case.extension_count, case.extended_days, settings),
        departments=departments,
    )


def read_attachment(session: Session, attachment_id: int) -> tuple[str, bytes]:
    """The file name and verified bytes of one attachment."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFoundError("找不到该附件。")
    return attachment.filename, attachment_content(session, attachment)


@dataclass(frozen=True)
class ReferenceChoices:
    """What the registration form and the step dialogs offer to choose from."""

    categories: dict[str, tuple[str, ...]]
    departments: tuple[str, ...]
    #: (category, sub-category or "") → default handling department.
    default_departments: dict[tuple[str, str], str]

    def default_department(self, category: str, subcategory: str = "") -> str:
        return self.default_departments.get((category, subcategory)) or self.default_departments.get(
            (category, ""), ""
        )


def load_reference_choices(session: Session) -> ReferenceChoices:
    """Active categories (two levels, in their order), departments and the defaults between them."""
    rows = session.scalars(
        select(Category).where(Category.active).order_by(Category.sort_order, Category.id)
    ).all()
    tops = [c for c in rows if c.parent_id is None]
    categories = {top.name: tuple(c.name for c in rows if c.parent_id == top.id) for top in tops}
    defaults: dict[tuple[str, str], str] = {}
    names = {c.id: c.name for c in tops}
    for c in rows:
        if c.default_department is None:
            continue
        if c.parent_id is None:
            defaults[(c.name, "")] = c.default_department.name
        elif c.parent_id in names:
            defaults[(names[c.parent_id], c.name)] = c.default_department.name
    departments = tuple(
        session.scalars(select(Department.name).where(Department.active).order_by(Department.id))
    )
    return ReferenceChoices(categories, departments, defaults)
