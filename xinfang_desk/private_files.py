"""Files only their owner can read: the ledger, backups, drafts, exports, tokens and temporary files.

On POSIX every such file is created 0600 and every such folder 0700; on Windows the user's data folder
is already private to the user.  Temporary files (openpyxl's sheets while an export is written,
attachments being opened) live in private folders under the user's data folder, never in the shared
temp folder, and are removed on exit; what a killed process left is removed at the next start.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path, PureWindowsPath

from xinfang_desk.paths import data_dir
from xinfang_desk.processes import process_alive

FILE_MODE = 0o600
FOLDER_MODE = 0o700
_POSIX = os.name == "posix"
TEMP_FOLDER = "tmp"


def make_private(path: Path) -> None:
    """Make an existing file (or folder) readable by its owner only; quietly skip what is not ours."""
    if not _POSIX:
        return
    with contextlib.suppress(OSError):
        path.chmod(FOLDER_MODE if path.is_dir() else FILE_MODE)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty (0600) unless it exists, so whatever writes it next keeps that mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    os.close(fd)
    make_private(path)


def write_private_text(path: Path, text: str) -> None:
    """Write ``path`` (a new file replaces an old one) readable by its owner only."""
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def private_folder(*parts: str, base: Path | None = None) -> Path:
    """A folder under the user's data folder (or ``base``) that only the user can enter, created if needed."""
    folder = (base or data_dir()).joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    make_private(folder)
    return folder


def temp_root() -> Path:
    return private_folder(TEMP_FOLDER)


def remove_stale_temp(root: Path | None = None) -> int:
    """Remove the temporary folders of processes that are gone (a killed export's sheets); returns how many."""
    root = root or temp_root()
    removed = 0
    for folder in root.iterdir() if root.is_dir() else ():
        pid = folder.name.split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def process_temp_folder(root: Path | None = None) -> Path:
    """This process's private temporary folder (``<pid>-…`` under ``temp_root``)."""
    root = root or temp_root()
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))


_TEMPDIR_LOCK = threading.RLock()


@contextlib.contextmanager
def private_temp_folder(root: Path | None = None) -> Iterator[Path]:
    """Within the block, Python's temporary files (openpyxl's among them) go to a private folder,
    removed with everything in it when the block ends, however it ends."""
    folder = process_temp_folder(root)
    with _TEMPDIR_LOCK:
        previous = tempfile.tempdir
        tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        with _TEMPDIR_LOCK:
            tempfile.tempdir = previous
        shutil.rmtree(folder, ignore_errors=True)


# -- copies of attachments handed to the system viewer -------------------------------------------------
_session_folder: Path | None = None
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
)


def safe_filename(name: str, fallback: str = "附件") -> str:
    """A file name that stays in its folder on every system: no folders, no control or reserved characters."""
    name = _UNSAFE.sub("_", PureWindowsPath(name or "").name.split("/")[-1]).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if (stem if dot else name).upper() in _RESERVED:
        name = "_" + name
    if len(name) > 120:
        suffix = suffix[:16] if dot else ""
        name = (stem if dot else name)[: 120 - len(suffix) - 1] + (f".{suffix}" if suffix else "")
    return name or fallback


def session_folder() -> Path:
    """This run's private folder for opened copies, removed when the program ends (``remove_session_folder``)."""
    global _session_folder
    if _session_folder is None or not _session_folder.is_dir():
        _session_folder = process_temp_folder()
        atexit.register(remove_session_folder)
    return _session_folder


def remove_session_folder() -> None:
    global _session_folder
    if _session_folder is not None:
        shutil.rmtree(_session_folder, ignore_errors=True)
        _session_folder = None


def open_copy(name: str, content: bytes) -> Path:
    """Write ``content`` as a new private file named ``name`` (sanitised) for a viewer to open.

    Each copy gets a fresh folder, and the file is created exclusively without following links, so a
    file or symlink planted beforehand is never written through.
    """
    folder = Path(tempfile.mkdtemp(dir=session_folder()))
    target = folder / safe_filename(name)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    return target
