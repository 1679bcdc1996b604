"""案件详情: one case's fields, its history, its attachments, and the steps valid for it now.

The view loads a ``CaseDetails`` on the database worker and refreshes whenever ``runner.changed``
names its case.  Only the steps the case's state allows appear as buttons; each opens a small dialog
(``action_dialogs``) and the ledger's refusals are shown as readable Chinese, never tracebacks.  ID
number and phone stay masked until 显示 is pressed.  Attachments are added by file dialog or by
dropping files on the window and open in the system's viewer.  ``show_case`` opens a case in its own
window, or raises the window that already shows it.  Printing: 打印交办单 (and 督办单, 受理/不予受理告知书)
appears once the case has reached the step its document records, and opens a print preview.
Pressing 显示 on personal data is recorded in the audit log (who, when, which case and field).
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.export.documents import operations as documents
from xinfang_desk.export.documents.facts import DocumentKind
from xinfang_desk.ledger.case_details import CaseDetails
from xinfang_desk.ledger.deadlines import ESTIMATE_HINT, due_text
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.vocab import EventKind, Satisfaction, Status
from xinfang_desk.private_files import open_copy
from xinfang_desk.ui.action_dialogs import TITLES, CorrectionDialog, StepDialog
from xinfang_desk.ui.file_dialogs import open_file_names
from xinfang_desk.ui.ops import Changes, OpRunner, error_text, show_error
from xinfang_desk.ui.pdf_preview import SHORT_NAMES, preview_documents
from xinfang_desk.ui.style import (
    ANSWERED_FOREGROUND,
    ATTENTION_FOREGROUND,
    DEADLINE_FOREGROUND,
    EMPTY_FOREGROUND,
    ERROR_FOREGROUND,
    MUTED_FOREGROUND,
    OPEN_CASE_FOREGROUND,
    RECORD_FOREGROUND,
    SUCCESS_FOREGROUND,
    badge_style,
    text_style,
)
from xinfang_desk.ui.timeline import TimelineView
from xinfang_desk.ui.widgets import MaskedValue, form_row

#: The status chip's colour; a status not listed is a case still being handled.
STATUS_COLOURS: dict[Status, QColor] = {
    Status.REGISTERED: RECORD_FOREGROUND,
    Status.DECLINED: MUTED_FOREGROUND,
    Status.FORWARDED: MUTED_FOREGROUND,
    Status.REPLIED: ANSWERED_FOREGROUND,
    Status.EVALUATED: ANSWERED_FOREGROUND,
    Status.CLOSED: SUCCESS_FOREGROUND,
}
EMPTY = "—"
#: Audit action: a user pressed 显示 on a petitioner's ID or phone number.

_open_views: dict[int, CaseView] = {}


def show_case(runner: OpRunner, case_id: int) -> CaseView:
    """Open the case in its own window, or raise the window already showing it."""
    view = _open_views.get(case_id)
    if view is None:
        view = CaseView(runner, case_id)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        _open_views[case_id] = view
        view.destroyed.connect(lambda *_: _open_views.pop(case_id, None))
    view.show()
    view.raise_()
    view.activateWindow()
    return view


class CaseView(QWidget):
    """The case view of one case; usable embedded or as a top-level window."""

    def __init__(self, runner: OpRunner, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.case_id = case_id
        self.details: CaseDetails | None = None
        self.action_buttons: dict[EventKind, QPushButton] = {}
        self.print_buttons: dict[DocumentKind, QPushButton] = {}
        self.dialog: StepDialog | CorrectionDialog | None = None
        self.question: QMessageBox | None = None
        self.values: dict[tuple[str, str], QLabel | MaskedValue] = {}
        self.setWindowTitle("案件详情")
        self.resize(1200, 820)
        self.setAcceptDrops(True)
        self._build()
        closing = QKeySequence.keyBindings(QKeySequence.StandardKey.Close)
        closing += [QKeySequence("Ctrl+W"), QKeySequence("Esc")]
        for keys in dict.fromkeys(k.toString() for k in closing):  # once each: a twin would be ambiguous
            QShortcut(QKeySequence(keys), self, self.close)
        runner.changed.connect(self._on_changed)
        self.reload()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        self.title = QLabel("正在读取案件……")
        self.title.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.status_chip = QLabel()
        self.due_label = QLabel()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 14px;")
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.status_chip)
        head.addSpacing(12)
        head.addWidget(self.due_label)
        head.addStretch(1)

        self.actions_bar = QHBoxLayout()
        self.actions_hint = QLabel()
        self.actions_hint.setStyleSheet(text_style(MUTED_FOREGROUND))
        self.actions_bar.addWidget(self.actions_hint)
        self.actions_bar.addStretch(1)
        self.correct_button = QPushButton("更正…")
        self.correct_button.setToolTip("更正登记内容（原内容保留在办理记录中）")
        self.correct_button.clicked.connect(self.start_correction)
        self.actions_bar.addWidget(self.correct_button)
        self.print_bar = QHBoxLayout()
        self.actions_bar.addLayout(self.print_bar)

        self.fields_column = QVBoxLayout()
        holder = QWidget()
        holder.setLayout(self.fields_column)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(holder)

        self.timeline = TimelineView()
        history = QGroupBox("办理记录")
        QVBoxLayout(history).addWidget(self.timeline)

        self.attachments = QListWidget()
        self.attachments.itemDoubleClicked.connect(
            lambda item: self.open_attachment(item.data(Qt.ItemDataRole.UserRole))
        )
        add = QPushButton("添加附件…")
        add.clicked.connect(self.choose_attachments)
        self.open_button = QPushButton("打开")
        self.open_button.clicked.connect(self._open_selected)
        hint = QLabel("可将扫描件、照片、PDF 拖到本窗口添加")
        hint.setStyleSheet(text_style(MUTED_FOREGROUND))
        files = QGroupBox("附件")
        files_layout = QVBoxLayout(files)
        files_layout.addWidget(self.attachments)
        row = QHBoxLayout()
        row.addWidget(hint, 1)
        row.addWidget(add)
        row.addWidget(self.open_button)
        files_layout.addLayout(row)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(history)
        right.addWidget(files)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(scroll)
        body.addWidget(right)
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 1)
        body.setSizes([560, 640])

        self.message = QLabel()
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.summary)
        layout.addLayout(self.actions_bar)
        layout.addWidget(body, 1)
        layout.addWidget(self.message)

    def _build_fields(self, details: CaseDetails) -> None:
        for group in details.groups:
            box = QGroupBox(group.title)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for detail in group.fields:
                if detail.personal:
                    widget: QLabel | MaskedValue = MaskedValue()
                    widget.toggle.toggled.connect(partial(self._revealed, widget, detail.label))
                else:
                    widget = QLabel()
                    widget.setWordWrap(True)
                    widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.values[(group.title, detail.label)] = widget
                form_row(form, detail.label, widget)
            self.fields_column.addWidget(box)
        self.fields_column.addStretch(1)

    # ------------------------------------------------------------------ loading
    def reload(self) -> None:
        self.runner.call(
            cases.case_details, self.case_id, on_success=self._show, on_failure=self._load_failed
        )
        self.runner.call(documents.printable_kinds, self.case_id, on_success=self._show_print_buttons)

    def _on_changed(self, changes: Changes) -> None:
        if changes.everything or changes.reference or self.case_id in changes.case_ids:
            self.reload()

    def _load_failed(self, error: BaseException) -> None:
        self.title.setText("无法读取案件")
        self.message.setText(error_text(error))

    def _show(self, details: CaseDetails) -> None:
        self.details = details
        if not self.values:
            self._build_fields(details)
        self.setWindowTitle(f"案件 {details.case_no} — {details.summary}")
        self.title.setText(details.case_no)
        colour = STATUS_COLOURS.get(details.status, OPEN_CASE_FOREGROUND)
        self.status_chip.setText(details.status.label)
        self.status_chip.setStyleSheet(badge_style(colour, radius=4, padding="2px 8px"))
        self.summary.setText(details.summary)
        self._show_due(details)
        for group in details.groups:
            for detail in group.fields:
                widget = self.values.get((group.title, detail.label))
                if isinstance(widget, MaskedValue):
                    widget.set_value(detail.value, detail.masked or "")
                elif widget is not None:
                    widget.setText(detail.value or EMPTY)
                    widget.setStyleSheet("" if detail.value else text_style(EMPTY_FOREGROUND))
        self.timeline.set_entries(details.timeline)
        self._show_attachments(details)
        self._show_actions(details)

    def _show_due(self, details: CaseDetails) -> None:
        if details.due_on is None or details.days_left is None:
            self.due_label.setText("")
            return
        due = due_text(details.due_on, details.due_estimated)
        if details.days_left < 0:
            text, colour = f"期限 {due}，已超期 {-details.days_left} 天", ERROR_FOREGROUND
        elif details.days_left <= 3:
            text, colour = f"期限 {due}，还剩 {details.days_left} 天", ATTENTION_FOREGROUND
        else:
            text, colour = f"期限 {due}，还剩 {details.days_left} 天", DEADLINE_FOREGROUND
        self.due_label.setText(text)
        self.due_label.setToolTip(ESTIMATE_HINT if details.due_estimated else "")
        self.due_label.setStyleSheet(text_style(colour, bold=True))

    def _show_attachments(self, details: CaseDetails) -> None:
        self.attachments.clear()
        for info in details.attachments:
            size = f"{info.size / 1024:.0f} KB" if info.size >= 1024 else f"{info.size} 字节"
            item = QListWidgetItem(
                f"{info.filename}　（{size}，{info.added_by} {info.added_at:%Y-%m-%d} 添加）"
            )
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            self.attachments.addItem(item)
        self.open_button.setEnabled(bool(details.attachments))

    def _show_actions(self, details: CaseDetails) -> None:
        stepping = any(button.hasFocus() for button in self.action_buttons.values())
        for button in self.action_buttons.values():
            self.actions_bar.removeWidget(button)
            button.deleteLater()
        self.action_buttons = {}
        for position, kind in enumerate(details.actions):
            again = kind is EventKind.REOPEN and details.status is Status.EVALUATED
            button = QPushButton("重新办理" if again else TITLES[kind])
            button.setObjectName(f"step_{kind.value}")
            button.clicked.connect(partial(self.start_step, kind))
            self.actions_bar.insertWidget(position, button)
            self.action_buttons[kind] = button
        self.actions_hint.setText("" if details.actions else "本案件已终结，无可办理的步骤。")
        first = next(iter(self.action_buttons.values()), None)
        if first is not None and (stepping or self.focusWidget() in (None, self.correct_button)):
            first.setFocus()  # Enter opens the case's next step; Tab walks on to the others

    def _show_print_buttons(self, kinds: tuple[DocumentKind, ...]) -> None:
        for button in self.print_buttons.values():
            self.print_bar.removeWidget(button)
            button.deleteLater()
        self.print_buttons = {}
        for kind in kinds:
            button = QPushButton(f"打印{SHORT_NAMES[kind]}")
            button.setObjectName(f"print_{kind.value}")
            button.clicked.connect(partial(self.print_document, kind))
            self.print_bar.addWidget(button)
            self.print_buttons[kind] = button

    def print_document(self, kind: DocumentKind) -> None:
        """Generate the case's ``kind`` document and open its print preview."""
        preview_documents(self.runner, [self.case_id], kind, self)

    def _revealed(self, widget: MaskedValue, label: str, shown: bool) -> None:
        """Record that personal data was shown; hide it again if that cannot be recorded."""
        if not shown or self.details is None:
            return

        def failed(error: BaseException) -> None:
            widget.toggle.setChecked(False)
            show_error(self, error)

        self.runner.call(cases.record_reveal, self.case_id, self.details.case_no, label, on_failure=failed)

    # ------------------------------------------------------------------ steps
    def start_step(
        self, kind: EventKind, *, after_dissatisfaction: bool = False, review: bool = True
    ) -> StepDialog:
        """Open the dialog of ``kind``; the step runs when the dialog is submitted."""
        assert self.details is not None
        dialog = StepDialog(
            kind, self.details, self, after_dissatisfaction=after_dissatisfaction, review=review
        )
        dialog.submitted.connect(partial(self._run_step, kind, dialog))
        dialog.finished.connect(lambda *_: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _run_step(self, kind: EventKind, dialog: StepDialog, values: dict) -> None:
        self.runner.call(
            cases.perform_step,
            self.case_id,
            kind,
            values,
            on_success=partial(self._step_done, kind, dialog, values),
            on_failure=lambda error: dialog.refused(error_text(error)),
        )

    def _step_done(self, kind: EventKind, dialog: StepDialog, values: dict, _case: cases.CaseRef) -> None:
        dialog.accept()
        self.message.setText(f"已{TITLES[kind]}。")
        if kind is EventKind.EVALUATE and values.get("satisfaction") is Satisfaction.UNSATISFIED:
            self._offer_reopen()

    def start_correction(self) -> CorrectionDialog | None:
        """更正…: a registered field, its new value and the reason."""
        if self.details is None:
            return None
        dialog = CorrectionDialog(self.details, self)
        dialog.submitted.connect(partial(self._run_correction, dialog))
        dialog.finished.connect(lambda *_: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _run_correction(self, dialog: CorrectionDialog, values: dict) -> None:
        def done(_case: cases.CaseRef) -> None:
            dialog.accept()
            self.message.setText("已更正，原内容保留在办理记录中。")

        self.runner.call(
            cases.correct_case,
            self.case_id,
            values["field"],
            values["value"],
            values["reason"],
            on_success=done,
            on_failure=lambda error: dialog.refused(error_text(error)),
        )

    def _offer_reopen(self) -> None:
        """回访不满意: reopen the case, or record the petitioner's 复查 request."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "回访不满意",
            "信访人对答复不满意。是否重新办理，或记录信访人的复查申请？",
            parent=self,
        )
        again = box.addButton("重新办理", QMessageBox.ButtonRole.AcceptRole)
        review = box.addButton("记录复查申请", QMessageBox.ButtonRole.AcceptRole)
        later = box.addButton("暂不处理", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(later)

        def answered(_result: int) -> None:
            self.question = None
            clicked = box.clickedButton()
            if clicked in (again, review):
                self.start_step(EventKind.REOPEN, after_dissatisfaction=True, review=clicked is review)

        box.finished.connect(answered)
        self.question = box
        box.open()

    # ------------------------------------------------------------------ attachments
    def choose_attachments(self) -> None:
        paths = open_file_names(
            self,
            "添加附件",
            "扫描件、照片和文档 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.doc *.docx);;所有文件 (*)",
        )
        if paths:
            self.add_attachments([str(path) for path in paths])

    def add_attachments(self, paths: list[str]) -> None:
        self.message.setText("正在添加附件……")
        self.runner.call(
            cases.add_attachment_files,
            self.case_id,
            list(paths),
            on_success=lambda count: self.message.setText(f"已添加附件 {count} 个。"),
            on_failure=lambda error: show_error(self, error),
        )

    def _open_selected(self) -> None:
        item = self.attachments.currentItem() or self.attachments.item(0)
        if item is not None:
            self.open_attachment(item.data(Qt.ItemDataRole.UserRole))

    def open_attachment(self, attachment_id: int) -> None:
        self.runner.call(
            cases.attachment_file,
            attachment_id,
            on_success=partial(self._open_file, attachment_id),
            on_failure=lambda error: show_error(self, error),
        )

    def _open_file(self, attachment_id: int, result: tuple[str, bytes]) -> None:
        filename, content = result
        try:
            target = open_copy(filename, content)
        except OSError as exc:
            self.message.setText(f"无法打开“{filename}”：{exc.strerror or exc}。")
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))):
            self.message.setText(f"没有可打开“{filename}”的程序；文件已保存在 {target}。")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt naming)
        if event.mimeData().hasUrls() and all(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt naming)
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_attachments(paths)
