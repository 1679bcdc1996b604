"""Keeping the open ledger safe from the app: automatic backups, 备份台账…, 从备份恢复…, the background check.

Backups go to the rotating folder of ``ledger.backups`` (its place and count are the app settings
``backup/folder`` and ``backup/keep``, chosen on the 设置 page: ``ui.backup_settings``); one is taken when the app starts and the latest is a day
old, every hour the app stays open past a day, and when it closes.  The full integrity check runs
once in the background after opening; a ledger that fails it is refused for writing and the user is
offered its latest backup.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QSettings, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.backups import (
    DEFAULT_KEEP,
    backup_due,
    backup_folder,
    backups_of,
    kept_count,
    restore_backup,
)
from xinfang_desk.ledger.db import Ledger, damaged_message
from xinfang_desk.ledger.errors import LedgerError
from xinfang_desk.ledger.operations.safekeeping import (
    allow_restore,
    automatic_backup,
    back_up_ledger,
    integrity_problems,
)
from xinfang_desk.ui.ops import Changes, OpRunner, show_error
from xinfang_desk.ui.widgets import ok_cancel

log = logging.getLogger(__name__)

#: How often the app looks whether its daily backup is due (ms).
CHECK_EVERY_MS = 60 * 60 * 1000
#: The app settings (this computer's) holding the backup folder ("" = beside the ledger) and count.
FOLDER_KEY = "backup/folder"
KEEP_KEY = "backup/keep"


def backup_place(settings: QSettings) -> tuple[str, int]:
    """The configured backup folder ("" = beside the ledger) and how many backups are kept."""
    folder = str(settings.value(FOLDER_KEY, "") or "")
    return folder, kept_count(settings.value(KEEP_KEY, DEFAULT_KEEP))


class Safekeeping(QObject):
    """Backups and checks of the runner's ledger while the app is open."""

    def __init__(self, runner: OpRunner, settings: QSettings, window: QWidget) -> None:
        super().__init__(window)
        self.runner = runner
        self.settings = settings
        self.window = window
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.backup_if_due)

    @property
    def ledger(self) -> Ledger:
        return self.runner.ledger

    def start(self) -> None:
        """After opening: the full check in the background, then the daily backup if due."""
        self.runner.call(integrity_problems, on_success=self._checked, write=False)
        self.timer.start()

    def _checked(self, problems: list[str]) -> None:
        if not problems:
            self.backup_if_due()
            return
        self.ledger.damaged = True
        log.error("integrity check failed: %s", problems[:5])
        box = QMessageBox(
            QMessageBox.Icon.Critical, "台账已损坏", damaged_message(self.ledger.path), parent=self.window
        )
        restore = box.addButton("从备份恢复…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("稍后处理", QMessageBox.ButtonRole.RejectRole)
        box.finished.connect(lambda _r: self.restore() if box.clickedButton() is restore else None)
        self.damage_prompt = box
        box.open()

    def backup_if_due(self) -> None:
        folder, keep = backup_place(self.settings)
        path = self.ledger.path
        if path is None or self.ledger.damaged or not backup_due(path, folder):
            return
        self.runner.call(
            automatic_backup,
            folder,
            keep,
            on_failure=lambda exc: log.warning("automatic backup failed: %s", exc),
            write=False,
        )

    def backup_at_close(self) -> None:
        """The backup taken when the app closes, on the worker; waits for it (the window is gone by then)."""
        folder, keep = backup_place(self.settings)
        if self.ledger.path is None or self.ledger.damaged:
            return
        failed: list[BaseException] = []
        self.runner.call(automatic_backup, folder, keep, on_failure=failed.append, write=False)
        self.runner.wait()
        QCoreApplication.sendPostedEvents(self.runner)  # the event loop has ended: deliver the outcome here
        if failed:
            log.warning("backup at close failed: %s", failed[0])

    # -- the menu's two commands -------------------------------------------------------------
    def save_copy(self) -> None:
        """文件 → 备份台账…: a backup where the user chooses."""
        path = self.ledger.path
        suggested = (
            str(path.with_name(f"{path.stem}-{datetime.now():%Y%m%d-%H%M}-备份.sqlite")) if path else ""
        )
        target, _ = QFileDialog.getSaveFileName(self.window, "备份台账", suggested, "台账备份 (*.sqlite)")
        if not target:
            return
        self.runner.run(
            lambda ctx, _p: back_up_ledger(ctx, Path(target)),
            on_success=lambda saved: QMessageBox.information(self.window, "备份台账", f"已备份到：{saved}"),
            progress_label="正在备份台账…",
            parent=self.window,
            write=False,
        )

    def restore(self) -> None:
        """文件 → 从备份恢复…: choose a backup, confirm, put it in place and reopen."""
        path = self.ledger.path
        if path is None:
            return
        folder, _keep = backup_place(self.settings)
        dialog = RestoreDialog(backups_of(path, folder), self.window)
        self.restore_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen is None:
            return
        answer = QMessageBox.question(
            self.window,
            "从备份恢复",
            f"用备份“{dialog.chosen.name}”替换当前台账吗？\n当前台账会先备份到“{backup_folder(path, folder)}”。",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        chosen = dialog.chosen
        self.runner.call(  # refused, in one sentence, unless the signed-in user may restore
            allow_restore,
            chosen,
            on_success=lambda _none: self.restore_from(chosen),
            parent=self.window,
            write=not self.ledger.damaged,  # a damaged ledger takes no writes, yet must be restorable
        )

    def restore_from(self, chosen: Path) -> None:
        """Restore ``chosen`` over the ledger (backing it up first) and reopen it, on the database worker.

        The window waits behind a progress dialog; a job queued meanwhile runs after the restore, on the
        reopened ledger."""
        folder, _keep = backup_place(self.settings)

        def restore(ledger: Ledger) -> LedgerError | None:
            path = ledger.path
            assert path is not None
            ledger.close()
            try:
                restore_backup(chosen, path, configured=folder, opened_here=True)
            except LedgerError as exc:
                refused: LedgerError | None = exc
            else:
                refused = None
            self.runner.ledger = Ledger.open(path)  # the restored ledger, or the one kept when it failed
            return refused

        def restored(refused: LedgerError | None) -> None:
            self.runner.changed.emit(Changes(everything=True))
            if refused is not None:
                show_error(self.window, refused)
                return
            QMessageBox.information(
                self.window, "从备份恢复", f"已从“{chosen.name}”恢复台账，完整性检查通过。"
            )

        self.runner.call_on_ledger(
            restore,
            on_success=restored,
            on_failure=lambda exc: show_error(self.window, exc),
            progress_label="正在从备份恢复台账…",
            parent=self.window,
        )


class RestoreDialog(QDialog):
    """The backups of this ledger, newest first, or another file the user picks."""

    def __init__(self, backups: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("从备份恢复")
        self.chosen: Path | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("选择要恢复的备份（恢复前会先备份当前台账）："))
        self.list = QListWidget()
        for backup in backups:
            taken = datetime.fromtimestamp(backup.stat().st_mtime)
            item = QListWidgetItem(
                f"{taken:%Y-%m-%d %H:%M}　{backup.stat().st_size // 1024:,} KB　{backup.name}"
            )
            item.setData(256, str(backup))
            self.list.addItem(item)
        if backups:
            self.list.setCurrentRow(0)
        else:
            self.list.addItem("（还没有备份）")
        layout.addWidget(self.list)
        other = QPushButton("选择其他备份文件…")
        other.clicked.connect(self._pick_file)
        layout.addWidget(other)
        layout.addWidget(ok_cancel(self, self._accept, "恢复"))

    def _pick_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "选择备份文件", "", "台账备份 (*.sqlite *.bak);;所有文件 (*)"
        )
        if chosen:
            self.chosen = Path(chosen)
            self.accept()

    def _accept(self) -> None:
        item = self.list.currentItem()
        data = item.data(256) if item is not None else None
        if data:
            self.chosen = Path(data)
            self.accept()
