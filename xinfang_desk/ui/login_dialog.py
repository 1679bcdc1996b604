"""登录: who works on this ledger.  Signing in, the password change a new or reset account must make first,
and ``acting_user_for`` — the one place the app decides its actor (demo, first administrator, or a login).

Signing in checks an Argon2 hash (a few tens of milliseconds) on the UI thread, behind a modal dialog,
before the database worker exists.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo import DEMO_ACTOR
from xinfang_desk.ledger.errors import LedgerError
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.users import authenticate, change_own_password, ledger_has_users
from xinfang_desk.ui.style import DIALOG_ERROR_FOREGROUND, text_style


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(text_style(DIALOG_ERROR_FOREGROUND))
    label.setWordWrap(True)
    return label


def _password() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class LoginDialog(QDialog):
    """登录: user name and password; a wrong one is counted (five lock the account)."""

    def __init__(self, ledger: Ledger, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ledger = ledger
        self.actor: Actor | None = None
        self.must_change_password = False
        self.setWindowTitle("登录信访台账")
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        where = QLabel(f"台账：{ledger.path.name if ledger.path else '数据库'}")
        where.setObjectName("pageSubtitle")
        layout.addWidget(where)
        form = QFormLayout()
        self.name = QLineEdit()
        self.password = _password()
        form.addRow("用户名", self.name)
        form.addRow("密码", self.password)
        layout.addLayout(form)
        self.error = _error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("登录")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        buttons.accepted.connect(self.sign_in)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def sign_in(self) -> None:
        try:
            signed = authenticate(self.ledger, self.name.text(), self.password.text())
        except LedgerError as exc:
            self.error.setText(str(exc))
            self.password.clear()
            self.password.setFocus()
            return
        self.actor, self.must_change_password = signed.actor, signed.must_change_password
        self.accept()


class ChangePasswordDialog(QDialog):
    """修改密码: the old password and the new one twice (required at the first sign-in)."""

    def __init__(
        self, ledger: Ledger, actor: Actor, *, required: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ledger, self.actor = ledger, actor
        self.setWindowTitle("修改密码")
        layout = QVBoxLayout(self)
        if required:
            note = QLabel("这是首次登录（或密码已被管理员重置），请先设置自己的密码。")
            note.setWordWrap(True)
            layout.addWidget(note)
        form = QFormLayout()
        self.old, self.new, self.again = _password(), _password(), _password()
        form.addRow("原密码", self.old)
        form.addRow("新密码", self.new)
        form.addRow("再次输入", self.again)
        layout.addLayout(form)
        self.error = _error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.change)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def change(self) -> None:
        if self.new.text() != self.again.text():
            self.error.setText("两次输入的新密码不一致。")
            return
        try:
            with self.ledger.operation(self.actor) as ctx:
                change_own_password(ctx, self.old.text(), self.new.text())
        except LedgerError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


def acting_user_for(ledger: Ledger, parent: QWidget | None = None) -> Actor | None:
    """Who works in the app on ``ledger``: 演示管理员 on a demo ledger; the first administrator created now
    on a ledger without users; otherwise a signed-in user (after a required password change).  None when
    the user gave up."""
    with ledger.reading() as session:
        has_users = ledger_has_users(session)
    if not has_users and ledger.is_demo:  # a ledger with users signs in, whatever its demo mark says
        return DEMO_ACTOR
    if not has_users:
        from xinfang_desk.ui.first_run import AdministratorDialog

        setup = AdministratorDialog(ledger, parent)
        return setup.actor if setup.exec() == QDialog.DialogCode.Accepted else None
    login = LoginDialog(ledger, parent)
    if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
        return None
    if login.must_change_password:
        change = ChangePasswordDialog(ledger, login.actor, required=True, parent=parent)
        if change.exec() != QDialog.DialogCode.Accepted:
            return None
    return login.actor
