"""合并台账 dialog: choose or drop the units' .xlsx files, merge them on the worker, show the report.

The merge runs through ``OpRunner`` behind a cancellable progress dialog (cancelling stops between
files; the files already merged stay).  The report is shown in the dialog and saved as a text file in
the “合并报告” folder beside the ledger.  ``XlsxDropList`` (a file list that accepts dragged .xlsx
files) is shared with the import dialog.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.export.exchange.operations import MergeOutcome, merge_files
from xinfang_desk.ledger.operations.context import OpContext, OpResult
from xinfang_desk.ui.file_dialogs import open_file_names
from xinfang_desk.ui.ops import OpRunner, Progress, error_text

if TYPE_CHECKING:  # the merge and its workbook libraries load when a merge starts
    from xinfang_desk.export.exchange.merge import MergeReport

REPORT_FOLDER = "合并报告"
XLSX_FILTER = "Excel 台账 (*.xlsx)"


def xlsx_paths(urls: Any, suffixes: tuple[str, ...] = (".xlsx",)) -> list[Path]:
    """The local files among dropped URLs whose names end in one of ``suffixes``."""
    paths = []
    for url in urls:
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in suffixes:
                paths.append(path)
    return paths


class XlsxDropList(QListWidget):
    """A list of .xlsx files that also takes files dragged onto it (at most ``limit`` if given)."""

    files_changed = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        limit: int | None = None,
        suffixes: tuple[str, ...] = (".xlsx",),
    ) -> None:
        super().__init__(parent)
        self.limit = limit
        self.suffixes = suffixes
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setMinimumHeight(140)

    def paths(self) -> list[Path]:
        return [Path(self.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.count())]

    def add_paths(self, paths: list[Path]) -> None:
        known = set(self.paths())
        for path in paths:
            if path in known:
                continue
            if self.limit is not None and self.count() >= self.limit:
                self.takeItem(0)
            item = QListWidgetItem(path.name)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(str(path))
            self.addItem(item)
            known.add(path)
        self.files_changed.emit()

    def remove_selected(self) -> None:
        for item in self.selectedItems():
            self.takeItem(self.row(item))
        self.files_changed.emit()

    # drag and drop of files from the desktop or a file manager
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if xlsx_paths(event.mimeData().urls(), self.suffixes):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = xlsx_paths(event.mimeData().urls(), self.suffixes)
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()


class WorkbookTaskDialog(QDialog):
    """What the merge and import dialogs share: a report view, 开始/关闭 buttons, the run on the worker."""

    def __init__(self, runner: OpRunner, parent: QWidget | None, *, title: str, start: str) -> None:
        super().__init__(parent)
        self.runner = runner
        self.setWindowTitle(title)
        self.start_button = QPushButton(start)
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.close_button = QPushButton("关闭")
        self.close_button.clicked.connect(self.reject)
        self.report_view = QPlainTextEdit(self)
        self.report_view.setReadOnly(True)

    def start(self) -> None:
        raise NotImplementedError

    def ready(self) -> bool:
        """Whether the files chosen so far can be started on."""
        raise NotImplementedError

    def _update_buttons(self) -> None:
        self.start_button.setEnabled(self.ready() and not self.runner.busy)

    def _run_task(self, work: Any, on_success: Any, *, busy_text: str, progress_label: str) -> None:
        self.start_button.setEnabled(False)
        self.report_view.setPlainText(busy_text)
        self.runner.run(
            work,
            on_success=on_success,
            on_failure=self._show_failure,
            progress_label=progress_label,
            parent=self,
        )

    def _show_failure(self, error: BaseException) -> None:
        self.report_view.setPlainText(error_text(error))
        self._update_buttons()


class MergeDialog(WorkbookTaskDialog):
    """Chooses the files, runs the merge and shows its report."""

    def __init__(self, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent, title="合并台账", start="开始合并")
        self.report: MergeReport | None = None
        self.saved_report: Path | None = None
        self.resize(760, 560)

        hint = QLabel(
            "选择各单位导出的 Excel 台账（.xlsx），或把文件拖到下面的列表中。每个文件整体合并或整体拒绝。"
        )
        hint.setWordWrap(True)
        self.files = XlsxDropList(self)
        add = QPushButton("添加文件…")
        add.clicked.connect(self.choose_files)
        remove = QPushButton("移除所选")
        remove.clicked.connect(self.files.remove_selected)
        self.accept_edited = QCheckBox("接受导出后被修改过的文件（校验值不符；合并后标记为“已修改”）")
        self.report_view.setPlaceholderText(
            "合并完成后在此显示报告：每个文件合并或拒绝的原因，新增、更新、未变、冲突的案件，多头访提示。"
        )
        self.saved_label = QLabel("")
        self.saved_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        file_buttons = QHBoxLayout()
        file_buttons.addWidget(add)
        file_buttons.addWidget(remove)
        file_buttons.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.saved_label, 1)
        bottom.addWidget(self.start_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.files)
        layout.addLayout(file_buttons)
        layout.addWidget(self.accept_edited)
        layout.addWidget(self.report_view, 1)
        layout.addLayout(bottom)
        self.files.files_changed.connect(self._update_buttons)
        self._update_buttons()

    def ready(self) -> bool:
        return self.files.count() > 0

    def choose_files(self) -> None:
        self.files.add_paths(open_file_names(self, "选择各单位导出的台账", XLSX_FILTER))

    def add_files(self, paths: list[Path]) -> None:
        self.files.add_paths([Path(p) for p in paths])

    def report_folder(self) -> Path:
        location = self.runner.ledger.path
        return (location.parent if location else Path.home()) / REPORT_FOLDER

    def start(self) -> None:
        paths = self.files.paths()
        if not paths:
            return
        accept_edited = self.accept_edited.isChecked()
        folder = self.report_folder()

        def work(ctx: OpContext, progress: Progress) -> OpResult[MergeOutcome]:
            return merge_files(
                ctx,
                paths,
                accept_edited=accept_edited,
                report_folder=folder,
                progress=lambda done, total: progress.reported.emit(
                    done, total, f"正在合并：第 {done} / {total} 个文件"
                ),
                cancelled=lambda: progress.cancelled,
            )

        self._run_task(work, self._show_report, busy_text="正在合并……", progress_label="正在合并台账…")

    def _show_report(self, result: MergeOutcome) -> None:
        self.report, self.saved_report = result.report, result.saved_report
        self.report_view.setPlainText(self.report.text())
        self.saved_label.setText(f"报告已保存：{self.saved_report}")
        self.files.clear()
        self._update_buttons()


def open_merge_dialog(parent: QWidget | None, runner: OpRunner) -> MergeDialog | None:
    """Open the 合并台账 dialog (office ledgers only); returns it, or None after explaining why not."""
    if not runner.ledger.is_office:
        QMessageBox.information(parent, "合并台账", "合并台账只能在信访与督办室（汇总模式）的台账中进行。")
        return None
    dialog = MergeDialog(runner, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
