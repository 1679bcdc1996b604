"""The registration form's fields: their layout and keyboard order, their values, and what stops saving.

The keyboard order is the walk-in's fast path: 信访形式 → 问题类别 → 姓名 → 身份证号 → 电话 → 内容摘要 →
信访内容, then the fields that usually keep their defaults (补充信息).  Every problem that stops saving
is listed at once (``problems``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.case_details import ReferenceChoices
from xinfang_desk.ledger.identity import check_id_number, check_phone
from xinfang_desk.ledger.moments import format_moment
from xinfang_desk.ledger.vocab import COLLECTIVE_MIN_PEOPLE, Channel, IdentityType, Nature, Source
from xinfang_desk.ledger.workflow import CaseDraft, PetitionerInput
from xinfang_desk.ui.moment_edit import MomentEdit
from xinfang_desk.ui.style import ERROR_FOREGROUND, badge_style
from xinfang_desk.ui.widgets import FORM_LABEL_WIDTH, CheckedLineEdit, ChoiceBox, form_row

#: A received time may be this far ahead of the clock (clocks differ a little), as in the workflow.
CLOCK_SLACK = timedelta(minutes=5)


class RegistrationForm(QWidget):
    """The fields of 登记.  ``edited`` fires on every change the clerk makes; ``person_changed`` when
    the name, ID number, phone or category changes (the earlier cases are looked up again)."""

    edited = Signal()
    person_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choices = ReferenceChoices({}, (), {})
        self._department_auto = True
        self._received_touched = False
        self._loading = False
        self._build()
        self._connect()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        self.channel = ChoiceBox(Channel.labels())
        self.source = ChoiceBox(Source.labels())
        self.superior_ref = QLineEdit(placeholderText="上级交办单编号（可选）")
        self.superior_due = MomentEdit(with_time=False, placeholder="上级规定的办理期限，如 20261215")
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
        self.collective_mark.setObjectName("collectiveMark")
        self.collective_mark.setStyleSheet(badge_style(ERROR_FOREGROUND, radius=3, padding="1px 6px"))
        self.summary = QLineEdit(placeholderText="一句话概括诉求（必填，不超过500字）", maxLength=500)
        self.content = QPlainTextEdit(placeholderText="信访人反映的详细情况")
        self.content.setTabChangesFocus(True)
        self.content.setFixedHeight(110)
        self.department = ChoiceBox(placeholder="拟交办的承办单位（按类别预填）")
        self.anonymous = QCheckBox("匿名信访")
        self.bypassed_level = QCheckBox("越级访")
        self.received_at = MomentEdit(placeholder="如 20261130 1430、今天 9:30；不填为当前时间")
        self.owner_leader = QLineEdit(placeholderText="包案领导（可选）", maxLength=100)
        self.remarks = QLineEdit(placeholderText="备注（可选）")

        matter = QGroupBox("信访事项")
        form = QFormLayout(matter)
        form_row(form, "信访形式", self.channel)
        categories = QHBoxLayout()
        categories.addWidget(self.category, 1)
        categories.addWidget(self.subcategory, 1)
        form_row(form, "问题类别", categories)

        person = QGroupBox("信访人")
        form = QFormLayout(person)
        form_row(form, "姓名", self.name)
        form_row(form, "身份证号", self.id_number)
        form_row(form, "联系电话", self.phone)

        said = QGroupBox("反映内容")
        form = QFormLayout(said)
        form_row(form, "内容摘要", self.summary)
        form_row(form, "信访内容", self.content)

        more = QGroupBox("补充信息（一般保持默认）")
        form = QFormLayout(more)
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
        form_row(form, "身份类别", self.identity_type)
        form_row(form, "所在单位", self.affiliation)
        people = QHBoxLayout()
        people.addWidget(self.people_count)
        people.addWidget(self.collective_mark)
        people.addStretch(1)
        form_row(form, "人数", people)
        form_row(form, "拟交办单位", self.department)
        flags = QHBoxLayout()
        flags.addWidget(self.anonymous)
        flags.addWidget(self.bypassed_level)
        flags.addStretch(1)
        form_row(form, "标记", flags)
        form_row(form, "收件时间", self.received_at)
        form_row(form, "包案领导", self.owner_leader)
        form_row(form, "备注", self.remarks)

        column = QVBoxLayout(self)
        for group in (matter, person, said, more):
            column.addWidget(group)
        column.addStretch(1)

        order: list[QWidget] = [
            self.channel,
            self.category,
            self.subcategory,
            self.name,
            self.id_number.edit,
            self.phone.edit,
            self.summary,
            self.content,
            self.source,
            self.superior_ref,
            self.superior_due.edit,
            self.nature,
            self.identity_type,
            self.affiliation,
            self.people_count,
            self.department,
            self.anonymous,
            self.bypassed_level,
            self.received_at.edit,
            self.owner_leader,
            self.remarks,
        ]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.last_field = order[-1]

    def _connect(self) -> None:
        for box in (self.channel, self.nature, self.identity_type, self.subcategory, self.department):
            box.editTextChanged.connect(self._edited)
        self.source.editTextChanged.connect(self._source_changed)
        self.category.editTextChanged.connect(self._category_changed)
        self.subcategory.editTextChanged.connect(self._update_department)
        self.department.lineEdit().textEdited.connect(self._department_typed)
        for edit in (self.superior_ref, self.affiliation, self.summary, self.owner_leader, self.remarks):
            edit.textChanged.connect(self._edited)
        for who in (self.name, self.id_number, self.phone):
            who.textChanged.connect(self._edited)
            who.textChanged.connect(self._person_edited)
        self.superior_due.moment_changed.connect(self._edited)
        self.content.textChanged.connect(self._edited)
        self.people_count.valueChanged.connect(self._people_changed)
        self.anonymous.toggled.connect(self._anonymous_toggled)
        self.bypassed_level.toggled.connect(self._edited)
        self.received_at.edit.textEdited.connect(self._received_typed)
        self.received_at.moment_changed.connect(self._received_read)

    # ------------------------------------------------------------------ reference data
    def set_choices(self, choices: ReferenceChoices) -> None:
        self.choices = choices
        loading, self._loading = self._loading, True
        self.category.set_choices(list(choices.categories))
        self.department.set_choices(list(choices.departments))
        self._loading = loading
        self._category_changed()

    # ------------------------------------------------------------------ reacting to edits
    def _edited(self, *_args: object) -> None:
        if self._loading:
            return
        if not self._received_touched:
            self._follow_the_clock()
        self.edited.emit()

    def _person_edited(self, *_args: object) -> None:
        if not self._loading:
            self.person_changed.emit()

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
        self._person_edited()

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

    def _received_typed(self, _text: str) -> None:
        self._received_touched = True
        self.received_at.set_range(None, datetime.now() + CLOCK_SLACK)
        self._edited()

    def _received_read(self) -> None:
        """The received time was read anew (typed, or restored): a change like any other."""
        if not self._loading and self._received_touched:
            self.edited.emit()

    def _follow_the_clock(self) -> None:
        """Until the clerk types a received time, it is the time of the latest edit."""
        now = datetime.now().replace(second=0, microsecond=0)
        self.received_at.blockSignals(True)
        self.received_at.set_range(None, now + CLOCK_SLACK)
        self.received_at.set_moment(now)
        self.received_at.blockSignals(False)

    # ------------------------------------------------------------------ values
    def values(self) -> dict[str, Any]:
        """Everything typed, as JSON-able values (what a draft keeps)."""
        superior_due = self.superior_due.day()
        received = self.received_at.moment()
        return {
            "channel": self.channel.text(),
            "source": self.source.text(),
            "superior_ref": self.superior_ref.text().strip(),
            "superior_due_on": superior_due.isoformat() if superior_due else self.superior_due.text(),
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
            "received_at": (received.strftime("%Y-%m-%dT%H:%M") if received else self.received_at.text())
            if self._received_touched
            else "",
            "owner_leader": self.owner_leader.text().strip(),
            "remarks": self.remarks.text().strip(),
        }

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill the form from ``values`` output (a restored draft); missing keys keep a blank form's."""
        v = values
        self._loading = True
        try:
            self.channel.set_text(v.get("channel", Channel.VISIT.label))
            self.source.set_text(v.get("source", Source.OWN.label))
            self.superior_ref.setText(v.get("superior_ref", ""))
            self.superior_due.edit.setText(_readable_day(v.get("superior_due_on", "")))
            self.nature.set_text(v.get("nature", Nature.CLAIM.label))
            self.category.set_text(v.get("category", ""))
            self.subcategory.set_text(v.get("subcategory", ""))
            self.name.setText(v.get("name", ""))
            self.id_number.setText(v.get("id_number", ""))
            self.phone.setText(v.get("phone", ""))
            self.identity_type.set_text(v.get("identity_type", IdentityType.STUDENT.label))
            self.affiliation.setText(v.get("affiliation", ""))
            self.people_count.setValue(int(v.get("people_count", 1)))
            self.summary.setText(v.get("summary", ""))
            self.content.setPlainText(v.get("content", ""))
            department = v.get("department", "")
            default = self.choices.default_department(self.category.choice(), self.subcategory.choice())
            self.department.set_text(department)
            self._department_auto = department in ("", default)
            self.anonymous.setChecked(bool(v.get("anonymous", False)))
            self.bypassed_level.setChecked(bool(v.get("bypassed_level", False)))
            received = v.get("received_at", "")
            self._received_touched = bool(received)
            if received:
                self.received_at.edit.setText(received.replace("T", " "))
            else:
                self._follow_the_clock()
            self.owner_leader.setText(v.get("owner_leader", ""))
            self.remarks.setText(v.get("remarks", ""))
        finally:
            self._loading = False
        self.collective_mark.setVisible(self.people_count.value() >= COLLECTIVE_MIN_PEOPLE)
        self._source_changed()

    def reset(self) -> None:
        """A blank form for the next visitor (walk-in, own unit, a claim, a student)."""
        self._received_touched = False
        self._department_auto = True
        self.set_values({})
        self.subcategory.set_text("")

    def focus_first(self) -> None:
        self.channel.setFocus()
        self.channel.lineEdit().selectAll()

    def identity(self) -> dict[str, str] | None:
        """Who the petitioner is, for looking up earlier cases (None until it is known well enough)."""
        id_number = self.id_number.text() if self.id_number.is_valid() else ""
        phone = self.phone.text() if self.phone.is_valid() else ""
        if len(id_number) == 18 or (self.name.text() and phone):
            return {"name": self.name.text(), "id_number": id_number, "phone": phone}
        return None

    # ------------------------------------------------------------------ checking and the draft
    def problems(self) -> list[tuple[str, QWidget]]:
        """Every problem that stops saving, in the form's order, with the field to fix."""
        superior = self.source.text() == Source.SUPERIOR.label
        checks: list[tuple[bool, str, QWidget]] = [
            (bool(self.channel.choice()), "请从列表中选择信访形式。", self.channel),
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
            (bool(self.summary.text().strip()), "请填写内容摘要。", self.summary),
            (bool(self.source.choice()), "请从列表中选择来源。", self.source),
            (
                not superior or self.superior_due.day() is not None,
                "上级转办事项须填写上级交办单规定的办理期限。",
                self.superior_due,
            ),
            (
                not superior or self.superior_due.is_valid(),
                f"上级规定的办理期限有误：{self.superior_due.reason()}",
                self.superior_due,
            ),
            (bool(self.nature.choice()), "请从列表中选择事项性质。", self.nature),
            (bool(self.identity_type.choice()), "请从列表中选择身份类别。", self.identity_type),
            (
                not self.department.text() or bool(self.department.choice()),
                "拟交办单位不在承办单位列表中，请重新选择或清空。",
                self.department,
            ),
            (
                self.received_at.is_valid(),
                f"收件时间有误：{self.received_at.reason()}",
                self.received_at,
            ),
        ]
        return [(message, widget) for ok, message, widget in checks if not ok]

    def case_draft(self, repeat_of: str = "") -> CaseDraft:
        """The form as the workflow's registration input (call only when ``problems`` is empty)."""
        v = self.values()
        superior_due = self.superior_due.day() if v["source"] == Source.SUPERIOR.label else None
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
            received_at=self.received_at.moment() if self._received_touched else None,
            bypassed_level=v["bypassed_level"],
            repeat_of=repeat_of,
            superior_ref=v["superior_ref"],
            superior_due_on=superior_due,
            owner_leader=v["owner_leader"],
            remarks=v["remarks"],
            proposed_department=v["department"],
        )

    def received_moment(self) -> datetime | None:
        """The received time typed by the clerk (None: now)."""
        return self.received_at.moment() if self._received_touched else None


def _readable_day(text: str) -> str:
    """A kept ``YYYY-MM-DD`` as the field shows it (anything else as it was typed)."""
    try:
        return format_moment(datetime.combine(date.fromisoformat(text), datetime.min.time()), with_time=False)
    except ValueError:
        return text
