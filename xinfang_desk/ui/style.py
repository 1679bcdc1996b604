"""The app's look in one place: the style sheet in ``resources/style`` and the colours code needs.

Overdue rows are red and due-soon rows amber everywhere (ledger view, dashboard list), so the
colours are defined here once; the style sheet carries the rest.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QWidget

from xinfang_desk.paths import resource_path

OVERDUE_BACKGROUND = QColor("#fbe0de")
OVERDUE_FOREGROUND = QColor("#a1150f")
DUE_SOON_BACKGROUND = QColor("#fff0c2")
DUE_SOON_FOREGROUND = QColor("#6b4500")
DISABLED_FOREGROUND = QColor("#9aa3af")
#: A change for the better (fewer petitions, a higher rate) and for the worse, on the 统计分析 page.
BETTER_FOREGROUND = QColor("#1b7f3b")
WORSE_FOREGROUND = QColor("#b3261e")


def style_sheet() -> str:
    """The application style sheet shipped in ``resources/style/app.qss``."""
    return resource_path("style", "app.qss").read_text(encoding="utf-8")


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setStyleSheet(style_sheet())
    app.setWindowIcon(icon("app"))


def icon(name: str) -> QIcon:
    """An icon shipped in ``resources/icons`` (``name.svg``)."""
    return QIcon(str(resource_path("icons", f"{name}.svg")))


def set_tone(widget: QWidget, tone: str) -> None:
    """Set the ``tone`` style property ("", "warning", "danger") and re-apply the style sheet."""
    widget.setProperty("tone", tone)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
