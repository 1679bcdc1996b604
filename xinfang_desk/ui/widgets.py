"""Small widgets shared by the registration form and the case view.

``CheckedLineEdit`` checks what is typed (ID number, phone) and shows the reason beside the field in
red; ``ChoiceBox`` is an editable combo box that completes from its list and tells whether the text
is one of its choices; ``MaskedValue`` shows personal data masked until 显示 is pressed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QToolButton,
    QWidget,
)

from xinfang_desk.ledger.identity import Verdict
from xinfang_desk.ui.style import ERROR_FOREGROUND, text_style

ERROR_STYLE = text_style(ERROR_FOREGROUND)
#: Width of a form's labels, the same in every group so that the fields line up.
FORM_LABEL_WIDTH = 84
INVALID_FIELD_STYLE = f"QLineEdit {{ border: 1px solid {ERROR_FOREGROUND.name()}; }}"


def ok_cancel(
    dialog: QDialog, on_ok: Callable[[], object], ok: str | None = None, cancel: str | None = None
) -> QDialogButtonBox:
    """A dialog's OK and Cancel buttons: OK (named ``ok``) calls ``on_ok``, Cancel (``cancel``) closes it."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    if ok is not None:
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok)
    if cancel is not None:
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons


def send_with_ctrl_enter(buttons: QDialogButtonBox) -> None:
    """Ctrl+Enter presses the dialog's OK from any field, also from a text box where Enter starts a new
    line; nothing happens while OK is disabled (a step already on its way)."""
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setToolTip(f"{ok.text()}（Ctrl+Enter）")

    def send() -> None:
        if ok.isEnabled() and buttons.isEnabled():
            ok.click()

    for keys in ("Ctrl+Return", "Ctrl+Enter"):
        QShortcut(QKeySequence(keys), buttons.window(), send)


def form_row(form: QFormLayout, text: str, field: QWidget | QLayout) -> QLabel:
    """Add a row whose label has the common width; returns the label."""
    label = QLabel(text)
    label.setMinimumWidth(FORM_LABEL_WIDTH)
    form.addRow(label, field)
    return label


class ReasonLabel(QLabel):
    """A red line that says what is wrong; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(ERROR_STYLE)
        self.setWordWrap(True)
        self.hide()

    def say(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


class CheckedLineEdit(QWidget):
    """A line edit checked as you type; an empty field is allowed unless ``required``."""

    validity_changed = Signal(bool)
    textChanged = Signal(str)

    def __init__(
        self,
        check: Callable[[str], Verdict],
        *,
        placeholder: str = "",
        max_length: int = 40,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._check = check
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setMaxLength(max_length)
        self.reason_label = ReasonLabel(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 3)
        layout.addWidget(self.reason_label, 4)
        self.setFocusProxy(self.edit)
        self._valid = True
        self.edit.textChanged.connect(self._recheck)
        self.edit.textChanged.connect(self.textChanged)

    def _recheck(self, text: str) -> None:
        verdict = self._check(text) if text.strip() else Verdict(True)
        self.reason_label.say("" if verdict.ok else verdict.message)
        self.edit.setStyleSheet("" if verdict.ok else INVALID_FIELD_STYLE)
        if verdict.ok != self._valid:
            self._valid = verdict.ok
            self.validity_changed.emit(verdict.ok)

    def is_valid(self) -> bool:
        return self._valid

    def reason(self) -> str:
        return self.reason_label.text() if not self._valid else ""

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt naming)
        self.edit.setText(text)


class ChoiceBox(QComboBox):
    """An editable combo box completing from its choices (any part of the text matches)."""

    def __init__(self, choices: Sequence[str] = (), *, placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(15)
        self._model = QStringListModel(self)
        completer = QCompleter(self._model, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        if placeholder:
            self.lineEdit().setPlaceholderText(placeholder)
        self.set_choices(choices)

    def set_choices(self, choices: Sequence[str], *, keep_text: bool = True) -> None:
        """Replace the list; the typed text stays (or is cleared) without firing a spurious choice."""
        text = self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItems(list(choices))
        self._model.setStringList(list(choices))
        self.setEditText(text if keep_text else "")
        self.blockSignals(False)
        if not keep_text or text != self.currentText():
            self.editTextChanged.emit(self.currentText())

    def choices(self) -> list[str]:
        return [self.itemText(i) for i in range(self.count())]

    def text(self) -> str:
        return self.currentText().strip()

    def choice(self) -> str:
        """The typed text if it is one of the choices, else ""."""
        text = self.text()
        return text if text in self.choices() else ""

    def set_text(self, text: str) -> None:
        self.setEditText(text)


class MaskedValue(QWidget):
    """A value shown masked (3401**********123X) with a 显示/隐藏 toggle."""

    revealed = Signal(bool)

    def __init__(self, value: str = "", masked: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.toggle = QToolButton(self)
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self._show)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.toggle)
        layout.addStretch(1)
        self.set_value(value, masked)

    def set_value(self, value: str, masked: str) -> None:
        self._value, self._masked = value, masked
        self.toggle.setVisible(bool(value))
        self._show(self.toggle.isChecked())

    def _show(self, reveal: bool) -> None:
        self.label.setText((self._value if reveal else self._masked) or "—")
        self.toggle.setText("隐藏" if reveal else "显示")
        self.revealed.emit(reveal)

    def shown_text(self) -> str:
        return self.label.text()
