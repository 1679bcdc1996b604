"""审计日志: who saw, changed, exported or printed what, and when; filtered by person, case and action.

The rows come from ``ledger.operations.trail`` on the database worker (管理员 and 单位负责人 only: the
operation refuses anyone else, and the page then says so).  导出 writes the filtered trail to Excel;
the export is itself recorded before the file is written.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.operations.trail import (
    PAGE_LIMIT,
    TrailFilter,
    TrailRow,
    export_trail,
    trail_actions,
    trail_rows,
)
from xinfang_desk.ui.ops import OpRunner, error_text, show_error

COLUMNS = ("时间", "操作人", "操作", "案件编号", "详情")
_open: dict[int, AuditPage] = {}


class AuditPage(QWidget):
    """The audit trail with its filters and 导出."""

    def __init__(self, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.rows: list[TrailRow] = []
        self.setWindowTitle("审计日志")
        self.resize(1000, 640)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.person = QLineEdit()
        self.person.setPlaceholderText("操作人")
        self.case_no = QLineEdit()
        self.case_no.setPlaceholderText("案件编号")
        self.action = QComboBox()
        self.action.addItem("全部操作", "")
        self.search = QPushButton("查询")
        self.export_button = QPushButton("导出…")
        for widget in (
            QLabel("筛选："),
            self.person,
            self.case_no,
            self.action,
            self.search,
            self.export_button,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.search.clicked.connect(self.reload)
        for edit in (self.person, self.case_no):
            edit.returnPressed.connect(self.reload)
        self.action.currentIndexChanged.connect(lambda _i: self.reload())
        self.export_button.clicked.connect(self.choose_export)
        self.runner.call(trail_actions, on_success=self._fill_actions, on_failure=self._refused, owner=self)
        self.reload()

    def trail_filter(self) -> TrailFilter:
        return TrailFilter(
            person=self.person.text().strip(),
            case_no=self.case_no.text().strip(),
            action=str(self.action.currentData() or ""),
        )

    def _fill_actions(self, actions: list[tuple[str, str]]) -> None:
        self.action.blockSignals(True)
        for code, label in actions:
            self.action.addItem(label, code)
        self.action.blockSignals(False)

    def reload(self) -> None:
        self.runner.call(
            trail_rows, self.trail_filter(), on_success=self._show, on_failure=self._refused, owner=self
        )

    def _refused(self, error: BaseException) -> None:
        self.table.setRowCount(0)
        self.search.setEnabled(False)
        self.export_button.setEnabled(False)
        self.message.setText(error_text(error))

    def _show(self, rows: list[TrailRow]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = (f"{row.at:%Y-%m-%d %H:%M:%S}", row.actor, row.action, row.case_no, row.detail)
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        more = (
            f"（只显示最近 {PAGE_LIMIT} 条，请缩小筛选范围；导出包含全部）" if len(rows) >= PAGE_LIMIT else ""
        )
        self.message.setText(f"共 {len(rows)} 条{more}")

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "导出审计日志", "审计日志.xlsx", "Excel 工作簿 (*.xlsx)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        self.runner.call(
            export_trail,
            self.trail_filter(),
            path,
            on_success=lambda count: self.message.setText(f"已导出审计日志 {count} 条：{path}"),
            on_failure=lambda error: show_error(self, error),
        )


def open_audit_window(runner: OpRunner, parent: QWidget | None = None) -> AuditPage:
    """The audit window (raised when already open)."""
    page = _open.get(id(runner))
    if page is None:
        page = AuditPage(runner)
        page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        _open[id(runner)] = page
        page.destroyed.connect(lambda *_: _open.pop(id(runner), None))
    page.show()
    page.raise_()
    page.activateWindow()
    return page
