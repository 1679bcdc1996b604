"""登记: the registration page, built for a walk-in sitting across the desk.

The form (``form.py``) is reachable by keyboard along the walk-in's fast path; Ctrl+S saves, Ctrl+N
starts a new entry, Esc asks before discarding.  Every problem that stops saving is listed under the
form and the list follows the clerk's corrections until it is empty.  As the person's name, phone or
ID is typed, their earlier cases appear beside the form (``earlier_cases.py``): a closed one can be
linked as 重复访; for an open one of the same category, saving asks first — 在原案件中记录来访 adds a
再次来访 to that case, and a new case is created only when the clerk confirms it.  What is typed is
kept as a draft on disk and offered back after a crash or restart (``drafts.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.case_details import ReferenceChoices
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.repeats import RepeatCandidate as EarlierCase
from xinfang_desk.ledger.vocab import Channel
from xinfang_desk.ui.drafts import DraftStore
from xinfang_desk.ui.ops import Changes, OpRunner, error_text
from xinfang_desk.ui.registration.drafts import DRAFT_NAME, DraftKeeper
from xinfang_desk.ui.registration.earlier_cases import EarlierCaseCard, EarlierCasesPanel
from xinfang_desk.ui.registration.form import RegistrationForm
from xinfang_desk.ui.style import SUCCESS_FOREGROUND, text_style
from xinfang_desk.ui.widgets import ERROR_STYLE

OK_STYLE = text_style(SUCCESS_FOREGROUND, bold=True)

__all__ = ["DRAFT_NAME", "RegistrationPage"]


class RegistrationPage(QWidget):
    """The 登记 page; ``case_registered`` carries the new case's id."""

    case_registered = Signal(int)

    def __init__(self, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.form = RegistrationForm()
        self.earlier = EarlierCasesPanel(runner)
        self.drafts = DraftStore.for_ledger(runner.ledger)
        self.keeper = DraftKeeper(
            self.drafts, runner.actor.name, self.form_values, self.has_unsaved_changes, self
        )
        self._saving = False
        self._showing_problems = False
        self.question: QMessageBox | None = None
        self._blank: dict[str, Any] = {}
        self._build()
        self.new_case()
        self.form.edited.connect(self._edited)
        self.form.person_changed.connect(self._person_changed)
        self.earlier.repeat_changed.connect(lambda _no: self._edited())
        self.earlier.record_visit_requested.connect(self.ask_record_visit)
        self.earlier.open_requested.connect(self.open_earlier_case)
        self.earlier.failed.connect(lambda text: self._say(text, error=True))
        self._shortcuts()
        self._load_reference()
        runner.changed.connect(self._on_changed)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.flush_draft)

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        self.save_button = QPushButton("保存登记（Ctrl+S）")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.new_button = QPushButton("新登记（Ctrl+N）")
        self.new_button.clicked.connect(self.ask_new_case)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.form)
        body = QHBoxLayout()
        body.addWidget(self.scroll, 1)
        body.addWidget(self.earlier)
        outer = QVBoxLayout(self)
        title = QLabel("信访事项登记")
        title.setObjectName("pageTitle")
        outer.addWidget(title)
        outer.addLayout(body, 1)
        outer.addLayout(buttons)
        QWidget.setTabOrder(self.form.last_field, self.save_button)

    def _shortcuts(self) -> None:
        for keys, slot in (
            (QKeySequence.StandardKey.Save, self.save),
            (QKeySequence.StandardKey.New, self.ask_new_case),
            (QKeySequence("Esc"), self.ask_discard),
        ):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # ------------------------------------------------------------------ reference data and changes
    def _load_reference(self) -> None:
        self.runner.call(
            cases.reference_choices, on_success=self._reference_loaded, on_failure=self._failed, owner=self
        )

    def _reference_loaded(self, choices: ReferenceChoices) -> None:
        self.form.set_choices(choices)

    def _on_changed(self, changes: Changes) -> None:
        if changes.reference or changes.everything:
            self._load_reference()
        if changes.case_ids:
            self.earlier.look_up_again()

    # ------------------------------------------------------------------ reacting to edits
    def _edited(self) -> None:
        self.keeper.schedule()
        if self._showing_problems:
            self._show_problems()

    def _person_changed(self) -> None:
        self.earlier.look_up(self.form.identity(), self.form.category.choice())

    def candidate_cards(self) -> list[EarlierCaseCard]:
        """The earlier cases' cards now shown, in order."""
        return self.earlier.cards_shown()

    def open_earlier_case(self, case_id: int) -> None:
        from xinfang_desk.ui.case_view import show_case

        show_case(self.runner, case_id)

    # ------------------------------------------------------------------ values
    def form_values(self) -> dict[str, Any]:
        """Everything typed, as JSON-able values (what a draft keeps)."""
        return {**self.form.values(), "repeat_of": self.earlier.repeat_of}

    def set_form_values(self, values: dict[str, Any]) -> None:
        """Fill the form from ``form_values`` output (a restored draft)."""
        self.form.set_values(values)
        self.earlier.clear()
        self.earlier.repeat_of = str(values.get("repeat_of", ""))
        self._person_changed()

    def has_unsaved_changes(self) -> bool:
        return self.form_values() != self._blank

    def _show_problems(self) -> bool:
        """List every problem that stops saving (the list clears itself once all are fixed)."""
        problems = self.form.problems()
        if problems:
            lines = [f"不能保存，请修改以下 {len(problems)} 处："] if len(problems) > 1 else []
            lines += [f"• {message}" if len(problems) > 1 else message for message, _ in problems]
            self._say("\n".join(lines), error=True)
        else:
            self._showing_problems = False
            self._say("")
        return bool(problems)

    # ------------------------------------------------------------------ saving
    def save(self) -> None:
        """保存登记 (Ctrl+S): check, ask about an open matter of the same person, then register."""
        if self._saving or self.question is not None:
            return
        problems = self.form.problems()
        if problems:
            self._showing_problems = True
            self._show_problems()
            problems[0][1].setFocus()
            return
        self._set_saving(True)
        person = self.form.identity()
        if person is None:
            self._register()
            return
        self._say("正在核对该信访人的既往案件……")
        self.runner.call(
            partial(cases.earlier_cases, **person, category=self.form.category.choice()),
            on_success=self._checked_earlier_cases,
            on_failure=self._save_failed,
        )

    def _checked_earlier_cases(self, found: list[EarlierCase]) -> None:
        open_matters = [c for c in found if c.is_open and c.same_category]
        if not open_matters:
            self._register()
            return
        self._set_saving(False)
        self._say("")
        self._ask_about_open_matter(open_matters[0])

    def _ask_about_open_matter(self, matter: EarlierCase) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "同一事项仍在办理中",
            f"该信访人反映的同类事项仍在办理中：\n{matter.case_no}（{matter.status}）{matter.summary}",
            parent=self,
        )
        box.setInformativeText("本次来访应在原案件中记录为“再次来访”。确属新的事项时才新建案件。")
        record = box.addButton("在原案件中记录来访", QMessageBox.ButtonRole.AcceptRole)
        create = box.addButton("确属新事项，新建案件", QMessageBox.ButtonRole.DestructiveRole)
        back = box.addButton("返回修改", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(record)
        box.setEscapeButton(back)

        def answered(_result: int) -> None:
            self.question = None
            clicked = box.clickedButton()
            if clicked is record:
                self.record_visit(matter)
            elif clicked is create:
                self._set_saving(True)
                self._register()

        self._ask(box, answered)

    def _register(self) -> None:
        self._say("正在保存……")
        self.runner.call(
            cases.register_case,
            self.form.case_draft(self.earlier.repeat_of),
            on_success=self._saved,
            on_failure=self._save_failed,
        )

    def _saved(self, case: cases.CaseRef) -> None:
        self._set_saving(False)
        self._finish(f"已登记 {case.case_no}")
        self.case_registered.emit(case.id)

    def _finish(self, said: str) -> None:
        self.keeper.discard()
        self.new_case()
        self._say(said, ok=True)

    def _save_failed(self, error: BaseException) -> None:
        self._set_saving(False)
        self._say(error_text(error), error=True)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.save_button.setEnabled(not saving)

    def _failed(self, error: BaseException) -> None:
        self._say(error_text(error), error=True)

    def _say(self, text: str, *, error: bool = False, ok: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else (OK_STYLE if ok else ""))

    # ------------------------------------------------------------------ 再次来访 on an open case
    def ask_record_visit(self, matter: EarlierCase) -> None:
        """在原案件中记录来访 (a card's button): confirm what will be recorded, then record it."""
        channel = self.form.channel.choice() or Channel.VISIT.label
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "在原案件中记录来访",
            f"在 {matter.case_no} 中记录一次再次来访（{channel}）？",
            parent=self,
        )
        box.setInformativeText(self._visit_note() or "（未填写内容摘要）")
        record = box.addButton("记录来访", QMessageBox.ButtonRole.AcceptRole)
        back = box.addButton("返回", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(record)
        box.setEscapeButton(back)

        def answered(_result: int) -> None:
            self.question = None
            if box.clickedButton() is record:
                self.record_visit(matter)

        self._ask(box, answered)

    def record_visit(self, matter: EarlierCase) -> None:
        """Record the visit typed in the form as 再次来访 on ``matter``; the form then clears."""
        if self.form.received_at.reason():
            self._say(f"收件时间有误：{self.form.received_at.reason()}", error=True)
            return
        channel = Channel.from_label(self.form.channel.choice() or Channel.VISIT.label)
        self._set_saving(True)
        self._say("正在记录……")
        self.runner.call(
            cases.record_visit,
            matter.id,
            channel,
            self._visit_note(),
            self.form.received_moment(),
            on_success=lambda _ref: (
                self._set_saving(False),
                self._finish(f"已在 {matter.case_no} 中记录再次来访。"),
            ),
            on_failure=self._save_failed,
        )

    def _visit_note(self) -> str:
        summary = self.form.summary.text().strip()
        content = self.form.content.toPlainText().strip()
        return "；".join(part for part in (summary, content) if part)

    # ------------------------------------------------------------------ new entry, discarding, drafts
    def new_case(self) -> None:
        """Clear the form for a new entry and put the cursor on the first field."""
        self.form.reset()
        self.earlier.clear()
        self._showing_problems = False
        self._say("")
        self._blank = self.form_values()
        self.keeper.timer.stop()
        self.form.focus_first()

    def _ask(self, box: QMessageBox, answered: Callable[[int], None]) -> None:
        box.finished.connect(answered)
        self.question = box
        box.open()

    def _confirm(self, title: str, text: str, yes: str, then: Callable[[], None]) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self)
        discard = box.addButton(yes, QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("继续填写", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)

        def answered(_result: int) -> None:
            self.question = None
            if box.clickedButton() is discard:
                then()

        self._ask(box, answered)

    def ask_discard(self) -> None:
        """Esc: ask before throwing away what was typed."""
        if self.has_unsaved_changes():
            self._confirm("放弃登记", "放弃本次登记？已填写的内容将被清除。", "放弃", self._discard)

    def ask_new_case(self) -> None:
        """Ctrl+N: a new entry, asking first when something was typed."""
        if self.has_unsaved_changes():
            self._confirm(
                "新登记", "开始新的登记？当前填写的内容尚未保存，将被清除。", "清除并新建", self._discard
            )
        else:
            self.new_case()

    def _discard(self) -> None:
        self.keeper.discard()
        self.new_case()

    def flush_draft(self) -> None:
        """Keep what is typed now (or drop the draft when nothing is)."""
        problem = self.keeper.flush()
        if problem:
            self._say(problem, error=True)

    def offer_draft(self) -> None:
        """Offer back a draft left by a crash or an earlier session."""
        self.keeper.offer(self, self._blank, self._restore)

    def _restore(self, fields: dict[str, Any]) -> None:
        self.set_form_values({**self._blank, **fields})
        self._say("已恢复未保存的登记草稿，请核对后保存。")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if not self.keeper.checked and self.keeper.question is None:
            QTimer.singleShot(0, self.offer_draft)
        if not self.isAncestorOf(QApplication.focusWidget()):
            QTimer.singleShot(0, self._focus_if_nothing_is)

    def _focus_if_nothing_is(self) -> None:
        if self.isVisible() and not self.isAncestorOf(QApplication.focusWidget()) and self.question is None:
            self.form.focus_first()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt naming)
        self.flush_draft()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt naming)
        self.flush_draft()
        super().closeEvent(event)
