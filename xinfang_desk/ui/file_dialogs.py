"""File dialogs that start in the user's 文档 folder, or in the last folder the user chose a file in."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

LAST_FOLDER_KEY = "files/last_folder"


def documents_folder() -> Path:
    """The user's Documents folder (home when the system has none)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder) if folder else Path.home()


def last_folder() -> Path:
    """Where the next file dialog opens: the last folder used, while it exists, else 文档."""
    remembered = str(QSettings().value(LAST_FOLDER_KEY, "") or "")
    if remembered and Path(remembered).is_dir():
        return Path(remembered)
    return documents_folder()


def remember_folder(path: Path) -> None:
    """Remember the folder of a chosen file (or the folder itself) for the next dialog."""
    folder = path if path.is_dir() else path.parent
    QSettings().setValue(LAST_FOLDER_KEY, str(folder))


def open_file_names(parent: QWidget | None, title: str, name_filter: str) -> list[Path]:
    """Files chosen to open (none when cancelled)."""
    names, _ = QFileDialog.getOpenFileNames(parent, title, str(last_folder()), name_filter)
    paths = [Path(name) for name in names]
    if paths:
        remember_folder(paths[0])
    return paths


def open_file_name(parent: QWidget | None, title: str, name_filter: str) -> Path | None:
    """One file chosen to open, or None."""
    name, _ = QFileDialog.getOpenFileName(parent, title, str(last_folder()), name_filter)
    if not name:
        return None
    remember_folder(Path(name))
    return Path(name)


def save_file_name(
    parent: QWidget | None, title: str, suggested: Path | str, name_filter: str, suffix: str
) -> Path | None:
    """Where to save (``suffix`` such as ``.pdf`` added when missing), or None.

    ``suggested`` is a bare file name (placed in the last folder) or a full path.
    """
    start = Path(suggested) if Path(suggested).is_absolute() else last_folder() / suggested
    name, _ = QFileDialog.getSaveFileName(parent, title, str(start), name_filter)
    if not name:
        return None
    path = Path(name if name.lower().endswith(suffix) else name + suffix)
    remember_folder(path)
    return path
