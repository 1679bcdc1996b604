"""A log for support: a rotating file in the user's log folder, and the sentence shown for an unexpected error.

The file (``xinfang_desk.log``, 1 MB × 5) is readable by the user only.  An unexpected error is written
there with its traceback; the user sees one Chinese sentence naming the file, never the traceback.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from platformdirs import user_log_dir

from xinfang_desk.paths import APP_NAME
from xinfang_desk.private_files import create_private_file, private_folder

LOG_FILE = "xinfang_desk.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
_handler: logging.Handler | None = None


def log_folder() -> Path:
    """The user's log folder (created, private)."""
    folder = Path(user_log_dir(APP_NAME, appauthor=False))
    return private_folder(base=folder)


def log_path() -> Path:
    return log_folder() / LOG_FILE


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """Rotates like its parent; every new file is created readable by the user only."""

    def _open(self):  # type: ignore[no-untyped-def]
        create_private_file(Path(self.baseFilename))
        return super()._open()


def setup_logging(level: int = logging.INFO) -> Path:
    """Send the program's log to the rotating file (once per process); returns the file's path."""
    global _handler
    path = log_path()
    if _handler is None:
        _handler = _PrivateRotatingHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
        _handler.setFormatter(logging.Formatter(_FORMAT))
        root = logging.getLogger()
        root.addHandler(_handler)
        root.setLevel(min(root.level or level, level))
    return path


def unexpected_error_text(error: BaseException) -> str:
    """What a user reads about an error the program did not expect (the details are in the log)."""
    return (
        f"程序遇到意外错误（{error.__class__.__name__}），本次操作没有完成，台账数据没有改变。"
        f"详细信息已记入日志文件：{log_path()}。如问题反复出现，请将该文件发给技术支持。"
    )
