"""台账位置（本机）: which ledger this computer opens at start — a file, or a ledger on a database server.

The place is this computer's app setting (``PLACE_KEY``), like the backup folder: each clerk's computer
may reach the shared server under its own account.  A server address is kept without its password
(``paths.parse_ledger_location`` refuses one that holds it); the password is asked when connecting
(``ui.server_login``).  A change takes effect when the program starts next; ``--db`` overrides it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from xinfang_desk.paths import default_ledger_path, parse_ledger_location

#: The app setting holding the ledger's place ("" or absent: the default ledger file).
PLACE_KEY = "ledger/location"


def typed_location(text: str) -> str | Path:
    """The ledger's place as typed in a dialog: ``parse_ledger_location``, an empty box refused too
    (``ValueError`` with the sentence to show)."""
    if not text.strip():
        raise ValueError("请填写台账位置：台账文件的路径，或服务器上台账的数据库地址。")
    return parse_ledger_location(text)


def remembered_location(settings: QSettings) -> str | Path:
    """The ledger this computer opens: the place chosen, else the default ledger file."""
    text = str(settings.value(PLACE_KEY, "") or "").strip()
    if not text:
        return default_ledger_path()
    try:
        return parse_ledger_location(text)
    except ValueError:  # written by hand with a password in it: never used
        return default_ledger_path()


def remember_location(settings: QSettings, location: str | Path) -> None:
    """Open ``location`` from now on (the default ledger file is remembered as no choice at all)."""
    value = str(location)
    if isinstance(location, Path) and location.expanduser().resolve() == default_ledger_path().resolve():
        value = ""
    settings.setValue(PLACE_KEY, value)
    settings.sync()


class LedgerPlaceSettings(QGroupBox):
    """台账位置: the file or server address opened at start, with a file chooser and 恢复默认."""

    #: A new place was saved (the message shown says so).
    changed = Signal(str)

    def __init__(self, settings: QSettings, current: str, parent: QWidget | None = None) -> None:
        super().__init__("台账位置（本机）", parent)
        self.settings = settings
        layout = QVBoxLayout(self)
        now = QLabel(f"当前打开的台账：{current}")
        now.setWordWrap(True)
        now.setObjectName("pageSubtitle")
        layout.addWidget(now)
        self.place = QLineEdit(str(remembered_location(settings)))
        self.place.setToolTip("台账文件的路径，或服务器上台账的数据库地址（不要写密码）")
        layout.addWidget(self.place)
        row = QHBoxLayout()
        self.choose_button = QPushButton("选择文件…")
        self.choose_button.clicked.connect(self.choose_file)
        self.default_button = QPushButton("恢复默认")
        self.default_button.clicked.connect(lambda: self.place.setText(str(default_ledger_path())))
        self.save_button = QPushButton("保存位置")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.choose_button)
        row.addWidget(self.default_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        note = QLabel(
            "多位接待员共用服务器上的台账时，填数据库地址，如 postgresql+psycopg://用户@主机:5432/库名；"
            "服务器密码在连接时输入，不会保存。此设置只对本机有效，下次启动程序时生效。"
        )
        note.setWordWrap(True)
        note.setObjectName("pageSubtitle")
        layout.addWidget(note)

    def choose_file(self) -> None:
        from xinfang_desk.ui.file_dialogs import open_file_name  # loaded when first used, not at start-up

        chosen = open_file_name(self, "选择台账文件", "台账文件 (*.sqlite *.db);;所有文件 (*)")
        if chosen is not None:
            self.place.setText(str(chosen))

    def save(self) -> bool:
        """Keep the place typed in for the next start; False (and why) when it cannot be one."""
        try:
            location = typed_location(self.place.text())
        except ValueError as exc:
            self.message.setText(str(exc))
            return False
        remember_location(self.settings, location)
        said = f"已保存。下次启动程序时打开：{location}"
        self.message.setText(said)
        self.changed.emit(said)
        return True
