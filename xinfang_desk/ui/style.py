"""The app's look in one place: the style sheet in ``resources/style`` and the colours code needs.

Overdue rows are red and due-soon rows amber everywhere (ledger view, dashboard list), so the
colours are defined here once; the style sheet carries the rest.  No other module under ``ui``
writes a colour: each names one of the constants below (tests/test_architecture.py checks), and a
widget's own style sheet is built from them (``text_style``, ``badge_style``).
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

#: What is wrong or pressing: an error message, the border of a refused field, a deadline already
#: passed (案件详情), a step back in the history (重新办理, 不予受理), the 集体访 mark.
ERROR_FOREGROUND = QColor("#c62828")
#: The error line of the sign-in and first-run dialogs (the red of a danger tile in app.qss).
DIALOG_ERROR_FOREGROUND = QColor("#c5221f")
#: What to heed: a deadline a few days off, an earlier case still being handled, 督办 and 延期.
ATTENTION_FOREGROUND = QColor("#e65100")
#: Secondary text (a hint beside a control, the field a correction changes) and the status of a
#: case that has left the office's hands (不予受理, 转送).
MUTED_FOREGROUND = QColor("#616161")
#: A detail left empty, shown as "—".
EMPTY_FOREGROUND = QColor("#9e9e9e")
#: A deadline still comfortably far off.
DEADLINE_FOREGROUND = QColor("#424242")
#: Done: a registration saved, a case closed (办结).
SUCCESS_FOREGROUND = QColor("#2e7d32")
#: The record itself: a case registered, a correction of what was registered.
RECORD_FOREGROUND = QColor("#6a1b9a")
#: A reply given (答复, 评价) and an earlier case linked as 重复访.
ANSWERED_FOREGROUND = QColor("#1565c0")
#: A case still open whose status has no colour of its own, and the card of an earlier open case.
OPEN_CASE_FOREGROUND = QColor("#ef6c00")
#: A deadline worked out again (重新计算期限).
RECOMPUTED_FOREGROUND = QColor("#00838f")
#: A day the office calendar only estimates (Qt's dark yellow).
ESTIMATED_DAY_FOREGROUND = QColor("#808000")
#: The border of an earlier case's card that is closed and not linked.
CARD_BORDER = QColor("#bdbdbd")
#: Text on a coloured badge (the status chip, the 集体访 mark).
BADGE_FOREGROUND = QColor("#ffffff")
#: The grey the print preview's pages lie on, and the blank page before it is drawn.
PREVIEW_BACKDROP = QColor("#5f6b7a")
PREVIEW_PAGE = QColor("#ffffff")


def text_style(colour: QColor, *, bold: bool = False) -> str:
    """A label's style sheet: text in ``colour``, bold if asked."""
    return f"color: {colour.name()};" + (" font-weight: bold;" if bold else "")


def badge_style(colour: QColor, *, radius: int, padding: str) -> str:
    """A small badge: bold light text on ``colour``."""
    return (
        f"color: {BADGE_FOREGROUND.name()}; background: {colour.name()}; border-radius: {radius}px;"
        f" padding: {padding}; font-weight: bold;"
    )


def style_sheet() -> str:
    """The application style sheet shipped in ``resources/style/app.qss``."""
    return resource_path("style", "app.qss").read_text(encoding="utf-8")


#: Qt's own style under the style sheet: the same on every system.
QT_STYLE = "Fusion"


def qt_style_arguments() -> list[str]:
    """The command-line arguments that start a new ``QApplication`` in ``QT_STYLE``.

    Given as Qt starts, the style is made inside Qt: setting it afterwards (``setStyle``) makes PySide
    build the Python type of ``QStyle`` with its large enumerations first, about 0.015 s of the start-up.
    """
    return ["-style", QT_STYLE]


def apply_style(app: QApplication, *, started_in_style: bool = False) -> None:
    """The app's look: Qt's style (unless ``app`` was started in it), the style sheet and the window icon."""
    if not started_in_style:
        app.setStyle(QT_STYLE)
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
