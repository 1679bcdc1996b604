"""One field for a date (and time): typed as ``20261130 1430``, ``今天``, ``昨天 9:30`` …, or picked in a calendar.

The text is read by ``ledger.moments.parse_moment`` as it is typed; leaving the field writes it in the
canonical form.  A text that cannot be read, or a moment outside the allowed range, turns the field
red and ``reason()`` says why (the form lists it); nothing is guessed.  Alt+Down or the 日历 button
opens the calendar for the mouse.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from xinfang_desk.ledger.moments import MomentError, format_moment, parse_moment
from xinfang_desk.ui.widgets import INVALID_FIELD_STYLE


class MomentEdit(QWidget):
    """A date-time (or, with ``with_time=False``, a date) typed in one line edit."""

    moment_changed = Signal()

    def __init__(
        self,
        *,
        with_time: bool = True,
        placeholder: str = "",
        clock: Callable[[], datetime] = datetime.now,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.with_time = with_time
        self.clock = clock
        self.earliest: datetime | None = None
        self.latest: datetime | None = None
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(
            placeholder or ("如 20261130 1430、今天 9:30" if with_time else "如 20261130")
        )
        self.hint = "可输入 20261130 1430、2026-11-30 14:30、今天、昨天 9:30；Alt+↓ 打开日历"
        self.edit.setToolTip(self.hint)
        self.button = QToolButton(self)
        self.button.setText("日历")
        self.button.setToolTip("从日历中选择（Alt+↓）")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.show_calendar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)
        self._reason = ""
        self._moment: datetime | None = None
        self.edit.textChanged.connect(self._reread)
        self.edit.editingFinished.connect(self._tidy)
        self.edit.installEventFilter(self)
        self.calendar: QCalendarWidget | None = None

    # ------------------------------------------------------------------ value
    def moment(self) -> datetime | None:
        """The moment typed (None while empty or unreadable)."""
        return self._moment

    def day(self) -> date | None:
        return self._moment.date() if self._moment else None

    def text(self) -> str:
        return self.edit.text().strip()

    def is_empty(self) -> bool:
        return not self.text()

    def is_valid(self) -> bool:
        """Empty or readable and within range."""
        return not self._reason

    def reason(self) -> str:
        return self._reason

    def set_moment(self, moment: datetime | date | None) -> None:
        if moment is not None and not isinstance(moment, datetime):
            moment = datetime.combine(moment, time(0, 0))
        self.edit.setText(format_moment(moment, with_time=self.with_time) if moment else "")

    def set_range(self, earliest: datetime | None, latest: datetime | None) -> None:
        self.earliest, self.latest = earliest, latest
        self._reread(self.edit.text())

    def _reread(self, text: str) -> None:
        moment, reason = None, ""
        if text.strip():
            try:
                moment = parse_moment(text, self.clock())
            except MomentError as exc:
                reason = str(exc)
        if moment is not None:
            reason = self._out_of_range(moment)
            if reason:
                moment = None
        changed = moment != self._moment
        self._moment, self._reason = moment, reason
        self.edit.setStyleSheet(INVALID_FIELD_STYLE if reason else "")
        self.edit.setToolTip(reason or self.hint)
        if changed or reason:
            self.moment_changed.emit()

    def _out_of_range(self, moment: datetime) -> str:
        shown = format_moment(moment, with_time=self.with_time)
        if self.latest is not None and moment > self.latest:
            return (
                f"“{shown}”晚于当前时间，不能预先登记。"
                if self.with_time
                else f"“{shown}”晚于允许的最晚日期。"
            )
        if self.earliest is not None and moment < self.earliest:
            limit = format_moment(self.earliest, with_time=self.with_time)
            return f"“{shown}”早于 {limit}，请核对。"
        return ""

    def _tidy(self) -> None:
        """Leaving the field writes a readable moment in the canonical form."""
        if self._moment is not None:
            canonical = format_moment(self._moment, with_time=self.with_time)
            if canonical != self.edit.text():
                self.edit.setText(canonical)

    # ------------------------------------------------------------------ the calendar, for the mouse
    def eventFilter(self, watched: object, event: object) -> bool:  # noqa: N802 (Qt naming)
        if (
            watched is self.edit
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
            and event.modifiers() & Qt.KeyboardModifier.AltModifier
        ):
            self.show_calendar()
            return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    def show_calendar(self) -> None:
        menu = QMenu(self)
        calendar = QCalendarWidget(menu)
        calendar.setGridVisible(True)
        start = self._moment or self.clock()
        calendar.setSelectedDate(QDate(start.year, start.month, start.day))
        if self.latest is not None:
            calendar.setMaximumDate(QDate(self.latest.year, self.latest.month, self.latest.day))
        if self.earliest is not None:
            calendar.setMinimumDate(QDate(self.earliest.year, self.earliest.month, self.earliest.day))
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(calendar)
        menu.addAction(holder)
        calendar.activated.connect(lambda day: (self._picked(day), menu.close()))
        calendar.clicked.connect(lambda day: (self._picked(day), menu.close()))
        self.calendar = calendar
        menu.popup(self.edit.mapToGlobal(self.edit.rect().bottomLeft()))
        calendar.setFocus()

    def _picked(self, day: QDate) -> None:
        picked = day.toPython()
        clock = self._moment.time() if self._moment else self.clock().time().replace(second=0, microsecond=0)
        self.set_moment(datetime.combine(picked, clock if self.with_time else time(0, 0)))
        self.edit.setFocus()
