"""连接台账服务器: the server account's password, asked only when the server wants one.

A ledger on a database server is reached with the account named in its address
(``postgresql+psycopg://用户@主机/库名``).  When the user's ``.pgpass`` (or ``PGPASSWORD``) holds no
password for it, the server refuses the connection and this dialog asks for the account's password;
the ledger is then opened with it off the UI thread.  The password goes to the database engine only:
it is never written to the address, the settings, a file or the log.  A refused password is said in
the dialog, which stays open.

Signing in to the ledger (``ui.login_dialog``) comes after: the ledger's own users and the server's
accounts are two different things (several clerks may share one server account, a clerk's ledger
password is checked against the ledger, not the server).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QVBoxLayout, QWidget

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import ServerPasswordError
from xinfang_desk.ui.login_dialog import Waiting, error_label, password_edit
from xinfang_desk.ui.widgets import ok_cancel

#: Opens a ledger with the server password given (None: only what ``.pgpass`` or ``PGPASSWORD`` hold).
Opener = Callable[[str | None], Ledger]


class _Opened(QObject):
    """Carries the opening's outcome back to the UI thread."""

    finished = Signal(object, object)  # the Ledger, or None and the error

    def __init__(
        self,
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
        owner: QObject | None,
    ) -> None:
        super().__init__()
        self.on_success, self.on_failure, self.owner = on_success, on_failure, owner
        self.finished.connect(self._done, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object)
    def _done(self, ledger: Ledger | None, error: BaseException | None) -> None:
        _in_flight.discard(self)
        if self.owner is not None and not shiboken6.isValid(self.owner):  # the dialog was closed meanwhile
            if ledger is not None:
                ledger.close()
            return
        if error is None:
            self.on_success(ledger)
        else:
            self.on_failure(error)


#: Openings under way (their signal carriers live until the outcome is back).
_in_flight: set[_Opened] = set()


class _Opening(QRunnable):
    def __init__(self, opener: Opener, password: str | None, carrier: _Opened) -> None:
        super().__init__()
        self.opener, self.password, self.carrier = opener, password, carrier

    def run(self) -> None:
        try:
            ledger = self.opener(self.password)
        except BaseException as exc:  # said on the UI thread
            self.carrier.finished.emit(None, exc)
        else:
            self.carrier.finished.emit(ledger, None)
        self.password = None


def open_off_ui(
    opener: Opener,
    password: str | None,
    *,
    on_success: Callable[[Any], None],
    on_failure: Callable[[BaseException], None],
    owner: QObject | None = None,
) -> None:
    """``opener(password)`` on a pool thread (connecting to a server can take seconds); the outcome comes
    back to ``on_success``/``on_failure`` on the UI thread.  The signature of ``OpRunner.call``, so a
    dialog's ``Waiting`` can run it; when ``owner`` is gone by then, a ledger opened is closed again."""
    carrier = _Opened(on_success, on_failure, owner)
    _in_flight.add(carrier)
    QThreadPool.globalInstance().start(_Opening(opener, password, carrier))


def describe_server(location: str) -> str:
    """“主机:端口 上的 库名（账户 用户）”: where a server ledger is, for a person."""
    parts = urlsplit(location)
    where = parts.hostname or "本机"
    if parts.port:
        where += f":{parts.port}"
    database = parts.path.lstrip("/") or "（默认库）"
    account = f"（账户 {parts.username}）" if parts.username else ""
    return f"{where} 上的数据库 {database}{account}"


class ServerPasswordDialog(QDialog):
    """连接台账服务器: the server account's password; 连接 opens the ledger with it, a refusal keeps the dialog."""

    def __init__(self, location: str, opener: Opener, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.opener = opener
        self.ledger: Ledger | None = None
        self.setWindowTitle("连接台账服务器")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"台账在数据库服务器上：{describe_server(location)}。\n"
            "请输入该账户的服务器密码。密码只用于这次连接，不会保存。"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.password = password_edit()
        form.addRow("服务器密码", self.password)
        layout.addLayout(form)
        self.error = error_label()
        self.waiting = Waiting(self, self.error)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, self.connect_to_server, "连接", "退出"))

    def connect_to_server(self) -> None:
        """Open the ledger with the password typed, off the UI thread."""
        self.waiting.submit(
            open_off_ui,
            self.opener,
            self.password.text(),
            on_success=self._opened,
            on_refused=self._try_again,
        )

    def _opened(self, ledger: Ledger) -> None:
        self.password.clear()
        self.ledger = ledger
        self.accept()

    def _try_again(self, _error: BaseException) -> None:
        self.password.clear()
        self.password.setFocus()


def open_with_password_if_needed(
    location: str | Path, opener: Opener, parent: QWidget | None = None
) -> Ledger | None:
    """``opener(None)``; when the server wants a password, ask for it (``ServerPasswordDialog``).

    None when the user gave up; any other refusal is raised as it is.
    """
    try:
        return opener(None)
    except ServerPasswordError:
        if not isinstance(location, str):
            raise
    ask = ServerPasswordDialog(location, opener, parent)
    return ask.ledger if ask.exec() == QDialog.DialogCode.Accepted else None
