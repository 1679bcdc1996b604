"""File dialogs that start in the user's 文档 folder, or in the last folder the user chose a file in.

Their labels are set in Chinese here: Qt's own translation leaves 查找范围 and 文件类型 in English.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

LAST_FOLDER_KEY = "files/last_folder"
LABELS: dict[QFileDialog.DialogLabel, str] = {
    QFileDialog.DialogLabel.LookIn: "查找范围：",
    QFileDialog.DialogLabel.FileName: "文件名称：",
    QFileDialog.DialogLabel.FileType: "文件类型：",
    QFileDialog.DialogLabel.Reject: "取消",
}


def documents_folder() -> Path:
    """The user's Documents folder (home when the system has none)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder) if folder and Path(folder).is_dir() else Path.home()


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


def file_dialog(
    parent: QWidget | None,
    title: str,
    start: Path,
    name_filter: str,
    mode: QFileDialog.FileMode,
    *,
    save: bool = False,
) -> QFileDialog:
    """A file dialog starting at ``start``, its labels in Chinese."""
    dialog = QFileDialog(parent, title, str(start), name_filter)
    dialog.setFileMode(mode)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
    for label, text in LABELS.items():
        dialog.setLabelText(label, text)
    dialog.setLabelText(QFileDialog.DialogLabel.Accept, "保存" if save else "打开")
    return dialog


def _chosen(dialog: QFileDialog) -> list[str]:
    return dialog.selectedFiles() if dialog.exec() == QFileDialog.DialogCode.Accepted else []


def open_file_names(parent: QWidget | None, title: str, name_filter: str) -> list[Path]:
    """Files chosen to open (none when cancelled)."""
    mode = QFileDialog.FileMode.ExistingFiles
    paths = [Path(name) for name in _chosen(file_dialog(parent, title, last_folder(), name_filter, mode))]
    if paths:
        remember_folder(paths[0])
    return paths


def open_file_name(parent: QWidget | None, title: str, name_filter: str) -> Path | None:
    """One file chosen to open, or None."""
    mode = QFileDialog.FileMode.ExistingFile
    names = _chosen(file_dialog(parent, title, last_folder(), name_filter, mode))
    if not names:
        return None
    remember_folder(Path(names[0]))
    return Path(names[0])


def save_file_name(
    parent: QWidget | None, title: str, suggested: Path | str, name_filter: str, suffix: str
) -> Path | None:
    """Where to save (``suffix`` such as ``.pdf`` added when missing), or None.

    ``suggested`` is a bare file name (placed in the last folder) or a full path.
    """
    start = Path(suggested) if Path(suggested).is_absolute() else last_folder() / suggested
    dialog = file_dialog(parent, title, start, name_filter, QFileDialog.FileMode.AnyFile, save=True)
    dialog.setDefaultSuffix(suffix.lstrip("."))
    names = _chosen(dialog)
    if not names:
        return None
    name = names[0]
    path = Path(name if name.lower().endswith(suffix) else name + suffix)
    remember_folder(path)
    return path
