"""Loading the shipped CJK font into Qt so Chinese (and rare name characters) render on any machine.

The app always uses the shipped font family first, with the platform's default family behind it,
so the UI looks the same on every PC and names such as 喆 堃 昇 玥 䶮 never show as boxes.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

from xinfang_desk.fonts import font_paths

log = logging.getLogger(__name__)

#: Point size of the application font (Qt's default on Windows is 9, too small for Chinese).
APP_POINT_SIZE = 10


def load_shipped_fonts() -> list[str]:
    """Register every shipped font with Qt; the family names it provides (primary first)."""
    families: list[str] = []
    for path in font_paths():
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("could not load font %s", path)
            continue
        for family in QFontDatabase.applicationFontFamilies(font_id):
            if family not in families:
                families.append(family)
    return families


def install_fonts(app: QGuiApplication) -> str:
    """Make the shipped font the application font; the family now in use ("" if none loaded)."""
    families = load_shipped_fonts()
    if not families:
        return ""
    font = QFont(app.font())
    font.setFamilies([*families, *[f for f in app.font().families() if f not in families]])
    font.setPointSize(APP_POINT_SIZE)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    app.setFont(font)
    return families[0]
