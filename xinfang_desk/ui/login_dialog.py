"""登录: who works on this ledger.  Signing in, the password change a new or reset account must make first,
and ``acting_user_for`` — the one place the app decides its actor (demo, first administrator, or a login).

Checking a password (Argon2, a tenth of a second or more) and writing a new one run on the database
worker; the dialog waits with its buttons disabled and a busy cursor, and shows a refusal in its own line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.demo_ledger import DEMO_ACTOR
from xinfang_desk.ledger.ledger_info import has_users
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ui.ops import OpRunner, Progress, error_text
from xinfang_desk.ui.style import DIALOG_ERROR_FOREGROUND, text_style
from xinfang_desk.ui.widgets import ok_cancel

if TYPE_CHECKING:
    from xinfang_desk.ledger.users import SignIn


class Waiting:
    """A dialog waiting for its work on the worker: disabled, with a busy cursor, until the work ends;
    a refusal is said on the dialog's ``error`` line."""

    def __init__(self, dialog: QDialog, error: QLabel) -> None:
        self.dialog, self.error = dialog, error
        self.active = False
        dialog.destroyed.connect(lambda *_: self.done())  # never leave the busy cursor behind

    def submit(
        self,
        call: Callable[..., Progress],
        *args: Any,
        on_success: Callable[[Any], None],
        on_refused: Callable[[BaseException], None] | None = None,
    ) -> None:
        """``call(*args, ...)`` (``OpRunner.call`` or ``call_on_ledger``) with the dialog waiting meanwhile."""

        def succeeded(result: Any) -> None:
            self.done()
            on_success(result)

        def refused(error: BaseException) -> None:
            self.done()
            self.error.setText(error_text(error))
            if on_refused is not None:
                on_refused(error)

        self.error.setText("")
        self.active = True
        self.dialog.setEnabled(False)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        call(*args, on_success=succeeded, on_failure=refused, owner=self.dialog)

    def done(self) -> None:
        if self.active:
            self.active = False
            QApplication.restoreOverrideCursor()
            if shiboken6.isValid(self.dialog):
                self.dialog.setEnabled(True)


def error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(text_style(DIALOG_ERROR_FOREGROUND))
    label.setWordWrap(True)
    return label


def password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class LoginDialog(QDialog):
    """登录: user name and password; a wrong one is counted (five lock the account)."""

    def __init__(self, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor: Actor | None = None
        self.must_change_password = False
        self.setWindowTitle("登录信访台账")
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        path = runner.ledger.path
        where = QLabel(f"台账：{path.name if path else runner.ledger.location_key}")
        where.setObjectName("pageSubtitle")
        layout.addWidget(where)
        form = QFormLayout()
        self.name = QLineEdit()
        self.password = password_edit()
        form.addRow("用户名", self.name)
        form.addRow("密码", self.password)
        layout.addLayout(form)
        self.error = error_label()
        self.waiting = Waiting(self, self.error)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, self.sign_in, "登录", "退出"))

    def sign_in(self) -> None:
        """Check the name and password on the worker; a wrong one is said here and the password cleared."""
        # users' module (and the ORM classes with it) loads at the first sign-in: a demo never needs it
        from xinfang_desk.ledger.users import authenticate

        self.waiting.submit(
            self.runner.call_on_ledger,
            authenticate,
            self.name.text(),
            self.password.text(),
            on_success=self._signed_in,
            on_refused=self._try_again,
        )

    def _signed_in(self, signed: SignIn) -> None:
        self.actor, self.must_change_password = signed.actor, signed.must_change_password
        self.accept()

    def _try_again(self, _error: BaseException) -> None:
        self.password.clear()
        self.password.setFocus()


class ChangePasswordDialog(QDialog):
    """修改密码: the old password and the new one twice (required at the first sign-in)."""

    def __init__(self, runner: OpRunner, *, required: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.setWindowTitle("修改密码")
        layout = QVBoxLayout(self)
        if required:
            note = QLabel("这是首次登录（或密码已被管理员重置），请先设置自己的密码。")
            note.setWordWrap(True)
            layout.addWidget(note)
        form = QFormLayout()
        self.old, self.new, self.again = password_edit(), password_edit(), password_edit()
        form.addRow("原密码", self.old)
        form.addRow("新密码", self.new)
        form.addRow("再次输入", self.again)
        layout.addLayout(form)
        self.error = error_label()
        self.waiting = Waiting(self, self.error)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, self.change))

    def change(self) -> None:
        """Change the runner's user's password on the worker; a refusal is said here and the dialog stays."""
        if self.new.text() != self.again.text():
            self.error.setText("两次输入的新密码不一致。")
            return
        from xinfang_desk.ledger.users import change_own_password

        self.waiting.submit(
            self.runner.call, change_own_password, self.old.text(), self.new.text(), on_success=self._changed
        )

    def _changed(self, _none: None) -> None:
        self.accept()


def acting_user_for(runner: OpRunner, parent: QWidget | None = None) -> Actor | None:
    """Who works in the app on the runner's ledger: 演示管理员 on a demo ledger; the first administrator
    created now on a ledger without users; otherwise a signed-in user (after a required password change).
    The runner then acts as them.  None when the user gave up."""
    ledger = runner.ledger
    secured = has_users(ledger)
    if not secured and ledger.is_demo:  # a ledger with users signs in, whatever its demo mark says
        runner.actor = DEMO_ACTOR
        return DEMO_ACTOR
    if not secured:
        from xinfang_desk.ui.first_run import AdministratorDialog

        setup = AdministratorDialog(runner, parent)
        if setup.exec() != QDialog.DialogCode.Accepted or setup.actor is None:
            return None
        runner.actor = setup.actor
        return setup.actor
    login = LoginDialog(runner, parent)
    if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
        return None
    runner.actor = login.actor  # the password change below is the signed-in user's own
    if login.must_change_password:
        change = ChangePasswordDialog(runner, required=True, parent=parent)
        if change.exec() != QDialog.DialogCode.Accepted:
            return None
    return login.actor
