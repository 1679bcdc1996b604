"""设置 → 节假日: the office pastes the notice, the table shows each day's source, open deadlines follow."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.helpers import Clock, draft
from xinfang_desk.ledger.models import CalendarDay, Case
from xinfang_desk.ledger.workflow import Workflow
from xinfang_desk.ui.calendar_editor import CalendarEditor, default_year
from xinfang_desk.ui.ops import OpRunner


@pytest.fixture
def runner(ledger):
    runner = OpRunner(ledger)
    yield runner
    runner.wait()


@pytest.fixture
def case_id(ledger) -> int:
    with ledger.session() as s:
        wf = Workflow(s, "主任", clock=Clock(datetime(2026, 12, 8, 10)))
        case = wf.register(draft(subcategory="", received_at=datetime(2026, 12, 8, 9)))
        wf.accept(case, at=datetime(2026, 12, 8, 9, 30))
        s.flush()
        return case.id


def open_editor(qtbot, runner: OpRunner, year: int) -> CalendarEditor:
    editor = CalendarEditor(runner)
    qtbot.addWidget(editor)
    editor.show()
    with qtbot.waitSignal(editor.loaded, timeout=5000):
        editor.year.setValue(year)
    return editor


def rows(editor: CalendarEditor) -> list[tuple[str, ...]]:
    table = editor.table
    return [
        tuple(table.item(r, c).text() for c in range(table.columnCount())) for r in range(table.rowCount())
    ]


def test_next_year_is_offered_from_november() -> None:
    assert default_year(date(2026, 11, 1)) == 2027 and default_year(date(2026, 10, 31)) == 2026


def test_pasting_the_notice_enters_the_year_and_recomputes_open_deadlines(
    qtbot, runner, ledger, case_id
) -> None:
    editor = open_editor(qtbot, runner, 2027)
    assert "估算" in editor.status.text()
    assert ("2027-02-09", "星期二", "休", "春节补假", "估算") in rows(editor)

    editor.notice.setPlainText("2027-02-05~2027-02-11 休 春节\n2027-02-14 班\n")
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        qtbot.mouseClick(editor.import_button, Qt.MouseButton.LeftButton)
    assert "1 件在办案件的期限已重算" in saved.args[0]
    qtbot.waitUntil(lambda: "本单位已按国务院通知录入" in editor.status.text(), timeout=5000)
    assert ("2027-02-14", "星期日", "班", "调休上班", "本单位录入") in rows(editor)
    assert not any(row[4] == "估算" for row in rows(editor))
    with ledger.session() as s:
        assert s.get(Case, case_id).due_on == date(2027, 2, 12)

    # take back the entered Sunday: the row goes, and the year keeps the rest of the office's entry
    target = next(r for r, row in enumerate(rows(editor)) if row[0] == "2027-02-14")
    editor.table.selectRow(target)
    assert editor.remove_button.isEnabled()
    with qtbot.waitSignal(editor.saved, timeout=5000):
        qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    with ledger.session() as s:
        assert s.get(CalendarDay, date(2027, 2, 14)) is None


def test_a_bad_pasted_line_is_refused_with_its_number(qtbot, runner, ledger) -> None:
    editor = open_editor(qtbot, runner, 2027)
    editor.notice.setPlainText("2027-02-05~2027-02-11 休\n2027-02-14 加班\n")
    qtbot.mouseClick(editor.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), timeout=5000)
    box = QApplication.activeModalWidget()
    assert "第2行" in box.text()
    box.close()
    with ledger.session() as s:
        assert s.query(CalendarDay).count() == 0
