"""统计分析: 苗头预警 and 单位考核 are read only when their tab is open, for the period chosen by then."""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import register_rising_lab_hours
from xinfang_desk.ledger.operations import figures as figure_ops
from xinfang_desk.ui.figures_page import FiguresPage
from xinfang_desk.ui.ops import OpRunner

TABLE, WARNINGS = 0, 2


@pytest.fixture
def warnings_read(monkeypatch) -> list[tuple[date, date]]:
    """The periods whose 苗头预警 the worker read, in order."""
    read: list[tuple[date, date]] = []
    real = figure_ops.period_warnings

    def reading(ctx, start, end, unit_code=None):
        read.append((start, end))
        return real(ctx, start, end, unit_code)

    monkeypatch.setattr(figure_ops, "period_warnings", reading)
    return read


@pytest.fixture
def page(ledger, qtbot):
    """The page over a ledger where the lab's opening hours rose from 2 to 9 in October 2025."""
    register_rising_lab_hours(ledger)
    runner = OpRunner(ledger)
    page = FiguresPage(runner)
    qtbot.addWidget(page)
    page.show()
    yield page
    runner.wait()


def _settled(page: FiguresPage, qtbot) -> None:
    qtbot.waitUntil(lambda: not page.runner.busy and not page._loading, timeout=20000)


def _terms(page: FiguresPage) -> dict[str, str]:
    table = page.warning_table
    return {table.item(r, 1).text(): table.item(r, 2).text() for r in range(table.rowCount())}


def test_the_warnings_are_read_when_their_tab_is_opened_for_the_period_then_chosen(
    page, qtbot, warnings_read
) -> None:
    assert page.tabs.currentIndex() == TABLE
    with qtbot.waitSignal(page.refreshed, timeout=20000):
        page.set_period("month", 2025, 10)
    _settled(page, qtbot)
    assert page.table.rowCount() > 0  # the figures are drawn without waiting for the warnings
    assert warnings_read == [] and page.warning_table.rowCount() == 0

    page.tabs.setCurrentIndex(WARNINGS)
    assert page.warning_note.text() == "正在查找苗头…"
    qtbot.waitUntil(lambda: page.warning_table.rowCount() > 0, timeout=20000)
    assert _terms(page)["实验室与自习室"] == "9"
    assert warnings_read == [(date(2025, 10, 1), date(2025, 10, 31))]

    page.tabs.setCurrentIndex(TABLE)  # back and forth without a new period: nothing is read again
    page.tabs.setCurrentIndex(WARNINGS)
    page.tabs.setCurrentIndex(TABLE)
    page.set_period("month", 2025, 9)  # a quiet month, chosen while the warnings are hidden
    _settled(page, qtbot)
    assert len(warnings_read) == 1
    page.tabs.setCurrentIndex(WARNINGS)
    qtbot.waitUntil(lambda: page.warning_note.text() == "本期没有符合规则的苗头。", timeout=20000)
    assert page.warning_table.rowCount() == 0
    assert warnings_read[1:] == [(date(2025, 9, 1), date(2025, 9, 30))]


def test_with_the_warnings_open_a_new_period_reads_them_at_once(page, qtbot, warnings_read) -> None:
    _settled(page, qtbot)  # the page opened on this year's figures
    page.tabs.setCurrentIndex(WARNINGS)
    _settled(page, qtbot)
    this_year = (date(date.today().year, 1, 1), date(date.today().year, 12, 31))
    assert warnings_read == [this_year]
    page.set_period("month", 2025, 9)
    _settled(page, qtbot)
    assert page.warning_table.rowCount() == 0
    page.set_period("month", 2025, 10)
    qtbot.waitUntil(lambda: "实验室开放时间不足" in _terms(page), timeout=20000)
    _settled(page, qtbot)
    assert page.query is not None and page.query.start == date(2025, 10, 1)  # the figures follow too
    assert warnings_read[1:] == [
        (date(2025, 9, 1), date(2025, 9, 30)),
        (date(2025, 10, 1), date(2025, 10, 31)),
    ]
