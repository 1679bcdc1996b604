"""The small dialog behind each workflow button of the case view, and the step it performs.

``StepDialog`` asks only what its step needs, starting from sensible defaults (交办: the category's
default department and the case's handling deadline; 延期: 1 … the days left).  Pressing OK checks the
required fields and emits ``submitted``; the dialog stays open until the case view reports that the
step was done, or shows the ledger's reason in red when it was refused.  The step itself is the core's
``operations.cases.perform_step``, run on the database worker with the dialog's plain values.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.case_details import CaseDetails
from xinfang_desk.ledger.vocab import EventKind, Outcome, Satisfaction
from xinfang_desk.ui.widgets import ChoiceBox, ReasonLabel

DEFAULT_ASSIGN_OPINION = "请认真核实，依法依规办理，并在期限内书面答复信访人。"
#: 重开 kinds: the label shown → review (复查/复核 request) or not.
REOPEN_KINDS: dict[str, bool] = {"信访人申请复查、复核": True, "本单位重新办理": False}
TITLES: dict[EventKind, str] = {
    EventKind.ACCEPT: "受理",
    EventKind.DECLINE: "不予受理",
    EventKind.FORWARD: "转送",
    EventKind.OBJECT: "提出异议",
    EventKind.ASSIGN: "交办",
    EventKind.PROGRESS: "办理进展",
    EventKind.EXTEND: "延期",
    EventKind.SUPERVISE: "督办",
    EventKind.REPLY: "答复",
    EventKind.EVALUATE: "回访评价",
    EventKind.CLOSE: "办结",
    EventKind.REOPEN: "重开",
}


class _Moment(QDateTimeEdit):
    """When the step happened: now unless the clerk records it afterwards (then ``touched``)."""

    def __init__(self, earliest: datetime) -> None:
        super().__init__(calendarPopup=True, displayFormat="yyyy-MM-dd HH:mm")
        now = QDateTime.currentDateTime()
        self.setDateTime(QDateTime(now.date(), QTime(now.time().hour(), now.time().minute())))
        self.setMinimumDateTime(QDateTime(earliest.replace(second=0, microsecond=0)))
        self.setMaximumDateTime(now.addSecs(300))
        self.touched = False
        self.dateTimeChanged.connect(lambda *_: setattr(self, "touched", True))

    def when(self) -> datetime | None:
        return self.dateTime().toPython() if self.touched else None


class StepDialog(QDialog):
    """Ask for one step's details; ``submitted`` carries them as plain values."""

    submitted = Signal(object)

    def __init__(
        self,
        kind: EventKind,
        details: CaseDetails,
        parent: QWidget | None = None,
        *,
        after_dissatisfaction: bool = False,
        review: bool = True,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self.details = details
        self.after_dissatisfaction = after_dissatisfaction
        self.setWindowTitle(f"{TITLES[kind]} — {details.case_no}")
        self.setMinimumWidth(460)
        self.form = QFormLayout()
        self.inputs: dict[str, QWidget] = {}
        self.required: dict[str, str] = {}
        intro = QLabel(f"<b>{details.case_no}</b>　{details.summary}")
        intro.setWordWrap(True)
        self.error = ReasonLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(TITLES[kind])
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._fields(review)

    # ------------------------------------------------------------------ field builders
    def _text(
        self, key: str, label: str, *, required: bool = False, default: str = "", lines: int = 3
    ) -> None:
        if lines > 1:
            edit: QWidget = QPlainTextEdit(default)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(22 * lines + 10)
        else:
            edit = QLineEdit(default)
        self._add(key, label, edit, required)

    def _add(self, key: str, label: str, widget: QWidget, required: bool = False) -> None:
        self.inputs[key] = widget
        if required:
            self.required[key] = label
        self.form.addRow(label + ("（必填）" if required else ""), widget)

    def _moment(self, label: str) -> None:
        self._add("at", label, _Moment(self.details.received_at))

    def _combo(self, key: str, label: str, labels: list[str], default: str = "") -> None:
        box = QComboBox()
        box.addItems(labels)
        if default:
            box.setCurrentText(default)
        self._add(key, label, box)

    def _fields(self, review: bool) -> None:
        d = self.details
        match self.kind:
            case EventKind.ACCEPT:
                self._text("note", "受理意见")
                self._moment("受理时间")
            case EventKind.DECLINE:
                self._text("reason", "不予受理理由", required=True)
                self._moment("决定时间")
            case EventKind.FORWARD:
                self._text("to", "转送至", required=True, lines=1)
                self._text("note", "说明")
                self._moment("转送时间")
            case EventKind.OBJECT:
                self._text("reason", "异议理由", required=True)
            case EventKind.ASSIGN:
                department = ChoiceBox(d.departments)
                department.set_text(d.default_department)
                self._add("department", "承办单位", department, required=True)
                self._text("opinion", "交办意见", required=True, default=DEFAULT_ASSIGN_OPINION)
                due = QDateEdit(calendarPopup=True, displayFormat="yyyy-MM-dd")
                today = QDate.currentDate()
                if d.handle_due_on is not None:
                    due.setMaximumDate(QDate(d.handle_due_on))
                    due.setMinimumDate(min(today, QDate(d.handle_due_on)))
                    due.setDate(QDate(d.handle_due_on))
                self._add("due_on", "办理期限", due)
                self._moment("交办时间")
            case EventKind.PROGRESS:
                self._text("note", "办理情况", required=True)
                self._moment("记录时间")
            case EventKind.EXTEND:
                left = max(d.extension_days_left, 1)
                days = QSpinBox(minimum=1, maximum=left, suffix=" 日")
                days.setValue(min(15, left))
                self._add("days", f"延期天数（最多{left}日）", days)
                self.extension_hint = QLabel()
                self.form.addRow("", self.extension_hint)
                days.valueChanged.connect(self._show_extension)
                self._show_extension(days.value())
                self._text("reason", "延期理由", required=True)
            case EventKind.SUPERVISE:
                self._text("note", "督办意见", required=True)
            case EventKind.REPLY:
                self._combo("outcome", "处理结果", Outcome.labels())
                self._text("text", "答复内容", required=True, lines=5)
                self._moment("答复时间")
            case EventKind.EVALUATE:
                labels = [s.label for s in Satisfaction if s is not Satisfaction.NONE]
                self._combo("satisfaction", "满意度", labels)
                self._text("note", "回访情况")
                self._moment("回访时间")
            case EventKind.CLOSE:
                self._text("note", "办结说明")
                self._moment("办结时间")
            case EventKind.REOPEN:
                default = next(label for label, is_review in REOPEN_KINDS.items() if is_review == review)
                self._combo("mode", "重开方式", list(REOPEN_KINDS), default)
                reason = "信访人对答复不满意，" + ("申请复查。" if review else "重新办理。")
                self._text(
                    "reason", "重开理由", required=True, default=reason if self.after_dissatisfaction else ""
                )
                if self.after_dissatisfaction:
                    note = QLabel("案件将先办结，再重开办理；重开计入非一次性办结。")
                    note.setWordWrap(True)
                    self.form.addRow("", note)

    def _show_extension(self, days: int) -> None:
        due = self.details.handle_due_on
        if due is not None:
            after = due + timedelta(days=days)
            self.extension_hint.setText(f"办理期限 {due:%Y-%m-%d} → 约 {after:%Y-%m-%d}（遇节假日顺延）")

    # ------------------------------------------------------------------ values
    def values(self) -> dict[str, Any]:
        """What was entered, as plain values for ``apply_step``."""
        result: dict[str, Any] = {}
        for key, widget in self.inputs.items():
            if isinstance(widget, QPlainTextEdit):
                result[key] = widget.toPlainText().strip()
            elif isinstance(widget, ChoiceBox):
                result[key] = widget.text()
            elif isinstance(widget, QLineEdit):
                result[key] = widget.text().strip()
            elif isinstance(widget, QComboBox):
                result[key] = widget.currentText()
            elif isinstance(widget, _Moment):
                result[key] = widget.when()
            elif isinstance(widget, QDateEdit):
                result[key] = widget.date().toPython()
            elif isinstance(widget, QSpinBox):
                result[key] = widget.value()
        if self.kind is EventKind.REPLY:
            result["outcome"] = Outcome.from_label(result["outcome"])
        if self.kind is EventKind.EVALUATE:
            result["satisfaction"] = Satisfaction.from_label(result["satisfaction"])
        if self.kind is EventKind.REOPEN:
            result["review"] = REOPEN_KINDS[result.pop("mode")]
            result["close_first"] = self.after_dissatisfaction
        return result

    def problem(self) -> str:
        values = self.values()
        for key, label in self.required.items():
            if not values.get(key):
                return f"请填写{label}。"
        department = self.inputs.get("department")
        if isinstance(department, ChoiceBox) and not department.choice():
            return f"没有名为“{department.text()}”的承办单位，请从列表中选择。"
        return ""

    def submit(self) -> None:
        problem = self.problem()
        if problem:
            self.error.say(problem)
            return
        self.error.say("")
        self.set_busy(True)
        self.submitted.emit(self.values())

    def set_busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)

    def refused(self, message: str) -> None:
        """The ledger refused the step: say why and let the clerk correct it."""
        self.set_busy(False)
        self.error.say(message)
