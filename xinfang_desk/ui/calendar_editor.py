"""设置 → 节假日: a year's rest days and swapped working days with their source, and the office's entry.

The office pastes the State Council's notice as lines (``2027-02-05~2027-02-11 休``,
``2027-02-14 班``) or sets one day; each change runs on the worker through ``ledger.calendar_entries``
(audited, open cases' deadlines recomputed) and announces that cases may have changed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.calendar import WEEKDAYS, DaySource
from xinfang_desk.ledger.calendar_entries import (
    FIRST_YEAR,
    LAST_YEAR,
    WARN_FROM_MONTH,
    CalendarChange,
    YearView,
)
from xinfang_desk.ledger.operations import calendar as calendar_ops
from xinfang_desk.ui.ops import OpRunner, show_error
from xinfang_desk.ui.style import ESTIMATED_DAY_FOREGROUND

COLUMNS = ("日期", "星期", "休/班", "说明", "来源")
PASTE_HINT = (
    "把国务院办公厅通知的安排逐行粘贴或录入，例如：\n"
    "2027-01-01~2027-01-03 休 元旦\n2027-02-05~2027-02-11 休 春节\n2027-02-14 班\n"
    "每行一天或一段（用 ~ 连接），写“休”或“班”，# 后为注释。\n"
    "也可以直接粘贴通知原文（连同标题“国务院办公厅关于××××年部分节假日安排的通知”）。"
)


def default_year(today: date) -> int:
    """The year a clerk most likely wants: next year from November (when the notice comes)."""
    return today.year + 1 if today.month >= WARN_FROM_MONTH else today.year


def change_text(change: CalendarChange) -> str:
    cases = f"，{len(change.recomputed)} 件在办案件的期限已重算（见各案件历史）" if change.recomputed else ""
    return f"已录入 {change.days} 天{cases}。"


class CalendarEditor(QGroupBox):
    """节假日: one year's table, the notice pasted as text, one day set or taken back."""

    #: the year on screen was (re)loaded
    loaded = Signal(object)
    #: a change was saved (its message)
    saved = Signal(str)

    def __init__(self, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__("节假日", parent)
        self.runner = runner
        self.view: YearView | None = None
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        top.addWidget(QLabel("年份"))
        self.year = QSpinBox()
        self.year.setRange(FIRST_YEAR, LAST_YEAR)
        self.year.setValue(default_year(date.today()))
        self.year.valueChanged.connect(lambda _y: self.reload())
        top.addWidget(self.year)
        top.addStretch(1)
        layout.addLayout(top)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(180)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)

        self.notice = QPlainTextEdit()
        self.notice.setPlaceholderText(PASTE_HINT)
        self.notice.setMaximumHeight(130)
        layout.addWidget(self.notice)
        paste_row = QHBoxLayout()
        self.import_button = QPushButton("按通知录入")
        self.import_button.setToolTip("录入后，该年不再按估算计算；有误的行会指出行号，且不作任何更改。")
        self.import_button.clicked.connect(self.import_notice)
        paste_row.addStretch(1)
        paste_row.addWidget(self.import_button)
        layout.addLayout(paste_row)

        day_row = QHBoxLayout()
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.mark = QComboBox()
        self.mark.addItems(["休", "班"])
        self.note = QLineEdit()
        self.note.setPlaceholderText("说明（可选），如 春节")
        self.set_button = QPushButton("录入这一天")
        self.set_button.clicked.connect(self.set_day)
        self.remove_button = QPushButton("撤销所选录入")
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.remove_selected)
        for widget in (self.day, self.mark, self.note, self.set_button, self.remove_button):
            day_row.addWidget(widget)
        layout.addLayout(day_row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.reload()

    # -- loading ------------------------------------------------------------------------------
    def reload(self) -> None:
        year = self.year.value()
        self.runner.call(calendar_ops.calendar_year, year, on_success=self._show, owner=self, write=False)

    def _show(self, view: YearView) -> None:
        if view.year != self.year.value():
            return
        self.view = view
        self.status.setText(view.status)
        self.table.setRowCount(len(view.days))
        for row, info in enumerate(view.days):
            values = (
                f"{info.day:%Y-%m-%d}",
                f"星期{WEEKDAYS[info.day.weekday()]}",
                "班" if info.is_workday else "休",
                info.name,
                info.source.value,
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, info.day.isoformat())
                if info.source is DaySource.ESTIMATE:
                    item.setForeground(ESTIMATED_DAY_FOREGROUND)
                self.table.setItem(row, column, item)
        if self.day.date().year() != view.year:
            self.day.setDate(QDate(view.year, 1, 1))
        self._selection_changed()
        self.loaded.emit(view)

    def _selected_entry(self) -> date | None:
        items = self.table.selectedItems()
        if not items or self.view is None:
            return None
        row = items[0].row()
        info = self.view.days[row]
        return info.day if info.source is DaySource.OFFICE else None

    def _selection_changed(self) -> None:
        self.remove_button.setEnabled(self._selected_entry() is not None)

    # -- changing -----------------------------------------------------------------------------
    def _run(self, op: Any, *args: Any) -> None:
        def succeeded(change: CalendarChange) -> None:
            text = change_text(change)
            self.message.setText(text)
            self.saved.emit(text)
            self.reload()

        def failed(error: BaseException) -> None:
            self.message.setText("")
            show_error(self, error)

        self.runner.call(op, *args, on_success=succeeded, on_failure=failed, owner=self)

    def import_notice(self) -> None:
        self._run(calendar_ops.enter_notice, self.notice.toPlainText())

    def set_day(self) -> None:
        day = self.day.date().toPython()
        self._run(calendar_ops.set_calendar_day, day, self.mark.currentText(), self.note.text())

    def remove_selected(self) -> None:
        day = self._selected_entry()
        if day is not None:
            self._run(calendar_ops.remove_calendar_day, day)
