"""Qt's own strings in Chinese: standard buttons (确定, 取消), file dialogs, context menus.

The translations are Qt's ``qtbase_zh_CN.qm``, found where the Qt in use says its translations are
(``QLibraryInfo``), which is the PySide6 wheel's folder when installed and the bundle's copy of it
when bundled.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

#: The Qt catalogues the app needs (qtbase holds every Qt Widgets string).
QT_CATALOGUES: tuple[str, ...] = ("qtbase",)
LANGUAGE = "zh_CN"
CHINESE = QLocale(QLocale.Language.Chinese, QLocale.Country.China)


def translations_folder() -> Path:
    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))


def install_translations(app: QCoreApplication) -> bool:
    """Make Chinese the default locale and load Qt's Chinese translations into ``app`` (once); True
    when every catalogue loaded."""
    QLocale.setDefault(CHINESE)
    installed: list[QTranslator] | None = getattr(app, "qt_translators", None)
    if installed:
        return len(installed) == len(QT_CATALOGUES)
    installed = []
    folder = translations_folder()
    for catalogue in QT_CATALOGUES:
        translator = QTranslator(app)
        if translator.load(f"{catalogue}_{LANGUAGE}", str(folder)):
            app.installTranslator(translator)
            installed.append(translator)
        else:
            log.warning("Qt translation %s_%s not found in %s", catalogue, LANGUAGE, folder)
    app.qt_translators = installed  # type: ignore[attr-defined]
    return len(installed) == len(QT_CATALOGUES)
