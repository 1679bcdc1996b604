"""The 工作台 page: tiles for what needs attention today; a click lists exactly those cases.

The figures come from ``ledger.dashboard.compute_dashboard`` on the database worker and are
refreshed whenever an operation announces a change.  Overdue is red and due-soon amber, so neither
can be missed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.dashboard import UNIT_TILE_COLUMNS, Dashboard, Tile, UnitTiles
from xinfang_desk.ledger.deadlines import due_text
from xinfang_desk.ledger.operations.queries import DashboardData, dashboard_data
from xinfang_desk.ledger.search import CaseFilter, CaseRow
from xinfang_desk.ui.ops import Changes, OpRunner
from xinfang_desk.ui.style import (
    DUE_SOON_BACKGROUND,
    DUE_SOON_FOREGROUND,
    OVERDUE_BACKGROUND,
    OVERDUE_FOREGROUND,
    set_tone,
)

WEEKDAYS = "一二三四五六日"
TILES_PER_ROW = 4
URGENT_COLUMNS = ("办理期限", "案件编号", "内容摘要", "状态", "承办单位")


def long_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日 星期{WEEKDAYS[day.weekday()]}"


class TileButton(QPushButton):
    """One clickable tile: caption, big figure, a line of explanation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumSize(210, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)
        self.title_label = QLabel()
        self.title_label.setObjectName("tileTitle")
        self.value_label = QLabel("…")
        self.value_label.setObjectName("tileValue")
        self.hint_label = QLabel()
        self.hint_label.setObjectName("tileHint")
        for label in (self.title_label, self.value_label, self.hint_label):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)
        self.tile: Tile | None = None

    def show_tile(self, tile: Tile) -> None:
        self.tile = tile
        self.title_label.setText(tile.title)
        self.value_label.setText(tile.value)
        self.hint_label.setText(tile.hint)
        self.setToolTip(f"点击查看：{tile.title}")
        self.setAccessibleName(f"{tile.title} {tile.value}")
        set_tone(self, tile.tone)
        set_tone(self.value_label, tile.tone)


class DashboardPage(QWidget):
    """工作台."""

    #: A tile was clicked: its title and the filter of its cases.
    tile_activated = Signal(str, object)
    #: A case in the list of urgent cases was opened (double-click or Enter).
    case_opened = Signal(int)
    #: New figures are on screen.
    refreshed = Signal(object)

    def __init__(
        self,
        runner: OpRunner,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = date.today,
        load: bool = True,
    ) -> None:
        """``load=False``: the figures are first computed when ``refresh`` is called (the main window
        does so once the 台账's first page has arrived, so that page never waits behind them)."""
        super().__init__(parent)
        self.runner = runner
        self.today = today
        self.dashboard: Dashboard | None = None
        self.data: DashboardData | None = None
        self._loading = False
        self._again = False
        self._stale = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        heading = QHBoxLayout()
        self.title_label = QLabel("信访工作台")
        self.title_label.setObjectName("pageTitle")
        self.date_label = QLabel(long_date(today()))
        self.date_label.setObjectName("pageSubtitle")
        heading.addWidget(self.title_label)
        heading.addStretch(1)
        heading.addWidget(self.date_label)
        layout.addLayout(heading)
        self.calendar_banner = QLabel("")
        self.calendar_banner.setObjectName("warning")
        self.calendar_banner.setWordWrap(True)
        self.calendar_banner.hide()
        layout.addWidget(self.calendar_banner)
        hint = QLabel("点击任一方块，在台账中列出对应的案件。")
        hint.setObjectName("pageSubtitle")
        layout.addWidget(hint)
        self.building_banner = QLabel()
        self.building_banner.setObjectName("warning")
        self.building_banner.setWordWrap(True)
        self.building_banner.hide()
        layout.addWidget(self.building_banner)
        layout.addSpacing(8)

        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(16)
        layout.addLayout(self.grid)
        self.tiles: dict[str, TileButton] = {}
        layout.addSpacing(18)
        self.unit_table = self._build_unit_table()
        self.unit_table.setVisible(False)
        layout.addWidget(self.unit_table, 1)
        layout.addLayout(self._build_urgent(), 1)

        runner.changed.connect(self._on_changed)
        if load:
            self.refresh()

    def _build_unit_table(self) -> QTableWidget:
        """The office's line per unit: overdue, due soon, accepted this year; a click lists those cases."""
        table = QTableWidget(0, 1 + len(UNIT_TILE_COLUMNS))
        table.setHorizontalHeaderLabels(["各单位", *[heading for _k, heading in UNIT_TILE_COLUMNS]])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.setToolTip("双击数字，在台账中列出该单位的这些案件")
        table.cellActivated.connect(self._unit_cell_activated)
        table.cellDoubleClicked.connect(self._unit_cell_activated)
        return table

    def _show_units(self, units: tuple[UnitTiles, ...]) -> None:
        table = self.unit_table
        table.setVisible(bool(units))
        table.setRowCount(len(units))
        for r, unit in enumerate(units):
            table.setItem(r, 0, QTableWidgetItem(f"{unit.unit_name}（{unit.unit_code}）"))
            for c, (key, _heading) in enumerate(UNIT_TILE_COLUMNS, 1):
                count = unit.counts[key]
                item = QTableWidgetItem(str(count))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if key == "overdue" and count:
                    item.setBackground(OVERDUE_BACKGROUND)
                    item.setForeground(OVERDUE_FOREGROUND)
                elif key == "due_soon" and count:
                    item.setBackground(DUE_SOON_BACKGROUND)
                    item.setForeground(DUE_SOON_FOREGROUND)
                table.setItem(r, c, item)

    def _unit_cell_activated(self, row: int, column: int) -> None:
        if self.data is None or column < 1 or row >= len(self.data.units):
            return
        unit = self.data.units[row]
        key, heading = UNIT_TILE_COLUMNS[column - 1]
        self.tile_activated.emit(f"{unit.unit_name} · {heading}", unit.filters[key])

    def _build_urgent(self) -> QVBoxLayout:
        box = QVBoxLayout()
        heading = QHBoxLayout()
        title = QLabel("最需关注的在办事项")
        title.setObjectName("sectionTitle")
        self.urgent_title = title
        self.urgent_note = QLabel("按办理期限先后，已超期的在前；双击打开案件")
        self.urgent_note.setObjectName("pageSubtitle")
        self.all_urgent_button = QPushButton("在台账中查看全部")
        self.all_urgent_button.clicked.connect(self._show_all_urgent)
        heading.addWidget(title)
        heading.addWidget(self.urgent_note)
        heading.addStretch(1)
        heading.addWidget(self.all_urgent_button)
        box.addLayout(heading)
        table = QTableWidget(0, len(URGENT_COLUMNS))
        table.setHorizontalHeaderLabels(list(URGENT_COLUMNS))
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setWordWrap(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        for column, width in enumerate((100, 130, 0, 80, 130)):
            if width:
                header.resizeSection(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.activated.connect(self._urgent_activated)
        self.urgent_table = table
        box.addWidget(table, 1)
        return box

    def _show_urgent(self, rows: tuple[CaseRow, ...]) -> None:
        table = self.urgent_table
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = (
                due_text(row.due_on, row.due_estimated),
                row.case_no,
                row.summary,
                row.status,
                row.department,
            )
            background = OVERDUE_BACKGROUND if row.overdue else DUE_SOON_BACKGROUND
            foreground = OVERDUE_FOREGROUND if row.overdue else DUE_SOON_FOREGROUND
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                item.setBackground(background)
                item.setForeground(foreground)
                table.setItem(r, c, item)
        overdue = sum(row.overdue for row in rows)
        counts = f"（{len(rows)} 件：已超期 {overdue}，临期 {len(rows) - overdue}）" if rows else ""
        self.urgent_title.setText(f"最需关注的在办事项{counts}")
        self.urgent_note.setText(
            "按办理期限先后，已超期的在前；双击打开案件" if rows else "目前没有超期或临期的事项。"
        )

    def _urgent_activated(self, index: Any) -> None:
        case_id = index.data(Qt.ItemDataRole.UserRole)
        if case_id is not None:
            self.case_opened.emit(int(case_id))

    def _show_all_urgent(self) -> None:
        if self.data is not None:
            self.tile_activated.emit("已超期或临期", self.data.urgent_filter)

    def show_building(self, text: str) -> None:
        """While the ledger is being filled (the demo): say so instead of showing figures of nothing."""
        self.building_banner.setText(text)
        self.building_banner.setVisible(bool(text))
        if text:
            for button in self.tiles.values():
                button.value_label.setText("…")
        else:
            self.refresh()

    def building_progress(self, done: int, total: int, _text: str = "") -> None:
        if self.building():
            self.show_building(f"正在生成演示案件（{done:,} / {total:,}）……生成完成后显示统计。")

    def building(self) -> bool:
        return bool(self.building_banner.text())

    def set_unit_name(self, name: str) -> None:
        self.title_label.setText(f"{name} · 信访工作台" if name else "信访工作台")

    # -- loading ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute the figures on the worker (one at a time; a request meanwhile runs once after)."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        today = self.today()
        self.runner.call(
            dashboard_data,
            today,
            on_success=self._arrived,
            on_failure=self._failed,
            owner=self,
            write=False,  # reads never wait behind another program's write
        )

    def _arrived(self, data: DashboardData) -> None:
        self._loading = False
        self.data = data
        self.dashboard = dashboard = data.dashboard
        self._show_urgent(data.urgent)
        self.calendar_banner.setText(data.calendar_warning)
        self.calendar_banner.setVisible(bool(data.calendar_warning))
        self._show_units(data.units)
        self.date_label.setText(long_date(dashboard.today))
        for position, tile in enumerate(dashboard.tiles):
            button = self.tiles.get(tile.key)
            if button is None:
                button = TileButton(self)
                button.clicked.connect(lambda _c=False, key=tile.key: self.activate(key))
                self.tiles[tile.key] = button
                self.grid.addWidget(button, *divmod(position, TILES_PER_ROW))
            button.show_tile(tile)
            if self.building():
                button.value_label.setText("…")
        self.refreshed.emit(dashboard)
        if self._again:
            self._again = False
            self.refresh()

    def _failed(self, error: BaseException) -> None:
        self._loading = False
        for button in self.tiles.values():
            button.value_label.setText("？")
        self.date_label.setText("统计暂时无法读取")

    def activate(self, key: str) -> None:
        """Act as if the tile ``key`` was clicked."""
        button = self.tiles[key]
        assert button.tile is not None
        case_filter: CaseFilter = button.tile.case_filter
        self.tile_activated.emit(button.tile.title, case_filter)

    def _on_changed(self, _changes: Changes) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale or (self.dashboard is not None and self.dashboard.today != self.today()):
            self._stale = False
            self.refresh()
