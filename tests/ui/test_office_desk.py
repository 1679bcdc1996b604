"""The office's desk: 单位 column and unit filter in the ledger, a line per unit on the dashboard, 单位考核."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QPoint, QSettings, Qt

from tests.bad_workbooks import unit_ledger
from xinfang_desk.export.exchange.merge import merge_workbooks
from xinfang_desk.export.exchange.office_demo import build_office_demo
from xinfang_desk.ledger.assessment import ASSESSMENT_COLUMNS, unit_assessment
from xinfang_desk.ledger.figure_table import format_value
from xinfang_desk.ledger.figures import FIGURE_LABELS, SCALAR_KEYS, compute_figures
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.search import CaseFilter, count_cases
from xinfang_desk.ui import file_dialogs
from xinfang_desk.ui.ledger_model import COLUMN_KEYS
from xinfang_desk.ui.main_window import FIGURES, MainWindow
from xinfang_desk.ui.ops import OpRunner

UNITS = [("JWC", "教务处"), ("HQ", "后勤集团"), ("TSG", "图书馆")]


@pytest.fixture
def office(tmp_path):
    """Three units' demo cases merged, and 土木工程学院's export with no case at all."""
    ledger = create_ledger(tmp_path / "office.sqlite", "XFB", "信访与督办室", office=True)
    build_office_demo(ledger, UNITS, cases=25, seed=9, today=date.today())
    empty = unit_ledger(tmp_path, "TM", "土木工程学院", datetime.now())
    with ledger.session() as s:
        merge_workbooks(s, [empty.export(tmp_path / "TM.xlsx")], "主任")
    empty.ledger.close()
    yield ledger
    ledger.close()


@pytest.fixture
def window(office, tmp_path, qsettings_dir, qtbot):
    runner = OpRunner(office)
    window = MainWindow(runner, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.dashboard.data is not None and not runner.busy, timeout=20000)
    yield window
    runner.wait()


def test_the_ledger_shows_each_cases_unit_and_filters_by_unit(window, office, qtbot) -> None:
    page = window.ledger_page
    assert not page.table.isColumnHidden(COLUMN_KEYS.index("unit_code"))
    assert not page.unit_combo.isHidden()
    assert [page.unit_combo.itemData(i) for i in range(page.unit_combo.count())] == [
        "",
        "HQ",
        "JWC",
        "TM",
        "TSG",
    ]
    page.unit_combo.setCurrentIndex(page.unit_combo.findData("HQ"))
    page.run_query()
    qtbot.waitUntil(lambda: not page.model.busy, timeout=10000)
    with office.session() as s:
        assert page.model.total == count_cases(s, CaseFilter(unit_code="HQ")) == 25


def test_the_dashboard_has_a_line_per_unit(window) -> None:
    table = window.dashboard.unit_table
    assert not table.isHidden() and table.rowCount() == 4  # a unit with no case has its line too
    assert table.item(0, 0).text() == "后勤集团（HQ）"
    assert [table.item(2, c).text() for c in range(4)] == ["土木工程学院（TM）", "0", "0", "0"]


def test_the_figures_page_offers_units_and_their_assessment(window, qtbot) -> None:
    window.show_page(FIGURES)
    page = window.figures_page
    page.tabs.setCurrentWidget(page.assessment_tab)  # its rows are read when it is opened
    qtbot.waitUntil(lambda: len(page.assessment) == 4 and not window.runner.busy, timeout=20000)
    assert not page.unit_combo.isHidden() and page.unit_combo.count() == 5
    assert page.tabs.tabText(page.tabs.count() - 1) == "单位考核"
    names = {page.assessment_table.item(r, 0).text() for r in range(page.assessment_table.rowCount())}
    assert names == {"教务处", "后勤集团", "图书馆", "土木工程学院"}


@pytest.fixture
def figures_page(window, qtbot):
    """The 统计分析 page of the office, all units' figures of this year on screen, 单位考核 read."""
    window.show_page(FIGURES)
    page = window.figures_page
    page.tabs.setCurrentWidget(page.assessment_tab)
    qtbot.waitUntil(lambda: page.figures is not None and len(page.assessment) == 4, timeout=20000)
    qtbot.waitUntil(lambda: not window.runner.busy and not page._loading, timeout=20000)
    return page


def _shown(page) -> dict[str, str]:
    return {page.table.item(r, 0).text(): page.table.item(r, 1).text() for r in range(page.table.rowCount())}


def _core(office, start: date, end: date, unit_code: str | None) -> dict[str, str]:
    """The figures the core computes for the period and unit, as the page prints them."""
    with office.session() as s:
        figures = compute_figures(s, start, end, unit_code=unit_code).as_json()
    return {FIGURE_LABELS[k]: format_value(figures[k], k.endswith("_pct")) for k in SCALAR_KEYS}


def test_choosing_a_unit_shows_that_units_figures(figures_page, window, office, qtbot) -> None:
    page = figures_page
    start, end = page.query.start, page.query.end
    everyone = _shown(page)
    assert everyone == _core(office, start, end, None)
    combo = page.unit_combo
    assert combo.itemText(combo.findData("HQ")) == "后勤集团（HQ）"
    for code in ("HQ", "TM"):
        combo.setCurrentIndex(combo.findData(code))
        qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda code=code: page.query.unit_code == code, timeout=20000)
        qtbot.waitUntil(lambda: not window.runner.busy and not page._loading, timeout=20000)
        assert _shown(page) == _core(office, start, end, code)
        assert page.period_label.text().startswith(combo.currentText())
    assert _shown(page)[FIGURE_LABELS["received"]] == "0"  # 土木工程学院 has no case
    combo.setCurrentIndex(combo.findData("HQ"))
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.query.unit_code == "HQ" and not page._loading, timeout=20000)
    received = FIGURE_LABELS["received"]
    assert 0 < int(_shown(page)[received].replace(",", "")) < int(everyone[received].replace(",", ""))
    # a slice of the unit's chart opens that unit's cases only
    element = next(e for e in page.charts["channel"].elements if e.count)
    with qtbot.waitSignal(page.cases_requested) as blocker:
        page.charts["channel"].click(page.charts["channel"].elements.index(element))
    assert blocker.args[1].unit_code == "HQ"
    with office.session() as s:
        assert count_cases(s, blocker.args[1]) == element.count


def _assessment_column(page, column: int) -> list[str]:
    table = page.assessment_table
    return [table.item(r, column).text() for r in range(table.rowCount())]


def _click_header(page, qtbot, column: int) -> None:
    header = page.assessment_table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def _number(text: str) -> float | None:
    return None if text == "—" else float(text.replace(",", ""))


def test_the_unit_table_sorts_by_any_column_with_empty_values_last(figures_page, qtbot) -> None:
    page = figures_page
    page.tabs.setCurrentIndex(page.tabs.count() - 1)
    by_name = {row.unit_name: row for row in page.assessment}
    headings = [h for _a, h, _d in ASSESSMENT_COLUMNS]
    for column in (
        headings.index("受理量"),
        headings.index("按期办结率（%）"),
        headings.index("满意度（%）"),
    ):
        _click_header(page, qtbot, column)
        first = [_number(t) for t in _assessment_column(page, column)]
        _click_header(page, qtbot, column)
        second = [_number(t) for t in _assessment_column(page, column)]
        for shown in (first, second):
            values = [v for v in shown if v is not None]
            assert values in (sorted(values), sorted(values, reverse=True))
            empty = len(shown) - len(values)  # the units with no value stay together at one end
            assert shown[len(values) :] == [None] * empty or shown[:empty] == [None] * empty
        assert first != second or len(set(first)) == 1
        # every line still holds its own unit's figures
        for r, name in enumerate(_assessment_column(page, 0)):
            row = by_name[name]
            for c, (attribute, _h, _d) in enumerate(ASSESSMENT_COLUMNS[1:], 1):
                value = row.value(attribute)
                assert _number(page.assessment_table.item(r, c).text()) == value


def test_the_unit_table_exports_the_rows_as_shown(figures_page, qtbot, tmp_path, monkeypatch) -> None:
    page = figures_page
    page.tabs.setCurrentIndex(page.tabs.count() - 1)
    _click_header(page, qtbot, 1)
    _click_header(page, qtbot, 1)  # sorted by 受理量, as the office ranks its units
    table = page.assessment_table
    shown = [
        [table.item(r, 0).text(), *(_number(table.item(r, c).text()) for c in range(1, table.columnCount()))]
        for r in range(table.rowCount())
    ]
    assert len(shown) == 4
    monkeypatch.setattr(file_dialogs, "_chosen", lambda _dialog: [str(tmp_path / "单位考核")])
    qtbot.mouseClick(page.export_assessment_button, Qt.MouseButton.LeftButton)
    target = tmp_path / "单位考核.xlsx"
    qtbot.waitUntil(target.exists, timeout=20000)
    qtbot.waitUntil(lambda: not page.runner.busy, timeout=20000)
    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("各单位信访工作考核")
    assert list(rows[1]) == [h for _a, h, _d in ASSESSMENT_COLUMNS]
    written = [[name, *(None if v == "—" else v for v in values)] for name, *values in rows[2:]]
    assert written == shown
    assert "已导出" in page.window().statusBar().currentMessage()


def test_a_new_period_reads_the_open_unit_table_and_not_the_hidden_warnings(
    figures_page, office, qtbot
) -> None:
    page = figures_page  # 单位考核 open, this year's lines on screen
    assert page.warning_note.text() == "" and page.warning_table.rowCount() == 0  # 苗头预警 never opened
    this_year = {row.unit_code: row.accepted for row in page.assessment}
    start, end = date(date.today().year - 1, 1, 1), date(date.today().year - 1, 12, 31)
    with office.session() as s:
        expected = {row.unit_code: row.accepted for row in unit_assessment(s, start, end, date.today())}
    page.set_period("year", start.year)
    assert page.assessment_note.text() == "正在统计各单位…"
    qtbot.waitUntil(lambda: not page.runner.busy and not page._loading, timeout=20000)
    assert {row.unit_code: row.accepted for row in page.assessment} == expected
    shown = {
        page.assessment_table.item(r, 0).text(): page.assessment_table.item(r, 1).text() for r in range(4)
    }
    assert shown["后勤集团"] == str(expected["HQ"]) and page.assessment_note.text() == ""
    assert expected != this_year  # the lines changed with the period
    assert page.warning_note.text() == "" and page.warning_table.rowCount() == 0
