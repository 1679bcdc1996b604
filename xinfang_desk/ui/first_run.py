"""首次使用: create the unit's ledger, or open the demo ledger; and building demo cases on the worker.

With no ledger at the default path the app asks for the unit's name and code (and whether this is
the 信访与督办室's office ledger) and creates it, or opens a demo ledger filled with realistic cases
so a new user can look around.  The ledger's place may be changed: another file, or a ledger on a
database server (``postgresql+psycopg://用户@主机/库名``, never with its password in it) — made new
there, or an existing one joined (打开已有台账); the server's password is asked when it wants one
(``ui.server_login``).  The demo cases are generated on the database worker behind a
cancellable progress dialog.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo import fill_demo_ledger, new_demo_ledger
from xinfang_desk.ledger.demo_ledger import DEMO_CASES
from xinfang_desk.ledger.errors import LedgerError, ServerPasswordError
from xinfang_desk.ledger.operations.context import Actor, OpContext, OpResult
from xinfang_desk.ledger.reference import UNIT_CODE, create_ledger, validate_unit
from xinfang_desk.ledger.users import create_first_administrator
from xinfang_desk.paths import default_demo_ledger_path
from xinfang_desk.ui.ledger_place import typed_location
from xinfang_desk.ui.login_dialog import Waiting
from xinfang_desk.ui.ops import OpRunner, Progress
from xinfang_desk.ui.server_login import Opener, ServerPasswordDialog, open_off_ui
from xinfang_desk.ui.style import DIALOG_ERROR_FOREGROUND, text_style

#: Cases generated between two progress reports.
DEMO_BATCH = 200


def demo_ledger_path() -> Path:
    """The demo ledger lives beside the default ledger, never in place of it."""
    return default_demo_ledger_path()


def create_demo_ledger(path: Path) -> Ledger:
    """An empty ledger of the demo unit (its cases are then built with ``start_demo_build``)."""
    return new_demo_ledger(path)


def start_demo_build(
    runner: OpRunner,
    parent: QWidget | None,
    cases: int = DEMO_CASES,
    on_done: Any = None,
    on_failure: Any = None,
) -> Progress:
    """Generate demo cases on the worker with a cancellable progress dialog; cancelling keeps those made."""

    def build(ctx: OpContext, progress: Progress) -> OpResult[int]:
        def report(done: int, total: int) -> bool:
            progress.reported.emit(done, total, f"正在生成演示案件：{done} / {total}")
            return not progress.cancelled

        return fill_demo_ledger(ctx, cases=cases, progress=report, batch=DEMO_BATCH)

    return runner.run(
        build,
        on_success=on_done,
        on_failure=on_failure,
        progress_label="正在生成演示台账，请稍候…",
        parent=parent,
    )


class FirstRunDialog(QDialog):
    """欢迎使用: set up this unit's ledger at ``path`` (or another place typed in), join an existing one,
    or choose the demo ledger."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.ledger: Ledger | None = None
        #: where the ledger opened (``ledger``) lives: a file, or a server address without password
        self.location: str | Path = path
        self.wants_demo = False
        self.setWindowTitle("欢迎使用信访台账")
        self.setMinimumWidth(520)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        title = QLabel("欢迎使用信访台账")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        intro = QLabel(
            "这台电脑上还没有台账。请填写本单位信息创建台账；"
            "也可以先打开演示台账，看看登记、交办、督办和统计是怎样工作的。"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        self.unit_name = QLineEdit()
        self.unit_name.setPlaceholderText("如：土木工程学院")
        self.unit_code = QLineEdit()
        self.unit_code.setPlaceholderText("如：TMXY（字母或数字，用于案件编号）")
        self.unit_code.setValidator(
            QRegularExpressionValidator(QRegularExpression(UNIT_CODE), self.unit_code)
        )
        self.unit_code.textChanged.connect(self._preview)
        self.office = QCheckBox("本台账属于信访与督办室（汇总全校各单位台账）")
        self.preview = QLabel()
        self.preview.setObjectName("pageSubtitle")
        form.addRow("单位名称", self.unit_name)
        form.addRow("单位代码", self.unit_code)
        form.addRow("", self.preview)
        form.addRow("", self.office)
        layout.addLayout(form)

        place = QFormLayout()
        self.place = QLineEdit(str(path))
        self.place.setToolTip("台账文件的路径；多人共用服务器上的台账时填数据库地址")
        place.addRow("台账位置", self.place)
        layout.addLayout(place)
        where = QLabel(
            "默认保存在本机。多位接待员共用服务器上的台账时，填数据库地址，"
            "如 postgresql+psycopg://用户@主机:5432/库名（不要写密码，连接时会询问）。"
        )
        where.setObjectName("pageSubtitle")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        self.error = QLabel()
        self.error.setStyleSheet(text_style(DIALOG_ERROR_FOREGROUND))
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.waiting = Waiting(self, self.error)

        buttons = QHBoxLayout()
        self.demo_button = QPushButton("打开演示台账")
        self.demo_button.clicked.connect(self.choose_demo)
        self.quit_button = QPushButton("退出")
        self.quit_button.clicked.connect(self.reject)
        self.join_button = QPushButton("打开已有台账")
        self.join_button.setToolTip("打开上面位置已有的台账（如服务器上其他接待员已在使用的台账）")
        self.join_button.clicked.connect(self.open_existing)
        self.create_button = QPushButton("创建台账")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.join_button)
        buttons.addWidget(self.create_button)
        layout.addLayout(buttons)
        self._preview()

    def _preview(self) -> None:
        code = self.unit_code.text().strip().upper() or "XXXX"
        self.preview.setText(f"案件编号将形如：{code}-{date.today().year}-0001")

    def chosen_location(self) -> str | Path | None:
        """The place typed in (a file, or a server address), or None after saying what is wrong with it."""
        try:
            return typed_location(self.place.text())
        except ValueError as exc:
            self.error.setText(str(exc))
            return None

    def create(self) -> None:
        """创建台账 at the place typed in, for the unit typed in."""
        location = self.chosen_location()
        if location is None:
            return
        try:
            code, name = validate_unit(self.unit_code.text(), self.unit_name.text())
        except LedgerError as exc:
            self.error.setText(str(exc))
            return
        office = self.office.isChecked()
        self._open(
            location, lambda password: create_ledger(location, code, name, office=office, password=password)
        )

    def open_existing(self) -> None:
        """打开已有台账 at the place typed in (its integrity is checked once the window shows)."""
        location = self.chosen_location()
        if location is not None:
            self._open(location, lambda password: Ledger.open(location, check=False, password=password))

    def _open(self, location: str | Path, opener: Opener) -> None:
        """Open (or make) the ledger off the UI thread; a server wanting a password asks for it."""

        def refused(error: BaseException) -> None:
            if isinstance(error, ServerPasswordError) and isinstance(location, str):
                self.error.setText("")
                ask = ServerPasswordDialog(location, opener, self)
                self.password_dialog = ask  # tests answer it
                if ask.exec() == QDialog.DialogCode.Accepted and ask.ledger is not None:
                    self._opened(location, ask.ledger)

        self.waiting.submit(
            open_off_ui,
            opener,
            None,
            on_success=lambda ledger: self._opened(location, ledger),
            on_refused=refused,
        )

    def _opened(self, location: str | Path, ledger: Ledger) -> None:
        self.location, self.ledger = location, ledger
        self.accept()

    def choose_demo(self) -> None:
        self.wants_demo = True
        self.accept()


class AdministratorDialog(QDialog):
    """设置管理员: the ledger's first user, a 管理员, who then adds the others (接待员, 单位负责人 …)."""

    def __init__(self, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor: Actor | None = None
        self.setWindowTitle("设置管理员")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "台账中保存着信访人的个人信息，每位使用者都需要用自己的账户登录。"
            "请先设置管理员（通常是单位信访工作负责人），之后由管理员为接待员等添加账户。"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("如：王芳")
        self.password = QLineEdit()
        self.again = QLineEdit()
        for edit in (self.password, self.again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("管理员姓名", self.name)
        form.addRow("密码（至少8位）", self.password)
        form.addRow("再次输入密码", self.again)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet(text_style(DIALOG_ERROR_FOREGROUND))
        self.error.setWordWrap(True)
        self.waiting = Waiting(self, self.error)
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        quit_button = QPushButton("退出")
        quit_button.clicked.connect(self.reject)
        self.create_button = QPushButton("创建管理员")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create)
        buttons.addStretch(1)
        buttons.addWidget(quit_button)
        buttons.addWidget(self.create_button)
        layout.addLayout(buttons)

    def create(self) -> None:
        """Create the administrator on the worker (the password is hashed there); a refusal is said here."""
        if self.password.text() != self.again.text():
            self.error.setText("两次输入的密码不一致。")
            return
        self.waiting.submit(
            self.runner.call_on_ledger,
            create_first_administrator,
            self.name.text(),
            self.password.text(),
            on_success=self._created,
        )

    def _created(self, actor: Actor) -> None:
        self.actor = actor
        self.accept()
