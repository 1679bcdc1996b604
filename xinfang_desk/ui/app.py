"""The desktop app's entry point (``xinfang-desk-gui``): choose the ledger, then show the main window.

``--db PATH`` opens that ledger (offering to create it when absent), ``--db URL`` a ledger on a
database server (the password from ``.pgpass`` or ``PGPASSWORD``, else asked: ``ui.server_login``);
``--demo`` opens the demo ledger beside the default one (or at ``--db PATH``), generating its cases
first when it does not exist yet; otherwise the ledger this computer chose (设置 → 台账位置, the
default file when none) opens, and the first-run dialog appears when there is none.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

# The ledger's modules, and SQLAlchemy with them, load before Qt's: once PySide6 is loaded it reads the
# source of every module imported after it (looking for its feature switches), a tenth of the start-up.
from xinfang_desk.chinese_argparse import ChineseArgumentParser
from xinfang_desk.ledger.backups import latest_backup, restore_backup
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo_ledger import DEMO_CASES, open_demo_ledger
from xinfang_desk.ledger.errors import LedgerDamagedError, LedgerError, LedgerInUseError, UpgradeCancelled
from xinfang_desk.ledger.instance_lock import InstanceLock
from xinfang_desk.ledger.operations import queries  # noqa: F401  (what the 台账's first page reads)
from xinfang_desk.logs import setup_logging, unexpected_error_text
from xinfang_desk.paths import default_demo_ledger_path, ledger_argument
from xinfang_desk.private_files import remove_session_folder, remove_stale_temp

# isort: split
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from xinfang_desk.ui.fonts_qt import install_fonts
from xinfang_desk.ui.garbage import UiThreadGarbageCollector, settle_before_exit
from xinfang_desk.ui.ledger_place import remember_location, remembered_location
from xinfang_desk.ui.login_dialog import acting_user_for
from xinfang_desk.ui.main_window import SETTINGS_APP, SETTINGS_ORG, MainWindow, app_settings
from xinfang_desk.ui.ops import OpRunner
from xinfang_desk.ui.safekeeping import backup_place
from xinfang_desk.ui.style import apply_style, qt_style_arguments
from xinfang_desk.ui.translations import install_translations

if TYPE_CHECKING:
    from xinfang_desk.ledger.db import PendingUpgrade
    from xinfang_desk.ledger.operations.trail import Verification

log = logging.getLogger("xinfang_desk.ui.app")  # also when run as __main__ (python -m)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = ChineseArgumentParser(prog="xinfang-desk-gui", description="信访台账（桌面程序）")
    parser.add_argument(
        "--db",
        type=ledger_argument,
        default=None,
        help="打开指定的台账文件，或服务器上的台账（postgresql+psycopg://用户@主机/库名；不要写密码，连接时询问）",
    )
    parser.add_argument("--demo", action="store_true", help="打开演示台账（不存在时自动生成）")
    parser.add_argument("--demo-cases", type=int, default=DEMO_CASES, help="新建演示台账的案件数")
    return parser.parse_args(list(argv) if argv is not None else sys.argv[1:])


def _exists(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


def open_or_set_up(args: argparse.Namespace) -> tuple[Ledger | None, bool]:
    """The ledger to work on, and whether demo cases must still be generated in it.

    The integrity check does not hold up the window: it is queued once the 台账's first page has
    arrived, behind the dashboard's figures (``start_background_checks``).

    ``(None, False)`` when the user closed the first-run dialog.
    """
    if isinstance(args.db, str):  # a ledger on a database server: opened as it is, never made here
        if args.demo:
            raise LedgerError("演示台账只能是本机上的文件：--demo 不能与数据库地址一起使用。")
        return _open_server_ledger(args.db), False
    if args.demo:
        return _demo_ledger(args.db or default_demo_ledger_path())
    location = args.db if args.db is not None else remembered_location(app_settings())
    if isinstance(location, str):
        return _open_server_ledger(location), False
    if _exists(location):
        return Ledger.open(location, check=False, upgrade_with=upgrade_shown), False
    from xinfang_desk.ui.first_run import FirstRunDialog  # loaded only when there is no ledger yet

    dialog = FirstRunDialog(location)
    if dialog.exec() != FirstRunDialog.DialogCode.Accepted:
        return None, False
    if dialog.wants_demo:
        return _demo_ledger(default_demo_ledger_path())
    if args.db is None:  # the place chosen is this computer's ledger from now on
        remember_location(app_settings(), dialog.location)
    return dialog.ledger, False


def _open_server_ledger(location: str) -> Ledger | None:
    """A ledger on a database server, its account's password asked when the server wants one."""
    from xinfang_desk.ui.server_login import open_with_password_if_needed  # loaded only for a server

    return open_with_password_if_needed(
        location,
        lambda password: Ledger.open(location, check=False, password=password, upgrade_with=upgrade_shown),
    )


def upgrade_shown(pending: PendingUpgrade) -> None:
    """An older ledger's upgrade under its progress dialog, loaded only when one is due."""
    from xinfang_desk.ui.upgrade_dialog import upgrade_with_progress

    upgrade_with_progress(pending)


def _demo_ledger(path: Path) -> tuple[Ledger, bool]:
    if _exists(path):
        return open_demo_ledger(path), False
    from xinfang_desk.ui.first_run import create_demo_ledger

    return create_demo_ledger(path), True


def make_app() -> QApplication:
    existing = QApplication.instance()
    new = not isinstance(existing, QApplication)
    app = QApplication([*sys.argv[:1], *qt_style_arguments()]) if new else cast(QApplication, existing)
    app.setOrganizationName(SETTINGS_ORG)
    app.setApplicationName(SETTINGS_APP)
    app.setApplicationDisplayName("信访台账")
    install_translations(app)
    install_fonts(app)
    apply_style(app, started_in_style=new)
    if not hasattr(app, "garbage_collector"):
        gc.freeze()  # what loading the modules made is never garbage: the collector need not walk it
        app.garbage_collector = UiThreadGarbageCollector(app)  # type: ignore[attr-defined]
    return app


def build_demo_in(window: MainWindow, runner: OpRunner, cases: int) -> None:
    """Fill the demo ledger; the dashboard says it is still building until the cases are written."""
    from xinfang_desk.ui.first_run import start_demo_build

    dashboard = window.dashboard
    dashboard.show_building("正在生成演示案件……生成完成后显示统计。")
    progress = start_demo_build(
        runner,
        window,
        cases=cases,
        on_done=lambda _made: dashboard.show_building(""),
        on_failure=lambda _error: dashboard.show_building(""),
    )
    progress.reported.connect(dashboard.building_progress)  # queued: reported from the worker


def log_when_ledger_page_ready(window: MainWindow, started: float) -> None:
    """Log once how long the start took until the 台账 page first drew its rows (bench/startup_timing.py)."""

    def drawn() -> None:
        window.first_page_drawn.disconnect(drawn)
        log.info("ledger page ready %.0f ms after start", (time.perf_counter() - started) * 1000)

    window.first_page_drawn.connect(drawn)


def main(argv: Sequence[str] | None = None) -> int:
    started = time.perf_counter()
    if getattr(sys, "frozen", False):  # the merge reads files in a second process, also when bundled
        import multiprocessing  # only then: a hundredth of a second the unbundled start does not need

        multiprocessing.freeze_support()
    args = parse_args(argv)
    setup_logging("xinfang-desk-gui")
    sys.excepthook = _show_unexpected
    remove_stale_temp()
    app = make_app()
    try:
        ledger, needs_demo = open_or_set_up(args)
    except LedgerDamagedError as exc:
        damaged = _chosen_path(args)
        if damaged is None:  # a server keeps no backups of ours to offer
            QMessageBox.critical(None, "无法打开台账", str(exc))
            return 1
        ledger, needs_demo = _offer_latest_backup(exc, damaged), False
    except UpgradeCancelled:  # the user was told the ledger is unchanged, and chose 退出
        return 0
    except LedgerError as exc:
        QMessageBox.critical(None, "无法打开台账", str(exc))
        return 1
    if ledger is None:
        return 0
    runner = OpRunner(ledger)
    actor = acting_user_for(runner)
    if actor is None:
        ledger.close()
        return 0
    try:
        lock = InstanceLock.acquire(ledger.path, actor.name) if ledger.path is not None else None
    except LedgerInUseError as exc:
        ledger.close()
        QMessageBox.critical(None, "台账已在使用中", str(exc))
        return 1
    runner.watch_others()  # other clerks' and the command line's changes refresh the open pages
    window = MainWindow(runner, app_settings())
    log_when_ledger_page_ready(window, started)
    window.show()
    if needs_demo:
        build_demo_in(window, runner, args.demo_cases)
    else:
        window.first_page_ready.connect(lambda: start_background_checks(window, runner))
    try:
        code = app.exec()
        runner.wait()
        window.safekeeping.backup_at_close()
    finally:
        runner.ledger.close()
        if lock is not None:
            lock.release()
        window.deleteLater()
        settle_before_exit()
        remove_session_folder()
    return code


def _chosen_path(args: argparse.Namespace) -> Path | None:
    """The ledger file the app tried to open (None: a ledger on a server)."""
    if args.demo:
        return args.db or default_demo_ledger_path()
    location = args.db if args.db is not None else remembered_location(app_settings())
    return location if isinstance(location, Path) else None


def _offer_latest_backup(error: LedgerDamagedError, path: Path) -> Ledger | None:
    """A ledger damaged on opening: offer its latest backup (after backing up the damaged file)."""
    folder, _keep = backup_place(app_settings())
    latest = latest_backup(path, folder)
    if latest is None:
        QMessageBox.critical(None, "台账已损坏", str(error))
        return None
    answer = QMessageBox.question(
        None, "台账已损坏", f"{error}\n\n现在用最近的备份“{latest.name}”恢复吗？（损坏的文件会先另存一份）"
    )
    if answer != QMessageBox.StandardButton.Yes:
        return None
    try:
        restore_backup(latest, path, configured=folder)
        return Ledger.open(path)
    except LedgerError as exc:
        QMessageBox.critical(None, "无法恢复", str(exc))
        return None


def start_background_checks(window: MainWindow, runner: OpRunner) -> None:
    """The full integrity check (then the daily backup) and the history's verification, queued after
    the window's first reads: they take seconds on a large ledger and must not hold up the 台账's first
    page nor the dashboard."""
    window.safekeeping.start()
    check_history(runner, window)


def check_history(runner: OpRunner, parent: QWidget) -> None:
    """Verify the ledger's history on the worker; name every case whose history was changed around the program."""
    from xinfang_desk.ledger.operations.trail import verify  # loaded after the first rows, when it runs

    def report(result: Verification) -> None:
        if result.intact:
            return
        lines = result.lines()
        shown = "\n".join(lines[:25]) + (f"\n……共 {len(lines)} 项" if len(lines) > 25 else "")
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "台账历史记录异常",
            "本台账的历史记录在本程序之外被改动过。以下案件或记录受到影响，请核查并报告管理员：\n\n" + shown,
            QMessageBox.StandardButton.Ok,
            parent,
        )
        box.open()
        parent._history_warning = box  # type: ignore[attr-defined]  # kept alive while shown

    runner.call(
        verify,
        on_success=report,
        on_failure=lambda exc: log.warning("history not verified: %s", exc),  # e.g. a server ledger
        write=False,
    )


def _show_unexpected(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """``sys.excepthook``: the traceback to the log, a Chinese sentence with the log's path to the user."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    logging.getLogger("xinfang_desk.ui").error("unexpected error", exc_info=(exc_type, exc, tb))
    if QApplication.instance() is not None:
        QMessageBox.critical(None, "程序错误", unexpected_error_text(exc))


if __name__ == "__main__":
    raise SystemExit(main())
