"""The app's log: a rotating ``xinfang-desk.log`` in the user's log folder, for support to read.

``setup_logging()`` is called once by the window's and the command line's ``main``; calling it again
does nothing.  The file holds warnings of every library, the app's own information messages and any
uncaught error with its traceback (the user sees a Chinese message, support reads the log); when the
folder cannot be written (a locked-down profile) the app runs on without a log.  The file and its
rotated copies are readable by the user only.  An unexpected error is written there with its
traceback; the user sees one Chinese sentence naming the file (``unexpected_error_text``).
"""

from __future__ import annotations

import logging
import os
import platform
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from platformdirs import user_log_dir

from xinfang_desk import __version__
from xinfang_desk.paths import APP_NAME
from xinfang_desk.private_files import create_private_file, make_private

LOG_FILE_NAME = "xinfang-desk.log"
#: Set to put the log elsewhere (the tests use it to keep the user's log folder untouched).
LOG_DIR_ENV = "XINFANG_DESK_LOG_DIR"
#: Size at which the log rotates, and how many old files are kept (xinfang-desk.log.1 … .5).
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"

log = logging.getLogger("xinfang_desk")


def log_folder() -> Path:
    """``$XINFANG_DESK_LOG_DIR``, else the user's log folder (``%LOCALAPPDATA%\\xinfang_desk\\Logs`` on Windows)."""
    override = os.environ.get(LOG_DIR_ENV)
    return Path(override).expanduser() if override else Path(user_log_dir(APP_NAME, appauthor=False))


def log_file() -> Path:
    return log_folder() / LOG_FILE_NAME


class _PrivateRotatingHandler(RotatingFileHandler):
    """Rotates like its parent; every new file is created readable by the user only."""

    def _open(self):  # type: ignore[no-untyped-def]
        create_private_file(Path(self.baseFilename))
        return super()._open()


def _installed_handler() -> RotatingFileHandler | None:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, RotatingFileHandler) and getattr(handler, "xinfang_desk", False):
            return handler
    return None


def _log_uncaught(previous: object) -> object:
    """An ``excepthook`` that writes the traceback to the log, then hands over to ``previous``."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            log.critical("uncaught error", exc_info=(kind, error, trace))
        previous(kind, error, trace)  # type: ignore[operator]

    return hook


def setup_logging(program: str = "xinfang-desk") -> Path | None:
    """Write the log to ``log_file()`` from now on; the file, or None when it cannot be written."""
    handler = _installed_handler()
    if handler is not None:
        return Path(handler.baseFilename)
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        make_private(path.parent)
        handler = _PrivateRotatingHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    except OSError:
        return None
    handler.xinfang_desk = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(_FORMAT))
    logging.getLogger().addHandler(handler)
    sys.excepthook = _log_uncaught(sys.excepthook)  # type: ignore[assignment]
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)
    log.info(
        "%s %s started (Python %s, %s)", program, __version__, platform.python_version(), platform.platform()
    )
    if getattr(sys, "frozen", False):
        log.info("bundled at %s", Path(sys.executable).parent)
    return path


def unexpected_error_text(error: BaseException) -> str:
    """What a user reads about an error the program did not expect (the details are in the log)."""
    return (
        f"程序遇到意外错误（{error.__class__.__name__}），本次操作没有完成，台账数据没有改变。"
        f"详细信息已记入日志文件：{log_file()}。如问题反复出现，请将该文件发给技术支持。"
    )
