"""The 合并台账 and 导入台账 dialogs: files dropped or added, the work on the worker, the report shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from sqlalchemy import func, select

from tests.bad_workbooks import unit_export
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ui.import_dialog import open_import_dialog
from xinfang_desk.ui.merge_dialog import open_merge_dialog
from xinfang_desk.ui.ops import OpRunner

pytestmark = pytest.mark.gui


@pytest.fixture
def office_runner(tmp_path, qtbot):
    office = create_ledger(tmp_path / "office" / "office.sqlite", "XFB", "信访与督办室", office=True)
    runner = OpRunner(office)
    yield runner
    runner.wait()
    office.close()


def drop(widget, paths: list[Path]) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    widget.dropEvent(event)


def test_merge_dialog_takes_two_dropped_files_and_shows_the_report(office_runner, tmp_path, qtbot) -> None:
    first = unit_export(tmp_path, "JWC", "教务处", cases=2)
    second = unit_export(tmp_path, "HQ", "后勤集团", cases=3)
    (tmp_path / "说明.txt").write_text("不是台账")
    changed = []
    office_runner.changed.connect(changed.append)
    dialog = open_merge_dialog(None, office_runner)
    qtbot.addWidget(dialog)
    assert not dialog.start_button.isEnabled()
    drop(dialog.files, [first, second, tmp_path / "说明.txt"])
    assert [p.name for p in dialog.files.paths()] == ["JWC.xlsx", "HQ.xlsx"]  # the .txt is not taken
    assert dialog.start_button.isEnabled()

    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    text = dialog.report_view.toPlainText()
    assert "合并 2 个" in text and "新增 5 件" in text
    assert "【已合并】JWC.xlsx" in text and "【已合并】HQ.xlsx" in text
    assert dialog.saved_report is not None and dialog.saved_report.parent.name == "合并报告"
    assert dialog.saved_report.read_text(encoding="utf-8-sig") == text
    assert "报告已保存" in dialog.saved_label.text()
    assert changed and changed[-1].everything
    with office_runner.ledger.session() as s:
        assert s.scalar(select(func.count(Case.id))) == 5


def test_merge_dialog_is_for_the_office_only(ledger, qtbot, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    said = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: said.append(args[2]))
    runner = OpRunner(ledger)
    assert open_merge_dialog(None, runner) is None
    assert "信访与督办室" in said[0]


def test_import_dialog_reports_bad_rows_and_imports_good_rows_when_asked(ledger, tmp_path, qtbot) -> None:
    book = Workbook()
    book.active.append(["登记日期", "信访人", "信访形式", "事项性质", "问题类别", "内容摘要"])
    book.active.append(["2024-03-01", "孙喆", "来访", "申诉求决类", "其他类", "反映宿舍噪音"])
    book.active.append(["2099-01-01", "孙喆", "来访", "申诉求决类", "其他类", "反映宿舍噪音"])
    path = tmp_path / "原台账.xlsx"
    book.save(path)
    runner = OpRunner(ledger)
    dialog = open_import_dialog(None, runner)
    qtbot.addWidget(dialog)
    drop(dialog.file, [path])
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20000)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    assert "第 3 行" in dialog.report_view.toPlainText() and not dialog.report.written

    dialog.report = None
    dialog.good_rows_only.setChecked(True)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    assert dialog.report.written and "导入 1 件案件" in dialog.report_view.toPlainText()
    runner.wait()
