"""The desktop app's entry point (``xinfang-desk-gui``): choose the ledger, then show the main window.

``--db PATH`` opens that ledger (offering to create it when absent); ``--demo`` opens the demo
ledger beside the default one (or at ``--db PATH``), generating its cases first when it does not
exist yet; otherwise the default ledger opens, and the first-run dialog appears when there is none.
The acting user is the operating-system login name.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import multiprocessing
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerError
from xinfang_desk.logs import setup_logging
from xinfang_desk.paths import default_ledger_path
from xinfang_desk.ui.first_run import (
    DEMO_CASES,
    FirstRunDialog,
    create_demo_ledger,
    demo_ledger_path,
    start_demo_build,
)
from xinfang_desk.ui.fonts_qt import install_fonts
from xinfang_desk.ui.garbage import UiThreadGarbageCollector
from xinfang_desk.ui.main_window import SETTINGS_APP, SETTINGS_ORG, MainWindow, app_settings
from xinfang_desk.ui.ops import OpRunner
from xinfang_desk.ui.style import apply_style
from xinfang_desk.ui.translations import install_translations

log = logging.getLogger("xinfang_desk.ui.app")  # also when run as __main__ (python -m)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="xinfang-desk-gui", description="信访台账（桌面程序）")
    parser.add_argument("--db", type=Path, default=None, help="打开指定的台账文件")
    parser.add_argument("--demo", action="store_true", help="打开演示台账（不存在时自动生成）")
    parser.add_argument("--demo-cases", type=int, default=DEMO_CASES, help="新建演示台账的案件数")
    return parser.parse_args(list(argv) if argv is not None else sys.argv[1:])


def current_actor() -> str:
    """Who is acting (until the app has its own log-in): the operating-system user."""
    try:
        return getpass.getuser() or "本机用户"
    except (OSError, KeyError):
        return "本机用户"


def _exists(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


def open_or_set_up(args: argparse.Namespace) -> tuple[Ledger | None, bool]:
    """The ledger to work on, and whether demo cases must still be generated in it.

    ``(None, False)`` when the user closed the first-run dialog.
    """
    if args.demo:
        return _demo_ledger(args.db or demo_ledger_path())
    path = args.db if args.db is not None else default_ledger_path()
    if _exists(path):
        return Ledger.open(path), False
    dialog = FirstRunDialog(path)
    if dialog.exec() != FirstRunDialog.DialogCode.Accepted:
        return None, False
    if dialog.wants_demo:
        return _demo_ledger(demo_ledger_path())
    return dialog.ledger, False


def _demo_ledger(path: Path) -> tuple[Ledger, bool]:
    if _exists(path):
        return Ledger.open(path), False
    return create_demo_ledger(path), True


def make_app() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setOrganizationName(SETTINGS_ORG)
    app.setApplicationName(SETTINGS_APP)
    app.setApplicationDisplayName("信访台账")
    install_translations(app)
    install_fonts(app)
    apply_style(app)
    if not hasattr(app, "garbage_collector"):
        app.garbage_collector = UiThreadGarbageCollector(app)  # type: ignore[attr-defined]
    return app


def log_when_ledger_page_ready(window: MainWindow, started: float) -> None:
    """Log once how long the start took until the 台账 page first showed its rows (bench/bench_bundle.py)."""
    model = window.ledger_page.model

    def drawn() -> None:
        log.info("ledger page ready %.0f ms after start", (time.perf_counter() - started) * 1000)

    def ready(_total: int) -> None:
        model.query_finished.disconnect(ready)
        QTimer.singleShot(0, drawn)

    model.query_finished.connect(ready)


def main(argv: Sequence[str] | None = None) -> int:
    started = time.perf_counter()
    multiprocessing.freeze_support()  # the merge reads files in a second process, also when bundled
    args = parse_args(argv)
    setup_logging("xinfang-desk-gui")
    app = make_app()
    try:
        ledger, needs_demo = open_or_set_up(args)
    except LedgerError as exc:
        QMessageBox.critical(None, "无法打开台账", str(exc))
        return 1
    if ledger is None:
        return 0
    runner = OpRunner(ledger)
    window = MainWindow(runner, current_actor(), app_settings())
    log_when_ledger_page_ready(window, started)
    window.show()
    if needs_demo:
        start_demo_build(runner, window, cases=args.demo_cases)
    code = app.exec()
    runner.wait()
    ledger.close()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
