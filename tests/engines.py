"""Which database engine the ledger tests run on, and a throw-away PostgreSQL server when it is PostgreSQL.

``XINFANG_TEST_ENGINE=postgresql`` runs every test that takes the ``ledger`` fixture against a real
PostgreSQL server: ``XINFANG_TEST_PG_URL`` names one (``postgresql+psycopg://user@host:port``), or
``scripts/postgres.sh`` starts one on a free loopback port for the session and removes it afterwards.
Each test gets a database of its own.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

ENGINE = os.environ.get("XINFANG_TEST_ENGINE", "sqlite")
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "postgres.sh"
_numbers = itertools.count(1)


def on_postgresql() -> bool:
    return ENGINE == "postgresql"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_server() -> Iterator[str]:
    """The URL prefix of a PostgreSQL server for this test session."""
    given = os.environ.get("XINFANG_TEST_PG_URL")
    if given:
        yield given.rstrip("/")
        return
    folder = tempfile.mkdtemp(prefix="xinfang-pg-")
    url = subprocess.run(
        ["bash", str(SCRIPT), "start", folder, str(_free_port())], check=True, capture_output=True, text=True
    ).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", folder], check=False, capture_output=True)


def new_database(server: str) -> str:
    """A new, empty database on ``server``; its URL."""
    name = f"xf_{os.getpid()}_{next(_numbers)}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'"))
    admin.dispose()
    return f"{server}/{name}"
