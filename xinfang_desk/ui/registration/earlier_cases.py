"""The side panel of 登记: the petitioner's earlier cases, looked up as the name, phone or ID is typed.

A closed case can be linked as 重复访; an open one is a matter still being handled, whose card offers
在原案件中记录来访 (a 再次来访 on that case instead of a new one) and 打开原案件.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.repeats import RepeatCandidate as EarlierCase
from xinfang_desk.ui.ops import OpRunner, error_text
from xinfang_desk.ui.style import (
    ANSWERED_FOREGROUND,
    ATTENTION_FOREGROUND,
    CARD_BORDER,
    MUTED_FOREGROUND,
    OPEN_CASE_FOREGROUND,
    text_style,
)

LOOKUP_DELAY_MS = 400
OPEN_NOTE = "该事项仍在办理中：本次来访请在原案件中记录，不应新建案件。"
HINT = "输入姓名和电话，或身份证号后，这里会列出同一信访人的既往案件。"


class EarlierCaseCard(QFrame):
    """One earlier case in the side list, with the buttons that apply to it.

    Cards are reused (shown, filled, hidden) rather than deleted while the clerk types.
    """

    def __init__(self, panel: EarlierCasesPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.case: EarlierCase | None = None
        self.linked = False
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.head = QLabel(self)
        self.head.setWordWrap(True)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.note = QLabel(OPEN_NOTE, self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(text_style(ATTENTION_FOREGROUND))
        self.button = QPushButton(self)
        self.button.clicked.connect(self._clicked)
        self.open_button = QPushButton("打开原案件", self)
        self.open_button.clicked.connect(self._open)
        buttons = QHBoxLayout()
        buttons.addWidget(self.button)
        buttons.addWidget(self.open_button)
        for widget in (self.head, self.summary, self.note):
            layout.addWidget(widget)
        layout.addLayout(buttons)

    def show_case(self, case: EarlierCase, linked: bool) -> None:
        self.case, self.linked = case, linked
        border = ANSWERED_FOREGROUND if linked else (OPEN_CASE_FOREGROUND if case.is_open else CARD_BORDER)
        self.setStyleSheet(f"EarlierCaseCard {{ border: 1px solid {border.name()}; border-radius: 4px; }}")
        same = "（同类问题）" if case.same_category else ""
        self.head.setText(
            f"<b>{case.case_no}</b>　{case.received_at:%Y-%m-%d}　{case.status}<br>"
            f"{case.category}{same} · 按{case.matched_by}匹配"
        )
        self.summary.setText(case.summary)
        self.note.setVisible(case.is_open)
        self.button.setText(
            "在原案件中记录来访" if case.is_open else ("取消关联" if linked else "关联为重复访")
        )
        self.show()

    def _clicked(self) -> None:
        case = self.case
        if case is None:
            return
        if case.is_open:
            self.panel.record_visit_requested.emit(case)
        else:
            self.panel.link_repeat("" if self.linked else case.case_no)

    def _open(self) -> None:
        if self.case is not None:
            self.panel.open_requested.emit(self.case.id)


class EarlierCasesPanel(QGroupBox):
    """该信访人的既往案件.  ``look_up(person, category)`` asks again (after a short pause while typing)."""

    record_visit_requested = Signal(object)  # an open EarlierCase
    open_requested = Signal(int)  # a case id
    repeat_changed = Signal(str)  # the case number linked as 重复访, or ""
    failed = Signal(str)

    def __init__(self, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__("该信访人的既往案件", parent)
        self.runner = runner
        self.candidates: list[EarlierCase] = []
        self.repeat_of = ""
        self._pool: list[EarlierCaseCard] = []
        self._serial = 0
        self._person: dict[str, str] | None = None
        self._category = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LOOKUP_DELAY_MS)
        self._timer.timeout.connect(self._look_up_now)

        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(text_style(MUTED_FOREGROUND))
        self.link_banner = QLabel()
        self.link_banner.setWordWrap(True)
        self.link_banner.setStyleSheet(text_style(ANSWERED_FOREGROUND, bold=True))
        self.link_banner.hide()
        self.cards = QVBoxLayout()
        holder = QWidget()
        holder.setLayout(self.cards)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(holder)
        self.cards.addStretch(1)
        side = QVBoxLayout(self)
        side.addWidget(self.hint)
        side.addWidget(self.link_banner)
        side.addWidget(scroll, 1)
        self.setMinimumWidth(300)
        self.setMaximumWidth(380)

    # ------------------------------------------------------------------ looking up
    def look_up(self, person: dict[str, str] | None, category: str) -> None:
        """Look the person up again after a short pause (typing restarts the pause)."""
        self._person, self._category = person, category
        self._timer.start()

    def look_up_again(self) -> None:
        """A case changed: refresh the list if it shows anything."""
        if self.candidates:
            self._timer.start()

    def clear(self) -> None:
        self._timer.stop()
        self._serial += 1
        self._person, self.candidates, self.repeat_of = None, [], ""
        self._render()

    def _look_up_now(self) -> None:
        self._serial += 1
        serial = self._serial
        if self._person is None:
            self._show(serial, [])
            return
        self.runner.call(
            partial(cases.earlier_cases, **self._person, category=self._category),
            on_success=partial(self._show, serial),
            on_failure=lambda error: self.failed.emit(error_text(error)),
        )

    def _show(self, serial: int, found: list[EarlierCase]) -> None:
        if serial != self._serial:
            return  # an answer to an older question
        self.candidates = list(found)
        if self.repeat_of and self.repeat_of not in {c.case_no for c in self.candidates}:
            self.link_repeat("")
        self._render()

    # ------------------------------------------------------------------ showing
    def _render(self) -> None:
        while len(self._pool) < len(self.candidates):
            card = EarlierCaseCard(self)
            self.cards.insertWidget(len(self._pool), card)
            self._pool.append(card)
        for position, card in enumerate(self._pool):
            if position < len(self.candidates):
                case = self.candidates[position]
                card.show_case(case, case.case_no == self.repeat_of)
            else:
                card.hide()
        if self.candidates:
            open_ = sum(c.is_open for c in self.candidates)
            hint = f"找到同一信访人的既往案件 {len(self.candidates)} 件"
            self.hint.setText(hint + (f"，其中 {open_} 件仍在办理中。" if open_ else "。"))
        else:
            self.hint.setText("未找到该信访人的既往案件。" if self._person else HINT)
        self.link_banner.setText(f"本案将登记为 {self.repeat_of} 的重复访。" if self.repeat_of else "")
        self.link_banner.setVisible(bool(self.repeat_of))
        count = len(self.candidates)
        self.setTitle(f"该信访人的既往案件（{count}）" if count else "该信访人的既往案件")

    def cards_shown(self) -> list[EarlierCaseCard]:
        """The cards now showing an earlier case, in order."""
        return self._pool[: len(self.candidates)]

    def link_repeat(self, case_no: str) -> None:
        """关联为重复访 (or, with "", undo the link)."""
        self.repeat_of = case_no
        self._render()
        self.repeat_changed.emit(case_no)

    def open_matters(self) -> list[EarlierCase]:
        """Earlier cases of the same category still being handled (a new case would duplicate them)."""
        return [c for c in self.candidates if c.is_open and c.same_category]
