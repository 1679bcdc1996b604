"""帮助 → 关于 (version, folders, libraries, 复制诊断信息) and 帮助 → 自检, and Qt's buttons in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QMessageBox

from xinfang_desk import __version__, fonts
from xinfang_desk.diagnostics import calendar_years
from xinfang_desk.logs import log_folder
from xinfang_desk.paths import data_dir
from xinfang_desk.ui.about import AboutDialog
from xinfang_desk.ui.app import make_app
from xinfang_desk.ui.main_window import MainWindow
from xinfang_desk.ui.ops import OpRunner
from xinfang_desk.ui.self_test import check_qt_font


@pytest.fixture
def window(ledger, qtbot, tmp_path, qsettings_dir):
    runner = OpRunner(ledger)
    window = MainWindow(runner, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    yield window
    runner.wait()


def help_action(window: MainWindow, text: str):
    (menu,) = [a.menu() for a in window.menuBar().actions() if a.text().startswith("帮助")]
    (action,) = [a for a in menu.actions() if a.text() == text]
    return action


def shown_texts(dialog: AboutDialog) -> str:
    return "\n".join(label.text() for label in dialog.findChildren(QLabel))


def test_about_shows_version_folders_and_libraries(window, qtbot, ledger) -> None:
    help_action(window, "关于信访台账").trigger()
    qtbot.waitUntil(lambda: window.findChild(AboutDialog) is not None)
    dialog = window.findChild(AboutDialog)
    text = shown_texts(dialog)
    first, last = calendar_years()
    for expected in (__version__, str(ledger.path), str(data_dir()), str(log_folder()), f"{first}—{last} 年"):
        assert expected in text
    assert "SQLAlchemy" in text and "PySide6-Essentials" in text and "chinesecalendar" in text


def test_copy_diagnostics_puts_the_facts_on_the_clipboard(window, qtbot, ledger) -> None:
    dialog = window.about()
    QApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QApplication.clipboard().text()
    assert f"台账文件：{ledger.path}" in copied and f"版本：{__version__}" in copied
    assert f"日志目录：{log_folder()}" in copied and "节假日数据：chinesecalendar" in copied
    assert dialog.copied_label.text() == "诊断信息已复制到剪贴板。"


def test_self_test_from_the_help_menu_reports_every_check(window, qtbot, ledger) -> None:
    before = Path(ledger.path).stat().st_mtime_ns
    help_action(window, "自检").trigger()

    def report() -> QMessageBox | None:
        boxes = [b for b in window.findChildren(QMessageBox) if b.windowTitle() == "自检" and b.isVisible()]
        return boxes[0] if boxes else None

    qtbot.waitUntil(lambda: report() is not None, timeout=60000)
    text = report().text()
    assert text.splitlines()[-1] == "自检通过。"
    assert "通过  Qt 中文界面" in text and "通过  打印并读回交办单（PDF）" in text
    assert Path(ledger.path).stat().st_mtime_ns == before  # the user's ledger is not touched


def test_the_font_check_passes_when_qt_knew_the_family_before_the_app_set_it(qapp) -> None:
    """On a PC that has WenQuanYi Zen Hei installed, Qt knows the family before the shipped file is
    loaded; the check still makes the shipped font the application font instead of failing."""
    saved = QFont(qapp.font())
    other = QFont(saved)
    other.setFamilies(["DejaVu Sans"])
    try:
        qapp.setFont(other)
        QFontDatabase.addApplicationFont(str(fonts.primary_font_path()))  # known, not in use
        result = check_qt_font(qapp)
        assert result.ok, result.detail
        assert fonts.CJK_FAMILY in qapp.font().families()
    finally:
        qapp.setFont(saved)


def test_standard_buttons_read_in_chinese(qtbot) -> None:
    make_app()
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Ok).text() == "确定"
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
