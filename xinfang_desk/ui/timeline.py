"""The history of a case (办理记录) as a list: when, which step, who, and what was noted."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from xinfang_desk.ledger.case_details import TimelineEntry
from xinfang_desk.ledger.vocab import EventKind
from xinfang_desk.ui.style import (
    ANSWERED_FOREGROUND,
    ATTENTION_FOREGROUND,
    ERROR_FOREGROUND,
    RECOMPUTED_FOREGROUND,
    RECORD_FOREGROUND,
    SUCCESS_FOREGROUND,
)

#: Steps that deserve a colour in the history.
KIND_COLOURS: dict[str, QColor] = {
    EventKind.SUPERVISE: ATTENTION_FOREGROUND,
    EventKind.EXTEND: ATTENTION_FOREGROUND,
    EventKind.REOPEN: ERROR_FOREGROUND,
    EventKind.DECLINE: ERROR_FOREGROUND,
    EventKind.CLOSE: SUCCESS_FOREGROUND,
    EventKind.REPLY: ANSWERED_FOREGROUND,
    EventKind.CORRECT: RECORD_FOREGROUND,
    EventKind.RECOMPUTE_DEADLINE: RECOMPUTED_FOREGROUND,
}
COLUMNS = ("时间", "步骤", "经办人", "内容")
TEXT_COLUMN = len(COLUMNS) - 1
#: Room the style leaves around a cell's text.
CELL_PADDING = 10


class _WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their wrapped text in the 内容 column: nothing is cut off with "…"."""

    def __init__(self, view: QTreeWidget) -> None:
        super().__init__(view)
        self.view = view

    def sizeHint(  # noqa: N802 (Qt naming)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        if index.column() != TEXT_COLUMN:
            return hint
        width = max(40, self.view.columnWidth(TEXT_COLUMN) - CELL_PADDING)
        text = str(index.data() or "")
        needed = option.fontMetrics.boundingRect(
            QRect(0, 0, width, 1_000_000), Qt.TextFlag.TextWordWrap, text
        )
        return QSize(hint.width(), max(hint.height(), needed.height() + CELL_PADDING))


class TimelineView(QTreeWidget):
    """One row per event, oldest first; the note and the step's details wrap in the last column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(list(COLUMNS))
        self.setRootIsDecorated(False)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setItemDelegate(_WrappingDelegate(self))
        header = self.header()
        header.setStretchLastSection(True)
        for column, width in enumerate((128, 76, 84)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(column, width)
        header.sectionResized.connect(lambda *_: self.doItemsLayout())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self.doItemsLayout()  # the text column's width changed: rows wrap anew

    def set_entries(self, entries: Sequence[TimelineEntry]) -> None:
        self.clear()
        bold = QFont(self.font())
        bold.setBold(True)
        for entry in entries:
            text = "\n".join(part for part in (entry.note, entry.detail) if part)
            item = QTreeWidgetItem([f"{entry.at:%Y-%m-%d %H:%M}", entry.kind_label, entry.recorded_by, text])
            item.setFont(1, bold)
            colour = KIND_COLOURS.get(entry.kind)
            if colour is not None:
                item.setForeground(1, QBrush(colour))
            item.setToolTip(3, text)
            if entry.unit:
                item.setToolTip(2, f"此步骤由{entry.unit}办理，记录于该单位的台账，随其导出文件合并而来。")
            self.addTopLevelItem(item)
        if entries:
            self.scrollToItem(self.topLevelItem(len(entries) - 1))

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The texts shown, row by row (what a user reads)."""
        return [
            tuple(self.topLevelItem(i).text(c) for c in range(len(COLUMNS)))  # type: ignore[misc]
            for i in range(self.topLevelItemCount())
        ]
