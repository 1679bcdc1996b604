"""The import dialog's mapping step: the file's columns beside the ledger's, one value for a missing field, remembered."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QComboBox
from sqlalchemy import select

from tests.exchange.test_old_ledgers import old_ledger
from xinfang_desk.ledger.models import Case
from xinfang_desk.ui.import_dialog import open_import_dialog
from xinfang_desk.ui.import_mapping_view import NOT_IMPORTED
from xinfang_desk.ui.ops import OpRunner

pytestmark = pytest.mark.gui


def _row_of(dialog, header: str) -> int:
    table = dialog.mapping_view.table
    return next(r for r in range(table.rowCount()) if table.item(r, 0).text() == header)


def _choice(dialog, header: str) -> QComboBox:
    return dialog.mapping_view.table.cellWidget(_row_of(dialog, header), 2)


def _open(runner, settings, path: Path, qtbot):
    dialog = open_import_dialog(None, runner, settings)
    qtbot.addWidget(dialog)
    dialog.set_file(path)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20000)
    return dialog


def test_an_old_ledger_is_mapped_completed_and_imported_and_the_mapping_is_remembered(
    ledger, tmp_path, qtbot, qsettings_dir
) -> None:
    settings = QSettings(str(qsettings_dir / "app.ini"), QSettings.Format.IniFormat)
    runner = OpRunner(ledger)
    dialog = _open(runner, settings, old_ledger(tmp_path / "旧台账.xlsx"), qtbot)
    view = dialog.mapping_view
    assert _choice(dialog, "来访日期").currentText() == "登记日期"
    assert _choice(dialog, "序号").currentText() == NOT_IMPORTED
    assert "2023-03-06" in view.table.item(_row_of(dialog, "来访日期"), 1).text()  # the first rows shown
    assert "第 2 行" in view.summary.text() and "1 行标题" in view.summary.text()
    assert set(view.fixed) == {"信访形式", "事项性质"}

    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "还缺少：信访形式、事项性质" in dialog.report_view.toPlainText()
    view.fixed["信访形式"].setCurrentText("来访")
    view.fixed["事项性质"].setCurrentText("申诉求决类")
    _choice(dialog, "备注").setCurrentText(NOT_IMPORTED)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=30000)
    runner.wait()
    assert dialog.report.written, dialog.report.text()
    assert "未使用的列（内容没有导入）：序号（行号，不是案件编号）、备注" in dialog.report_view.toPlainText()
    with ledger.session() as s:
        cases = s.scalars(select(Case)).all()
        assert len(cases) == 3 and all(c.channel == "visit" and c.remarks == "" for c in cases)

    # the next file of the same office: its own column name and the missing fields come back as set
    book = Workbook()
    book.active.append(["收到时间", "姓名", "反映问题", "问题类别", "备注"])
    book.active.append([datetime(2024, 5, 6), "钱多多", "宿舍漏水", "后勤服务类", "无"])
    book.save(tmp_path / "次年.xlsx")
    first = _open(runner, settings, tmp_path / "次年.xlsx", qtbot)
    _choice(first, "收到时间").setCurrentText("登记日期")
    assert first.mapping_view.fixed["信访形式"].currentText() == "来访"
    qtbot.mouseClick(first.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: first.report is not None, timeout=30000)
    runner.wait()
    assert first.report.written, first.report.text()
    again = _open(runner, settings, tmp_path / "次年.xlsx", qtbot)
    assert _choice(again, "收到时间").currentText() == "登记日期"
    assert _choice(again, "备注").currentText() == NOT_IMPORTED
    runner.wait()
