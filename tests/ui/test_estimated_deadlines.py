"""估算 wherever a deadline is shown: the case view, the ledger's column, the dashboard's list and banner."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.helpers import Clock, draft
from xinfang_desk.ledger.search import case_rows
from xinfang_desk.ledger.workflow import Workflow
from xinfang_desk.ui.case_view import CaseView
from xinfang_desk.ui.dashboard import DashboardPage
from xinfang_desk.ui.ledger_model import display_text
from xinfang_desk.ui.ops import OpRunner


@pytest.fixture
def runner(ledger):
    runner = OpRunner(ledger)
    yield runner
    runner.wait()


@pytest.fixture
def case_id(ledger) -> int:
    """A case accepted on 8 December 2026: 60 日 run into the estimated 春节 2027 → 11 February."""
    with ledger.session() as s:
        wf = Workflow(s, "主任", clock=Clock(datetime(2026, 12, 8, 10)))
        case = wf.register(draft(subcategory="", received_at=datetime(2026, 12, 8, 9)))
        wf.accept(case, at=datetime(2026, 12, 8, 9, 30))
        s.flush()
        return case.id


def test_the_case_view_marks_an_estimated_deadline(qtbot, runner, case_id) -> None:
    view = CaseView(runner, case_id)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.details is not None)
    assert "期限 2027-02-11（估算）" in view.due_label.text()
    assert "国务院通知发布后" in view.due_label.toolTip()
    assert view.values[("办理", "办理期限")].text() == "2027-02-11（估算）"


def test_the_ledger_column_marks_an_estimated_deadline(ledger, case_id) -> None:
    with ledger.session() as s:
        (row,) = case_rows(s, [case_id], today=date(2026, 12, 8))
    assert display_text(row, "due_on") == "2027-02-11（估算）"


def test_the_dashboard_lists_it_and_shows_the_banner(qtbot, runner, case_id) -> None:
    page = DashboardPage(runner, today=lambda: date(2027, 2, 9))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.data is not None, timeout=5000)
    assert page.urgent_table.item(0, 0).text() == "2027-02-11（估算）"
    assert page.calendar_banner.isHidden()  # February: the notice for 2028 is not due yet

    november = DashboardPage(runner, today=lambda: date(2026, 11, 30))
    qtbot.addWidget(november)
    november.show()
    qtbot.waitUntil(lambda: november.data is not None, timeout=5000)
    assert november.calendar_banner.isVisible()
    assert "2027年的节假日安排尚未收录" in november.calendar_banner.text()
