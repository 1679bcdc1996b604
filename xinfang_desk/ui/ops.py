"""Running ledger operations off the UI thread: one database worker, plain data back, changes announced.

Every operation (``xinfang_desk.ledger.operations``) goes through ``OpRunner.run``: the function runs on
the single database worker thread as ``fn(ctx, progress)`` with its own ``OpContext`` (session committed
when it returns, the runner's acting user), its plain-data result comes back to ``on_success`` on the UI
thread, and when it returns an ``OpResult`` the changes the core computed are announced by ``changed`` so
each window decides whether to refresh; cases that other programs changed (another clerk on the same
ledger, the command line) are announced the same way once ``watch_others`` is on.  Work that needs no ledger (rendering, printing and saving PDFs)
runs on a separate pool through ``run_detached``, so it never holds the database worker.  The few core
functions that open their own session on the ledger before anyone is signed in (signing in, creating the
first administrator) run on the database worker too, through ``call_on_ledger``.  A
``LedgerError`` is shown as its Chinese message; any other error as a short apology, never a traceback.
Long work shows a cancellable progress dialog.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerBusyError, LedgerError
from xinfang_desk.ledger.operations.context import Actor, Changes, OpContext, OpResult
from xinfang_desk.logs import unexpected_error_text

log = logging.getLogger(__name__)
T = TypeVar("T")

#: How often open windows learn of cases other programs changed (``OpRunner.watch_others``), in ms.
WATCH_INTERVAL_MS = 3000


class Cancelled(Exception):
    """Raised inside an operation when the user pressed 取消."""


class Progress(QObject):
    """Handed to an operation: report how far it is, and learn whether the user cancelled."""

    reported = Signal(int, int, str)

    def __init__(self) -> None:
        super().__init__()
        self.cancelled = False

    def report(self, done: int, total: int, text: str = "") -> None:
        self.reported.emit(done, total, text)
        self.check()

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled()


@dataclass
class _Job:
    fn: Callable[..., Any]
    progress: Progress
    on_success: Callable[[Any], None] | None
    on_failure: Callable[[BaseException], None] | None
    owner: QObject | None = None
    #: on the database worker (False: work that needs no ledger, on the detached pool)
    on_worker: bool = True
    #: ``fn(ctx, progress)`` in an operation context (False: ``fn(progress)``, which opens any session itself)
    in_context: bool = True
    write: bool = True
    #: a look the runner takes by itself (``watch_others``): not shown as busy, a failure only logged
    quiet: bool = False
    changes: Changes | None = None
    #: cases other programs changed, learnt right after this job's commit (``OpRunner.watch_others``)
    others: frozenset[int] = frozenset()
    dialog: ProgressDialog | None = None
    result: Any = None
    error: BaseException | None = None
    detail: str = ""
    done: bool = field(default=False)


class _Signals(QObject):
    finished = Signal(object)


class _Task(QRunnable):
    """One job: an operation in its own context on the runner's ledger, or plain work beside it.

    The ledger is the runner's when the job runs, not when it was queued: a restore on the worker puts
    the reopened ledger in place for every job after it."""

    def __init__(self, runner: OpRunner, job: _Job, signals: _Signals) -> None:
        super().__init__()
        self.runner, self.actor, self.job, self.signals = runner, runner.actor, job, signals

    def run(self) -> None:
        try:
            if not self.job.in_context:
                result = self.job.fn(self.job.progress)
            else:
                with self.runner.ledger.operation(self.actor, write=self.job.write) as ctx:
                    result = self.job.fn(ctx, self.job.progress)
            if isinstance(result, OpResult):
                self.job.changes, result = result.changes, result.value
            if self.job.write and self.job.in_context and self.runner.watching:
                self.job.others = self._others_since_commit()
            self.job.result = result
        except BaseException as exc:  # reported on the UI thread
            self.job.error = exc
            self.job.detail = traceback.format_exc()
        self.job.done = True
        self.signals.finished.emit(self.job)

    def _others_since_commit(self) -> frozenset[int]:
        """Take the watch's news now, just after this job's commit, less the cases this job announces
        itself: the next look then does not report this program's own change a second time.  A case
        both changed is refreshed by this job's announcement, whose reads queue after this moment."""
        try:
            seen = self.runner.ledger.changed_cases()
        except Exception as exc:  # the next look tries again
            log.warning("could not look for changes by others: %s", exc)
            return frozenset()
        changes = self.job.changes
        if changes is not None and changes.everything:
            return frozenset()
        return seen - (changes.case_ids if changes is not None else frozenset())


class OpRunner(QObject):
    """The app's one database worker."""

    changed = Signal(object)  # Changes
    busy_changed = Signal(bool)

    def __init__(self, ledger: Ledger, actor: Actor | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ledger = ledger
        self.actor = actor or Actor.of_system_user()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.detached_pool = QThreadPool(self)
        self.detached_pool.setMaxThreadCount(1)  # PDFium must not be entered from two threads
        self._signals = _Signals()
        self._signals.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self._pending = 0
        #: the 台账正忙 question on screen, if any (tests answer it)
        self.busy_prompt: QMessageBox | None = None
        self._watch_timer = QTimer(self)
        self._watch_timer.timeout.connect(self._look_for_others)
        self._looking = False
        #: whether ``watch_others`` is on
        self.watching = False

    def watch_others(self, interval_ms: int = WATCH_INTERVAL_MS) -> None:
        """From now on, every ``interval_ms``, learn on the worker which cases other programs (another
        clerk, the command line) changed and announce them by ``changed``, so open windows refresh.

        The first look runs at once, ahead of any read queued after this call: nothing written after
        the window's first reads goes unseen.  One look at a time; a look never shows the window busy.
        """
        self.watching = True
        self._look_for_others()
        self._watch_timer.start(interval_ms)

    def _look_for_others(self) -> None:
        if self._looking:
            return
        self._looking = True

        def seen(case_ids: frozenset[int]) -> None:
            self._looking = False
            if case_ids:
                self.changed.emit(Changes(case_ids=case_ids))

        def failed(error: BaseException) -> None:
            self._looking = False
            log.warning("could not look for changes by others: %s", error)

        job = _Job(
            lambda _progress: (
                self.ledger.changed_cases()
            ),  # the ledger as the look runs (a restore reopens it)
            Progress(),
            seen,
            failed,
            in_context=False,
            quiet=True,
        )
        self._start(job)

    def run(
        self,
        fn: Callable[[OpContext, Progress], Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        progress_label: str | None = None,
        parent: QWidget | None = None,
        owner: QObject | None = None,
        write: bool = True,
    ) -> Progress:
        """Run the operation ``fn(ctx, progress)`` on the database worker; see the module docstring.

        ``write=False`` for work that only reads: it never waits for another program's write.
        A ledger busy with another program's write is reported in one sentence with 重试.

        The callbacks are skipped when ``owner`` (default: ``parent``) was deleted meanwhile, so a
        window closed during its job is never touched; ``changed`` is still announced.
        """
        return self._prepare(fn, on_success, on_failure, progress_label, parent, owner, write=write)

    def call(
        self,
        op: Callable[..., Any],
        *args: Any,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        progress_label: str | None = None,
        parent: QWidget | None = None,
        owner: QObject | None = None,
        write: bool = True,
    ) -> Progress:
        """Run the operation ``op(ctx, *args)`` (one that reports no progress) on the database worker."""
        return self.run(
            lambda ctx, _progress: op(ctx, *args),
            on_success=on_success,
            on_failure=on_failure,
            progress_label=progress_label,
            parent=parent,
            owner=owner,
            write=write,
        )

    def call_on_ledger(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        progress_label: str | None = None,
        parent: QWidget | None = None,
        owner: QObject | None = None,
    ) -> Progress:
        """Run ``fn(ledger, *args)``, a core function that opens its own session on the ledger (signing in,
        the first administrator: no one is signed in yet to act in an operation; a restore), on the
        database worker."""
        return self._prepare(
            lambda _progress: fn(self.ledger, *args),  # the ledger as the job runs (a restore reopens it)
            on_success,
            on_failure,
            progress_label,
            parent,
            owner,
            in_context=False,
        )

    def read_now(self, op: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a quick read ``op(ctx, *args)`` here on the UI thread (rows fetched as a view draws them)."""
        with self.ledger.operation(self.actor, write=False) as ctx:
            return op(ctx, *args, **kwargs)

    def run_detached(
        self,
        fn: Callable[[Progress], Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        progress_label: str | None = None,
        parent: QWidget | None = None,
        owner: QObject | None = None,
    ) -> Progress:
        """Run ``fn(progress)``, work that needs no ledger, on a pool beside the database worker."""
        return self._prepare(
            fn, on_success, on_failure, progress_label, parent, owner, on_worker=False, in_context=False
        )

    def _prepare(
        self,
        fn: Callable[..., Any],
        on_success: Callable[[Any], None] | None,
        on_failure: Callable[[BaseException], None] | None,
        progress_label: str | None,
        parent: QWidget | None,
        owner: QObject | None,
        *,
        write: bool = True,
        on_worker: bool = True,
        in_context: bool = True,
    ) -> Progress:
        progress = Progress()
        job = _Job(
            fn,
            progress,
            on_success,
            on_failure,
            owner or parent,
            on_worker=on_worker,
            in_context=in_context,
            write=write,
        )
        if progress_label:
            job.dialog = ProgressDialog(progress_label, progress, parent)
            progress.reported.connect(job.dialog.show_progress, Qt.ConnectionType.QueuedConnection)
        self._start(job)
        return progress

    def _start(self, job: _Job) -> None:
        if not job.quiet:
            self._pending += 1
            if self._pending == 1:
                self.busy_changed.emit(True)
        pool = self.pool if job.on_worker else self.detached_pool
        pool.start(_Task(self, job, self._signals))

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the worker and the detached pool are idle (for shutdown and tests)."""
        return self.pool.waitForDone(msecs) and self.detached_pool.waitForDone(msecs)

    @Slot(object)
    def _finished(self, job: _Job) -> None:
        if job.quiet:
            if job.error is None:
                job.on_success(job.result)  # type: ignore[misc]
            else:
                job.on_failure(job.error)  # type: ignore[misc]
            return
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)
        if job.dialog is not None:
            job.dialog.close()
            job.dialog.deleteLater()
        owner_gone = job.owner is not None and not shiboken6.isValid(job.owner)
        if job.error is None:
            if job.on_success is not None and not owner_gone:
                job.on_success(job.result)
            if job.changes is not None and job.changes.any:
                self.changed.emit(job.changes)
            if job.others:
                self.changed.emit(Changes(case_ids=job.others))
            return
        if isinstance(job.error, Cancelled) or owner_gone:
            return
        if isinstance(job.error, LedgerBusyError):
            self._offer_retry(job)
            return
        if job.on_failure is not None:
            job.on_failure(job.error)
            return
        show_error(None, job.error, job.detail)

    def _offer_retry(self, job: _Job) -> None:
        """Another program holds the ledger: say who, and run the same work again on 重试."""
        parent = job.owner if isinstance(job.owner, QWidget) else None
        box = QMessageBox(QMessageBox.Icon.Information, "台账正忙", str(job.error), parent=parent)
        retry = box.addButton("重试", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        self.busy_prompt = box

        def answered() -> None:
            self.busy_prompt = None
            if box.clickedButton() is retry:
                job.error, job.detail, job.done, job.result, job.dialog = None, "", False, None, None
                self._start(job)
            elif job.on_failure is not None:
                job.on_failure(job.error)  # type: ignore[arg-type]

        box.finished.connect(answered)
        box.open()


class ProgressDialog(QProgressDialog):
    """请稍候: long work's dialog, shown after 300 ms; 取消 sets its ``Progress``'s ``cancelled``."""

    def __init__(self, label: str, progress: Progress, parent: QWidget | None = None) -> None:
        super().__init__(label, "取消", 0, 0, parent)
        self.setWindowTitle("请稍候")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(300)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.canceled.connect(lambda: setattr(progress, "cancelled", True))

    @Slot(int, int, str)
    def show_progress(self, done: int, total: int, text: str = "") -> None:
        """``done`` of ``total`` (0: a busy bar), and ``text`` when there is one."""
        self.setMaximum(max(total, 0))
        self.setValue(done)
        if text:
            self.setLabelText(text)


def error_text(error: BaseException) -> str:
    """The sentence a user sees for an error."""
    if isinstance(error, LedgerError):
        return str(error)
    return unexpected_error_text(error)


def show_error(parent: QWidget | None, error: BaseException, detail: str = "") -> None:
    if not isinstance(error, LedgerError):
        log.error("operation failed: %s", detail or error)
    box = QMessageBox(
        QMessageBox.Icon.Warning, "无法完成", error_text(error), QMessageBox.StandardButton.Ok, parent
    )
    box.open()
