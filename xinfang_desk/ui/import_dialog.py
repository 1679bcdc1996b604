"""导入台账 dialog: choose or drop one Excel 台账, import it on the worker, show which rows went in.

By default nothing is written unless every row is good; the user may choose to import only the good
rows.  The report lists each bad row with its Excel row number and reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.export.exchange.operations import import_file
from xinfang_desk.ledger.operations.context import OpContext, OpResult
from xinfang_desk.ui.merge_dialog import XLSX_FILTER, WorkbookTaskDialog, XlsxDropList
from xinfang_desk.ui.ops import OpRunner, Progress

if TYPE_CHECKING:
    from xinfang_desk.export.exchange.import_ledger import ImportReport


class ImportDialog(WorkbookTaskDialog):
    """Chooses the file, runs the import and shows its report."""

    def __init__(self, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent, title="导入台账", start="开始导入")
        from xinfang_desk.export.exchange.import_ledger import IMPORT_REQUIRED  # the reader loads on opening

        self.report: ImportReport | None = None
        self.resize(720, 520)

        hint = QLabel(
            "选择本单位原有的 Excel 台账（.xlsx），或拖到下面的框中。表头用台账的中文列名，顺序不限，"
            f"至少包含：{'、'.join(IMPORT_REQUIRED)}。每行按表中的日期登记并补录受理、交办、答复、办结等过程。"
        )
        hint.setWordWrap(True)
        self.file = XlsxDropList(self, limit=1)
        self.file.setMinimumHeight(48)
        self.file.setMaximumHeight(60)
        choose = QPushButton("选择文件…")
        choose.clicked.connect(self.choose_file)
        self.good_rows_only = QCheckBox("只导入正确的行（默认：有任何一行有误则全部不导入）")
        self.report_view.setPlaceholderText("导入完成后在此显示结果；有误的行会列出行号和原因。")

        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(choose)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.start_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(row)
        layout.addWidget(self.good_rows_only)
        layout.addWidget(self.report_view, 1)
        layout.addLayout(bottom)
        self.file.files_changed.connect(self._update_buttons)
        self._update_buttons()

    def ready(self) -> bool:
        return self.file.count() == 1

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "选择 Excel 台账", "", XLSX_FILTER)
        if name:
            self.file.add_paths([Path(name)])

    def set_file(self, path: Path) -> None:
        self.file.add_paths([Path(path)])

    def start(self) -> None:
        paths = self.file.paths()
        if not paths:
            return
        path, good_only = paths[0], self.good_rows_only.isChecked()

        def work(ctx: OpContext, progress: Progress) -> OpResult[ImportReport]:
            return import_file(
                ctx,
                path,
                good_rows_only=good_only,
                progress=lambda done, total: progress.reported.emit(
                    done, total, f"正在导入：第 {done} / {total} 行"
                ),
                cancelled=lambda: progress.cancelled,
            )

        self._run_task(work, self._show_report, busy_text="正在导入……", progress_label="正在导入台账…")

    def _show_report(self, report: ImportReport) -> None:
        self.report = report
        self.report_view.setPlainText(report.text())
        self._update_buttons()


def open_import_dialog(parent: QWidget | None, runner: OpRunner) -> ImportDialog:
    """Open the 导入台账 dialog; returns it."""
    dialog = ImportDialog(runner, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
