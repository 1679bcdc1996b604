"""导出台账: the dialog that writes the Excel 台账 of a year or a period, masked unless confirmed otherwise.

The clerk picks the period (a year, or from/to dates), whether personal data is masked (the default)
or exported in full — which needs an explicit confirmation saying it will be recorded in the audit
log — and the file (``信访台账_<单位>_<年>.xlsx`` in the Documents folder unless chosen otherwise).
``export_ledger`` then runs on the database worker with a cancellable progress dialog; at the end a
message gives the number of cases written and offers to open the containing folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

from PySide6.QtCore import QDate, QSettings, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.export.exchange.operations import (
    ExportChoices,
    ExportOutcome,
    ExportRequest,
    count_rows,
    export_choices,
    export_workbook,
)
from xinfang_desk.export.progress import ExportCancelled
from xinfang_desk.ledger.figures import year_range
from xinfang_desk.ledger.operations.context import OpContext
from xinfang_desk.ui.ops import OpRunner, Progress, show_error
from xinfang_desk.ui.pdf_preview import alive, documents_folder
from xinfang_desk.ui.widgets import ReasonLabel

#: QSettings key of the folder the last 台账 was exported to.
FOLDER_KEY = "export/folder"
#: Characters Windows does not allow in a file name.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

FULL_EXPORT_WARNING = (
    "完整导出的台账将包含信访人完整的身份证号码和联系电话。\n\n"
    "本次完整导出将记入审计日志（操作人、时间、文件名和导出期间）。"
    "请妥善保管该文件，不要通过未加密的方式外传。\n\n确定要完整导出吗？"
)


def default_file_name(unit_name: str, start: date, end: date, *, office: bool = False) -> str:
    """信访台账_<单位>_<年>.xlsx (信访汇总台账_… at the office) for a year, else with the period's dates."""
    whole_year = (start, end) == year_range(start.year)
    period = str(start.year) if whole_year else f"{start:%Y%m%d}-{end:%Y%m%d}"
    unit = _UNSAFE.sub("_", unit_name).strip(" .") or "本单位"
    return f"{'信访汇总台账' if office else '信访台账'}_{unit}_{period}.xlsx"


def _export(request: ExportRequest, ctx: OpContext, progress: Progress) -> ExportOutcome:
    """Write the 台账 on the worker; 取消 stops it through ``cancelled`` (no file is left)."""
    return export_workbook(
        ctx,
        request,
        progress=lambda done, total: progress.reported.emit(done, total, f"已写入 {done:,} / {total:,} 件案件……"),
        cancelled=lambda: progress.cancelled,
    )


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


class ExportDialog(QDialog):
    """导出台账."""

    exported = Signal(object)  # ExportOutcome

    def __init__(
        self,
        runner: OpRunner,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        *,
        office: bool = False,
    ) -> None:
        super().__init__(parent)
        self.office = office
        self.runner = runner
        self.settings = settings
        self.choices = ExportChoices("", (date.today().year,), date.today())
        self.question: QMessageBox | None = None
        self.done_box: QMessageBox | None = None
        self._chosen_path: Path | None = None  # a file picked (and overwrite confirmed) in the file dialog
        self._count_generation = 0
        self.setWindowTitle("导出汇总台账" if office else "导出台账")
        self.setMinimumWidth(640)
        self._build()
        self._set_busy(True)
        runner.run(
            lambda ctx, _p: export_choices(ctx),
            on_success=alive(self, self._choices_arrived),
            on_failure=alive(self, lambda error: show_error(self, error)),
        )

    # -- building --------------------------------------------------------------------------------
    def _build(self) -> None:
        period = QGroupBox("导出期间（按登记日期）")
        grid = QGridLayout(period)
        self.year_radio = QRadioButton("按年度")
        self.year_radio.setChecked(True)
        self.year_combo = QComboBox()
        self.range_radio = QRadioButton("自定义期间")
        today = date.today()
        self.from_date = QDateEdit(_qdate(date(today.year, 1, 1)))
        self.to_date = QDateEdit(_qdate(today))
        for edit in (self.from_date, self.to_date):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        grid.addWidget(self.year_radio, 0, 0)
        grid.addWidget(self.year_combo, 0, 1)
        grid.addWidget(self.range_radio, 1, 0)
        dates = QHBoxLayout()
        dates.addWidget(self.from_date)
        dates.addWidget(QLabel("至"))
        dates.addWidget(self.to_date)
        dates.addStretch(1)
        grid.addLayout(dates, 1, 1)
        self.count_label = QLabel("")
        self.count_label.setObjectName("pageSubtitle")
        grid.addWidget(self.count_label, 2, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self.period_group = QButtonGroup(self)
        self.period_group.addButton(self.year_radio)
        self.period_group.addButton(self.range_radio)

        privacy = QGroupBox("个人信息")
        column = QVBoxLayout(privacy)
        self.masked_radio = QRadioButton("脱敏导出（推荐）")
        self.masked_radio.setChecked(True)
        masked_note = QLabel("身份证号码、联系电话只保留首尾几位，如 3401**********123X、138****5678。")
        self.full_radio = QRadioButton("完整导出")
        self.full_note = QLabel("包含完整的身份证号码和联系电话。导出前需要确认，并记入审计日志。")
        for note in (masked_note, self.full_note):
            note.setObjectName("pageSubtitle")
            note.setWordWrap(True)
            note.setContentsMargins(22, 0, 0, 4)
        column.addWidget(self.masked_radio)
        column.addWidget(masked_note)
        column.addWidget(self.full_radio)
        column.addWidget(self.full_note)
        self.privacy_group = QButtonGroup(self)
        self.privacy_group.addButton(self.masked_radio)
        self.privacy_group.addButton(self.full_radio)

        target = QGroupBox("保存为")
        row = QHBoxLayout(target)
        self.path_edit = QLineEdit()
        self.path_edit.setMinimumWidth(420)
        self.browse_button = QPushButton("浏览…")
        self.browse_button.clicked.connect(self.choose_file)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)

        self.reason = ReasonLabel()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("导出", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(period)
        layout.addWidget(privacy)
        layout.addWidget(target)
        layout.addWidget(self.reason)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        self.year_combo.currentIndexChanged.connect(lambda _i: self._period_edited(self.year_radio))
        self.from_date.dateChanged.connect(lambda _d: self._period_edited(self.range_radio))
        self.to_date.dateChanged.connect(lambda _d: self._period_edited(self.range_radio))
        self.period_group.buttonToggled.connect(lambda _b, on: on and self._period_changed())
        self.path_edit.textEdited.connect(lambda _t: setattr(self, "_chosen_path", None))

    def _set_busy(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy)
        self.browse_button.setEnabled(not busy)

    # -- period and file -------------------------------------------------------------------------
    def _choices_arrived(self, choices: ExportChoices) -> None:
        self.choices = choices
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for year in choices.years:
            self.year_combo.addItem(f"{year}年", year)
        self.year_combo.setCurrentIndex(max(0, self.year_combo.findData(choices.today.year)))
        self.year_combo.blockSignals(False)
        self.path_edit.setText(str(self._folder() / self._default_name()))
        self._set_busy(False)
        self._period_changed()

    def period(self) -> tuple[date, date]:
        if self.year_radio.isChecked():
            return year_range(int(self.year_combo.currentData() or self.choices.today.year))
        return self.from_date.date().toPython(), self.to_date.date().toPython()

    def _default_name(self) -> str:
        start, end = self.period()
        return default_file_name(self.choices.unit_name, start, end, office=self.office)

    def _folder(self) -> Path:
        remembered = self.settings.value(FOLDER_KEY, "", str) if self.settings is not None else ""
        if remembered and Path(remembered).is_dir():
            return Path(remembered)
        return documents_folder()

    def _period_edited(self, radio: QRadioButton) -> None:
        if radio.isChecked():
            self._period_changed()
        else:
            radio.setChecked(True)  # choosing a year or a date selects its option (and updates)

    def _period_changed(self) -> None:
        """Follow the period in the file name (unless a file was chosen) and count its cases."""
        if self._chosen_path is None and self.path_edit.text():
            folder = Path(self.path_edit.text()).parent
            self.path_edit.setText(str(folder / self._default_name()))
        start, end = self.period()
        if start > end:
            self.count_label.setText("起始日期晚于截止日期。")
            return
        self._count_generation += 1
        generation = self._count_generation

        def counted(cases: int) -> None:
            if generation == self._count_generation:
                self.count_label.setText(f"该期间共登记 {cases:,} 件案件。")

        self.runner.call(count_rows, start, end, on_success=alive(self, counted))

    def choose_file(self) -> None:
        current = self.path_edit.text() or str(self._folder() / self._default_name())
        path, _filter = QFileDialog.getSaveFileName(self, "导出台账", current, "Excel 工作簿 (*.xlsx)")
        if path:
            chosen = Path(path if path.lower().endswith(".xlsx") else path + ".xlsx")
            self.path_edit.setText(str(chosen))
            self._chosen_path = chosen

    # -- exporting -------------------------------------------------------------------------------
    def request(self) -> ExportRequest | None:
        """What to export, or None (with the reason shown) when something is missing."""
        self.reason.say("")
        start, end = self.period()
        if start > end:
            self.reason.say("起始日期晚于截止日期，请重新选择导出期间。")
            return None
        text = self.path_edit.text().strip()
        if not text:
            self.reason.say("请选择保存位置。")
            return None
        path = Path(text).expanduser()
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        if not path.parent.is_dir():
            self.reason.say(f"文件夹不存在：{path.parent}")
            return None
        return ExportRequest(path, start, end, self.full_radio.isChecked(), self.office)

    def start_export(self) -> None:
        request = self.request()
        if request is None:
            return
        questions: list[tuple[str, str]] = []
        if request.full:
            questions.append((FULL_EXPORT_WARNING, "确认完整导出"))
        if request.path.exists() and request.path != self._chosen_path:
            questions.append((f"“{request.path.name}”已存在。要替换它吗？", "替换"))
        self._confirm_then(questions, partial(self._run, request))

    def _confirm_then(self, questions: list[tuple[str, str]], action: Callable[[], None]) -> None:
        """Ask each question in turn (the safe answer is the default); run ``action`` if all are confirmed."""
        if not questions:
            action()
            return
        (text, confirm_label), rest = questions[0], questions[1:]
        box = QMessageBox(QMessageBox.Icon.Warning, "导出台账", text, parent=self)
        confirm = box.addButton(confirm_label, QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)

        def answered(_result: int) -> None:
            self.question = None
            if box.clickedButton() is confirm:
                self._confirm_then(rest, action)

        box.finished.connect(answered)
        self.question = box
        box.open()

    def _run(self, request: ExportRequest) -> None:
        self._set_busy(True)
        self.status.setText("")
        self.runner.run(
            partial(_export, request),
            on_success=alive(self, self._exported),
            on_failure=alive(self, self._failed),
            progress_label="正在导出台账……",
            parent=self,
        )

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, ExportCancelled):
            self.status.setText(str(error))
            return
        show_error(self, error)

    def _exported(self, outcome: ExportOutcome) -> None:
        if self.settings is not None:
            self.settings.setValue(FOLDER_KEY, str(outcome.path.parent))
        self.exported.emit(outcome)
        privacy = "完整导出，已记入审计日志" if outcome.full else "已脱敏"
        overdue = f"，其中超期 {outcome.overdue:,} 件" if outcome.overdue else ""
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "台账已导出",
            f"已导出 {outcome.rows:,} 件案件{overdue}。\n个人信息：{privacy}。\n\n文件：{outcome.path}",
            parent=self.parentWidget(),
        )
        folder = box.addButton("打开所在文件夹", QMessageBox.ButtonRole.ActionRole)
        folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(outcome.path.parent))))
        box.addButton("关闭", QMessageBox.ButtonRole.AcceptRole)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.done_box = box
        self.accept()
        box.open()
