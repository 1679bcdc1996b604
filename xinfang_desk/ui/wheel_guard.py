"""The mouse wheel scrolls the page: it never changes a combo or spin box that does not have the focus.

Installed once on the application (``install_wheel_guard``).  Over a value field without focus the
wheel event goes to the nearest scrolling area instead, so the page scrolls as the user expects; a
field the user clicked into (focus) still takes the wheel.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget

GUARDED = (QComboBox, QAbstractSpinBox)


def _guarded_field(widget: QWidget) -> QWidget | None:
    """The combo or spin box ``widget`` belongs to (itself, or its inner line edit), if any."""
    for candidate in (widget, widget.parentWidget()):
        if isinstance(candidate, GUARDED):
            return candidate
    return None


class WheelGuard(QObject):
    """Application event filter: wheel over an unfocused value field scrolls the page instead."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget):
            return False
        field = _guarded_field(watched)
        if field is None or field.hasFocus() or field.isAncestorOf(QApplication.focusWidget()):
            return False
        area = _scroll_area_around(field)
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)
        return True


def _scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, GUARDED):
            return parent
        parent = parent.parentWidget()
    return None


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install the guard on ``app`` once (later calls return the same guard)."""
    existing = app.findChild(WheelGuard)
    if existing is not None:
        return existing
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    return guard
