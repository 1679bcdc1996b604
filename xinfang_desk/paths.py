"""Where things live: the default ledger in the user's data folder, and the shipped resources.

Resources are found relative to the package (``xinfang_desk.resources``, which is the repository's
top-level ``resources/`` folder), the same way from source, from a wheel and from the bundle.
"""

from __future__ import annotations

import argparse
import os
from importlib.resources import files
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "xinfang_desk"
DB_ENV = "XINFANG_DESK_DB"


def data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_ledger_path() -> Path:
    """``$XINFANG_DESK_DB`` if set, else ``ledger.sqlite`` in the user's data folder."""
    override = os.environ.get(DB_ENV)
    return Path(override).expanduser() if override else data_dir() / "ledger.sqlite"


def default_demo_ledger_path() -> Path:
    """The demo ledger lives beside the default ledger, never in place of a real one."""
    return default_ledger_path().with_name("demo-ledger.sqlite")


def resource_path(*parts: str) -> Path:
    """A file shipped in ``resources/`` (fonts, icons, style)."""
    return Path(str(files("xinfang_desk.resources").joinpath(*parts)))


def ledger_argument(text: str) -> str | Path:
    """``--db``: a ledger file, or a database URL (``postgresql+psycopg://用户@主机/库名``) without a password."""
    if "://" not in text:
        return Path(text)
    credentials = text.split("://", 1)[1].split("@", 1)[0] if "@" in text else ""
    if ":" in credentials:
        raise argparse.ArgumentTypeError(
            "请不要在命令行中写数据库密码：请写在 .pgpass 文件或环境变量 PGPASSWORD 中"
        )
    return text
