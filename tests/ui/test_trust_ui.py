"""Signing in, the first administrator, the demo's 演示管理员, the audit page, the start-up check, errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from sqlalchemy import select

from tests.helpers import draft
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo_ledger import DEMO_ACTOR
from xinfang_desk.ledger.models import AuditEntry, Case
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.permissions import Role
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.users import add_user, authenticate, create_administrator
from xinfang_desk.ledger.workflow import Workflow
from xinfang_desk.logs import log_file
from xinfang_desk.ui import app as app_module
from xinfang_desk.ui.audit_page import AuditPage
from xinfang_desk.ui.first_run import AdministratorDialog
from xinfang_desk.ui.login_dialog import ChangePasswordDialog, LoginDialog, acting_user_for
from xinfang_desk.ui.main_window import MainWindow
from xinfang_desk.ui.ops import OpRunner, error_text


@pytest.fixture
def secured(ledger: Ledger) -> Ledger:
    with ledger.session() as s:
        create_administrator(s, "王主任", "admin-pass-1")
        Workflow(s, "王主任").register(draft())
    with ledger.operation(Actor("王主任", role=Role.ADMIN)) as ctx:
        add_user(ctx, "李接待", Role.RECEPTIONIST, "first-pass-1")
    return ledger


def _answered(qtbot, dialog: QDialog) -> None:
    """Wait until the dialog's work on the worker came back (the dialog is usable again, or closed)."""
    qtbot.waitUntil(lambda: dialog.isEnabled() or not dialog.isVisible(), timeout=10000)


def test_login_dialog_signs_in_and_explains_a_wrong_password(qtbot, secured: Ledger) -> None:
    runner = OpRunner(secured)
    dialog = LoginDialog(runner)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText("王主任")
    dialog.password.setText("wrong-pass")
    dialog.sign_in()
    assert not dialog.isEnabled(), "the password is checked on the worker while the dialog waits"
    _answered(qtbot, dialog)
    assert "用户名或密码错误" in dialog.error.text() and dialog.actor is None and dialog.isVisible()
    assert dialog.password.text() == ""
    dialog.password.setText("admin-pass-1")
    dialog.sign_in()
    _answered(qtbot, dialog)
    assert dialog.actor is not None and dialog.actor.role is Role.ADMIN and not dialog.must_change_password
    assert dialog.result() == QDialog.DialogCode.Accepted
    runner.wait()


def test_a_new_user_must_choose_a_password_first(qtbot, secured: Ledger) -> None:
    runner = OpRunner(secured)
    dialog = LoginDialog(runner)
    qtbot.addWidget(dialog)
    dialog.name.setText("李接待")
    dialog.password.setText("first-pass-1")
    dialog.sign_in()
    qtbot.waitUntil(lambda: dialog.actor is not None, timeout=10000)
    assert dialog.must_change_password
    runner.actor = dialog.actor
    change = ChangePasswordDialog(runner, required=True)
    qtbot.addWidget(change)
    change.show()
    change.old.setText("first-pass-1")
    change.new.setText("short")
    change.again.setText("short")
    change.change()
    _answered(qtbot, change)
    assert "至少" in change.error.text() and change.isVisible()
    change.new.setText("chosen-pass-2")
    change.again.setText("chosen-pass-2")
    change.change()
    _answered(qtbot, change)
    assert change.result() == QDialog.DialogCode.Accepted
    assert not authenticate(secured, "李接待", "chosen-pass-2").must_change_password
    runner.wait()


def test_a_wrong_old_password_is_said_in_chinese_and_the_dialog_stays_open(qtbot, secured: Ledger) -> None:
    admin = authenticate(secured, "王主任", "admin-pass-1").actor
    runner = OpRunner(secured, admin)
    change = ChangePasswordDialog(runner, required=False)
    qtbot.addWidget(change)
    change.show()
    change.old.setText("not-my-pass")
    change.new.setText("chosen-pass-2")
    change.again.setText("chosen-pass-2")
    change.change()
    assert not change.isEnabled(), "the hash is checked on the worker while the dialog waits"
    assert QApplication.overrideCursor().shape() == Qt.CursorShape.WaitCursor
    _answered(qtbot, change)
    assert QApplication.overrideCursor() is None, "the busy cursor goes with the answer"
    assert change.error.text() == "原密码不正确。"
    assert change.isVisible() and change.isEnabled() and change.result() != QDialog.DialogCode.Accepted
    assert authenticate(secured, "王主任", "admin-pass-1").actor.name == "王主任", "the password is unchanged"
    runner.wait()


def test_the_first_run_creates_the_administrator_without_blocking(qtbot, ledger: Ledger) -> None:
    runner = OpRunner(ledger)
    dialog = AdministratorDialog(runner)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText("王主任")
    dialog.password.setText("admin-pass-1")
    dialog.again.setText("admin-pass-2")
    dialog.create()
    assert "不一致" in dialog.error.text() and dialog.actor is None
    dialog.again.setText("admin-pass-1")
    dialog.create()
    assert dialog.actor is None and not dialog.isEnabled(), "create() returns while the worker hashes"
    _answered(qtbot, dialog)
    assert dialog.actor is not None and dialog.actor.role is Role.ADMIN
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert authenticate(ledger, "王主任", "admin-pass-1").actor.name == "王主任"
    runner.wait()


def test_a_second_first_administrator_is_refused_in_chinese(qtbot, secured: Ledger) -> None:
    runner = OpRunner(secured)
    dialog = AdministratorDialog(runner)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText("冒充者")
    dialog.password.setText("admin-pass-9")
    dialog.again.setText("admin-pass-9")
    dialog.create()
    _answered(qtbot, dialog)
    assert "已有管理员" in dialog.error.text() and dialog.actor is None and dialog.isVisible()
    runner.wait()


def test_a_demo_ledger_opens_without_a_login_as_the_demo_administrator(qtbot, tmp_path: Path) -> None:
    ledger = create_ledger(tmp_path / "demo.sqlite", "JWC", "教务处", demo=True)
    runner = OpRunner(ledger)
    assert acting_user_for(runner) == DEMO_ACTOR and runner.actor == DEMO_ACTOR
    window = MainWindow(runner, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "演示" in window.windowTitle(), timeout=10000)
    assert "演示管理员" in window.actor_label.text()
    runner.wait()
    ledger.close()


def test_the_audit_page_shows_the_trail_to_the_administrator_and_exports_it(
    qtbot, secured: Ledger, tmp_path: Path
) -> None:
    admin = authenticate(secured, "王主任", "admin-pass-1").actor
    runner = OpRunner(secured, admin)
    page = AuditPage(runner)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.table.rowCount() > 0, timeout=10000)
    shown = {page.table.item(r, 2).text() for r in range(page.table.rowCount())}
    assert {"添加用户", "创建管理员", "登记"} <= shown
    page.person.setText("李接待")
    page.reload()
    qtbot.waitUntil(lambda: page.table.rowCount() == 0, timeout=10000)
    page.person.setText("")
    with secured.reading() as s:
        case_no = s.scalars(select(Case.case_no).order_by(Case.id)).first()
    page.case_no.setText(case_no)
    page.reload()
    qtbot.waitUntil(lambda: page.table.rowCount() > 0, timeout=10000)
    qtbot.waitUntil(
        lambda: {page.table.item(r, 3).text() for r in range(page.table.rowCount())} == {case_no},
        timeout=10000,
    )
    page.case_no.setText("")
    page.action.setCurrentIndex(page.action.findData("add_user"))  # reloads by itself
    qtbot.waitUntil(
        lambda: (
            page.table.rowCount() > 0
            and {page.table.item(r, 2).text() for r in range(page.table.rowCount())} == {"添加用户"}
        ),
        timeout=10000,
    )
    page.action.setCurrentIndex(0)
    target = tmp_path / "trail.xlsx"
    page.export_to(str(target))
    qtbot.waitUntil(lambda: "已导出" in page.message.text(), timeout=10000)
    assert target.exists()
    with secured.session() as s:
        assert s.query(AuditEntry).filter_by(action="export_audit", actor="王主任").count() == 1
    runner.wait()


def test_the_audit_page_refuses_a_receptionist(qtbot, secured: Ledger) -> None:
    runner = OpRunner(secured, Actor("李接待", role=Role.RECEPTIONIST))
    page = AuditPage(runner)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: "无权查看审计日志" in page.message.text(), timeout=10000)
    assert page.table.rowCount() == 0 and not page.export_button.isEnabled()
    runner.wait()


def test_the_app_names_a_tampered_case_at_start(qtbot, ledger: Ledger, monkeypatch) -> None:
    with ledger.session() as s:
        case_no = Workflow(s, "接待员").register(draft()).case_no
    path = ledger.path
    ledger.close()
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER case_events_no_update")
    db.execute("UPDATE case_events SET actor = '信访办主任'")
    db.commit()
    db.close()
    reopened = Ledger.open(path)
    runner = OpRunner(reopened)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "open", lambda box: shown.append(box.text()))
    holder = QWidget()
    qtbot.addWidget(holder)
    app_module.check_history(runner, holder)
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    assert case_no in shown[0] and "case_events_no_update" in shown[0]
    runner.wait()
    reopened.close()


def test_an_unexpected_error_names_the_log_file_not_a_traceback() -> None:
    text = error_text(RuntimeError("boom at line 12"))
    assert str(log_file()) in text and "Traceback" not in text and "boom" not in text


def test_a_demo_mark_planted_on_a_ledger_with_users_still_asks_for_a_login(
    qtbot, secured: Ledger, monkeypatch
) -> None:
    import sqlite3

    from xinfang_desk.ui import login_dialog

    with sqlite3.connect(secured.path) as plain:  # another program marks the real ledger as a demo
        plain.execute("INSERT OR REPLACE INTO ledger_info(key, value) VALUES ('demo', '1')")
    asked: list[bool] = []
    monkeypatch.setattr(
        login_dialog.LoginDialog, "exec", lambda self: asked.append(True) or QDialog.DialogCode.Rejected
    )
    assert acting_user_for(OpRunner(secured)) is None and asked == [True], "no 演示管理员 without a sign-in"
