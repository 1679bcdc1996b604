"""统计分析 page: the same numbers as stats --json, the report PDF and the Excel sheet; clicks open their cases."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from tests.helpers import register_rising_lab_hours
from xinfang_desk.cli import main
from xinfang_desk.export.documents.annual_report import make_annual_report
from xinfang_desk.export.exchange.ledger_workbook import export_ledger
from xinfang_desk.export.exchange.statistics_sheet import FIGURE_TABLE_SHEET, read_figure_table
from xinfang_desk.ledger.demo import build_demo
from xinfang_desk.ledger.early_warning import RULE
from xinfang_desk.ledger.figure_table import format_value
from xinfang_desk.ledger.figures import FIGURE_DEFINITIONS, FIGURE_LABELS, SCALAR_KEYS, same_range_last_year
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.operations.queries import ledger_facts
from xinfang_desk.ledger.search import CaseFilter, case_ids, count_cases
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


def _stats(ledger, capsys, start: date, end: date) -> dict:
    """What ``stats --json --from --to`` prints for the period."""
    assert main(["stats", "--db", str(ledger.path), "--from", f"{start}", "--to", f"{end}", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _stats_table(ledger, capsys, start: date, end: date) -> dict[str, tuple[str, str, str]]:
    """The page's table as ``stats --json`` gives it: every figure of the period and of the same period
    last year (a second run), and 同比 — for the counts the command prints it, for the rates it is the
    difference in 百分点."""
    now = _stats(ledger, capsys, start, end)
    last = _stats(ledger, capsys, *same_range_last_year(start, end))
    assert len(SCALAR_KEYS) == 14
    table = {}
    for key in SCALAR_KEYS:
        rate = key.endswith("_pct")
        value, before = now[key], last[key]
        if rate:
            change = None if value is None or before is None else value - before
        elif key in ("accepted", "repeat"):
            change = now[f"{key}_yoy_pct"]  # printed by the command itself
        else:
            change = None if not before else (value - before) / before * 100
        arrow = "" if change is None else "↑" if change > 0 else "↓" if change < 0 else "→"
        change_text = "—" if change is None else f"{arrow} {change:+.1f}{'个百分点' if rate else '%'}"
        table[FIGURE_LABELS[key]] = (format_value(value, rate), format_value(before, rate), change_text)
    return table


def test_the_page_the_report_the_excel_sheet_and_stats_json_show_the_same_numbers(
    page, runner, ledger, tmp_path, capsys
) -> None:
    shown = _table(page)
    assert len(shown) == 14 and shown[FIGURE_LABELS["accepted"]][0] != "0"

    assert shown == _stats_table(ledger, capsys, date(YEAR, 1, 1), date(YEAR, 12, 31))

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


def _choose(page: FiguresPage, qtbot, kind: str, part: int | None = None) -> None:
    """Pick the period kind and, by keyboard, its quarter or month, as a user does."""
    page.kind_combo.setCurrentIndex(page.kind_combo.findData(kind))
    page.year_spin.setValue(YEAR)
    if part is not None:
        combo = page.part_combo
        combo.setCurrentIndex(0)
        combo.setFocus()
        for _ in range(part - 1):
            qtbot.keyClick(combo, Qt.Key.Key_Down)  # each step is chosen (activated) and refreshes


def _shown_after(page: FiguresPage, runner, qtbot, start: date, end: date) -> dict[str, tuple[str, str, str]]:
    qtbot.waitUntil(
        lambda: page.query is not None and (page.query.start, page.query.end) == (start, end), timeout=20000
    )
    qtbot.waitUntil(lambda: not runner.busy and not page._loading, timeout=20000)
    return _table(page)


@pytest.mark.parametrize(
    ("kind", "part", "start", "end"),
    [
        ("quarter", 2, date(YEAR, 4, 1), date(YEAR, 6, 30)),
        ("month", 11, date(YEAR, 11, 1), date(YEAR, 11, 30)),
    ],
)
def test_a_quarter_or_a_month_shows_that_periods_figures(
    page, runner, ledger, qtbot, capsys, kind, part, start, end
) -> None:
    year_received = _table(page)[FIGURE_LABELS["received"]][0]
    _choose(page, qtbot, kind, part)
    shown = _shown_after(page, runner, qtbot, start, end)
    assert shown == _stats_table(ledger, capsys, start, end)
    assert shown[FIGURE_LABELS["received"]][0] not in ("0", year_received)  # a part of the year, not all
    assert f"{start:%Y年%m月%d日} 至 {end:%Y年%m月%d日}" in page.period_label.text()
    with ledger.session() as s:  # the charts follow the period too
        assert sum(e.count for e in page.charts["channel"].elements) == count_cases(
            s, CaseFilter(received_from=start, received_to=end)
        )


def test_a_custom_range_shows_that_ranges_figures(page, runner, ledger, qtbot, capsys) -> None:
    start, end = date(YEAR, 3, 15), date(YEAR, 8, 20)
    page.kind_combo.setCurrentIndex(page.kind_combo.findData("custom"))
    assert page.from_edit.isVisible() and not page.year_spin.isVisible()
    page.from_edit.setDate(QDate(start.year, start.month, start.day))
    page.to_edit.setDate(QDate(end.year, end.month, end.day))
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    shown = _shown_after(page, runner, qtbot, start, end)
    assert shown == _stats_table(ledger, capsys, start, end)
    # the dates typed the wrong way round are read as the same range
    page.from_edit.setDate(QDate(end.year, end.month, end.day))
    page.to_edit.setDate(QDate(start.year, start.month, start.day))
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not runner.busy and not page._loading, timeout=20000)
    assert _table(page) == shown


@pytest.fixture
def rising_page(ledger, qtbot):
    """The page over a ledger where the lab's opening hours rose from 2 to 9 in October 2025."""
    register_rising_lab_hours(ledger)
    runner = OpRunner(ledger)
    page = FiguresPage(runner)
    qtbot.addWidget(page)
    page.show()
    page.tabs.setCurrentIndex(2)
    yield page, runner
    runner.wait()


def test_the_warnings_tab_states_its_rule_and_a_double_click_opens_the_cases(
    rising_page, ledger, qtbot
) -> None:
    page, runner = rising_page
    assert page.tabs.tabText(2) == "苗头预警"
    tab = page.tabs.widget(2)
    assert any(label.text() == RULE and label.isVisible() for label in tab.findChildren(QLabel))
    page.set_period("month", 2025, 10)
    qtbot.waitUntil(lambda: bool(page.warnings) and not runner.busy, timeout=20000)
    table = page.warning_table
    rows = {table.item(r, 1).text(): r for r in range(table.rowCount())}
    assert "实验室与自习室" in rows and "实验室开放时间不足" in rows
    assert not any("食堂" in term for term in rows)  # 4, 4 → 6 is noise
    r = rows["实验室与自习室"]
    assert [table.item(r, c).text() for c in (0, 2, 3, 4)] == ["子类别", "9", "2", "2"]
    assert "共 " in page.warning_note.text()

    index = table.model().index(r, 1)
    table.scrollTo(index)
    where = table.visualRect(index).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)  # a double click's first press
    with qtbot.waitSignal(page.cases_requested) as blocker:
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    title, case_filter = blocker.args
    assert "实验室与自习室" in title
    with ledger.session() as s:
        case_nos = set(s.scalars(select(Case.case_no).where(Case.id.in_(case_ids(s, case_filter)))))
        lab_in_october = set(
            s.scalars(
                select(Case.case_no)
                .where(Case.received_at >= datetime(2025, 10, 1), Case.received_at < datetime(2025, 11, 1))
                .where(Case.subcategory.has(name="实验室与自习室"))
            )
        )
    assert case_nos == lab_in_october and len(case_nos) == 9

    page.set_period("month", 2025, 9)  # a quiet month
    qtbot.waitUntil(lambda: not page.warnings and not runner.busy and not page._loading, timeout=20000)
    assert table.rowCount() == 0 and page.warning_note.text() == "本期没有符合规则的苗头。"


def test_this_year_is_counted_to_today_against_the_same_days_last_year(page, runner, ledger, qtbot, capsys):
    today = date.today()
    with qtbot.waitSignal(page.refreshed, timeout=20000):
        page.set_period("year", today.year)
    if today < date(today.year, 12, 31):
        assert f"截至{today:%m月%d日}" in page.period_label.text()
    shown = _table(page)
    to_today = _stats_table(ledger, capsys, date(today.year, 1, 1), today)
    assert shown == to_today
    last_year_to_today = _stats(ledger, capsys, *same_range_last_year(date(today.year, 1, 1), today))
    assert shown[FIGURE_LABELS["received"]][1] == format_value(last_year_to_today["received"], False)


def test_a_years_month_bars_are_labelled_by_number_under_a_month_title(page, qtbot) -> None:
    """Under twelve pairs of bars "10月" was cut to "1…" on the screen: the labels are the months' numbers,
    each fitting its place, with 月 written once under the axis."""
    from PySide6.QtCharts import QBarCategoryAxis
    from PySide6.QtGui import QFontMetrics

    page.tabs.setCurrentIndex(1)  # 图表
    chart = page.charts["month"].chart_
    qtbot.waitUntil(lambda: chart.plotArea().width() > 0)
    axis = next(a for a in chart.axes() if isinstance(a, QBarCategoryAxis))
    labels = axis.categories()
    assert labels == [str(m) for m in range(1, 13)] and axis.titleText() == "月"
    room = chart.plotArea().width() / len(labels)
    metrics = QFontMetrics(axis.labelsFont())
    assert all(metrics.horizontalAdvance(label) < room * 0.75 for label in labels), (labels, room)
