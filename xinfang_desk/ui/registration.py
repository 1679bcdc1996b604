"""登记: the registration form, built for a walk-in sitting across the desk.

Every field is reachable by keyboard in the order a clerk asks (形式 → 来源 → 性质 → 类别 → 信访人 →
内容 → 拟交办单位 → 标记); Ctrl+S saves, Ctrl+N starts a new entry, Esc asks before discarding.  ID
number and phone are checked as they are typed and block saving while wrong.  As the person's name,
phone or ID is typed, their earlier cases appear beside the form: a closed one can be linked as 重复访,
an open one is shown as still being handled (a new case is refused; the clerk opens the old one).
What is typed is kept as a draft on disk and offered back after a crash or restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang_desk.ledger.case_details import ReferenceChoices, load_reference_choices
from xinfang_desk.ledger.identity import check_id_number, check_phone
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.repeats import find_earlier_cases
from xinfang_desk.ledger.vocab import COLLECTIVE_MIN_PEOPLE, Channel, IdentityType, Nature, Source
from xinfang_desk.ledger.workflow import CaseDraft, PetitionerInput, Workflow
from xinfang_desk.ui.drafts import DraftStore
from xinfang_desk.ui.ops import Changes, OpRunner, error_text
from xinfang_desk.ui.widgets import ERROR_STYLE, FORM_LABEL_WIDTH, CheckedLineEdit, ChoiceBox, form_row

DRAFT_NAME = "registration"
LOOKUP_DELAY_MS = 400
DRAFT_DELAY_MS = 600
#: The superior's deadline shows this text until a date is chosen.
NO_DATE = QDate(2000, 1, 1)
OK_STYLE = "color: #2e7d32; font-weight: bold;"


@dataclass(frozen=True)
class EarlierCase:
    """An earlier case of the same person, as shown in the side list."""

    id: int
    case_no: str
    received_at: datetime
    summary: str
    category: str
    status: str
    is_open: bool
    same_category: bool
    matched_by: str


def earlier_cases(name: str, id_number: str, phone: str, category: str, session: Session, _progress) -> list:
    found = find_earlier_cases(session, name=name, id_number=id_number, phone=phone, category=category)
    ids = dict(
        session.execute(select(Case.uuid, Case.id).where(Case.uuid.in_([c.uuid for c in found]))).all()
    )
    return [
        EarlierCase(
            ids[c.uuid],
            c.case_no,
            c.received_at,
            c.summary,
            c.category,
            c.status,
            c.is_open,
            c.same_category,
            c.matched_by,
        )
        for c in found
        if c.uuid in ids
    ]


def register_case(actor: str, draft: CaseDraft, session: Session, _progress) -> tuple[int, str]:
    case = Workflow(session, actor).register(draft)
    session.flush()
    return case.id, case.case_no


def _reference(session: Session, _progress) -> ReferenceChoices:
    return load_reference_choices(session)


class EarlierCaseCard(QFrame):
    """One earlier case in the side list, with the one button that applies to it.

    Cards are reused (shown, filled, hidden) rather than deleted while the clerk types.
    """

    def __init__(self, page: RegistrationPage) -> None:
        super().__init__(page)
        self.page = page
        self.case: EarlierCase | None = None
        self.linked = False
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.head = QLabel(self)
        self.head.setWordWrap(True)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.note = QLabel("该事项仍在办理中：本次来访请在原案件中记录，不应新建案件。", self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #e65100;")
        self.button = QPushButton(self)
        self.button.clicked.connect(self._clicked)
        for widget in (self.head, self.summary, self.note, self.button):
            layout.addWidget(widget)

    def show_case(self, case: EarlierCase, linked: bool) -> None:
        self.case, self.linked = case, linked
        border = "#1565c0" if linked else ("#ef6c00" if case.is_open else "#bdbdbd")
        self.setStyleSheet(f"EarlierCaseCard {{ border: 1px solid {border}; border-radius: 4px; }}")
        same = "（同类问题）" if case.same_category else ""
        self.head.setText(
            f"<b>{case.case_no}</b>　{case.received_at:%Y-%m-%d}　{case.status}<br>"
            f"{case.category}{same} · 按{case.matched_by}匹配"
        )
        self.summary.setText(case.summary)
        self.note.setVisible(case.is_open)
        self.button.setText("在原案件中记录" if case.is_open else ("取消关联" if linked else "关联为重复访"))
        self.show()

    def _clicked(self) -> None:
        case = self.case
        if case is None:
            return
        if case.is_open:
            self.page.open_earlier_case(case.id)
        else:
            self.page.link_repeat("" if self.linked else case.case_no)


class RegistrationPage(QWidget):
    """The 登记 page; ``case_registered`` carries the new case's id."""

    case_registered = Signal(int)

    def __init__(self, runner: OpRunner, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self.drafts = DraftStore.for_ledger(runner.ledger)
        self.choices = ReferenceChoices({}, (), {})
        self.candidates: list[EarlierCase] = []
        self._card_pool: list[EarlierCaseCard] = []
        self.repeat_of = ""
        self._department_auto = True
        self._received_touched = False
        self._loading = False
        self._saving = False
        self._draft_checked = False
        self._lookup_serial = 0
        self._question: QMessageBox | None = None
        self._build()
        self._blank: dict[str, Any] = {}
        self._draft_timer = self._single_shot(DRAFT_DELAY_MS, self.flush_draft)
        self._lookup_timer = self._single_shot(LOOKUP_DELAY_MS, self._look_up_earlier_cases)
        self.new_case()
        self._draft_checked = not self.drafts.exists(DRAFT_NAME)
        self._connect_edits()
        self._shortcuts()
        self._load_reference()
        runner.changed.connect(self._on_changed)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.flush_draft)

    # ------------------------------------------------------------------ building
    def _single_shot(self, msecs: int, slot) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(msecs)
        timer.timeout.connect(slot)
        return timer

    def _build(self) -> None:
        self.channel = ChoiceBox(Channel.labels())
        self.source = ChoiceBox(Source.labels())
        self.superior_ref = QLineEdit(placeholderText="上级交办单编号（可选）")
        self.superior_due = QDateEdit(calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.superior_due.setMinimumDate(NO_DATE)
        self.superior_due.setSpecialValueText("（请填写上级规定的期限）")
        self.nature = ChoiceBox(Nature.labels())
        self.category = ChoiceBox(placeholder="输入或选择问题类别")
        self.subcategory = ChoiceBox(placeholder="二级类别（可选）")
        self.name = QLineEdit(placeholderText="信访人姓名", maxLength=100)
        self.id_number = CheckedLineEdit(
            check_id_number, placeholder="18位居民身份证号（可选）", max_length=20
        )
        self.phone = CheckedLineEdit(check_phone, placeholder="手机或带区号的固定电话（可选）", max_length=24)
        self.identity_type = ChoiceBox(IdentityType.labels())
        self.affiliation = QLineEdit(placeholderText="学院、班级或单位", maxLength=200)
        self.people_count = QSpinBox(minimum=1, maximum=9999, suffix=" 人")
        self.collective_mark = QLabel("集体访")
        self.collective_mark.setStyleSheet(
            "color: white; background: #c62828; border-radius: 3px; padding: 1px 6px; font-weight: bold;"
        )
        self.summary = QLineEdit(placeholderText="一句话概括诉求（必填，不超过500字）", maxLength=500)
        self.content = QPlainTextEdit(placeholderText="信访人反映的详细情况")
        self.content.setTabChangesFocus(True)
        self.content.setFixedHeight(110)
        self.department = ChoiceBox(placeholder="拟交办的承办单位（按类别预填）")
        self.anonymous = QCheckBox("匿名信访")
        self.bypassed_level = QCheckBox("越级访")
        self.received_at = QDateTimeEdit(calendarPopup=True, displayFormat="yyyy-MM-dd HH:mm")
        self.owner_leader = QLineEdit(placeholderText="包案领导（可选）", maxLength=100)
        self.remarks = QLineEdit(placeholderText="备注（可选）")

        matter = QGroupBox("信访事项")
        form = QFormLayout(matter)
        form_row(form, "信访形式", self.channel)
        form_row(form, "来源", self.source)
        self.superior_row = QWidget()
        superior = QHBoxLayout(self.superior_row)
        superior.setContentsMargins(0, 0, 0, 0)
        superior.addWidget(self.superior_ref, 1)
        superior.addWidget(QLabel("办理期限"))
        superior.addWidget(self.superior_due, 1)
        self.superior_label = QLabel("上级交办单")
        self.superior_label.setMinimumWidth(FORM_LABEL_WIDTH)
        form.addRow(self.superior_label, self.superior_row)
        form_row(form, "事项性质", self.nature)
        categories = QHBoxLayout()
        categories.addWidget(self.category, 1)
        categories.addWidget(self.subcategory, 1)
        form_row(form, "问题类别", categories)

        person = QGroupBox("信访人")
        form = QFormLayout(person)
        form_row(form, "姓名", self.name)
        form_row(form, "身份证号", self.id_number)
        form_row(form, "联系电话", self.phone)
        form_row(form, "身份类别", self.identity_type)
        form_row(form, "所在单位", self.affiliation)
        people = QHBoxLayout()
        people.addWidget(self.people_count)
        people.addWidget(self.collective_mark)
        people.addStretch(1)
        form_row(form, "人数", people)

        matter_text = QGroupBox("内容与办理")
        form = QFormLayout(matter_text)
        form_row(form, "内容摘要", self.summary)
        form_row(form, "信访内容", self.content)
        form_row(form, "拟交办单位", self.department)
        flags = QHBoxLayout()
        flags.addWidget(self.anonymous)
        flags.addWidget(self.bypassed_level)
        flags.addStretch(1)
        form_row(form, "标记", flags)
        form_row(form, "收件时间", self.received_at)
        form_row(form, "包案领导", self.owner_leader)
        form_row(form, "备注", self.remarks)

        self.save_button = QPushButton("保存登记（Ctrl+S）")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.new_button = QPushButton("新登记（Ctrl+N）")
        self.new_button.clicked.connect(self.ask_new_case)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)

        form_column = QWidget()
        column = QVBoxLayout(form_column)
        column.addWidget(matter)
        column.addWidget(person)
        column.addWidget(matter_text)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(form_column)

        self.side = QGroupBox("该信访人的既往案件")
        side = QVBoxLayout(self.side)
        self.side_hint = QLabel("输入姓名和电话，或身份证号后，这里会列出同一信访人的既往案件。")
        self.side_hint.setWordWrap(True)
        self.side_hint.setStyleSheet("color: #616161;")
        self.link_banner = QLabel()
        self.link_banner.setWordWrap(True)
        self.link_banner.setStyleSheet("color: #1565c0; font-weight: bold;")
        self.link_banner.hide()
        self.cards = QVBoxLayout()
        cards_holder = QWidget()
        cards_holder.setLayout(self.cards)
        cards_scroll = QScrollArea()
        cards_scroll.setWidgetResizable(True)
        cards_scroll.setFrameShape(QFrame.Shape.NoFrame)
        cards_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        cards_scroll.setWidget(cards_holder)
        self.cards.addStretch(1)
        side.addWidget(self.side_hint)
        side.addWidget(self.link_banner)
        side.addWidget(cards_scroll, 1)
        self.side.setMinimumWidth(300)
        self.side.setMaximumWidth(380)

        body = QHBoxLayout()
        body.addWidget(scroll, 1)
        body.addWidget(self.side)
        outer = QVBoxLayout(self)
        title = QLabel("信访事项登记")
        title.setObjectName("pageTitle")
        outer.addWidget(title)
        outer.addLayout(body, 1)
        outer.addLayout(buttons)

        order = [
            self.channel,
            self.source,
            self.superior_ref,
            self.superior_due,
            self.nature,
            self.category,
            self.subcategory,
            self.name,
            self.id_number.edit,
            self.phone.edit,
            self.identity_type,
            self.affiliation,
            self.people_count,
            self.summary,
            self.content,
            self.department,
            self.anonymous,
            self.bypassed_level,
            self.received_at,
            self.owner_leader,
            self.remarks,
            self.save_button,
        ]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _connect_edits(self) -> None:
        for box in (self.channel, self.nature, self.identity_type, self.subcategory):
            box.editTextChanged.connect(self._edited)
        self.source.editTextChanged.connect(self._source_changed)
        self.category.editTextChanged.connect(self._category_changed)
        self.subcategory.editTextChanged.connect(self._update_department)
        self.department.editTextChanged.connect(self._edited)
        self.department.lineEdit().textEdited.connect(self._department_typed)
        for edit in (self.superior_ref, self.affiliation, self.summary, self.owner_leader, self.remarks):
            edit.textChanged.connect(self._edited)
        for who in (self.name, self.id_number, self.phone):
            who.textChanged.connect(self._edited)
            who.textChanged.connect(self._person_changed)
        self.superior_due.dateChanged.connect(self._edited)
        self.content.textChanged.connect(self._edited)
        self.people_count.valueChanged.connect(self._people_changed)
        self.anonymous.toggled.connect(self._anonymous_toggled)
        self.bypassed_level.toggled.connect(self._edited)
        self.received_at.dateTimeChanged.connect(self._received_changed)

    def _shortcuts(self) -> None:
        for keys, slot in (
            (QKeySequence.StandardKey.Save, self.save),
            (QKeySequence.StandardKey.New, self.ask_new_case),
            (QKeySequence("Esc"), self.ask_discard),
        ):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # ------------------------------------------------------------------ reference data
    def _load_reference(self) -> None:
        self.runner.run(_reference, on_success=self._reference_loaded, on_failure=self._failed)

    def _reference_loaded(self, choices: ReferenceChoices) -> None:
        self.choices = choices
        loading, self._loading = self._loading, True
        self.category.set_choices(list(choices.categories))
        self.department.set_choices(list(choices.departments))
        self._loading = loading
        self._category_changed()

    def _on_changed(self, changes: Changes) -> None:
        if changes.reference or changes.everything:
            self._load_reference()
        if changes.case_ids and self.candidates:
            self._lookup_timer.start()

    # ------------------------------------------------------------------ reacting to edits
    def _edited(self, *_args: object) -> None:
        if self._loading:
            return
        if not self._received_touched:
            self._set_received(QDateTime.currentDateTime())
        self._draft_timer.start()

    def _source_changed(self, *_args: object) -> None:
        superior = self.source.text() == Source.SUPERIOR.label
        for widget in (self.superior_label, self.superior_row):
            widget.setVisible(superior)
        self._edited()

    def _category_changed(self, *_args: object) -> None:
        subs = self.choices.categories.get(self.category.choice(), ())
        keep = self.subcategory.text() in subs
        self.subcategory.set_choices(subs, keep_text=keep)
        self._update_department()
        if self._has_identity():
            self._lookup_timer.start()

    def _department_typed(self, text: str) -> None:
        self._department_auto = not text.strip()

    def _update_department(self, *_args: object) -> None:
        if self._department_auto:
            default = self.choices.default_department(self.category.choice(), self.subcategory.choice())
            loading, self._loading = self._loading, True
            self.department.set_text(default)
            self._loading = loading
        self._edited()

    def _people_changed(self, count: int) -> None:
        self.collective_mark.setVisible(count >= COLLECTIVE_MIN_PEOPLE)
        self._edited()

    def _anonymous_toggled(self, anonymous: bool) -> None:
        self.name.setPlaceholderText("匿名（可不填）" if anonymous else "信访人姓名")
        self._edited()

    def _received_changed(self, *_args: object) -> None:
        if not self._loading:
            self._received_touched = True
        self._edited()

    def _set_received(self, moment: QDateTime) -> None:
        self.received_at.blockSignals(True)
        self.received_at.setMaximumDateTime(QDateTime.currentDateTime().addSecs(300))
        self.received_at.setDateTime(
            QDateTime(moment.date(), QTime(moment.time().hour(), moment.time().minute()))
        )
        self.received_at.blockSignals(False)

    def _person_changed(self, *_args: object) -> None:
        if not self._loading:
            self._lookup_timer.start()

    # ------------------------------------------------------------------ earlier cases (重复访)
    def _has_identity(self) -> bool:
        id_number = self.id_number.text() if self.id_number.is_valid() else ""
        phone = self.phone.text() if self.phone.is_valid() else ""
        return len(id_number) == 18 or bool(self.name.text() and phone)

    def _look_up_earlier_cases(self) -> None:
        self._lookup_serial += 1
        serial = self._lookup_serial
        if not self._has_identity():
            self._show_candidates(serial, [])
            return
        id_number = self.id_number.text() if self.id_number.is_valid() else ""
        phone = self.phone.text() if self.phone.is_valid() else ""
        self.runner.run(
            partial(earlier_cases, self.name.text(), id_number, phone, self.category.choice()),
            on_success=partial(self._show_candidates, serial),
            on_failure=self._failed,
        )

    def _show_candidates(self, serial: int, found: list[EarlierCase]) -> None:
        if serial != self._lookup_serial:
            return  # an answer to an older question
        self.candidates = list(found)
        if self.repeat_of and self.repeat_of not in {c.case_no for c in self.candidates}:
            self.repeat_of = ""
        self._render_candidates()

    def _render_candidates(self) -> None:
        while len(self._card_pool) < len(self.candidates):
            card = EarlierCaseCard(self)
            self.cards.insertWidget(len(self._card_pool), card)
            self._card_pool.append(card)
        for position, card in enumerate(self._card_pool):
            if position < len(self.candidates):
                case = self.candidates[position]
                card.show_case(case, case.case_no == self.repeat_of)
            else:
                card.hide()
        if self.candidates:
            open_ = sum(c.is_open for c in self.candidates)
            hint = f"找到同一信访人的既往案件 {len(self.candidates)} 件"
            self.side_hint.setText(hint + (f"，其中 {open_} 件仍在办理中。" if open_ else "。"))
        else:
            self.side_hint.setText(
                "未找到该信访人的既往案件。"
                if self._has_identity()
                else "输入姓名和电话，或身份证号后，这里会列出同一信访人的既往案件。"
            )
        self.link_banner.setText(f"本案将登记为 {self.repeat_of} 的重复访。" if self.repeat_of else "")
        self.link_banner.setVisible(bool(self.repeat_of))
        self.side.setTitle(
            f"该信访人的既往案件（{len(self.candidates)}）" if self.candidates else "该信访人的既往案件"
        )

    def candidate_cards(self) -> list[EarlierCaseCard]:
        """The cards now showing an earlier case, in order."""
        return self._card_pool[: len(self.candidates)]

    def link_repeat(self, case_no: str) -> None:
        """关联为重复访 (or, with "", undo the link)."""
        self.repeat_of = case_no
        self._render_candidates()
        self._edited()

    def open_earlier_case(self, case_id: int) -> None:
        from xinfang_desk.ui.case_view import show_case

        show_case(self.runner, self.actor, case_id)

    # ------------------------------------------------------------------ the form's values
    def form_values(self) -> dict[str, Any]:
        """Everything typed, as JSON-able values (what a draft keeps)."""
        superior_due = self.superior_due.date()
        return {
            "channel": self.channel.text(),
            "source": self.source.text(),
            "superior_ref": self.superior_ref.text().strip(),
            "superior_due_on": "" if superior_due == NO_DATE else superior_due.toString("yyyy-MM-dd"),
            "nature": self.nature.text(),
            "category": self.category.text(),
            "subcategory": self.subcategory.text(),
            "name": self.name.text().strip(),
            "id_number": self.id_number.text(),
            "phone": self.phone.text(),
            "identity_type": self.identity_type.text(),
            "affiliation": self.affiliation.text().strip(),
            "people_count": self.people_count.value(),
            "summary": self.summary.text().strip(),
            "content": self.content.toPlainText().strip(),
            "department": self.department.text(),
            "anonymous": self.anonymous.isChecked(),
            "bypassed_level": self.bypassed_level.isChecked(),
            "received_at": self.received_at.dateTime().toString("yyyy-MM-ddTHH:mm")
            if self._received_touched
            else "",
            "owner_leader": self.owner_leader.text().strip(),
            "remarks": self.remarks.text().strip(),
            "repeat_of": self.repeat_of,
        }

    def set_form_values(self, values: dict[str, Any]) -> None:
        """Fill the form from ``form_values`` output (a restored draft)."""
        v = {**self._blank, **values}
        self._loading = True
        try:
            self.channel.set_text(v["channel"])
            self.source.set_text(v["source"])
            self.superior_ref.setText(v["superior_ref"])
            due = QDate.fromString(v["superior_due_on"], "yyyy-MM-dd") if v["superior_due_on"] else NO_DATE
            self.superior_due.setDate(due if due.isValid() else NO_DATE)
            self.nature.set_text(v["nature"])
            self.category.set_text(v["category"])
            self.subcategory.set_text(v["subcategory"])
            self.name.setText(v["name"])
            self.id_number.setText(v["id_number"])
            self.phone.setText(v["phone"])
            self.identity_type.set_text(v["identity_type"])
            self.affiliation.setText(v["affiliation"])
            self.people_count.setValue(int(v["people_count"]))
            self.summary.setText(v["summary"])
            self.content.setPlainText(v["content"])
            default = self.choices.default_department(self.category.choice(), self.subcategory.choice())
            self.department.set_text(v["department"])
            self._department_auto = v["department"] in ("", default)
            self.anonymous.setChecked(bool(v["anonymous"]))
            self.bypassed_level.setChecked(bool(v["bypassed_level"]))
            moment = QDateTime.fromString(v["received_at"], "yyyy-MM-ddTHH:mm") if v["received_at"] else None
            self._received_touched = moment is not None and moment.isValid()
            self._set_received(moment if self._received_touched else QDateTime.currentDateTime())
            self.owner_leader.setText(v["owner_leader"])
            self.remarks.setText(v["remarks"])
            self.repeat_of = v["repeat_of"]
        finally:
            self._loading = False
        self._render_candidates()
        if self._has_identity():
            self._lookup_timer.start()

    def has_unsaved_changes(self) -> bool:
        return self.form_values() != self._blank

    def _problem(self) -> tuple[str, QWidget | None]:
        """The first thing that stops saving, and the field to fix."""
        checks: list[tuple[bool, str, QWidget]] = [
            (bool(self.channel.choice()), "请从列表中选择信访形式。", self.channel),
            (bool(self.source.choice()), "请从列表中选择来源。", self.source),
            (
                self.source.text() != Source.SUPERIOR.label or self.superior_due.date() != NO_DATE,
                "上级转办事项须填写上级交办单规定的办理期限。",
                self.superior_due,
            ),
            (bool(self.nature.choice()), "请从列表中选择事项性质。", self.nature),
            (bool(self.category.choice()), "请从列表中选择问题类别。", self.category),
            (
                not self.subcategory.text() or bool(self.subcategory.choice()),
                "二级类别不在列表中，请重新选择或清空。",
                self.subcategory,
            ),
            (
                bool(self.name.text().strip()) or self.anonymous.isChecked(),
                "请填写信访人姓名；匿名信访请勾选“匿名信访”。",
                self.name,
            ),
            (
                self.id_number.is_valid(),
                f"身份证号码有误，不能保存：{self.id_number.reason()}",
                self.id_number,
            ),
            (self.phone.is_valid(), f"联系电话有误，不能保存：{self.phone.reason()}", self.phone),
            (bool(self.identity_type.choice()), "请从列表中选择身份类别。", self.identity_type),
            (bool(self.summary.text().strip()), "请填写内容摘要。", self.summary),
            (
                not self.department.text() or bool(self.department.choice()),
                "拟交办单位不在承办单位列表中，请重新选择或清空。",
                self.department,
            ),
        ]
        for ok, message, widget in checks:
            if not ok:
                return message, widget
        return "", None

    def case_draft(self) -> CaseDraft:
        """The form as the workflow's registration input (call only when ``_problem`` finds nothing)."""
        v = self.form_values()
        return CaseDraft(
            channel=Channel.from_label(v["channel"]),
            source=Source.from_label(v["source"]),
            nature=Nature.from_label(v["nature"]),
            category=v["category"],
            subcategory=v["subcategory"],
            summary=v["summary"],
            content=v["content"],
            petitioner=PetitionerInput(
                name=v["name"],
                id_number=v["id_number"],
                phone=v["phone"],
                identity_type=IdentityType.from_label(v["identity_type"]),
                affiliation=v["affiliation"],
                anonymous=v["anonymous"],
            ),
            people_count=v["people_count"],
            received_at=datetime.fromisoformat(v["received_at"]) if v["received_at"] else None,
            bypassed_level=v["bypassed_level"],
            repeat_of=v["repeat_of"],
            superior_ref=v["superior_ref"],
            superior_due_on=date.fromisoformat(v["superior_due_on"]) if v["superior_due_on"] else None,
            owner_leader=v["owner_leader"],
            remarks=v["remarks"],
            proposed_department=v["department"],
        )

    # ------------------------------------------------------------------ saving
    def save(self) -> None:
        """保存登记 (Ctrl+S): register the case on the worker, then clear for the next visitor."""
        if self._saving:
            return
        problem, widget = self._problem()
        if problem:
            self._say(problem, error=True)
            if widget is not None:
                widget.setFocus()
            return
        self._saving = True
        self.save_button.setEnabled(False)
        self._say("正在保存……")
        self.runner.run(
            partial(register_case, self.actor, self.case_draft()),
            on_success=self._saved,
            on_failure=self._save_failed,
        )

    def _saved(self, result: tuple[int, str]) -> None:
        case_id, case_no = result
        self._saving = False
        self.save_button.setEnabled(True)
        self._draft_timer.stop()
        self.drafts.discard(DRAFT_NAME)
        self.new_case()
        self._say(f"已登记 {case_no}", ok=True)
        self.case_registered.emit(case_id)
        self.runner.changed.emit(Changes(case_ids=frozenset({case_id})))

    def _save_failed(self, error: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self._say(error_text(error), error=True)

    def _failed(self, error: BaseException) -> None:
        self._say(error_text(error), error=True)

    def _say(self, text: str, *, error: bool = False, ok: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else (OK_STYLE if ok else ""))

    # ------------------------------------------------------------------ new entry, discarding, drafts
    def new_case(self) -> None:
        """Clear the form for a new entry and put the cursor on the first field."""
        self._loading = True
        try:
            self.channel.set_text(Channel.VISIT.label)
            self.source.set_text(Source.OWN.label)
            self.superior_ref.clear()
            self.superior_due.setDate(NO_DATE)
            self.nature.set_text(Nature.CLAIM.label)
            self.category.set_text("")
            self.subcategory.set_text("")
            for edit in (self.name, self.affiliation, self.summary, self.owner_leader, self.remarks):
                edit.clear()
            self.id_number.setText("")
            self.phone.setText("")
            self.identity_type.set_text(IdentityType.STUDENT.label)
            self.people_count.setValue(1)
            self.content.clear()
            self._department_auto = True
            self.department.set_text("")
            self.anonymous.setChecked(False)
            self.bypassed_level.setChecked(False)
            self._received_touched = False
            self._set_received(QDateTime.currentDateTime())
            self.repeat_of = ""
            self.candidates = []
        finally:
            self._loading = False
        self.collective_mark.setVisible(False)
        self._source_changed()
        self._render_candidates()
        self._say("")
        self._blank = self.form_values()
        self._draft_timer.stop()
        self._lookup_timer.stop()
        self._lookup_serial += 1
        self.channel.setFocus()
        self.channel.lineEdit().selectAll()

    def _confirm(self, title: str, text: str, yes: str, then) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self)
        discard = box.addButton(yes, QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("继续填写", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)

        def answered(_result: int) -> None:
            self._question = None
            if box.clickedButton() is discard:
                then()

        box.finished.connect(answered)
        self._question = box
        box.open()

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
        self.drafts.discard(DRAFT_NAME)
        self.new_case()

    def flush_draft(self) -> None:
        """Keep what is typed now (or drop the draft when nothing is)."""
        if not self._draft_checked:
            return  # a draft from before is still to be offered: never overwrite it
        self._draft_timer.stop()
        try:
            if self.has_unsaved_changes():
                self.drafts.save(DRAFT_NAME, self.form_values(), actor=self.actor)
            else:
                self.drafts.discard(DRAFT_NAME)
        except OSError as exc:
            self._say(f"无法保存登记草稿：{exc.strerror or exc}", error=True)

    def offer_draft(self) -> None:
        """Offer back a draft left by a crash or an earlier session."""
        if self._draft_checked:
            return
        draft = self.drafts.load(DRAFT_NAME)
        if draft is None or {**self._blank, **draft.fields} == self._blank:
            self._draft_checked = True
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "恢复登记草稿",
            "发现未保存的登记草稿，是否恢复？",
            parent=self,
        )
        box.setInformativeText(f"草稿保存于 {draft.saved_at:%Y-%m-%d %H:%M}。")
        restore = box.addButton("恢复", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("丢弃", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(restore)

        def answered(_result: int) -> None:
            self._question = None
            self._draft_checked = True
            if box.clickedButton() is restore:
                self.set_form_values(draft.fields)
                self._say("已恢复未保存的登记草稿，请核对后保存。")
                self.flush_draft()
            else:
                self.drafts.discard(DRAFT_NAME)

        box.finished.connect(answered)
        self._question = box
        box.open()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if not self._draft_checked and self._question is None:
            QTimer.singleShot(0, self.offer_draft)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt naming)
        self.flush_draft()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt naming)
        self.flush_draft()
        super().closeEvent(event)
