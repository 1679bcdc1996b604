"""统计分析: the figures of a period with 同比, charts that open their cases, 苗头预警 and unit assessment.

Every query runs on the database worker (``runner.call``).  A period's figures (the table and the
charts) are read whenever the period changes; 苗头预警 and, in office mode, 单位考核 are read only
while their tab is open, so that the figures are drawn without waiting for them: a hidden tab is
read when it is next opened, for the period then chosen.  A click on a table row, a slice or a bar
announces ``cases_requested(title, case_filter)``; the main window opens the ledger with exactly
those cases.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.export.documents.annual_facts import AnnualReportFacts
from xinfang_desk.export.documents.operations import prepare_annual_report
from xinfang_desk.ledger.assessment import ASSESSMENT_COLUMNS, UnitAssessment
from xinfang_desk.ledger.early_warning import RULE, EarlyWarning, p_value_text
from xinfang_desk.ledger.figure_table import (
    FIGURE_TABLE_HEADINGS,
    FigureRow,
    category_elements,
    channel_elements,
    department_elements,
    figure_filter,
    figure_rows,
    month_elements,
    outcome_elements,
    satisfaction_elements,
)
from xinfang_desk.ledger.figures import FIGURE_DEFINITIONS, FIGURE_LABELS, Figures
from xinfang_desk.ledger.operations import figures as figure_ops
from xinfang_desk.ui.charts import ChartPanel
from xinfang_desk.ui.file_dialogs import save_file_name
from xinfang_desk.ui.ops import Changes, OpRunner, show_error
from xinfang_desk.ui.style import BETTER_FOREGROUND, WORSE_FOREGROUND

if TYPE_CHECKING:
    from xinfang_desk.export.documents.annual_report import AnnualReport


def render_annual_report(facts: AnnualReportFacts) -> AnnualReport:
    """The report's PDF, laid out beside the database worker (reportlab is imported there, on first use)."""
    from xinfang_desk.export.documents.annual_report import annual_report_pdf

    return annual_report_pdf(facts)


PERIOD_KINDS: tuple[tuple[str, str], ...] = (
    ("year", "年度"),
    ("quarter", "季度"),
    ("month", "月份"),
    ("custom", "自定义"),
)

ALL_UNITS = ""
#: Where a 单位考核 name cell keeps the index of its unit's line.
_ROW_OF_UNIT = Qt.ItemDataRole.UserRole + 1


def period_range(kind: str, year: int, part: int, custom: tuple[date, date]) -> tuple[date, date]:
    """The dates of a year, a quarter (``part`` 1–4), a month (``part`` 1–12), or the custom range."""
    if kind == "quarter":
        first = 3 * (part - 1) + 1
        return date(year, first, 1), date(year, first + 2, calendar.monthrange(year, first + 2)[1])
    if kind == "month":
        return date(year, part, 1), date(year, part, calendar.monthrange(year, part)[1])
    if kind == "custom":
        return custom
    return date(year, 1, 1), date(year, 12, 31)


def period_text(start: date, end: date) -> str:
    return f"{start:%Y年%m月%d日} 至 {end:%Y年%m月%d日}"


@dataclass(frozen=True)
class PageQuery:
    """What the page shows: a period and a unit (``""`` = all)."""

    start: date
    end: date
    unit_code: str


@dataclass
class TabRows:
    """A tab whose rows are read on the worker only while it is open (苗头预警, 单位考核)."""

    widget: QWidget
    #: Queue the reading of the tab's rows for a query.
    load: Callable[[PageQuery], None]
    #: The query whose rows the tab shows or is reading (None: not read yet, or the reading failed).
    query: PageQuery | None = None


class FiguresPage(QWidget):
    """统计分析."""

    #: Show these cases in the ledger: (title, CaseFilter).
    cases_requested = Signal(str, object)
    #: New figures are on screen.
    refreshed = Signal(object)

    def __init__(self, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.office = runner.ledger.is_office  # remembered since opening: no query
        self.unit_name = ""
        self.figures: Figures | None = None
        self.rows: list[FigureRow] = []
        self.warnings: list[EarlyWarning] = []
        self.assessment: list[UnitAssessment] = []
        self.query: PageQuery | None = None
        #: The period and unit last asked for (the tabs read when opened are read for it).
        self.requested: PageQuery | None = None
        self._loading = False
        self._again = False
        self._stale = True

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        heading = QHBoxLayout()
        self.title_label = QLabel("统计分析")
        self.title_label.setObjectName("pageTitle")
        self.period_label = QLabel("")
        self.period_label.setObjectName("pageSubtitle")
        heading.addWidget(self.title_label)
        heading.addStretch(1)
        heading.addWidget(self.period_label)
        layout.addLayout(heading)
        layout.addLayout(self._build_period_bar())
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_table(), "统计表")
        self.tabs.addTab(self._build_charts(), "图表")
        warnings_tab = self._build_warnings()
        self.tabs.addTab(warnings_tab, "苗头预警")
        self.assessment_tab = self._build_assessment()
        self.tab_rows = [TabRows(warnings_tab, self._load_warnings)]
        if self.office:
            self.tabs.addTab(self.assessment_tab, "单位考核")
            self.tab_rows.append(TabRows(self.assessment_tab, self._load_assessment))
        self.tabs.currentChanged.connect(lambda _index: self._load_open_tab())
        layout.addWidget(self.tabs, 1)
        runner.changed.connect(self._on_changed)
        if self.office:
            runner.call(figure_ops.office_units, on_success=self._units_arrived, owner=self, write=False)

    # -- building ---------------------------------------------------------------------------------
    def _build_period_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        today = date.today()
        self.kind_combo = QComboBox()
        for code, label in PERIOD_KINDS:
            self.kind_combo.addItem(label, code)
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(today.year)
        self.year_spin.setSuffix(" 年")
        self.part_combo = QComboBox()
        self.from_edit = QDateEdit(QDate(today.year, 1, 1))
        self.to_edit = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.unit_combo = QComboBox()
        self.unit_combo.addItem("全部单位", ALL_UNITS)
        self.range_labels: list[QLabel] = []
        self.refresh_button = QPushButton("统计")
        self.refresh_button.setDefault(True)
        self.report_button = QPushButton("年度统计报告（PDF）…")
        self.report_button.setToolTip(
            "统计表、图表、超期案件、重复信访人、承办单位按期办结率排名；可预览、打印"
        )
        for caption, widget in (
            ("期间", self.kind_combo),
            (None, self.year_spin),
            (None, self.part_combo),
            ("从", self.from_edit),
            ("到", self.to_edit),
        ):
            if caption:
                label = QLabel(caption)
                label.setBuddy(widget)
                bar.addWidget(label)
                if widget in (self.from_edit, self.to_edit):
                    self.range_labels.append(label)
            bar.addWidget(widget)
        self.unit_caption = QLabel("单位")
        bar.addWidget(self.unit_caption)
        bar.addWidget(self.unit_combo)
        self.unit_caption.setVisible(self.office)
        self.unit_combo.setVisible(self.office)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        bar.addWidget(self.report_button)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.report_button.clicked.connect(self.open_report)
        for combo in (self.part_combo, self.unit_combo):
            combo.activated.connect(lambda _i: self.refresh())
        self.year_spin.editingFinished.connect(self.refresh)
        self._kind_changed()
        return bar

    def _kind_changed(self) -> None:
        kind = self.kind_combo.currentData()
        self.part_combo.clear()
        today = date.today()
        if kind == "quarter":
            for q in range(1, 5):
                self.part_combo.addItem(f"第{'一二三四'[q - 1]}季度", q)
            self.part_combo.setCurrentIndex((today.month - 1) // 3)
        elif kind == "month":
            for m in range(1, 13):
                self.part_combo.addItem(f"{m}月", m)
            self.part_combo.setCurrentIndex(today.month - 1)
        self.part_combo.setVisible(kind in ("quarter", "month"))
        self.year_spin.setVisible(kind != "custom")
        for widget in (self.from_edit, self.to_edit):
            widget.setVisible(kind == "custom")
        for label in self.range_labels:
            label.setVisible(kind == "custom")

    def _build_table(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        hint = QLabel("悬停在指标上查看其口径；双击一行在台账中查看所统计的案件（比率为其分母）。")
        hint.setObjectName("pageSubtitle")
        layout.addWidget(hint)
        table = QTableWidget(0, len(FIGURE_TABLE_HEADINGS))
        table.setHorizontalHeaderLabels(list(FIGURE_TABLE_HEADINGS))
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            table.horizontalHeader().resizeSection(column, 150)
        table.activated.connect(lambda index: self.open_figure(self.rows[index.row()].key))
        table.doubleClicked.connect(lambda index: self.open_figure(self.rows[index.row()].key))
        self.table = table
        layout.addWidget(table, 1)
        return box

    def _build_charts(self) -> QWidget:
        area = QScrollArea()
        area.setWidgetResizable(True)
        inner = QWidget()
        grid = QGridLayout(inner)
        self.charts = {
            "category": ChartPanel("类别占比（受理事项）"),
            "month": ChartPanel("各月登记量：本期与上年同期"),
            "channel": ChartPanel("信访形式"),
            "outcome": ChartPanel("处理结果（三到位一处理）"),
            "department": ChartPanel("各承办单位按期办结"),
            "satisfaction": ChartPanel("回访满意度"),
        }
        for position, chart in enumerate(self.charts.values()):
            chart.element_clicked.connect(self.cases_requested)
            grid.addWidget(chart, *divmod(position, 2))
        area.setWidget(inner)
        return area

    def _build_warnings(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        rule = QLabel(RULE)
        rule.setWordWrap(True)
        rule.setObjectName("pageSubtitle")
        layout.addWidget(rule)
        table = QTableWidget(0, 6)
        table.setHorizontalHeaderLabels(["类型", "问题", "本期", "上一期", "上年同期", "p 值"])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.doubleClicked.connect(lambda index: self.open_warning(index.row()))
        table.activated.connect(lambda index: self.open_warning(index.row()))
        self.warning_table = table
        self.warning_note = QLabel("")
        layout.addWidget(table, 1)
        layout.addWidget(self.warning_note)
        return box

    def _build_assessment(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        top = QHBoxLayout()
        note = QLabel("各单位信访工作考核指标（含本期无案件的单位）；点击表头排序。")
        note.setObjectName("pageSubtitle")
        self.assessment_note = QLabel("")
        self.export_assessment_button = QPushButton("导出 Excel…")
        self.export_assessment_button.clicked.connect(self.export_assessment)
        top.addWidget(note)
        top.addWidget(self.assessment_note)
        top.addStretch(1)
        top.addWidget(self.export_assessment_button)
        layout.addLayout(top)
        table = QTableWidget(0, len(ASSESSMENT_COLUMNS))
        table.setHorizontalHeaderLabels([heading for _a, heading, _d in ASSESSMENT_COLUMNS])
        for column, (_a, _h, definition) in enumerate(ASSESSMENT_COLUMNS):
            table.horizontalHeaderItem(column).setToolTip(definition)
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.assessment_table = table
        layout.addWidget(table, 1)
        return box

    # -- the query ------------------------------------------------------------------------------
    def current_query(self) -> PageQuery:
        kind = self.kind_combo.currentData()
        custom = (self.from_edit.date().toPython(), self.to_edit.date().toPython())
        start, end = period_range(kind, self.year_spin.value(), self.part_combo.currentData() or 1, custom)
        if end < start:
            start, end = end, start
        return PageQuery(start, end, self.unit_combo.currentData() or ALL_UNITS)

    def set_period(self, kind: str, year: int, part: int = 1) -> None:
        """Choose a period as the user would (for the main window and tests), then refresh."""
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
        self.year_spin.setValue(year)
        if kind in ("quarter", "month"):
            self.part_combo.setCurrentIndex(part - 1)
        self.refresh()

    def set_unit(self, unit_code: str) -> None:
        index = self.unit_combo.findData(unit_code)
        if index >= 0:
            self.unit_combo.setCurrentIndex(index)
        self.refresh()

    def refresh(self) -> None:
        """Read the figures (and the open tab's rows) on the worker; one at a time, a request meanwhile
        runs once after.  The other tabs are read when they are next opened."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        self._stale = False
        query = self.current_query()
        self.requested = query
        self.period_label.setText(f"{period_text(query.start, query.end)}（按收件日期）　正在统计…")
        self._load_open_tab()  # the tab in view first
        self.runner.call(
            figure_ops.period_figures,
            query.start,
            query.end,
            query.unit_code or None,
            on_success=lambda figures: self._figures_arrived(query, figures),
            on_failure=self._failed,
            owner=self,
            write=False,
        )

    def _load_open_tab(self) -> None:
        """Read the open tab's rows for the requested period, unless it shows or is reading them."""
        for tab in self.tab_rows:
            if tab.widget is self.tabs.currentWidget() and self.requested not in (None, tab.query):
                tab.query = self.requested
                tab.load(self.requested)

    def _tab_failed(self, tab: TabRows, note: QLabel, error: BaseException) -> None:
        tab.query = None  # read again when next opened
        note.setText("暂时无法读取")
        show_error(self, error)

    def _load_warnings(self, query: PageQuery) -> None:
        tab = self.tab_rows[0]
        self.warning_note.setText("正在查找苗头…")
        self.runner.call(
            figure_ops.period_warnings,
            query.start,
            query.end,
            query.unit_code or None,
            on_success=self._warnings_arrived,
            on_failure=lambda error: self._tab_failed(tab, self.warning_note, error),
            owner=self,
            write=False,
        )

    def _load_assessment(self, query: PageQuery) -> None:
        tab = self.tab_rows[1]
        self.assessment_note.setText("正在统计各单位…")
        self.runner.call(
            figure_ops.units_assessment,
            query.start,
            query.end,
            date.today(),
            on_success=self._assessment_arrived,
            on_failure=lambda error: self._tab_failed(tab, self.assessment_note, error),
            owner=self,
            write=False,
        )

    def _failed(self, error: BaseException) -> None:
        self._loading = False
        self.period_label.setText("统计暂时无法读取")
        show_error(self, error)

    def _figures_arrived(self, query: PageQuery, figures: Figures) -> None:
        self._loading = False
        self.query = query
        self.figures = figures
        self.rows = figure_rows(figures)
        if query.unit_code:
            unit = self.unit_combo.currentText()
        else:
            unit = "全部单位" if self.office else (self.unit_name or "本单位")
        so_far = "" if figures.end == query.end else f"，截至{figures.end:%m月%d日}"
        self.period_label.setText(f"{unit} · {period_text(query.start, query.end)}（按收件日期{so_far}）")
        self._show_table()
        self._show_charts(figures)
        self.refreshed.emit(figures)
        if self._again:
            self._again = False
            self.refresh()

    def _show_table(self) -> None:
        table = self.table
        table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            label = QTableWidgetItem(row.label)
            label.setToolTip(f"{row.label}：{row.definition}")
            cells = [label]
            for text in (row.value_text, row.last_text, row.change_text):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(row.definition)
                cells.append(item)
            better = row.is_better
            if better is not None:
                cells[3].setForeground(BETTER_FOREGROUND if better else WORSE_FOREGROUND)
            for c, item in enumerate(cells):
                table.setItem(r, c, item)

    def _show_charts(self, figures: Figures) -> None:
        self.charts["category"].show_pie(category_elements(figures))
        months = month_elements(figures)
        many = len(months) > 6  # "10月" … would be cut to "1…" under a dozen bars: numbers, 月 below
        self.charts["month"].show_bars(
            [f"{m}" if many else f"{m}月" for m, _this, _last in months],
            [
                (f"{figures.start.year}年", [this for _m, this, _last in months]),
                (f"{figures.start.year - 1}年", [last for _m, _this, last in months]),
            ],
            categories_title="月" if many else "",
        )
        self.charts["channel"].show_pie(channel_elements(figures))
        self.charts["outcome"].show_pie(outcome_elements(figures))
        departments = department_elements(figures)
        self.charts["department"].show_bars(
            [
                f"{name} {on_time.share:.1f}%" if on_time.share is not None else name
                for name, on_time, _late in reversed(departments)
            ],
            [
                ("按期办结", [on_time for _n, on_time, _l in reversed(departments)]),
                ("逾期办结", [late for _n, _o, late in reversed(departments)]),
            ],
            horizontal_stacked=True,
        )
        self.charts["satisfaction"].show_pie(satisfaction_elements(figures))

    def _warnings_arrived(self, warnings: list[EarlyWarning]) -> None:
        self.warnings = warnings
        table = self.warning_table
        table.setRowCount(len(warnings))
        for r, w in enumerate(warnings):
            values = (w.kind, w.term, str(w.count), str(w.previous), str(w.last_year), p_value_text(w.p))
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(f"基准 {w.baseline:g} 件；双击在台账中查看本期这 {w.count} 件")
                table.setItem(r, c, item)
        self.warning_note.setText(
            f"共 {len(warnings)} 项苗头；双击一行查看其案件。" if warnings else "本期没有符合规则的苗头。"
        )

    def _assessment_arrived(self, rows: list[UnitAssessment]) -> None:
        self.assessment = rows
        self.assessment_note.setText("")
        table = self.assessment_table
        table.setSortingEnabled(False)
        table.setRowCount(len(rows))
        for r, unit in enumerate(rows):
            for c, (attribute, _heading, _d) in enumerate(ASSESSMENT_COLUMNS):
                value = unit.value(attribute)
                item = QTableWidgetItem()
                if isinstance(value, str):
                    item.setText(value)
                    item.setData(_ROW_OF_UNIT, r)  # the unit's line, wherever sorting puts it
                elif value is None:
                    item.setText("—")
                    item.setData(Qt.ItemDataRole.UserRole, -1)
                else:
                    item.setData(Qt.ItemDataRole.DisplayRole, value)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, item)
        table.setSortingEnabled(True)

    def _units_arrived(self, units: list[tuple[str, str]]) -> None:
        current = self.unit_combo.currentData()
        self.unit_combo.blockSignals(True)
        self.unit_combo.clear()
        self.unit_combo.addItem("全部单位", ALL_UNITS)
        for code, name in units:
            self.unit_combo.addItem(f"{name}（{code}）", code)
        index = self.unit_combo.findData(current)
        self.unit_combo.setCurrentIndex(max(index, 0))
        self.unit_combo.blockSignals(False)

    def set_unit_name(self, name: str) -> None:
        self.unit_name = name
        self.title_label.setText(f"{name} · 统计分析" if name else "统计分析")

    # -- opening cases -------------------------------------------------------------------------
    def open_figure(self, key: str) -> None:
        if self.figures is not None:
            self.cases_requested.emit(FIGURE_LABELS[key], figure_filter(self.figures, key))

    def open_warning(self, row: int) -> None:
        if 0 <= row < len(self.warnings):
            warning = self.warnings[row]
            self.cases_requested.emit(f"苗头预警 · {warning.term}", warning.case_filter)

    def definition(self, key: str) -> str:
        return FIGURE_DEFINITIONS[key]

    # -- report and export ---------------------------------------------------------------------
    def open_report(self) -> None:
        """年度统计报告: its facts gathered on the worker, laid out beside it, then shown in the print preview."""
        query = self.current_query()
        unit = query.unit_code or None

        def opened(report: AnnualReport) -> None:
            from xinfang_desk.ui.pdf_preview import PdfPreview

            PdfPreview(
                self.runner, report.data, title=report.title, file_name=report.file_name, parent=self
            ).show()

        def gathered(facts: AnnualReportFacts) -> None:
            self.runner.run_detached(
                lambda _progress: render_annual_report(facts),
                on_success=opened,
                progress_label="正在生成年度统计报告…",
                parent=self,
            )

        self.runner.call(
            prepare_annual_report,
            query.start,
            query.end,
            unit,
            on_success=gathered,
            progress_label="正在统计年度报告的数据…",
            parent=self,
            write=False,
        )

    def export_assessment(self) -> None:
        query = self.query or self.current_query()
        suggested = f"单位考核_{query.start:%Y%m%d}-{query.end:%Y%m%d}.xlsx"
        path = save_file_name(self, "导出单位考核表", suggested, "Excel 工作簿 (*.xlsx)", ".xlsx")
        if path is not None:
            self.export_assessment_to(path)

    def shown_assessment(self) -> list[UnitAssessment]:
        """The units' lines in the order the table shows them (as the user sorted it)."""
        table = self.assessment_table
        return [self.assessment[table.item(r, 0).data(_ROW_OF_UNIT)] for r in range(table.rowCount())]

    def export_assessment_to(self, path: Path) -> None:
        """Write the 单位考核 table to ``path`` as shown: the same lines in the same order."""
        from xinfang_desk.export.exchange.assessment_workbook import write_assessment_workbook

        query = self.query or self.current_query()
        rows = self.shown_assessment()
        title = f"各单位信访工作考核（{period_text(query.start, query.end)}）"
        self.runner.run_detached(  # the rows are on screen already: writing the file needs no ledger
            lambda _p: write_assessment_workbook(path, title, rows),
            on_success=lambda _r: (
                self.window().statusBar().showMessage(f"已导出：{path}", 5000)
                if hasattr(self.window(), "statusBar")
                else None
            ),
            parent=self,
        )

    # -- staying current -----------------------------------------------------------------------
    def _on_changed(self, _changes: Changes) -> None:
        for tab in self.tab_rows:
            tab.query = None  # the ledger changed: each tab is read again when next opened
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if self._stale:
            self.refresh()
