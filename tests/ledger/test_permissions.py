"""Roles at the operation layer: every operation under every role is allowed or refused as the role says."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Clock, draft
from xinfang_desk.export.documents import operations as documents
from xinfang_desk.export.documents.facts import DocumentKind
from xinfang_desk.export.exchange import operations as exchange
from xinfang_desk.ledger import administration, demo, users
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import AuthenticationError, LedgerError, PermissionDenied
from xinfang_desk.ledger.models import Attachment, Category, Department
from xinfang_desk.ledger.operations import calendar, cases, figures, queries, safekeeping, trail
from xinfang_desk.ledger.operations.context import Actor, OpContext
from xinfang_desk.ledger.permissions import OPERATIONS, STEP_PERMISSIONS, Permission, Role
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.search import CaseFilter
from xinfang_desk.ledger.vocab import Channel, EventKind, Outcome, Satisfaction, Source
from xinfang_desk.ledger.workflow import Workflow

START = datetime(2026, 3, 2, 9, 0)


@dataclass
class World:
    ledger: Ledger
    folder: Path
    registered: str
    accepted: str
    assigned: str
    replied: str
    closed: str
    transferred: str
    case_id: int
    attachment_id: int
    department_id: int
    category_id: int


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, module_location: str | Path) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("roles")
    ledger = create_ledger(module_location, "JWC", "教务处")
    clock = Clock(START)
    with ledger.session() as s:
        wf = Workflow(s, "接待员", clock=clock)

        def new() -> Any:
            case = wf.register(draft(received_at=clock.now))
            clock.advance(hours=1)
            return case

        registered, accepted, assigned, replied, closed = (new() for _ in range(5))
        department = s.query(Department).first()
        for case in (accepted, assigned, replied, closed):
            wf.accept(case, "受理")
        for case in (assigned, replied, closed):
            wf.assign(case, department.name, "请办理")
        for case in (replied, closed):
            wf.reply(case, Outcome.SOLVED, "已修好")
        wf.close(closed, "")
        wf.add_attachment(registered, "照片.txt", b"photo", "text/plain")
        transferred = wf.register(draft(received_at=clock.now, source=Source.OTHER_UNIT))
        s.flush()
        numbers = [c.case_no for c in (registered, accepted, assigned, replied, closed, transferred)]
        case_id = registered.id
        attachment_id = s.query(Attachment).first().id
        department_id = department.id
        category_id = s.query(Category).first().id
    with ledger.session() as s:
        users.create_administrator(s, "管理员甲", "admin-pass-1")
    with ledger.operation(Actor("管理员甲", role=Role.ADMIN)) as ctx:
        users.add_user(ctx, "接待员乙", Role.RECEPTIONIST, "first-pass-1")
    (folder / "附件.txt").write_text("附件内容")
    yield World(ledger, folder, *numbers, case_id, attachment_id, department_id, category_id)
    ledger.close()


def _calls(w: World) -> dict[str, tuple[Permission | None, Callable[[OpContext], Any]]]:
    """Every operation, with real arguments, and the permission it must need."""
    period = (date(2026, 1, 1), date(2026, 12, 31))
    out = w.folder / "out"
    out.mkdir(exist_ok=True)
    calls: dict[str, tuple[Permission | None, Callable[[OpContext], Any]]] = {
        "cases.register_case": (Permission.REGISTER, lambda c: cases.register_case(c, draft())),
        "cases.correct_case": (
            Permission.REGISTER,
            lambda c: cases.correct_case(c, w.registered, "summary", "宿舍热水器坏了", "笔误"),
        ),
        "cases.link_repeat": (Permission.REGISTER, lambda c: cases.link_repeat(c, w.accepted, w.registered)),
        "cases.add_attachment_files": (
            Permission.REGISTER,
            lambda c: cases.add_attachment_files(c, w.registered, [str(w.folder / "附件.txt")]),
        ),
        "cases.record_visit": (
            Permission.REGISTER,
            lambda c: cases.record_visit(c, w.accepted, Channel.LETTER, "又来信催问"),
        ),
        "cases.case_details": (Permission.VIEW, lambda c: cases.case_details(c, w.case_id)),
        "cases.attachment_file": (Permission.VIEW, lambda c: cases.attachment_file(c, w.attachment_id)),
        "cases.record_reveal": (
            Permission.VIEW,
            lambda c: cases.record_reveal(c, w.case_id, w.registered, "phone"),
        ),
        "cases.reference_choices": (Permission.VIEW, cases.reference_choices),
        "cases.earlier_cases": (Permission.VIEW, lambda c: cases.earlier_cases(c, name="李玥")),
        "queries.dashboard_data": (Permission.VIEW, queries.dashboard_data),
        "queries.ledger_id_page": (
            Permission.VIEW,
            lambda c: queries.ledger_id_page(c, CaseFilter(), limit=50),
        ),
        "queries.matching_count": (Permission.VIEW, lambda c: queries.matching_count(c, CaseFilter())),
        "queries.ledger_rows": (
            Permission.VIEW,
            lambda c: queries.ledger_rows(c, [w.case_id], today=START.date(), due_soon_days=3),
        ),
        "queries.list_cases": (Permission.VIEW, lambda c: queries.list_cases(c, CaseFilter(), limit=5)),
        "queries.filter_choices": (Permission.VIEW, queries.filter_choices),
        "queries.ledger_facts": (Permission.VIEW, queries.ledger_facts),
        "administration.load_snapshot": (Permission.VIEW, administration.load_snapshot),
        "administration.save_settings": (
            Permission.SETTINGS,
            lambda c: administration.save_settings(c, "教务处", {}, {}),
        ),
        "administration.add_department": (
            Permission.SETTINGS,
            lambda c: administration.add_department(c, "新承办单位"),
        ),
        "administration.set_department_active": (
            Permission.SETTINGS,
            lambda c: administration.set_department_active(c, w.department_id, True),
        ),
        "administration.add_category": (
            Permission.SETTINGS,
            lambda c: administration.add_category(c, "新类别", None),
        ),
        "administration.save_category": (
            Permission.SETTINGS,
            lambda c: administration.save_category(c, w.category_id, 30, "", True),
        ),
        "exchange.export_choices": (Permission.EXPORT, exchange.export_choices),
        "exchange.count_rows": (Permission.EXPORT, lambda c: exchange.count_rows(c, *period)),
        "exchange.export_workbook": (
            Permission.EXPORT,
            lambda c: exchange.export_workbook(
                c, exchange.ExportRequest(out / "masked.xlsx", *period, False)
            ),
        ),
        "exchange.export_workbook(full)": (
            Permission.EXPORT_FULL,
            lambda c: exchange.export_workbook(c, exchange.ExportRequest(out / "full.xlsx", *period, True)),
        ),
        "exchange.merge_files": (Permission.MERGE, lambda c: exchange.merge_files(c, [])),
        "exchange.import_file": (
            Permission.IMPORT,
            lambda c: exchange.import_file(c, w.folder / "no-such.xlsx"),
        ),
        "documents.printable_kinds": (Permission.VIEW, lambda c: documents.printable_kinds(c, w.assigned)),
        "documents.prepare_documents": (
            Permission.PRINT,
            lambda c: documents.prepare_documents(c, [w.assigned], DocumentKind.ASSIGN),
        ),
        "demo.fill_demo_ledger": (Permission.IMPORT, lambda c: demo.fill_demo_ledger(c, cases=1)),
        "users.list_users": (Permission.USERS, users.list_users),
        "users.add_user": (
            Permission.USERS,
            lambda c: users.add_user(c, "新接待员", Role.RECEPTIONIST, "new-pass-123"),
        ),
        "users.reset_password": (
            Permission.USERS,
            lambda c: users.reset_password(c, "接待员乙", "reset-pass-1"),
        ),
        "users.set_user_active": (Permission.USERS, lambda c: users.set_user_active(c, "接待员乙", False)),
        "users.issue_token": (Permission.USERS, lambda c: users.issue_token(c, "接待员乙")),
        "trail.trail_rows": (Permission.VIEW_AUDIT, lambda c: trail.trail_rows(c, trail.TrailFilter())),
        "trail.trail_actions": (Permission.VIEW_AUDIT, trail.trail_actions),
        "trail.export_trail": (
            Permission.VIEW_AUDIT,
            lambda c: trail.export_trail(c, trail.TrailFilter(), out / "trail.xlsx"),
        ),
        "trail.verify": (Permission.VIEW, trail.verify),
        "figures.period_figures": (Permission.VIEW, lambda c: figures.period_figures(c, *period)),
        "figures.period_warnings": (Permission.VIEW, lambda c: figures.period_warnings(c, *period)),
        "figures.units_assessment": (
            Permission.VIEW,
            lambda c: figures.units_assessment(c, *period, date(2026, 11, 30)),
        ),
        "figures.office_units": (Permission.VIEW, figures.office_units),
        "documents.prepare_annual_report": (
            Permission.PRINT,
            lambda c: documents.prepare_annual_report(c, *period),
        ),
        "safekeeping.back_up_ledger": (
            Permission.BACKUP,
            lambda c: safekeeping.back_up_ledger(c, out / "备份.sqlite"),
        ),
        "safekeeping.allow_copy": (
            Permission.BACKUP,
            lambda c: safekeeping.allow_copy(c, "postgresql+psycopg://台账@服务器/jwc"),
        ),
        "safekeeping.allow_restore": (
            Permission.RESTORE,
            lambda c: safekeeping.allow_restore(c, out / "备份.sqlite"),
        ),
        "calendar.calendar_year": (Permission.VIEW, lambda c: calendar.calendar_year(c, 2027)),
        "calendar.calendar_days": (Permission.VIEW, lambda c: calendar.calendar_days(c, 2027)),
        "calendar.estimated_years": (Permission.VIEW, lambda c: calendar.estimated_years(c, [2026, 2099])),
        "calendar.reckon_deadline": (
            Permission.VIEW,
            lambda c: calendar.reckon_deadline(c, date(2026, 12, 17), "decide"),
        ),
        "calendar.enter_notice": (
            Permission.CALENDAR,
            lambda c: calendar.enter_notice(c, "2027-02-05~2027-02-11 休"),
        ),
        "calendar.set_calendar_day": (
            Permission.CALENDAR,
            lambda c: calendar.set_calendar_day(c, date(2027, 1, 4), "休", "试录"),
        ),
        "calendar.remove_calendar_day": (
            Permission.CALENDAR,
            lambda c: (
                calendar.set_calendar_day(c, date(2027, 1, 5), "休"),
                calendar.remove_calendar_day(c, date(2027, 1, 5)),
            ),
        ),
    }
    step_cases = {
        EventKind.ACCEPT: (w.registered, {"note": "受理"}),
        EventKind.DECLINE: (w.registered, {"reason": "不属于本单位职责"}),
        EventKind.FORWARD: (w.registered, {"to": "学生工作部", "note": ""}),
        EventKind.OBJECT: (w.transferred, {"reason": "不属于本单位职责"}),
        EventKind.ASSIGN: (w.accepted, {"department": "", "opinion": "请办理"}),
        EventKind.EXTEND: (w.assigned, {"days": 10, "reason": "情况复杂"}),
        EventKind.PROGRESS: (w.assigned, {"note": "已联系维修"}),
        EventKind.REPLY: (w.assigned, {"outcome": Outcome.SOLVED, "text": "已修好"}),
        EventKind.SUPERVISE: (w.assigned, {"note": "请加快"}),
        EventKind.EVALUATE: (w.replied, {"satisfaction": Satisfaction.SATISFIED, "note": ""}),
        EventKind.CLOSE: (w.replied, {"note": ""}),
        EventKind.REOPEN: (w.closed, {"reason": "复查", "review": True}),
        EventKind.REVISIT: (w.accepted, {"channel": Channel.PHONE, "note": "电话催问"}),
    }
    assert set(step_cases) == set(STEP_PERMISSIONS)
    for kind, (case_no, values) in step_cases.items():
        calls[f"cases.perform_step({kind.value})"] = (
            STEP_PERMISSIONS[kind],
            lambda c, case_no=case_no, kind=kind, values=values: cases.perform_step(c, case_no, kind, values),
        )
    return calls


def _department(w: World) -> str:
    with w.ledger.session() as s:
        return s.get(Department, w.department_id).name


#: Operations that, once allowed, refuse these arguments for another reason (a unit ledger cannot merge;
#: the file to import does not exist): the permission is checked before that.
_REFUSED_AFTER_THE_CHECK = {"exchange.merge_files": "汇总模式", "exchange.import_file": "no-such"}


def _run(
    w: World, actor: Actor, call: Callable[[OpContext], Any], later_refusal: str | None = None
) -> Exception | None:
    """Run one operation in a session that is rolled back, so every call sees the same ledger."""
    session = w.ledger.new_session()
    try:
        call(OpContext(session, actor, clock=lambda: START + timedelta(days=5), ledger=w.ledger))
    except PermissionDenied as exc:
        return exc
    except LedgerError as exc:
        if later_refusal is None or later_refusal not in str(exc):
            raise
    finally:
        session.rollback()
        session.close()
    return None


def test_the_role_table_covers_every_operation(world: World) -> None:
    covered = {name.split("(")[0] for name in _calls(world)}
    declared = {
        name.removeprefix("xinfang_desk.").replace("ledger.operations.", "").replace("export.", "")
        for name in OPERATIONS
    }
    declared = {
        n.replace("exchange.operations.", "exchange.").replace("documents.operations.", "documents.")
        for n in declared
    }
    declared = {n.replace("ledger.", "") for n in declared}
    assert declared == covered


@pytest.mark.parametrize("role", list(Role), ids=[r.label for r in Role])
def test_every_operation_is_allowed_or_refused_as_the_role_says(world: World, role: Role) -> None:
    actor = Actor(f"测试{role.label}", role=role)
    department = _department(world)
    wrong: list[str] = []
    for name, (permission, call) in _calls(world).items():
        if name == "cases.perform_step(assign)":
            call = lambda c, d=department: cases.perform_step(  # noqa: E731
                c, world.accepted, EventKind.ASSIGN, {"department": d, "opinion": "请办理"}
            )
        needed = {permission, Permission.EXPORT} if name == "exchange.export_workbook(full)" else {permission}
        allowed = all(p in role.permissions for p in needed if p is not None)
        refused = _run(world, actor, call, _REFUSED_AFTER_THE_CHECK.get(name))
        if allowed and refused is not None:
            wrong.append(f"{name}: refused ({refused})")
        if not allowed and refused is None:
            wrong.append(f"{name}: allowed")
        if refused is not None:
            assert role.label in str(refused)
    assert not wrong, wrong


def test_roles_grant_what_the_issue_asks() -> None:
    reception = Role.RECEPTIONIST.permissions
    assert {Permission.REGISTER, Permission.VIEW, Permission.RECORD_VISIT} <= reception
    assert not reception & {Permission.DECIDE, Permission.ASSIGN, Permission.EXPORT, Permission.PRINT}
    head = Role.UNIT_HEAD.permissions
    assert {Permission.DECIDE, Permission.ASSIGN, Permission.SUPERVISE, Permission.CLOSE} <= head
    assert {Permission.EXPORT, Permission.EXPORT_FULL, Permission.PRINT, Permission.VIEW_AUDIT} <= head
    assert not head & {Permission.USERS, Permission.SETTINGS, Permission.CALENDAR, Permission.RESTORE}
    assert {
        Permission.USERS,
        Permission.SETTINGS,
        Permission.CALENDAR,
        Permission.RESTORE,
    } <= Role.ADMIN.permissions
    assert Permission.EXPORT_FULL not in Role.SUPERVISOR.permissions


def test_a_ledger_with_users_refuses_an_actor_who_has_not_signed_in(world: World) -> None:
    refused = _run(world, Actor("陌生人"), lambda c: queries.dashboard_data(c))
    assert refused is not None and "请先登录" in str(refused)


def test_a_signed_in_user_acts_with_the_role_stored_in_the_ledger(world: World) -> None:
    with world.ledger.operation(Actor("管理员甲", role=Role.ADMIN)) as ctx:
        users.add_user(ctx, "单位负责人丙", Role.UNIT_HEAD, "head-pass-1")
    signed = users.authenticate(world.ledger, "单位负责人丙", "head-pass-1")
    assert signed.must_change_password
    actor = signed.actor
    assert (
        _run(world, actor, lambda c: documents.prepare_documents(c, [world.assigned], DocumentKind.ASSIGN))
        is None
    )
    # a forged role on the signed-in actor changes nothing: the ledger's role counts
    forged = Actor(actor.name, role=Role.ADMIN, user_id=actor.user_id)
    assert _run(world, forged, users.list_users) is not None
    with world.ledger.operation(Actor("管理员甲", role=Role.ADMIN)) as ctx:
        users.set_user_active(ctx, "单位负责人丙", False)
    refused = _run(world, actor, queries.dashboard_data)
    assert refused is not None and "已停用" in str(refused)
    with pytest.raises(AuthenticationError, match="已停用"):
        users.authenticate(world.ledger, "单位负责人丙", "head-pass-1")


def test_five_wrong_passwords_lock_the_account_and_are_audited(tmp_path: Path) -> None:
    ledger = create_ledger(tmp_path / "l.sqlite", "JWC", "教务处")
    try:
        with ledger.session() as s:
            users.create_administrator(s, "管理员", "right-pass-1")
        for _ in range(users.MAX_FAILED_LOGINS - 1):
            with pytest.raises(AuthenticationError, match="用户名或密码错误"):
                users.authenticate(ledger, "管理员", "wrong-pass")
        with pytest.raises(AuthenticationError, match="已锁定"):
            users.authenticate(ledger, "管理员", "wrong-pass")
        with pytest.raises(AuthenticationError, match="锁定"):
            users.authenticate(ledger, "管理员", "right-pass-1")
        with pytest.raises(AuthenticationError, match="用户名或密码错误"):
            users.authenticate(ledger, "没有此人", "whatever")
        admin = Actor("运维", role=Role.ADMIN)
        with ledger.operation(admin) as ctx:
            failures = trail.trail_rows(ctx, trail.TrailFilter(action="login_failed"))
        assert len(failures) == users.MAX_FAILED_LOGINS + 1
        with ledger.operation(admin) as ctx:
            users.reset_password(ctx, "管理员", "fresh-pass-1")
        signed = users.authenticate(ledger, "管理员", "fresh-pass-1")
        assert signed.must_change_password
        with ledger.operation(signed.actor) as ctx:
            users.change_own_password(ctx, "fresh-pass-1", "chosen-pass-2")
        assert not users.authenticate(ledger, "管理员", "chosen-pass-2").must_change_password
    finally:
        ledger.close()


def test_passwords_are_stored_only_as_argon2_hashes(tmp_path: Path) -> None:
    ledger = create_ledger(tmp_path / "l.sqlite", "JWC", "教务处")
    try:
        with ledger.session() as s:
            users.create_administrator(s, "管理员", "secret-pass-9")
        raw = (tmp_path / "l.sqlite").read_bytes() + (tmp_path / "l.sqlite-wal").read_bytes()
        assert b"secret-pass-9" not in raw
        assert b"$argon2id$" in raw
    finally:
        ledger.close()


def test_a_second_administrator_cannot_be_bootstrapped(world: World) -> None:
    with world.ledger.session() as s, pytest.raises(PermissionDenied):
        users.create_administrator(s, "冒充者", "some-pass-1")


def test_a_supervisor_exists_only_in_the_office_ledger(world: World) -> None:
    from xinfang_desk.ledger.errors import ValidationError

    with (
        pytest.raises(ValidationError, match="信访与督办室"),
        world.ledger.operation(Actor("管理员甲", role=Role.ADMIN)) as ctx,
    ):
        users.add_user(ctx, "督办员丁", Role.SUPERVISOR, "super-pass-1")
