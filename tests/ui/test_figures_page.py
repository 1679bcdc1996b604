"""统计分析 page: the same numbers as stats --json, the report PDF and the Excel sheet; clicks open their cases."""

from __future__ import annotations

import json
import threading
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QSettings

from xinfang_desk.cli import main
from xinfang_desk.export.documents.annual_report import make_annual_report
from xinfang_desk.export.exchange.ledger_workbook import export_ledger
from xinfang_desk.export.exchange.statistics_sheet import FIGURE_TABLE_SHEET, read_figure_table
from xinfang_desk.ledger.demo import build_demo
from xinfang_desk.ledger.figure_table import format_value
from xinfang_desk.ledger.figures import FIGURE_DEFINITIONS, FIGURE_LABELS
from xinfang_desk.ledger.operations.queries import ledger_facts
from xinfang_desk.ledger.search import count_cases
from xinfang_desk.ui import figures_page as figures_module
from xinfang_desk.ui.figures_page import FiguresPage
from xinfang_desk.ui.main_window import FIGURES, LEDGER, MainWindow
from xinfang_desk.ui.ops import OpRunner
from xinfang_desk.ui.pdf_preview import PdfPreview

YEAR = date.today().year - 1


@pytest.fixture
def runner(ledger, qtbot):
    build_demo(ledger, cases=300, seed=5, today=date.today())
    runner = OpRunner(ledger)
    yield runner
    runner.wait()


@pytest.fixture
def page(runner, qtbot):
    page = FiguresPage(runner)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.refreshed, timeout=20000):
        page.set_period("year", YEAR)
    qtbot.waitUntil(lambda: not runner.busy, timeout=20000)
    return page


def _table(page: FiguresPage) -> dict[str, tuple[str, str, str]]:
    t = page.table
    return {
        t.item(r, 0).text(): (t.item(r, 1).text(), t.item(r, 2).text(), t.item(r, 3).text())
        for r in range(t.rowCount())
    }


def test_the_page_the_report_the_excel_sheet_and_stats_json_show_the_same_numbers(
    page, runner, ledger, tmp_path, capsys
) -> None:
    shown = _table(page)
    assert len(shown) == 14 and shown[FIGURE_LABELS["accepted"]][0] != "0"

    assert main(["stats", "--db", str(ledger.path), "--year", str(YEAR), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    for key in ("received", "accepted", "closed", "on_time_closure_pct", "satisfaction_pct", "repeat"):
        assert shown[FIGURE_LABELS[key]][0] == format_value(stats[key], key.endswith("_pct"))

    with ledger.session() as s:
        report = make_annual_report(s, date(YEAR, 1, 1), date(YEAR, 12, 31))
        export_ledger(s, tmp_path / "台账.xlsx", "测试员", start=date(YEAR, 1, 1), end=date(YEAR, 12, 31))
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(BytesIO(report.data)).pages)
    for page in PdfReader(BytesIO(report.data)).pages:  # only the embedded font: no Helvetica declared
        for font in page["/Resources"]["/Font"].values():
            assert "Helvetica" not in str(font.get_object()["/BaseFont"])
    assert f"{YEAR}年度信访工作统计报告" in text and "教务处" in text
    for label, (value, last, change) in shown.items():
        assert "".join(f"{label}{value}{last}{change}".split()) in text

    sheet = load_workbook(tmp_path / "台账.xlsx")[FIGURE_TABLE_SHEET]
    rows = read_figure_table(sheet)
    assert [label for label, *_ in rows] == list(shown)
    for label, value, last, change in rows:
        is_rate = label.endswith("（%）")
        assert (format_value(value, is_rate), format_value(last, is_rate), change) == shown[label]


def test_every_figure_shows_its_definition_on_hover(page) -> None:
    t = page.table
    for r in range(t.rowCount()):
        key = page.rows[r].key
        assert FIGURE_DEFINITIONS[key] in t.item(r, 0).toolTip()


def test_changes_are_marked_with_an_arrow_and_a_colour(page, qtbot) -> None:
    with qtbot.waitSignal(page.refreshed, timeout=20000):
        page.set_period("year", YEAR + 1)  # the demo's last year is YEAR
    t = page.table
    colours = {
        t.item(r, 3).foreground().color().name() for r in range(t.rowCount()) if page.rows[r].direction
    }
    arrows = {t.item(r, 3).text()[0] for r in range(t.rowCount()) if page.rows[r].direction}
    assert arrows <= {"↑", "↓"} and arrows
    assert colours <= {"#1b7f3b", "#b3261e"} and colours


def test_clicking_each_slice_and_bar_emits_exactly_its_cases(page, ledger, qtbot) -> None:
    clicked = 0
    for chart in page.charts.values():
        series = chart.chart_.series()[0]
        targets = []
        if hasattr(series, "slices"):
            targets = [(s.clicked.emit, ()) for s in series.slices()]
        else:
            for bar_set in series.barSets():
                targets += [(bar_set.clicked.emit, (i,)) for i in range(bar_set.count())]
        assert len(targets) == len(chart.elements)  # every slice and every bar stands for its cases
        expected = iter(chart.elements)
        for emit, args in targets:
            element = next(expected)
            with qtbot.waitSignal(page.cases_requested) as blocker:
                emit(*args)
            title, case_filter = blocker.args
            assert element.label in title
            with ledger.session() as s:
                assert count_cases(s, case_filter) == element.count
            clicked += 1
    assert clicked >= 20


def test_a_chart_click_opens_the_ledger_filtered_to_those_cases(
    runner, tmp_path, qsettings_dir, qtbot
) -> None:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(runner, settings)
    qtbot.addWidget(window)
    window.show()
    window.show_page(FIGURES)
    page = window.figures_page
    page.set_period("year", YEAR)
    qtbot.waitUntil(lambda: page.query is not None and page.query.start.year == YEAR, timeout=20000)
    qtbot.waitUntil(lambda: not runner.busy, timeout=20000)
    for chart_key in ("channel", "outcome", "department"):
        chart = page.charts[chart_key]
        for index, element in enumerate(chart.elements):
            chart.click(index)
            assert window.current_page() == LEDGER
            qtbot.waitUntil(lambda: not window.ledger_page.model.busy, timeout=10000)
            assert window.ledger_page.count_label.text() == f"共 {element.count:,} 件"
    runner.wait()


def test_the_report_is_laid_out_beside_the_database_worker(page, runner, qtbot, monkeypatch) -> None:
    """While reportlab lays the 年度统计报告 out, the ledger still answers; then the preview shows it."""
    laying_out, release = threading.Event(), threading.Event()
    real = figures_module.render_annual_report

    def slow(facts):
        laying_out.set()
        release.wait(30)
        return real(facts)

    monkeypatch.setattr(figures_module, "render_annual_report", slow)
    page.open_report()
    qtbot.waitUntil(laying_out.is_set, timeout=30000)
    answered: list[object] = []
    runner.call(ledger_facts, on_success=answered.append)
    try:
        qtbot.waitUntil(lambda: bool(answered), timeout=10000)
    finally:
        release.set()
    qtbot.waitUntil(lambda: page.findChild(PdfPreview) is not None, timeout=60000)
    preview = page.findChild(PdfPreview)
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(BytesIO(preview.data)).pages)
    assert f"{YEAR}年度信访工作统计报告" in text
    shown = _table(page)
    assert "".join(f"{FIGURE_LABELS['received']}{shown[FIGURE_LABELS['received']][0]}".split()) in text


def test_the_assessment_table_is_written_where_the_user_chose(page, runner, qtbot, tmp_path) -> None:
    target = tmp_path / "单位考核.xlsx"
    page.export_assessment_to(target)
    qtbot.waitUntil(target.exists, timeout=20000)
    qtbot.waitUntil(lambda: not runner.busy, timeout=20000)
    assert load_workbook(target).active.max_row >= 1
