"""The import dialog's mapping step (the file's columns beside the ledger's, one value for a missing field,
remembered) and its choice for case numbers already taken."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QComboBox
from sqlalchemy import select

from tests.bad_workbooks import far_cell
from tests.exchange.test_old_ledgers import old_ledger
from tests.helpers import Clock, draft
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.workflow import Workflow
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


def _numbered_file(path: Path) -> Path:
    """Rows carrying this unit's case numbers: the first is already taken in the ledger, the second is free."""
    book = Workbook()
    book.active.append(["案件编号", "登记日期", "信访形式", "事项性质", "问题类别", "内容摘要", "信访人"])
    book.active.append(
        ["JWC-2023-0001", datetime(2023, 3, 6), "来访", "申诉求决类", "后勤服务类", "宿舍漏水", "张三"]
    )
    book.active.append(
        ["JWC-2023-0031", datetime(2023, 5, 8), "来信", "申诉求决类", "教学管理类", "成绩复核", "王五"]
    )
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("renumber_all", "numbers", "said"),
    [
        (
            False,
            {"张三": "JWC-2023-0032", "王五": "JWC-2023-0031"},
            "第 2 行：JWC-2023-0001 → JWC-2023-0032（台账中已有该编号）",
        ),
        (
            True,
            {"张三": "JWC-2023-0002", "王五": "JWC-2023-0003"},
            "第 3 行：JWC-2023-0031 → JWC-2023-0003（选择了全部重新编号）",
        ),
    ],
    ids=["taken_renumbered", "all_renumbered"],
)
def test_a_taken_case_number_is_imported_under_a_new_one_and_renumbering_all_is_the_user_s_choice(
    ledger, tmp_path, qtbot, qsettings_dir, renumber_all: bool, numbers: dict[str, str], said: str
) -> None:
    at = datetime(2023, 3, 1, 9)
    with ledger.session() as s:
        taken = Workflow(s, "接待员", clock=Clock(at)).register(draft(received_at=at)).case_no
    assert taken == "JWC-2023-0001"
    settings = QSettings(str(qsettings_dir / "app.ini"), QSettings.Format.IniFormat)
    runner = OpRunner(ledger)
    dialog = _open(runner, settings, _numbered_file(tmp_path / "编号.xlsx"), qtbot)
    assert not dialog.new_numbers.isChecked()  # keeping the recorded numbers is the default
    dialog.new_numbers.setChecked(renumber_all)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=30000)
    runner.wait()
    report = dialog.report_view.toPlainText()
    assert dialog.report.written, report
    assert "件使用了新的案件编号（原编号记入备注）" in report and said in report
    with ledger.session() as s:
        cases = {c.petitioner.name: (c.case_no, c.remarks) for c in s.scalars(select(Case))}
    assert cases == {
        "李玥": ("JWC-2023-0001", ""),  # the case already in the ledger keeps its number
        "张三": (numbers["张三"], "原台账编号：JWC-2023-0001"),
        "王五": (numbers["王五"], "原台账编号：JWC-2023-0031" if renumber_all else ""),
    }


def test_a_sheet_reaching_too_far_is_refused_in_the_dialog_and_never_read(
    ledger, tmp_path, qtbot, qsettings_dir
) -> None:
    # a cell at XFD150000: read as is, the sheet would be 150,000 × 16,384 cells and end the program
    settings = QSettings(str(qsettings_dir / "app.ini"), QSettings.Format.IniFormat)
    runner = OpRunner(ledger)
    dialog = open_import_dialog(None, runner, settings)
    qtbot.addWidget(dialog)
    dialog.set_file(far_cell(tmp_path / "远.xlsx"))
    qtbot.waitUntil(lambda: "工作表范围过大" in dialog.report_view.toPlainText(), timeout=20000)
    runner.wait()
    assert "第 150,000 行、第 16,384 列" in dialog.report_view.toPlainText()
    assert dialog.preview is None and not dialog.start_button.isEnabled()
