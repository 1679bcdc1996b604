"""Qt's own words in Chinese: load the zh_CN translations of Qt's dialogs, buttons and context menus.

The ``.qm`` files ship with PySide6; ``QLibraryInfo`` finds them the same way installed and bundled.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

CHINESE = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
QT_CATALOGUES = ("qtbase",)


def install_translations(app: QCoreApplication) -> bool:
    """Make Chinese the default locale and install Qt's zh_CN catalogues; False when none was found."""
    QLocale.setDefault(CHINESE)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    installed = False
    for catalogue in QT_CATALOGUES:
        translator = QTranslator(app)
        if translator.load(CHINESE, catalogue, "_", folder) and app.installTranslator(translator):
            installed = True
    return installed
