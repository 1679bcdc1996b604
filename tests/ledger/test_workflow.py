"""The life of a case: every step, every illegal step, revisions, events, nothing deleted."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import delete, func, select, update

from tests.helpers import Clock, draft, register
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerError, ValidationError, WorkflowError
from xinfang_desk.ledger.models import Case, CaseEvent
from xinfang_desk.ledger.vocab import Channel, EventKind, Outcome, Satisfaction, Source, Status
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow, attachment_content


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 3, 3, 9, 30))  # a Monday


def events_of(session, case: Case) -> list[CaseEvent]:
    return list(
        session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
    )


def test_full_life_of_a_case(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        case = register(s, clock, actor="接待员甲")
        assert case.case_no == "JWC-2025-0001"
        assert case.status == Status.REGISTERED
        assert case.decide_due_on == date(2025, 3, 18)  # 15 日
        wf = Workflow(s, "主任乙", clock=clock)
        clock.advance(days=1)
        wf.accept(case, "属于本单位职责")
        assert case.handle_due_on == date(2025, 3, 19)  # category 宿舍条件与维修: 15 日 from acceptance
        wf.assign(case, "后勤集团", "请三日内上门维修并答复")
        wf.progress(case, "已派维修工")
        wf.extend(case, 10, "配件需从厂家订购")
        assert case.handle_due_on == date(2025, 3, 31)  # 29 March is a Saturday → Monday
        wf.supervise(case, "请加快进度")
        clock.advance(days=5)
        wf.reply(case, Outcome.SOLVED, "热水器已更换")
        wf.evaluate(case, Satisfaction.SATISFIED, "电话回访")
        wf.close(case, "办结")
        s.flush()
        assert case.status == Status.CLOSED
        assert case.closed_on_time is True
        assert case.due_on is None
        assert case.supervise_count == 1 and case.extension_count == 1 and case.assign_count == 1
        kinds = [e.kind for e in events_of(s, case)]
        assert kinds == [
            k.value
            for k in (
                EventKind.REGISTER,
                EventKind.ACCEPT,
                EventKind.ASSIGN,
                EventKind.PROGRESS,
                EventKind.EXTEND,
                EventKind.SUPERVISE,
                EventKind.REPLY,
                EventKind.EVALUATE,
                EventKind.CLOSE,
            )
        ]
        events = events_of(s, case)
        assert case.revision == len(events) == events[-1].seq == 9
        assert events[0].actor == "接待员甲" and events[1].actor == "主任乙"
        assert events[4].data["days"] == 10 and events[4].note == "配件需从厂家订购"


def test_case_numbers_run_per_year(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        first = register(s, clock)
        second = register(s, clock)
        clock.now = datetime(2026, 1, 2, 10, 0)
        third = register(s, clock)
    assert [first.case_no, second.case_no, third.case_no] == [
        "JWC-2025-0001",
        "JWC-2025-0002",
        "JWC-2026-0001",
    ]
    assert len({first.uuid, second.uuid, third.uuid}) == 3


def _snapshot(s, case: Case) -> tuple:
    s.refresh(case)
    count = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))
    return (case.status, case.revision, case.due_on, case.handle_due_on, case.extended_days, count)


@pytest.mark.parametrize(
    ("prepare", "step", "message"),
    [
        ([], lambda wf, c: wf.reply(c, Outcome.SOLVED, "答复"), "尚未受理"),
        ([], lambda wf, c: wf.assign(c, "后勤集团", "请办理"), "尚未受理"),
        ([], lambda wf, c: wf.close(c), "答复信访人后才能办结"),
        (["accept"], lambda wf, c: wf.extend(c, 45, "太复杂"), "不得超过30日"),
        (["accept"], lambda wf, c: wf.extend(c, 0, "无"), "至少为1天"),
        (["accept", "extend20"], lambda wf, c: wf.extend(c, 5, "再延"), "已延期一次"),
        (["accept"], lambda wf, c: wf.accept(c), "只有待受理"),
        (["accept"], lambda wf, c: wf.evaluate(c, Satisfaction.SATISFIED), "已答复"),
        (["accept", "reply"], lambda wf, c: wf.evaluate(c, Satisfaction.NONE), "请选择满意度"),
        (["accept", "reply", "close"], lambda wf, c: wf.close(c), "不能重复办结"),
        (["accept", "reply", "close"], lambda wf, c: wf.supervise(c, "督办"), "无需督办"),
        (["accept"], lambda wf, c: wf.assign(c, "不存在的处", "请办理"), "没有名为"),
        (["accept"], lambda wf, c: wf.assign(c, "后勤集团", "   "), "交办意见"),
        (["decline"], lambda wf, c: wf.accept(c), "只有待受理"),
        ([], lambda wf, c: wf.decline(c, ""), "不予受理的理由"),
        ([], lambda wf, c: wf.object_to_routing(c, "不属本单位"), "上级转办或其他单位转来"),
        (["accept"], lambda wf, c: wf.reopen(c, "再查"), "只有已办结"),
    ],
)
def test_illegal_step_raises_in_chinese_and_changes_nothing(
    ledger: Ledger, clock: Clock, prepare, step, message
) -> None:
    with ledger.session() as s:
        case = register(s, clock)
        wf = Workflow(s, "主任", clock=clock)
        actions = {
            "accept": lambda: wf.accept(case),
            "extend20": lambda: wf.extend(case, 20, "调查"),
            "reply": lambda: wf.reply(case, Outcome.EXPLAINED, "已解释"),
            "close": lambda: wf.close(case),
            "decline": lambda: wf.decline(case, "不属于信访事项"),
        }
        for name in prepare:
            actions[name]()
        s.flush()
        before = _snapshot(s, case)
        with pytest.raises(LedgerError) as err:
            step(wf, case)
        assert message in str(err.value)
        assert _snapshot(s, case) == before


def test_failed_step_in_a_session_leaves_the_file_unchanged(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        case_id = register(s, clock).id
    with pytest.raises(WorkflowError), ledger.session() as s:
        case = s.get(Case, case_id)
        Workflow(s, "主任", clock=clock).close(case)
    with ledger.session() as s:
        assert s.get(Case, case_id).revision == 1


def test_extension_allowed_twice_only_when_the_setting_says_so(ledger: Ledger, clock: Clock) -> None:
    from xinfang_desk.ledger.settings import store

    with ledger.session() as s:
        store(s, "allow_multiple_extensions", True)
    with ledger.session() as s:
        case = register(s, clock)
        wf = Workflow(s, "主任", clock=clock)
        wf.accept(case)
        wf.extend(case, 20, "一")
        wf.extend(case, 10, "二")
        assert case.extended_days == 30
        with pytest.raises(WorkflowError, match="还可延期0日"):
            wf.extend(case, 1, "三")


def test_decline_and_forward_end_the_case_without_a_deadline(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        a, b = register(s, clock), register(s, clock)
        wf = Workflow(s, "主任", clock=clock)
        wf.decline(a, "已经司法程序处理")
        wf.forward(b, "市教育局", "依法转送")
        assert (a.status, a.due_on, a.decline_reason) == (Status.DECLINED, None, "已经司法程序处理")
        assert (b.status, b.due_on, b.forwarded_to) == (Status.FORWARDED, None, "市教育局")


def test_objection_to_a_misrouted_case_within_five_working_days(ledger: Ledger, clock: Clock) -> None:
    clock.now = datetime(2025, 9, 26, 10, 0)  # Friday before National Day
    with ledger.session() as s:
        case = register(s, clock, source=Source.OTHER_UNIT)
        # 5 工作日 after 26 Sept: 28 Sept (swapped Sunday), 29, 30 Sept, 9, 10 Oct
        assert case.objection_due_on == date(2025, 10, 10)
        clock.now = datetime(2025, 10, 11, 9, 0)
        with pytest.raises(WorkflowError, match="已超过提出异议的期限"):
            Workflow(s, "主任", clock=clock).object_to_routing(case, "不属本单位职责")
        clock.now = datetime(2025, 10, 10, 16, 0)
        Workflow(s, "主任", clock=clock).object_to_routing(case, "不属本单位职责")
        assert case.status == Status.FORWARDED


def test_superior_case_uses_the_superior_deadline(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        with pytest.raises(ValidationError, match="上级交办单"):
            register(s, clock, source=Source.SUPERIOR)
        case = register(
            s,
            clock,
            source=Source.SUPERIOR,
            superior_due_on=date(2025, 3, 20),
            superior_ref="皖教信〔2025〕3号",
        )
        Workflow(s, "主任", clock=clock).accept(case)
        assert case.handle_due_on == date(2025, 3, 20)


def test_mailbox_case_must_close_within_seven_days(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        case = register(s, clock, channel=Channel.MAILBOX, source=Source.PRESIDENT_MAILBOX)
        clock.advance(days=2)
        Workflow(s, "主任", clock=clock).accept(case)
        assert case.handle_due_on == date(2025, 3, 10)  # 7 日 from receipt on 3 March


def test_default_rule_is_sixty_days_from_acceptance(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        case = register(s, clock, category="其他类", subcategory="")
        Workflow(s, "主任", clock=clock).accept(case)
        assert case.handle_due_on == date(2025, 5, 6)  # 2 May is a holiday (劳动节 1–5 May) → 6 May


def test_late_close_is_not_on_time_and_reopen_counts(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        case = register(s, clock, category="其他类", subcategory="")
        wf = Workflow(s, "主任", clock=clock)
        wf.accept(case)
        clock.now = datetime(2025, 5, 20, 9, 0)
        wf.reply(case, Outcome.EXPLAINED, "已解释政策")
        wf.evaluate(case, Satisfaction.UNSATISFIED)
        wf.close(case)
        assert case.closed_on_time is False
        clock.advance(days=3)
        wf.reopen(case, "信访人申请复查")
        assert (case.status, case.reopen_count, case.review_requested) == (Status.IN_PROGRESS, 1, True)
        assert case.closed_at is None and case.due_on == date(2025, 6, 23)  # 30 日 → 22 June is Sunday
        wf.reply(case, Outcome.EXPLAINED, "复查维持")
        wf.close(case)
        clock.advance(days=1)
        wf.reopen(case, "申请复核")
        wf.reply(case, Outcome.EXPLAINED, "复核维持")
        wf.close(case)
        clock.advance(days=1)
        with pytest.raises(WorkflowError, match="不再受理"):
            wf.reopen(case, "第三次")


def test_review_request_after_thirty_days_is_refused(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        case = register(s, clock)
        wf = Workflow(s, "主任", clock=clock)
        wf.accept(case)
        wf.reply(case, Outcome.SOLVED, "已修好")
        wf.close(case)
        clock.advance(days=45)
        with pytest.raises(WorkflowError, match="已超过申请复查"):
            wf.reopen(case, "复查")
        wf.reopen(case, "单位自行纠正", review=False)
        assert case.status == Status.IN_PROGRESS


def test_repeat_of_an_open_case_is_refused_and_of_a_closed_one_linked(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        first = register(s, clock)
        with pytest.raises(WorkflowError, match="仍在办理中"):
            register(s, clock, repeat_of=first.case_no)
        wf = Workflow(s, "主任", clock=clock)
        wf.accept(first)
        wf.reply(first, Outcome.SOLVED, "已修")
        wf.close(first)
        clock.advance(days=10)
        again = register(s, clock, repeat_of=first.case_no)
        assert again.is_repeat and again.repeat_of_id == first.id


def test_corrections_keep_the_old_value_in_history(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        case = register(s, clock)
        Workflow(s, "主任", clock=clock).correct(case, "summary", "宿舍热水器损坏三周未修", "摘要有误")
        s.flush()
        last = events_of(s, case)[-1]
        assert case.summary == "宿舍热水器损坏三周未修"
        assert (last.kind, last.data["old"], last.data["new"]) == (
            "correct",
            "宿舍热水器损坏两周未修",
            case.summary,
        )


def test_history_and_cases_cannot_be_deleted_or_rewritten(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        case = register(s, clock)
        case_id = case.id
    with pytest.raises(LedgerError, match="不可删除"), ledger.session() as s:
        s.delete(s.get(Case, case_id))
        s.flush()
    with pytest.raises(LedgerError, match="不可修改"), ledger.session() as s:
        event = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)).one()
        event.note = "篡改"
        s.flush()
    # even plain SQL is refused by the database itself
    with pytest.raises(Exception, match="不可"), ledger.session() as s:
        s.execute(delete(CaseEvent).where(CaseEvent.case_id == case_id))
    with pytest.raises(Exception, match="不可"), ledger.session() as s:
        s.execute(update(CaseEvent).values(note="x"))
    with ledger.session() as s:
        assert s.get(Case, case_id) is not None
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"summary": "  "}, "内容摘要"),
        ({"people_count": 0}, "至少为1人"),
        ({"petitioner": PetitionerInput(name="王五", id_number="340104199001011234")}, "校验位"),
        ({"petitioner": PetitionerInput(name="王五", phone="1381234567")}, "11位"),
        ({"petitioner": PetitionerInput(name="")}, "匿名"),
        ({"category": "不存在类"}, "没有问题类别“不存在类”"),
        ({"category": "  "}, "请填写问题类别。"),
        ({"received_at": datetime(2030, 1, 1)}, "晚于当前时间"),
        ({"received_at": datetime(1999, 1, 1)}, "过早"),
    ],
)
def test_bad_registration_is_refused_with_a_reason(ledger: Ledger, clock: Clock, overrides, message) -> None:
    with ledger.session() as s:
        with pytest.raises(ValidationError, match=message):
            Workflow(s, "接待员", clock=clock).register(draft(**{"received_at": clock.now, **overrides}))
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_anonymous_petitioner_is_allowed(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        case = register(s, clock, petitioner=PetitionerInput(anonymous=True))
        assert case.petitioner.name == "匿名" and case.petitioner.anonymous


def test_attachments_are_stored_once_by_hash(ledger: Ledger, clock: Clock) -> None:
    scan = b"%PDF-1.4 scanned letter" * 100
    with ledger.session() as s:
        a, b = register(s, clock), register(s, clock)
        wf = Workflow(s, "接待员", clock=clock)
        first = wf.add_attachment(a, "来信扫描.pdf", scan, "application/pdf")
        wf.add_attachment(b, "来信扫描.pdf", scan, "application/pdf")
        s.flush()
        assert attachment_content(s, first) == scan
        assert first.sha256 == __import__("hashlib").sha256(scan).hexdigest()
        assert a.revision == 2
        from xinfang_desk.ledger.models import AttachmentBlob

        assert s.scalar(select(func.count()).select_from(AttachmentBlob)) == 1


def test_every_step_needs_an_actor(ledger: Ledger) -> None:
    with ledger.session() as s, pytest.raises(ValidationError, match="操作人"):
        Workflow(s, "  ")


def test_the_audit_log_is_append_only(ledger: Ledger) -> None:
    from xinfang_desk.ledger.models import AuditEntry

    with ledger.session() as s:
        s.add(
            AuditEntry(at=datetime(2025, 3, 3, 9, 0), actor="主任", action="export_full", detail={"rows": 3})
        )
    with pytest.raises(Exception, match="审计日志不可修改"), ledger.session() as s:
        s.execute(update(AuditEntry).values(actor="别人"))
    with pytest.raises(LedgerError, match="不可"), ledger.session() as s:
        s.delete(s.scalars(select(AuditEntry)).one())
        s.flush()
    with ledger.session() as s:
        assert s.scalars(select(AuditEntry.actor)).all() == ["主任"]


def test_the_proposed_department_is_kept_and_starts_the_assignment(ledger: Ledger, clock: Clock) -> None:
    from xinfang_desk.ledger.case_details import load_case_details

    with ledger.session() as s:
        with pytest.raises(ValidationError, match="没有名为“食堂”的承办单位"):
            register(s, clock, proposed_department="食堂")
        case = register(s, clock, proposed_department="保卫处")
        assert case.proposed_department == "保卫处"
        assert load_case_details(s, case.id).default_department == "保卫处"  # not the category's 后勤集团


def test_a_second_visit_about_an_open_matter_is_recorded_on_its_case(ledger: Ledger, clock: Clock) -> None:
    from xinfang_desk.ledger.case_details import load_case_details

    with ledger.session() as s:
        case = register(s, clock)
        wf = Workflow(s, "接待员", clock=clock)
        wf.accept(case)
        clock.advance(days=2)
        revision = case.revision
        wf.record_visit(case, Channel.VISIT, "信访人再次来访询问维修进度")
        clock.advance(days=1)
        wf.record_visit(case, Channel.PHONE, "电话催办")
        s.flush()
        assert case.revision == revision + 2
        assert case.status == Status.ACCEPTED  # a visit changes no deadline and no status
        details = load_case_details(s, case.id, today=clock.now.date())
        visits = [e for e in details.timeline if e.kind == EventKind.REVISIT.value]
        assert [(e.note, e.detail) for e in visits] == [
            ("信访人再次来访询问维修进度", "信访形式：来访"),
            ("电话催办", "信访形式：电话"),
        ]
        assert visits[0].kind_label == "再次来访" and visits[0].at == datetime(2025, 3, 5, 9, 30)
        assert details.group("办理").value("来访次数") == "3次（含再次来访）"
        assert EventKind.REVISIT in details.actions


def test_a_visit_is_refused_on_a_closed_case_and_before_receipt(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        case = register(s, clock)
        wf = Workflow(s, "接待员", clock=clock)
        with pytest.raises(ValidationError, match="不能早于收件日期"):
            wf.record_visit(case, Channel.VISIT, at=datetime(2025, 3, 1, 9, 0))
        wf.accept(case)
        wf.reply(case, Outcome.SOLVED, "已解决")
        wf.close(case)
        revision = case.revision
        with pytest.raises(WorkflowError, match="只有仍在办理中的事项才能记录再次来访"):
            wf.record_visit(case, Channel.VISIT, "又来了")
        assert case.revision == revision


def test_dissatisfied_petitioner_reopens_straight_from_evaluated(ledger: Ledger, clock: Clock) -> None:
    with ledger.session() as s:
        case = register(s, clock)
        wf = Workflow(s, "主任", clock=clock)
        wf.accept(case)
        wf.reply(case, Outcome.SOLVED, "已解决")
        wf.evaluate(case, Satisfaction.UNSATISFIED, "仍有异味")
        wf.reopen(case, "信访人对答复不满意，重新办理。", review=False)
        s.flush()
        kinds = [e.kind for e in events_of(s, case)]
        assert kinds[-2:] == [EventKind.EVALUATE.value, EventKind.REOPEN.value]  # no 办结 in between
        assert case.status == Status.IN_PROGRESS and case.reopen_count == 1

        other = register(s, clock, summary="食堂饭菜价格上涨")
        wf.accept(other)
        wf.reply(other, Outcome.SOLVED, "已解决")
        wf.evaluate(other, Satisfaction.SATISFIED)
        with pytest.raises(WorkflowError, match="回访满意"):
            wf.reopen(other, "重新办理", review=False)
