"""Qt's own dialogs, buttons and context menus read Chinese once the translations are installed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from xinfang_desk.ui.file_dialogs import documents_folder, last_folder, remember_folder
from xinfang_desk.ui.translations import install_translations


def test_standard_buttons_and_context_menu_read_chinese(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert install_translations(app)

    box = QMessageBox(QMessageBox.Icon.Question, "确认", "保存吗？")
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    qtbot.addWidget(box)
    assert box.button(QMessageBox.StandardButton.Yes).text().startswith("是")
    assert box.button(QMessageBox.StandardButton.No).text().startswith("否")

    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(buttons)
    assert buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "确定"
    assert buttons.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"

    edit = QLineEdit("张喆")
    qtbot.addWidget(edit)
    menu = edit.createStandardContextMenu()
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert any(text.startswith("复制") for text in texts), texts
    assert any(text.startswith("粘贴") for text in texts), texts
    assert not any("Copy" in text or "Paste" in text for text in texts)


def test_file_dialogs_start_in_documents_then_in_the_last_folder(qsettings_dir: Path, tmp_path: Path) -> None:
    QSettings().remove("files")
    assert last_folder() == documents_folder()
    chosen = tmp_path / "来信扫描"
    chosen.mkdir()
    remember_folder(chosen / "来信.pdf")
    assert last_folder() == chosen
    chosen.rmdir()  # a folder that has gone: back to 文档
    assert last_folder() == documents_folder()


def test_a_file_dialog_reads_chinese_and_opens_in_the_last_folder(qtbot, qsettings_dir: Path, tmp_path: Path):
    from PySide6.QtWidgets import QAbstractButton, QFileDialog, QLabel

    from xinfang_desk.ui.file_dialogs import file_dialog

    app = QApplication.instance()
    install_translations(app)
    remember_folder(tmp_path)
    dialog = file_dialog(
        None, "选择 Excel 台账", last_folder(), "Excel 工作簿 (*.xlsx)", QFileDialog.FileMode.ExistingFile
    )
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dialog)
    dialog.show()
    assert Path(dialog.directory().absolutePath()) == tmp_path
    texts = [
        w.text() for w in dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton) if w.isVisible()
    ]
    shown = " ".join(texts)
    assert "查找范围" in shown and "文件类型" in shown and "打开" in shown and "取消" in shown
    for english in ("Look in", "Files of type", "File name", "Open", "Cancel"):
        assert english not in shown, shown
