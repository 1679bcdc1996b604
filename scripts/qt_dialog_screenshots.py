"""Screenshots of Qt's own dialogs and menus as the app shows them (run under a real X server).

    Xvfb :55 -screen 0 1400x900x24 &  DISPLAY=:55 openbox &
    DISPLAY=:55 QT_QPA_PLATFORM=xcb XDG_DATA_HOME=$(mktemp -d) python scripts/qt_dialog_screenshots.py

Opens the app on a small demo ledger, then one after another a file dialog, the print dialog, a Yes/No
question, a text input dialog, a right-click menu and the date field's calendar, and saves the whole
screen of each with ImageMagick's ``import`` into ``docs/screenshots/qt-*.png``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from xinfang_desk.ledger.demo import build_demo
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ui.app import make_app
from xinfang_desk.ui.file_dialogs import file_dialog, last_folder
from xinfang_desk.ui.main_window import REGISTRATION, SETTINGS, MainWindow, app_settings
from xinfang_desk.ui.ops import OpRunner

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SETTLE_MS = 1500


def shoot(name: str) -> None:
    target = OUT / f"{name}.png"
    subprocess.run(["import", "-window", "root", str(target)], check=True)
    print(f"已保存 {target}")


def main() -> int:
    app = make_app()
    folder = Path(tempfile.mkdtemp())
    ledger = create_ledger(folder / "demo.sqlite", "JWC", "教务处")
    build_demo(ledger, cases=300, seed=7)
    runner = OpRunner(ledger, Actor("接待员"))
    window = MainWindow(runner, app_settings())
    window.resize(1300, 820)
    window.move(40, 30)
    window.show()
    shown: list[QWidget] = []

    def open_file_dialog() -> None:
        mode = QFileDialog.FileMode.ExistingFile
        dialog = file_dialog(window, "选择 Excel 台账", last_folder(), "Excel 工作簿 (*.xlsx)", mode)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.open()
        shown.append(dialog)

    def print_dialog() -> None:
        printer = QPrinter()
        dialog = QPrintDialog(printer, window)
        dialog.printer_ = printer  # type: ignore[attr-defined]  (kept alive with the dialog)
        dialog.setModal(True)
        dialog.show()
        shown.append(dialog)

    def question() -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "退出信访台账",
            "登记表中还有未保存的内容。确定退出吗？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            window,
        )
        box.open()
        shown.append(box)

    def input_dialog() -> None:
        window.show_page(SETTINGS)
        dialog = QInputDialog(window)
        dialog.setWindowTitle("新增类别")
        dialog.setLabelText("类别名称：")
        dialog.open()
        shown.append(dialog)

    def registration() -> None:
        window.show_page(REGISTRATION)
        form = window.registration.form
        form.category.set_text("后勤服务类")
        form.name.setText("张喆")
        form.summary.setFocus()
        window.registration.save()  # lists every problem still in the way

    def context_menu() -> None:
        window.show_page(REGISTRATION)
        summary = window.registration.form.summary
        summary.setText("宿舍热水器损坏两周未修")
        summary.setFocus()
        summary.selectAll()
        menu = summary.createStandardContextMenu()
        menu.popup(summary.mapToGlobal(QPoint(40, summary.height())))
        shown.append(menu)

    def calendar() -> None:
        field = window.registration.form.received_at
        window.registration.scroll.ensureWidgetVisible(field)
        field.show_calendar()
        if field.calendar is not None:
            shown.append(field.calendar.parentWidget())

    steps: list[tuple[str, Callable[[], None]]] = [
        ("qt-file-dialog", open_file_dialog),
        ("qt-print-dialog", print_dialog),
        ("qt-question", question),
        ("qt-input-dialog", input_dialog),
        ("registration", registration),
        ("qt-context-menu", context_menu),
        ("qt-calendar", calendar),
    ]

    def next_step() -> None:
        while shown:
            shown.pop().close()
        if not steps:
            window.registration.new_case()
            window.registration.keeper.discard()
            window.close()
            app.quit()
            return
        name, open_it = steps.pop(0)
        open_it()
        QTimer.singleShot(SETTLE_MS, lambda: (shoot(name), QTimer.singleShot(300, next_step)))

    QTimer.singleShot(2500, next_step)
    code = app.exec()
    runner.wait()
    ledger.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
