"""The 设置 page's 自动备份 box: where this computer keeps the ledger's automatic backups, and how many.

The two values are this computer's app settings (``ui.safekeeping.FOLDER_KEY`` / ``KEEP_KEY``), not
the ledger's: a USB stick or a network share is named differently on each computer.  A change takes
effect at once, for the next backup.  A folder is checked before it is taken (``check_backup_folder``):
one a backup cannot be written into is refused with its reason, and the folder in use stays.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.backups import KEEP_RANGE, backup_folder, check_backup_folder
from xinfang_desk.ledger.errors import LedgerError
from xinfang_desk.ui.ops import show_error
from xinfang_desk.ui.safekeeping import FOLDER_KEY, KEEP_KEY, backup_place


class BackupSettings(QGroupBox):
    """自动备份: the folder (with a chooser and 恢复默认) and the number of backups kept."""

    #: The folder or the count changed (the message shown says what now holds).
    changed = Signal(str)

    def __init__(
        self, settings: QSettings, ledger_path: Callable[[], Path | None], parent: QWidget | None = None
    ) -> None:
        super().__init__("自动备份（本机）", parent)
        self.settings = settings
        self.ledger_path = ledger_path
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.folder = QLineEdit()
        self.folder.setReadOnly(True)
        self.choose_button = QPushButton("选择…")
        self.choose_button.clicked.connect(self.choose_folder)
        self.default_button = QPushButton("恢复默认")
        self.default_button.setToolTip("备份放在台账所在文件夹的“备份”文件夹中")
        self.default_button.clicked.connect(lambda: self.set_folder(""))
        place = QHBoxLayout()
        place.addWidget(self.folder, 1)
        place.addWidget(self.choose_button)
        place.addWidget(self.default_button)
        form.addRow("备份文件夹", place)
        self.keep = QSpinBox()
        self.keep.setRange(*KEEP_RANGE)
        self.keep.setSuffix(" 份")
        form.addRow("保留最近", self.keep)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("pageSubtitle")
        layout.addWidget(self.message)
        note = QLabel(
            "程序每天自动备份一次，关闭时也备份一次；超过保留份数的旧备份自动删除。"
            "可选 U 盘或网络共享上的文件夹。此设置只对本机有效，修改后立即生效。"
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.show_place()
        self.keep.valueChanged.connect(self._keep_changed)

    def show_place(self) -> None:
        """Show the folder and count now in effect."""
        folder, keep = backup_place(self.settings)
        path = self.ledger_path()
        self.folder.setText(str(backup_folder(path, folder).parent) if path is not None else folder)
        self.folder.setToolTip("" if folder else "默认：台账旁的“备份”文件夹")
        self.keep.blockSignals(True)
        self.keep.setValue(keep)
        self.keep.blockSignals(False)

    def choose_folder(self) -> None:
        start = self.folder.text() or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "选择备份文件夹", start)
        if chosen:
            self.set_folder(chosen)

    def set_folder(self, chosen: str) -> bool:
        """Use ``chosen`` ("" = beside the ledger) for the next backups; False (and why) if refused."""
        try:
            if chosen:
                check_backup_folder(Path(chosen))
            else:
                path = self.ledger_path()
                if path is not None:
                    check_backup_folder(backup_folder(path).parent)
        except LedgerError as exc:
            show_error(self, exc)
            self.message.setText(str(exc))
            return False
        self.settings.setValue(FOLDER_KEY, chosen)
        self.settings.sync()
        self.show_place()
        self._announce(f"以后的备份保存到：{self.folder.text()}")
        return True

    def _keep_changed(self, value: int) -> None:
        self.settings.setValue(KEEP_KEY, value)
        self.settings.sync()
        self._announce(f"以后保留最近 {value} 份自动备份。")

    def _announce(self, text: str) -> None:
        self.message.setText(text)
        self.changed.emit(text)
