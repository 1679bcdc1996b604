"""The case view's plain data: the steps offered agree with the workflow, fields, timeline, defaults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from xinfang_desk.ledger import settings as ledger_settings
from xinfang_desk.ledger.case_details import (
    ACTION_ORDER,
    allowed_actions,
    load_case_details,
    load_reference_choices,
    read_attachment,
)
from xinfang_desk.ledger.errors import WorkflowError
from xinfang_desk.ledger.settings import Settings
from xinfang_desk.ledger.vocab import Channel, EventKind, Outcome, Satisfaction, Source, Status
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow, find_case

#: How to reach each state from a freshly registered case.
ROUTES: dict[str, tuple[str, ...]] = {
    "registered": (),
    "declined": ("decline",),
    "forwarded": ("forward",),
    "accepted": ("accept",),
    "assigned": ("accept", "assign"),
    "extended": ("accept", "assign", "extend"),
    "in_progress": ("accept", "assign", "progress"),
    "replied": ("accept", "assign", "reply"),
    "evaluated": ("accept", "assign", "reply", "evaluate"),
    "closed": ("accept", "assign", "reply", "evaluate", "close"),
    "dissatisfied": ("accept", "assign", "reply", "dissatisfied"),
    "reopened": ("accept", "reply", "close", "reopen"),
}


def perform(workflow: Workflow, case, step: str | EventKind) -> None:
    """Do one step with valid arguments."""
    calls: dict[str, Callable[[], object]] = {
        "accept": lambda: workflow.accept(case),
        "decline": lambda: workflow.decline(case, "不属于本单位职责"),
        "forward": lambda: workflow.forward(case, "合肥市教育局"),
        "object": lambda: workflow.object_to_routing(case, "不属本单位职权范围"),
        "assign": lambda: workflow.assign(case, "后勤集团", "请核实并答复"),
        "progress": lambda: workflow.progress(case, "已派维修工上门"),
        "extend": lambda: workflow.extend(case, 10, "需采购配件"),
        "supervise": lambda: workflow.supervise(case, "请加快办理"),
        "reply": lambda: workflow.reply(case, Outcome.SOLVED, "已更换热水器"),
        "evaluate": lambda: workflow.evaluate(case, Satisfaction.SATISFIED),
        "dissatisfied": lambda: workflow.evaluate(case, Satisfaction.UNSATISFIED),
        "revisit": lambda: workflow.record_visit(case, Channel.VISIT, "再次来访询问进度"),
        "close": lambda: workflow.close(case),
        "reopen": lambda: workflow.reopen(case, "信访人申请复查", review=False),
    }
    calls[str(step)]()


@pytest.mark.parametrize("state", sorted(ROUTES))
@pytest.mark.parametrize("source", [Source.OWN, Source.SUPERIOR])
def test_offered_steps_are_exactly_those_the_workflow_accepts(ledger, register_case, state, source):
    extra = {"superior_due_on": date.today() + timedelta(days=20)} if source is Source.SUPERIOR else {}
    case_id = register_case(source=source, **extra)
    with ledger.session() as session:
        workflow = Workflow(session, "主任")
        case = find_case(session, case_id)
        for step in ROUTES[state]:
            perform(workflow, case, step)
        session.flush()
        offered = set(load_case_details(session, case_id).actions)
        for kind in ACTION_ORDER:
            savepoint = session.begin_nested()
            try:
                perform(workflow, case, kind)
                accepted = True
            except WorkflowError:
                accepted = False
            savepoint.rollback()
            assert accepted == (kind in offered), f"{state}: {kind.label}"


def test_closed_case_offers_only_reopen_and_finished_cases_nothing():
    assert allowed_actions(Status.CLOSED) == [EventKind.REOPEN]
    assert allowed_actions(Status.DECLINED) == []
    assert allowed_actions(Status.FORWARDED) == []
    assert allowed_actions(Status.REPLIED) == [
        EventKind.SUPERVISE,
        EventKind.EVALUATE,
        EventKind.CLOSE,
        EventKind.REVISIT,
    ]


def test_reopen_straight_from_evaluated_only_after_dissatisfaction():
    assert EventKind.REOPEN in allowed_actions(Status.EVALUATED, satisfaction=Satisfaction.UNSATISFIED.value)
    assert EventKind.REOPEN not in allowed_actions(
        Status.EVALUATED, satisfaction=Satisfaction.SATISFIED.value
    )


def test_objection_is_offered_only_until_its_deadline():
    due = date(2026, 3, 9)
    before = allowed_actions(Status.REGISTERED, objection_due_on=due, today=due)
    after = allowed_actions(Status.REGISTERED, objection_due_on=due, today=due + timedelta(days=1))
    assert EventKind.OBJECT in before
    assert EventKind.OBJECT not in after
    assert EventKind.OBJECT not in allowed_actions(Status.REGISTERED, today=due)


def test_extension_is_offered_while_days_are_left(ledger):
    handling = Status.ASSIGNED
    assert EventKind.EXTEND in allowed_actions(handling)
    assert EventKind.EXTEND not in allowed_actions(handling, extension_count=1, extended_days=10)
    with ledger.session() as session:
        ledger_settings.store(session, "allow_multiple_extensions", True)
    with ledger.session() as session:
        many = Settings.load(session)
    assert EventKind.EXTEND in allowed_actions(handling, extension_count=1, extended_days=10, settings=many)
    assert EventKind.EXTEND not in allowed_actions(
        handling, extension_count=2, extended_days=30, settings=many
    )


def test_details_group_fields_and_mask_personal_data(ledger, register_case):
    case_id = register_case(
        petitioner=PetitionerInput(name="李堃", id_number="11010519491231002X", phone="13912345678"),
        people_count=6,
    )
    with ledger.session() as session:
        details = load_case_details(session, case_id)
    assert [g.title for g in details.groups] == ["基本信息", "信访人", "办理", "答复与评价"]
    person = details.group("信访人")
    id_field = next(f for f in person.fields if f.label == "身份证号")
    phone_field = next(f for f in person.fields if f.label == "联系电话")
    assert id_field.value == "11010519491231002X" and id_field.masked == "1101**********002X"
    assert phone_field.masked == "139****5678"
    assert "集体访" in person.value("人数")
    assert details.group("办理").value("状态") == "待受理"
    assert details.days_left is not None and details.days_left >= 15 and not details.overdue


def test_timeline_shows_who_did_what_with_notes(ledger, register_case):
    case_id = register_case(actor="接待员小王")
    with ledger.session() as session:
        workflow = Workflow(session, "主任老李")
        case = find_case(session, case_id)
        workflow.accept(case, "属本单位职责")
        workflow.assign(case, "后勤集团", "三日内上门维修")
    with ledger.session() as session:
        timeline = load_case_details(session, case_id).timeline
    assert [e.kind_label for e in timeline] == ["登记", "受理", "交办"]
    assert [e.actor for e in timeline] == ["接待员小王", "主任老李", "主任老李"]
    assert timeline[1].note == "属本单位职责"
    assert "后勤集团" in timeline[2].detail


def test_assign_defaults_come_from_the_category(ledger, register_case):
    network = register_case(subcategory="水电网络")
    dormitory = register_case(subcategory="宿舍条件与维修")
    with ledger.session() as session:
        assert load_case_details(session, network).default_department == "网络与信息中心"
        assert load_case_details(session, dormitory).default_department == "后勤集团"
        choices = load_reference_choices(session)
    assert choices.default_department("后勤服务类", "水电网络") == "网络与信息中心"
    assert choices.default_department("后勤服务类", "宿舍条件与维修") == "后勤集团"
    assert "水电网络" in choices.categories["后勤服务类"]


def test_attachment_bytes_come_back_verified(ledger, register_case):
    case_id = register_case()
    with ledger.session() as session:
        Workflow(session, "接待员").add_attachment(
            find_case(session, case_id), "来信.pdf", b"%PDF-1.4 letter"
        )
    with ledger.session() as session:
        (info,) = load_case_details(session, case_id).attachments
        assert read_attachment(session, info.id) == ("来信.pdf", b"%PDF-1.4 letter")
