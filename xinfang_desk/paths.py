"""Where things live: the default ledger in the user's data folder, and the shipped resources.

Resources are found relative to the package (``xinfang_desk.resources``, which is the repository's
top-level ``resources/`` folder), the same way from source, from a wheel and from the bundle.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from platformdirs import user_data_dir

import xinfang_desk.resources

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
    """A file shipped in ``resources/`` (fonts, icons, style).

    Found beside the package's own file, where ``importlib.resources`` finds it too (source, wheel and
    bundle keep it as a plain folder), without loading that machinery at start-up.
    """
    package_file = xinfang_desk.resources.__file__
    assert package_file is not None  # a regular package, never a namespace one
    return Path(package_file).parent.joinpath(*parts)


#: Said when a database address carries a password (on the command line, in the first-run dialog, in 设置).
URL_PASSWORD_REFUSED = (
    "数据库地址中不能写密码：服务器密码请在桌面程序连接时输入，或写在 .pgpass 文件或环境变量 PGPASSWORD 中。"
)


def parse_ledger_location(text: str) -> str | Path:
    """Where a ledger is, as typed: a ledger file, or a database URL (``postgresql+psycopg://用户@主机/库名``).

    A URL holding a password is refused (``ValueError`` with ``URL_PASSWORD_REFUSED``): an address is
    kept in settings, shown and logged, a password never is.
    """
    text = text.strip()
    if "://" not in text:
        return Path(text)
    rest = text.split("://", 1)[1]
    credentials = rest.split("/", 1)[0].rpartition("@")[0]
    query = rest.partition("?")[2].lower()
    if ":" in credentials or any(p.split("=", 1)[0] == "password" for p in query.split("&")):
        raise ValueError(URL_PASSWORD_REFUSED)
    return text


def ledger_argument(text: str) -> str | Path:
    """``--db``: ``parse_ledger_location``, its refusal as argparse's one line."""
    try:
        return parse_ledger_location(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
