"""导入台账 dialog: choose or drop an old 台账, check how its columns map, import it on the worker.

After a file is chosen its columns are shown beside the ledger's fields with the first rows
(``MappingView``); the user corrects the mapping and gives one value for any field the file lacks.
The mapping is remembered (QSettings) for the next file.  By default a bad row stops the import (found
while reading the file: before anything is written); the user may choose to import only the good
rows.  Importing a file again skips the rows already imported.  The report lists the mapping, the
rows skipped (titles, notes), the columns left unused and each bad row with its Excel row number.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.export.exchange.import_ledger import ImportReport
from xinfang_desk.export.exchange.import_mapping import ImportMapping, Preview, preview
from xinfang_desk.export.exchange.operations import import_file
from xinfang_desk.ledger.operations.context import OpContext, OpResult
from xinfang_desk.ui.file_dialogs import open_file_name
from xinfang_desk.ui.import_mapping_view import MappingView
from xinfang_desk.ui.merge_dialog import WorkbookTaskDialog, XlsxDropList
from xinfang_desk.ui.ops import OpRunner, Progress

#: QSettings key of the last mapping used.
MAPPING_KEY = "import/mapping"
#: The spreadsheet files an old 台账 may come in.
IMPORT_SUFFIXES = (".xlsx", ".xls", ".ods")
IMPORT_FILTER = "表格文件 (*.xlsx *.xls *.ods)"


class ImportDialog(WorkbookTaskDialog):
    """Chooses the file, shows the mapping step, runs the import and shows its report."""

    def __init__(
        self, runner: OpRunner, parent: QWidget | None = None, settings: QSettings | None = None
    ) -> None:
        super().__init__(runner, parent, title="导入台账", start="开始导入")
        self.settings = settings
        self.report: ImportReport | None = None
        self.preview: Preview | None = None
        self.resize(820, 720)

        hint = QLabel(
            "选择本单位原有的台账（.xlsx、.xls 或 .ods），或拖到下面的框中。程序认得常用的列名（如“来访日期”“反映问题”），"
            "其余的列请在下表中指明对应台账的哪一列。每行按表中的日期登记，并补录受理、交办、答复、办结等过程；"
            "原台账记载的案件编号、办理时限、延期和是否按期办结照录。"
        )
        hint.setWordWrap(True)
        self.file = XlsxDropList(self, limit=1, suffixes=IMPORT_SUFFIXES)
        self.file.setMinimumHeight(48)
        self.file.setMaximumHeight(60)
        choose = QPushButton("选择文件…")
        choose.clicked.connect(self.choose_file)
        self.mapping_view = MappingView(self)
        self.good_rows_only = QCheckBox("只导入正确的行（默认：有任何一行有误则停止导入）")
        self.good_rows_only.setToolTip(
            "读取文件时发现有误的行：本次不导入任何案件。\n"
            "写入时才发现有误的行（如与台账中的原案冲突）：导入在该行停止，之前已导入的案件完整保留。\n"
            "改正后再次导入同一文件，已导入的行会自动跳过，不会重复。"
        )
        self.new_numbers = QCheckBox(
            "全部重新编号（默认：保留原台账中符合本单位格式且未被占用的编号，其余重新编号，原编号记入备注）"
        )
        self.report_view.setPlaceholderText("导入完成后在此显示结果；有误的行会列出行号和原因。")
        self.report_view.setMaximumHeight(200)

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
        layout.addWidget(self.mapping_view, 1)
        layout.addWidget(self.good_rows_only)
        layout.addWidget(self.new_numbers)
        layout.addWidget(self.report_view)
        layout.addLayout(bottom)
        self.file.files_changed.connect(self._file_changed)
        self._update_buttons()

    def ready(self) -> bool:
        return self.file.count() == 1 and self.preview is not None

    def choose_file(self) -> None:
        path = open_file_name(self, "选择原有台账", IMPORT_FILTER)
        if path is not None:
            self.file.add_paths([path])

    def set_file(self, path: Path) -> None:
        self.file.add_paths([Path(path)])

    # -- the mapping step ----------------------------------------------------------------------
    def remembered(self) -> ImportMapping:
        """The mapping used last time (empty when none, or when it cannot be read)."""
        text = self.settings.value(MAPPING_KEY, "", str) if self.settings is not None else ""
        try:
            return ImportMapping.from_json(json.loads(text)) if text else ImportMapping()
        except ValueError:
            return ImportMapping()

    def _file_changed(self) -> None:
        self.preview = None
        self._update_buttons()
        paths = self.file.paths()
        if not paths:
            return
        path, remembered = paths[0], self.remembered()
        self.report_view.setPlainText("正在读取文件……")
        self.runner.run_detached(  # reading the file needs no ledger
            lambda _progress: preview(path, remembered),
            on_success=lambda shown: self._show_preview(shown, remembered),
            on_failure=self._show_failure,
            parent=self,
        )

    def _show_preview(self, shown: Preview, remembered: ImportMapping) -> None:
        self.preview = shown
        self.mapping_view.show_preview(shown, remembered)
        self.report_view.setPlainText("请核对列的对应，然后点“开始导入”。")
        self._update_buttons()

    # -- the import ----------------------------------------------------------------------------
    def start(self) -> None:
        paths = self.file.paths()
        if not paths or self.preview is None:
            return
        missing = self.mapping_view.missing()
        if missing:
            self.report_view.setPlainText(
                f"还缺少：{'、'.join(missing)}。请在表中指明哪一列对应，或在下方为所有行填写同一值。"
            )
            return
        mapping = self.mapping_view.mapping()
        mapping.new_numbers = self.new_numbers.isChecked()
        if self.settings is not None:
            self.settings.setValue(MAPPING_KEY, json.dumps(mapping.to_json(), ensure_ascii=False))
        path, good_only = paths[0], self.good_rows_only.isChecked()

        def work(ctx: OpContext, progress: Progress) -> OpResult[ImportReport]:
            return import_file(
                ctx,
                path,
                mapping=mapping,
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


def open_import_dialog(
    parent: QWidget | None, runner: OpRunner, settings: QSettings | None = None
) -> ImportDialog:
    """Open the 导入台账 dialog; returns it."""
    dialog = ImportDialog(runner, parent, settings)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
