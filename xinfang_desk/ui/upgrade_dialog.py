"""升级台账: an older ledger's upgrade as it is opened, off the UI thread under a modal progress dialog.

Loaded only when the ledger being opened needs an upgrade (``Ledger.open``'s ``upgrade_with``).  The copy,
the upgrade and the compaction (``PendingUpgrade.run``) run on a pool thread while the dialog names the
ledger, the copy kept of it, the stage and the time so far, and repaints.  取消 stops the upgrade before
its commit: the ledger stays exactly as it was, and the user chooses 重试 or 退出.  The compaction, once
the upgrade is committed, is not cancelled (the dialog says so).
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from xinfang_desk.ledger.db import BACKING_UP, COMPACTING, UPGRADING, PendingUpgrade
from xinfang_desk.ledger.errors import UpgradeCancelled
from xinfang_desk.ui.ops import Progress, ProgressDialog

log = logging.getLogger(__name__)

#: What each stage does, as the dialog says it.
STAGE_TEXT = {
    BACKING_UP: "备份：另存一份升级前的台账",
    UPGRADING: "升级：转换台账的结构和历史记录",
    COMPACTING: "整理：压缩台账文件（升级已完成，此步不能取消）",
}
CANCELLING_TEXT = "正在取消升级，台账恢复为升级前的样子……"


class UpgradeRun(QObject):
    """One run of ``pending`` under its dialog: the worker's reports and outcome come back as signals."""

    reported = Signal(str, int, int)  # stage, done, total (from the worker)
    finished = Signal(object)  # None, or the error the upgrade ended with

    def __init__(self, pending: PendingUpgrade, parent: QWidget | None = None) -> None:
        super().__init__()
        self.pending = pending
        self.progress = Progress()
        self.stage = pending.stages[0]
        self.started = time.monotonic()
        self.error: BaseException | None = None
        self.ended = False
        self.dialog = ProgressDialog(self.text(), self.progress, parent)
        self.dialog.setWindowTitle("升级台账")
        self.dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setMinimumWidth(560)
        self.dialog.canceled.connect(self._cancelling)
        self.reported.connect(self._reported, Qt.ConnectionType.QueuedConnection)
        self.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._show_text)
        self._loop = QEventLoop()

    def text(self) -> str:
        pending = self.pending
        name = pending.path.name if pending.path is not None else "服务器上的台账"
        wait = pending.expected_wait()
        lines = [
            f"正在升级台账“{name}”（台账版本 {pending.versions}）"
            f"{'，' + wait if wait else ''}，请勿关闭程序。",
            "",
            f"第 {pending.stages.index(self.stage) + 1} 步，共 {len(pending.stages)} 步 —— {STAGE_TEXT[self.stage]}",
            f"已用时 {int(time.monotonic() - self.started)} 秒",
        ]
        if pending.backup_path is not None:
            lines += ["", f"升级前的台账另存为“{pending.backup_path.name}”（与台账在同一文件夹）。"]
        if self.progress.cancelled and self.stage != COMPACTING:
            lines += ["", CANCELLING_TEXT]
        elif self.stage != COMPACTING:
            lines += ["", "取消：停止升级，台账保持原样（仍可用旧版本打开）。"]
        return "\n".join(lines)

    def run(self) -> None:
        """Start the work on a pool thread and wait, the dialog shown, until it ends (the window repaints and
        answers meanwhile); the error it ended with is in ``error``."""
        self._clock.start(1000)
        QThreadPool.globalInstance().start(self._work)
        self.dialog.show()
        log.info("upgrade dialog shown (ledger at %s)", self.pending.current)  # bench/bench_upgrade.py
        if not self.ended:
            self._loop.exec()

    def _work(self) -> None:
        """On the pool thread."""
        try:
            self.pending.run(self.reported.emit, lambda: self.progress.cancelled)
        except BaseException as exc:  # said on the UI thread
            self.finished.emit(exc)
        else:
            self.finished.emit(None)

    @Slot(str, int, int)
    def _reported(self, stage: str, done: int, total: int) -> None:
        self.stage = stage
        busy = total <= 1 or stage == COMPACTING  # one migration, the compaction: no measure of how far
        self.dialog.show_progress(0 if busy else done, 0 if busy else total)
        if stage == COMPACTING:
            self.dialog.setCancelButton(None)
        self._show_text()

    @Slot()
    def _show_text(self) -> None:
        self.dialog.setLabelText(self.text())

    @Slot()
    def _cancelling(self) -> None:
        """取消 (or closing the dialog) hid it: show it again, saying the upgrade is being undone (or, once
        committed, that the compaction cannot be cancelled)."""
        if self.ended:
            return
        if self.stage == COMPACTING:
            self.progress.cancelled = False  # nothing to cancel any more: the upgrade is committed
        else:
            self.dialog.setCancelButton(None)
        self._show_text()
        self.dialog.show()

    @Slot(object)
    def _finished(self, error: BaseException | None) -> None:
        self.ended, self.error = True, error
        self._clock.stop()
        self.dialog.close()
        self.dialog.deleteLater()
        self._loop.quit()


def upgrade_with_progress(pending: PendingUpgrade, parent: QWidget | None = None) -> None:
    """Upgrade ``pending`` under the dialog (``Ledger.open``'s ``upgrade_with``).

    Cancelled, the user is told the ledger is unchanged and offered 重试; ``UpgradeCancelled`` is raised
    when they choose 退出.  Any other failure is raised as it is (the ledger as it was: ``Ledger.open``
    says why).  Called off the UI thread (a server ledger opened with the password typed, while its dialog
    waits), it upgrades there without a dialog of its own.
    """
    app = QApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        pending.run()
        return
    while True:
        run = UpgradeRun(pending, parent)
        run.run()
        if run.error is None:
            log.info("ledger upgraded from %s in %.1f s", pending.current, time.monotonic() - run.started)
            return
        if not isinstance(run.error, UpgradeCancelled):
            raise run.error
        log.info("ledger upgrade from %s cancelled", pending.current)
        if not retry_wanted(run.error, parent):
            raise run.error


#: The 已取消升级 box on screen, if any (tests answer it).
cancelled_box: QMessageBox | None = None


def retry_wanted(cancelled: UpgradeCancelled, parent: QWidget | None = None) -> bool:
    """已取消升级: the ledger is unchanged; 重试 or 退出."""
    global cancelled_box
    box = QMessageBox(QMessageBox.Icon.Information, "已取消升级", str(cancelled), parent=parent)
    retry = box.addButton("重试", QMessageBox.ButtonRole.AcceptRole)
    leave = box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(leave)
    cancelled_box = box
    try:
        box.exec()
    finally:
        cancelled_box = None
    return box.clickedButton() is retry
