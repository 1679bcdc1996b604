"""The office's desk: 单位 column and unit filter in the ledger, a line per unit on the dashboard, 单位考核."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QSettings

from xinfang_desk.export.exchange.office_demo import build_office_demo
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.search import CaseFilter, count_cases
from xinfang_desk.ui.ledger_model import COLUMN_KEYS
from xinfang_desk.ui.main_window import FIGURES, MainWindow
from xinfang_desk.ui.ops import OpRunner

UNITS = [("JWC", "教务处"), ("HQ", "后勤集团"), ("TSG", "图书馆")]


@pytest.fixture
def office(tmp_path):
    ledger = create_ledger(tmp_path / "office.sqlite", "XFB", "信访与督办室", office=True)
    build_office_demo(ledger, UNITS, cases=25, seed=9, today=date.today())
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
    assert [page.unit_combo.itemData(i) for i in range(page.unit_combo.count())] == ["", "HQ", "JWC", "TSG"]
    page.unit_combo.setCurrentIndex(page.unit_combo.findData("HQ"))
    page.run_query()
    qtbot.waitUntil(lambda: not page.model.busy, timeout=10000)
    with office.session() as s:
        assert page.model.total == count_cases(s, CaseFilter(unit_code="HQ")) == 25


def test_the_dashboard_has_a_line_per_unit(window) -> None:
    table = window.dashboard.unit_table
    assert not table.isHidden() and table.rowCount() == 3
    assert table.item(0, 0).text() == "后勤集团（HQ）"


def test_the_figures_page_offers_units_and_their_assessment(window, qtbot) -> None:
    window.show_page(FIGURES)
    page = window.figures_page
    qtbot.waitUntil(lambda: len(page.assessment) == 3 and not window.runner.busy, timeout=20000)
    assert not page.unit_combo.isHidden() and page.unit_combo.count() == 4
    assert page.tabs.tabText(page.tabs.count() - 1) == "单位考核"
    names = {page.assessment_table.item(r, 0).text() for r in range(page.assessment_table.rowCount())}
    assert names == {"教务处", "后勤集团", "图书馆"}
