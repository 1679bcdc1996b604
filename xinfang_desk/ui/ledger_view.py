"""The 台账 page: filter bar, search-as-you-type, the lazy case table, and the "共 N 件" line.

The page turns its filter bar into a ``CaseFilter`` (via ``FilterState``, which is also what is
remembered between sessions) and hands it to ``LedgerTableModel``.  Overdue rows are red and
due-soon rows amber; columns can be chosen (header context menu) and reordered (drag), and the
layout is remembered.  Enter or a double-click opens the case.  Several rows can be selected;
打印所选交办单 (context menu, button or Ctrl+P) asks for one PDF of all their 交办单.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QModelIndex, QObject, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.operations.queries import FilterChoices, filter_choices
from xinfang_desk.ledger.search import CaseFilter
from xinfang_desk.ledger.vocab import ACCEPTED_STATUSES, FOLLOWED_UP_STATUSES, OPEN_STATUSES, Channel, Status
from xinfang_desk.ui.ledger_model import CASE_ID_ROLE, COLUMNS, LedgerTableModel
from xinfang_desk.ui.ops import Changes, OpRunner, show_error

#: Milliseconds of quiet typing before the search runs.
SEARCH_DELAY_MS = 300
#: How long the page waits for its first rows to be painted before going on without it.
PAINT_WAIT_MS = 1000

PERIOD_ALL = "all"
PERIOD_TODAY = "today"


def _status_codes(statuses: Any) -> tuple[str, ...]:
    """Statuses in their natural order, as stored codes (so equal sets compare equal)."""
    wanted = {Status(s) for s in statuses}
    return tuple(s.value for s in Status if s in wanted)


#: Status choices besides the single statuses: the groups the dashboard tiles use.
STATUS_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("在办（未办结）", _status_codes(OPEN_STATUSES)),
    ("已受理（含后续环节）", _status_codes(ACCEPTED_STATUSES)),
    ("已回访或已办结", _status_codes(FOLLOWED_UP_STATUSES)),
)
DEADLINES: tuple[tuple[str, str], ...] = (
    ("", "全部期限"),
    ("overdue", "已超期"),
    ("due_soon", "{n}日内到期"),
    ("both", "已超期或临期"),
)


@dataclass(frozen=True)
class FilterState:
    """What the filter bar shows, in a form that can be stored and turned into a ``CaseFilter``.

    ``period`` is ``"all"``, ``"today"`` (relative, so a remembered 今日 means the new day), a year
    such as ``"2025"``, or a range ``"2025-01-01~2025-03-31"``.
    """

    text: str = ""
    period: str = PERIOD_ALL
    statuses: tuple[str, ...] = ()
    category: str = ""
    channel: str = ""
    department: str = ""
    deadline: str = ""
    #: a unit code (office mode), "" for all
    unit: str = ""

    def to_filter(self, today: date, due_soon_days: int) -> CaseFilter:
        year = received_from = received_to = None
        if self.period == PERIOD_TODAY:
            received_from = received_to = today
        elif self.period.isdigit():
            year = int(self.period)
        elif "~" in self.period:
            start, end = self.period.split("~", 1)
            received_from = date.fromisoformat(start) if start else None
            received_to = date.fromisoformat(end) if end else None
        return CaseFilter(
            text=self.text.strip(),
            statuses=tuple(Status(s) for s in self.statuses),
            category=self.category,
            channel=Channel(self.channel) if self.channel else None,
            department=self.department,
            received_from=received_from,
            received_to=received_to,
            year=year,
            overdue=self.deadline in ("overdue", "both"),
            due_soon=self.deadline in ("due_soon", "both"),
            due_soon_days=due_soon_days,
            unit_code=self.unit,
            today=today,
        )

    @classmethod
    def from_filter(cls, f: CaseFilter) -> FilterState:
        if f.received_from is not None and f.received_from == f.received_to == f.today:
            period = PERIOD_TODAY
        elif f.year is not None:
            period = str(f.year)
        elif f.received_from is not None or f.received_to is not None:
            start = f.received_from.isoformat() if f.received_from else ""
            end = f.received_to.isoformat() if f.received_to else ""
            period = f"{start}~{end}"
        else:
            period = PERIOD_ALL
        deadline = {(True, True): "both", (True, False): "overdue", (False, True): "due_soon"}.get(
            (f.overdue, f.due_soon), ""
        )
        return cls(
            text=f.text,
            period=period,
            statuses=_status_codes(f.statuses),
            category=f.category,
            channel=Channel(f.channel).value if f.channel else "",
            department=f.department,
            deadline=deadline,
            unit=f.unit_code,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> FilterState:
        """A stored state; anything unreadable gives the empty filter."""
        try:
            raw = json.loads(text or "{}")
            known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
            known["statuses"] = tuple(known.get("statuses", ()))
            state = cls(**known)
            state.to_filter(date.today(), 3)  # checks the stored codes and dates
            return state
        except (TypeError, ValueError, AttributeError):
            return cls()


def _select_data(combo: QComboBox, value: Any, label: str) -> None:
    """Select the item whose data is ``value``, adding it (with ``label``) when it is not offered."""
    index = combo.findData(value)
    if index < 0:
        combo.addItem(label, value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


class LedgerTable(QTableView):
    """The 台账's table; says when it has painted its rows (the window's start waits for the first time).

    Watched through its own paint rather than an event filter on its viewport: asking Qt for the viewport
    early makes PySide create the Python types of most of QtWidgets (hundredths of a second at start-up).
    """

    painted = Signal()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt naming)
        super().paintEvent(event)
        self.painted.emit()


class LedgerPage(QWidget):
    """台账: every case, filtered, searched and sorted, loaded lazily."""

    case_opened = Signal(int)
    print_requested = Signal(list)  # case ids whose 交办单 to print, in table order
    #: once, just after the table first painted its rows (or the first page failed, or a second passed)
    first_rows_drawn = Signal()

    def __init__(self, runner: OpRunner, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._exact_filter: tuple[FilterState, CaseFilter] | None = None
        self.settings = settings
        self.choices = FilterChoices()
        self._stale = False
        self._keep_case: int | None = None
        self.model = LedgerTableModel(runner, self)
        self.state = FilterState.from_json(settings.value("ledger/filter", "", str))
        self.model.sort_key = settings.value("ledger/sort", "received_at", str)
        self.model.descending = settings.value("ledger/descending", "1", str) == "1"

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.run_query)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        title = QLabel("信访台账", self)  # each widget made inside its parent (see ``MainWindow``)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        layout.addWidget(self._build_filter_bar())
        self.table = self._build_table()
        layout.addWidget(self.table, 1)
        layout.addLayout(self._build_status_line())

        self.model.query_started.connect(lambda: self.busy_label.setText("正在查询…"))
        self.model.query_finished.connect(self._query_finished)
        runner.changed.connect(self._on_changed)
        self._apply_state(self.state)
        # The first page does not wait for the bar's choices (on a large ledger, reading the years
        # with cases takes a while): the remembered filter is queried at once, before them.
        self._early_filter: CaseFilter | None = self.current_filter()
        # The choices and the count are read once those rows are on screen, not beside them (the
        # worker and the interpreter are the first rows' alone until then).
        self._after_drawn: list[Callable[[], None]] | None = []
        self.model.first_count_waits_for = self.after_first_rows_drawn
        self.model.set_filter(self._early_filter)
        self.model.first_page_shown.connect(self._first_page_arrived)
        self.model.query_finished.connect(self._first_page_arrived)  # also when the first page failed

    # -- building ------------------------------------------------------------------------------
    def _build_filter_bar(self) -> QFrame:
        bar = QFrame(self)
        bar.setObjectName("filterBar")
        rows = QVBoxLayout(bar)
        rows.setContentsMargins(10, 8, 10, 8)
        first, second = QHBoxLayout(), QHBoxLayout()
        rows.addLayout(first)
        rows.addLayout(second)

        self.search_box = QLineEdit(bar)
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText(
            "搜索案件编号、内容摘要、信访内容、信访人姓名（输入即搜索，Ctrl+F）"
        )
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_box.returnPressed.connect(self.run_query)
        self.search_box.installEventFilter(self)
        first.addWidget(self.search_box, 1)
        self.reset_button = QPushButton("清除筛选", bar)
        self.reset_button.clicked.connect(self.clear_filter)
        first.addWidget(self.reset_button)
        self.print_action = QAction("打印所选交办单", self)
        self.print_action.setShortcut(QKeySequence.StandardKey.Print)
        self.print_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.print_action.triggered.connect(self.print_selected)
        self.addAction(self.print_action)
        self.print_button = QPushButton("打印所选交办单", bar)
        self.print_button.setToolTip("将所选案件的交办单合并为一个 PDF 预览、打印（Ctrl+P）")
        self.print_button.clicked.connect(self.print_selected)
        first.addWidget(self.print_button)

        self.period_combo = QComboBox(bar)
        self.status_combo = QComboBox(bar)
        self.category_combo = QComboBox(bar)
        self.channel_combo = QComboBox(bar)
        self.department_combo = QComboBox(bar)
        self.deadline_combo = QComboBox(bar)
        self.unit_combo = QComboBox(bar)
        office = self.runner.ledger.is_office
        for label, combo in (
            ("单位", self.unit_combo),
            ("期间", self.period_combo),
            ("状态", self.status_combo),
            ("类别", self.category_combo),
            ("形式", self.channel_combo),
            ("承办单位", self.department_combo),
            ("期限", self.deadline_combo),
        ):
            caption = QLabel(label, bar)
            caption.setBuddy(combo)
            caption.setVisible(combo is not self.unit_combo or office)  # 单位: only in the office's ledger
            second.addWidget(caption)
            second.addWidget(combo)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.activated.connect(lambda _i: self.run_query())
        second.addStretch(1)
        self.unit_combo.setVisible(office)
        self._populate_combos()
        return bar

    def _build_table(self) -> LedgerTable:
        table = LedgerTable(self)
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._row_menu)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setAlternatingRowColors(True)
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        table.activated.connect(self._activated)

        header = table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setSectionsClickable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        self._default_header_layout(header)
        saved = self.settings.value("ledger/header")
        if isinstance(saved, QByteArray) and not saved.isEmpty():
            header.restoreState(saved)
        header.setSortIndicator(
            self.model.sort_column(),
            Qt.SortOrder.DescendingOrder if self.model.descending else Qt.SortOrder.AscendingOrder,
        )
        header.sortIndicatorChanged.connect(self._sort_changed)
        header.sectionMoved.connect(lambda *_a: self.save_layout())
        return table

    def _default_header_layout(self, header: QHeaderView) -> None:
        office = self.runner.ledger.is_office  # remembered since opening: no query
        for logical, column in enumerate(COLUMNS):
            header.moveSection(header.visualIndex(logical), logical)
            header.resizeSection(logical, column.width)
            # the office sees every unit's cases: which unit a case is from is shown by default
            shown = column.shown or (column.key == "unit_code" and office)
            header.setSectionHidden(logical, not shown)

    def _build_status_line(self) -> QHBoxLayout:
        line = QHBoxLayout()
        self.count_label = QLabel("共 0 件", self)
        self.busy_label = QLabel("", self)
        self.busy_label.setObjectName("pageSubtitle")
        overdue = QLabel("已超期", self)
        overdue.setObjectName("legendOverdue")
        due_soon = QLabel("临期", self)
        due_soon.setObjectName("legendDueSoon")
        self.due_soon_legend = due_soon
        line.addWidget(self.count_label)
        line.addWidget(self.busy_label)
        line.addStretch(1)
        line.addWidget(QLabel("图例：", self))
        line.addWidget(overdue)
        line.addWidget(due_soon)
        hint = QLabel("双击或回车打开案件；右键表头选择显示的列，拖动表头调整顺序", self)
        hint.setObjectName("pageSubtitle")
        line.addWidget(hint)
        return line

    def _populate_combos(self) -> None:
        c = self.choices
        self.period_combo.clear()
        self.period_combo.addItem("全部期间", PERIOD_ALL)
        self.period_combo.addItem("今日", PERIOD_TODAY)
        for year in c.years:
            self.period_combo.addItem(f"{year}年", str(year))
        self.status_combo.clear()
        self.status_combo.addItem("全部状态", "")
        for label, codes in STATUS_GROUPS:
            self.status_combo.addItem(label, ",".join(codes))
        for status in Status:
            self.status_combo.addItem(status.label, status.value)
        self.category_combo.clear()
        self.category_combo.addItem("全部类别", "")
        for name, is_sub in c.categories:
            self.category_combo.addItem(("　　" if is_sub else "") + name, name)
        self.channel_combo.clear()
        self.channel_combo.addItem("全部形式", "")
        for channel in Channel:
            self.channel_combo.addItem(channel.label, channel.value)
        self.department_combo.clear()
        self.department_combo.addItem("全部承办单位", "")
        for name in c.departments:
            self.department_combo.addItem(name, name)
        self.unit_combo.clear()
        self.unit_combo.addItem("全部单位", "")
        for code, name in c.units:
            self.unit_combo.addItem(f"{name}（{code}）", code)
        self.deadline_combo.clear()
        for code, label in DEADLINES:
            self.deadline_combo.addItem(label.format(n=c.due_soon_days), code)

    # -- filter state --------------------------------------------------------------------------
    def _apply_state(self, state: FilterState) -> None:
        """Show ``state`` in the filter bar (without running a query)."""
        self.state = state
        self.search_box.blockSignals(True)
        self.search_box.setText(state.text)
        self.search_box.blockSignals(False)
        period_label = f"{state.period}年" if state.period.isdigit() else state.period.replace("~", " 至 ")
        _select_data(self.period_combo, state.period, period_label)
        status_label = "、".join(Status(s).label for s in state.statuses)
        _select_data(self.status_combo, ",".join(state.statuses), status_label)
        _select_data(self.category_combo, state.category, state.category)
        _select_data(self.channel_combo, state.channel, Channel(state.channel).label if state.channel else "")
        _select_data(self.department_combo, state.department, state.department)
        _select_data(self.deadline_combo, state.deadline, state.deadline)
        _select_data(self.unit_combo, state.unit, state.unit)

    def _read_state(self) -> FilterState:
        return FilterState(
            text=self.search_box.text(),
            period=self.period_combo.currentData() or PERIOD_ALL,
            statuses=tuple(filter(None, (self.status_combo.currentData() or "").split(","))),
            category=self.category_combo.currentData() or "",
            channel=self.channel_combo.currentData() or "",
            department=self.department_combo.currentData() or "",
            deadline=self.deadline_combo.currentData() or "",
            unit=self.unit_combo.currentData() or "",
        )

    def current_filter(self) -> CaseFilter:
        """The filter shown; a tile's or a chart's own filter while the bar still shows it unchanged
        (it may narrow by more than the bar can show, e.g. an outcome or 按期办结)."""
        if self._exact_filter is not None and self._exact_filter[0] == self.state:
            return self._exact_filter[1]
        return self.state.to_filter(date.today(), self.choices.due_soon_days)

    def set_filter(self, case_filter: CaseFilter) -> None:
        """Show exactly the cases of ``case_filter`` (e.g. a dashboard tile) and put it in the bar."""
        self._search_timer.stop()
        self._apply_state(FilterState.from_filter(case_filter))
        self._exact_filter = (self.state, case_filter)
        self.settings.setValue("ledger/filter", self.state.to_json())
        self.model.set_filter(case_filter)

    def run_query(self) -> None:
        """Query with what the filter bar shows now."""
        self._search_timer.stop()
        self.state = self._read_state()
        self.settings.setValue("ledger/filter", self.state.to_json())
        self.model.set_filter(self.current_filter())

    def clear_filter(self) -> None:
        self._apply_state(FilterState())
        self.run_query()

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    # -- reference data and changes ------------------------------------------------------------
    def after_first_rows_drawn(self, then: Callable[[], None]) -> None:
        """Call ``then`` once the first rows are on screen (at once when they already are)."""
        if self._after_drawn is None:
            then()
        else:
            self._after_drawn.append(then)

    def _first_page_arrived(self, *_args: object) -> None:
        self.model.first_page_shown.disconnect(self._first_page_arrived)
        self.model.query_finished.disconnect(self._first_page_arrived)
        if self.table.isVisible():
            self._paint_watch = _AfterNextPaint(self.table, self._first_rows_drawn, PAINT_WAIT_MS)
        else:
            self._first_rows_drawn()

    def _first_rows_drawn(self) -> None:
        waiting, self._after_drawn = self._after_drawn or [], None
        self.first_rows_drawn.emit()
        for then in waiting:  # the count of the matches (共 N 件) first
            then()
        self.reload_choices()

    def reload_choices(self) -> None:
        self.runner.call(
            filter_choices, on_success=self._choices_arrived, on_failure=self._choices_failed, write=False
        )

    def _choices_failed(self, error: BaseException) -> None:
        """The filter bar keeps the choices it has; the cases are still listed (the window waits for them)."""
        show_error(self, error)
        self._choices_arrived(self.choices)

    def _choices_arrived(self, choices: FilterChoices) -> None:
        self.choices = choices
        for combo in self._combos():
            combo.blockSignals(True)
        self._populate_combos()
        self._apply_state(self.state)
        for combo in self._combos():
            combo.blockSignals(False)
        self.due_soon_legend.setText(f"{choices.due_soon_days}日内到期")
        early, self._early_filter = self._early_filter, None
        case_filter = self.current_filter()
        if case_filter != early:  # with the first choices, the same query is already on its way
            self.model.set_filter(case_filter)

    def _combos(self) -> tuple[QComboBox, ...]:
        return (
            self.period_combo,
            self.status_combo,
            self.category_combo,
            self.channel_combo,
            self.department_combo,
            self.deadline_combo,
            self.unit_combo,
        )

    def _on_changed(self, changes: Changes) -> None:
        if not self.isVisible():
            self._stale = True
            return
        self._keep_case = self.selected_case_id()
        if changes.reference or changes.everything:
            self.reload_choices()
        else:
            self.model.refresh(changes)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._keep_case = self.selected_case_id()
            self.reload_choices()

    def _query_finished(self, total: int) -> None:
        self.busy_label.setText("")
        self.count_label.setText(f"共 {total:,} 件")
        if self._keep_case is not None:
            row = self.model.row_of(self._keep_case)
            if row is not None:
                self.table.selectRow(row)
            self._keep_case = None

    # -- table interaction ---------------------------------------------------------------------
    def selected_case_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.case_id(index.row()) if index.isValid() else None

    def selected_case_ids(self) -> list[int]:
        """The selected rows' case ids, top to bottom (rows that could not be read are skipped)."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [case_id for case_id in map(self.model.case_id, rows) if case_id is not None]

    def print_selected(self) -> None:
        ids = self.selected_case_ids()
        if ids:
            self.print_requested.emit(ids)
        else:
            self.busy_label.setText("请先在台账中选择要打印交办单的案件（可按住 Ctrl 或 Shift 多选）")

    def _row_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        menu = QMenu(self)
        menu.addAction("打开案件", lambda: self._activated(index))
        count = len(self.table.selectionModel().selectedRows())
        self.print_action.setText(f"打印所选交办单（{count} 件）" if count > 1 else "打印所选交办单")
        menu.addAction(self.print_action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        """Down in the search box moves into the results (Enter there opens the case)."""
        if (
            watched is self.search_box
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and self.model.rowCount() > 0
        ):
            self.table.setFocus(Qt.FocusReason.TabFocusReason)
            current = self.table.currentIndex()
            if not current.isValid():
                self.table.selectRow(0)
                self.table.setCurrentIndex(self.model.index(0, 0))
            return True
        return super().eventFilter(watched, event)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid() and self.model.flags(index) & Qt.ItemFlag.ItemIsEnabled:
            self.case_opened.emit(int(index.data(CASE_ID_ROLE)))

    def _sort_changed(self, section: int, order: Qt.SortOrder) -> None:
        if COLUMNS[section].sort is None:
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            current = Qt.SortOrder.DescendingOrder if self.model.descending else Qt.SortOrder.AscendingOrder
            header.setSortIndicator(self.model.sort_column(), current)
            header.blockSignals(False)
            self.busy_label.setText(f"“{COLUMNS[section].title}”列不能排序")
            return
        self._keep_case = self.selected_case_id()
        self.model.sort(section, order)
        self.settings.setValue("ledger/sort", self.model.sort_key)
        self.settings.setValue("ledger/descending", "1" if self.model.descending else "0")

    def _column_menu(self, pos: QPoint) -> None:
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        shown = [i for i in range(len(COLUMNS)) if not header.isSectionHidden(i)]
        for logical in sorted(range(len(COLUMNS)), key=header.visualIndex):
            action = menu.addAction(COLUMNS[logical].title)
            action.setCheckable(True)
            action.setChecked(logical in shown)
            action.setEnabled(not (logical in shown and len(shown) == 1))
            action.toggled.connect(lambda on, col=logical: self.show_column(col, on))
        menu.addSeparator()
        menu.addAction("恢复默认列", self.reset_columns)
        menu.popup(header.mapToGlobal(pos))

    def show_column(self, logical: int, shown: bool) -> None:
        self.table.horizontalHeader().setSectionHidden(logical, not shown)
        self.save_layout()

    def reset_columns(self) -> None:
        self._default_header_layout(self.table.horizontalHeader())
        self.save_layout()

    def save_layout(self) -> None:
        self.settings.setValue("ledger/header", self.table.horizontalHeader().saveState())


class _AfterNextPaint(QObject):
    """Calls ``then`` once, just after ``table`` next paints its rows (or after ``wait_ms`` without a paint)."""

    def __init__(self, table: LedgerTable, then: Callable[[], None], wait_ms: int) -> None:
        super().__init__(table)
        self.table, self.then = table, then
        table.painted.connect(self._painted)
        QTimer.singleShot(wait_ms, self, self._done)

    def _painted(self) -> None:
        self.table.painted.disconnect(self._painted)
        QTimer.singleShot(0, self, self._done)  # what else this paint draws comes first

    def _done(self) -> None:
        then, self.then = self.then, None
        if then is not None:
            then()
