"""The small dialog behind each workflow button of the case view, and the step it performs.

``StepDialog`` asks only what its step needs, starting from sensible defaults (交办: the category's
default department and the case's handling deadline; 延期: 1 … the days left).  Pressing OK checks the
required fields and emits ``submitted``; the dialog stays open until the case view reports that the
step was done, or shows the ledger's reason in red when it was refused.  The step itself is the core's
``operations.cases.perform_step``, run on the database worker with the dialog's plain values.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.case_details import CaseDetails
from xinfang_desk.ledger.vocab import Channel, EventKind, Outcome, Satisfaction
from xinfang_desk.ledger.workflow import Workflow
from xinfang_desk.ui.moment_edit import MomentEdit
from xinfang_desk.ui.style import MUTED_FOREGROUND, text_style
from xinfang_desk.ui.widgets import ChoiceBox, ReasonLabel, ok_cancel, send_with_ctrl_enter

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
    EventKind.REVISIT: "再次来访",
}


class _Moment(MomentEdit):
    """When the step happened: now unless the clerk types another time (then ``touched``)."""

    def __init__(self, earliest: datetime) -> None:
        super().__init__()
        now = datetime.now().replace(second=0, microsecond=0)
        self.set_moment(now)
        self.set_range(earliest.replace(second=0, microsecond=0), now + timedelta(minutes=5))
        self.touched = False
        self.edit.textEdited.connect(lambda *_: setattr(self, "touched", True))

    def when(self) -> datetime | None:
        return self.moment() if self.touched else None


class CorrectionDialog(QDialog):
    """更正: one registered field, its new value and the reason; the old value stays in the history."""

    submitted = Signal(object)

    def __init__(self, details: CaseDetails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.details = details
        self.setWindowTitle(f"更正 — {details.case_no}")
        self.setMinimumWidth(480)
        self.field = QComboBox()
        for code, label in Workflow.CORRECTABLE.items():
            self.field.addItem(label, code)
        self.current = QLabel()
        self.current.setWordWrap(True)
        self.current.setStyleSheet(text_style(MUTED_FOREGROUND))
        self.value = QPlainTextEdit()
        self.value.setTabChangesFocus(True)
        self.value.setFixedHeight(76)
        self.reason = QLineEdit(placeholderText="如：登记时误录，经与信访人核实更正")
        self.error = ReasonLabel()
        self.buttons = ok_cancel(self, self.submit, "更正", "取消")
        form = QFormLayout()
        form.addRow("更正项目", self.field)
        form.addRow("原登记内容", self.current)
        form.addRow("更正为（必填）", self.value)
        form.addRow("更正理由（必填）", self.reason)
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{details.case_no}</b>　{details.summary}<br>更正后原内容仍保留在办理记录中。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        send_with_ctrl_enter(self.buttons)
        self.field.currentIndexChanged.connect(self._field_chosen)
        self._field_chosen()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        self.value.setFocus()

    def _current_text(self) -> str:
        label = self.field.currentText()
        for group in self.details.groups:
            for detail in group.fields:
                if detail.label == label or (label == "是否越级访" and detail.label == "越级访"):
                    return detail.value
        return ""

    def _field_chosen(self, *_args: object) -> None:
        text = self._current_text()
        self.current.setText(text or "（空）")
        code = self.field.currentData()
        if code == "people_count":
            text = text.split("人")[0]
        self.value.setPlainText(text)
        self.value.selectAll()

    def values(self) -> dict[str, Any]:
        """``field``, ``value`` (typed for the field) and ``reason``; raises ValueError with the reason."""
        code = self.field.currentData()
        text = self.value.toPlainText().strip()
        value: Any = text
        if code == "people_count":
            if not text.isdigit():
                raise ValueError("人数应为整数。")
            value = int(text)
        elif code == "bypassed_level":
            if text not in ("是", "否"):
                raise ValueError("是否越级访请填写“是”或“否”。")
            value = text == "是"
        if not self.reason.text().strip():
            raise ValueError("请填写更正理由。")
        return {"field": code, "value": value, "reason": self.reason.text().strip()}

    def submit(self) -> None:
        try:
            values = self.values()
        except ValueError as exc:
            self.error.say(str(exc))
            return
        self.error.say("")
        self.buttons.setEnabled(False)
        self.submitted.emit(values)

    def refused(self, message: str) -> None:
        self.buttons.setEnabled(True)
        self.error.say(message)


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
        self.buttons = ok_cancel(self, self.submit, TITLES[kind], "取消")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        send_with_ctrl_enter(self.buttons)
        self._fields(review)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        self._focus_the_text_box()

    def _focus_the_text_box(self) -> None:
        """Typing starts at once in the step's text (受理意见, 答复内容 …), the text selected."""
        for widget in self.inputs.values():
            if isinstance(widget, QPlainTextEdit):
                widget.setFocus()
                widget.selectAll()
                return
            if isinstance(widget, QLineEdit):
                widget.setFocus()
                widget.selectAll()
                return

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
                due = MomentEdit(with_time=False)
                if d.handle_due_on is not None:
                    latest = datetime.combine(d.handle_due_on, time(0, 0))
                    due.set_range(min(datetime.combine(date.today(), time(0, 0)), latest), latest)
                    due.set_moment(d.handle_due_on)
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
                    note = QLabel("案件直接转入重新办理（不经办结）；重开计入非一次性办结。")
                    note.setWordWrap(True)
                    self.form.addRow("", note)
            case EventKind.REVISIT:
                self._text("note", "来访情况", required=True)
                self._combo("channel", "信访形式", Channel.labels(), Channel.VISIT.label)
                self._moment("来访时间")

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
            elif isinstance(widget, MomentEdit):
                result[key] = widget.day()
            elif isinstance(widget, QSpinBox):
                result[key] = widget.value()
        if self.kind is EventKind.REPLY:
            result["outcome"] = Outcome.from_label(result["outcome"])
        if self.kind is EventKind.EVALUATE:
            result["satisfaction"] = Satisfaction.from_label(result["satisfaction"])
        if self.kind is EventKind.REOPEN:
            result["review"] = REOPEN_KINDS[result.pop("mode")]
        if self.kind is EventKind.REVISIT:
            result["channel"] = Channel.from_label(result["channel"])
        return result

    def problem(self) -> str:
        values = self.values()
        for key, label in self.required.items():
            if not values.get(key):
                return f"请填写{label}。"
        for widget in self.inputs.values():
            if isinstance(widget, MomentEdit) and not widget.is_valid():
                return widget.reason()
        due = self.inputs.get("due_on")
        if isinstance(due, MomentEdit) and due.day() is None:
            return "请填写办理期限。"
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
