"""Which database engine the ledger tests run on, and a throw-away PostgreSQL server when it is PostgreSQL.

``XINFANG_TEST_ENGINE=postgresql`` runs every test that takes the ``ledger`` fixture against a real
PostgreSQL server: ``XINFANG_TEST_PG_URL`` names one (``postgresql+psycopg://user@host:port``), or
``scripts/postgres.sh`` starts one on a free loopback port for the session (its data in memory where
``/dev/shm`` is there) and removes it afterwards. Each test gets a database of its own, copied from
one migrated to the newest schema once per session, and dropped after the test.
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

import pytest
from sqlalchemy import create_engine, text

ENGINE = os.environ.get("XINFANG_TEST_ENGINE", "sqlite")
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "postgres.sh"
#: the database every test ledger is copied from: empty, at the newest schema (``migrated_template``)
TEMPLATE = "xf_template"
_numbers = itertools.count(1)

#: Tests that look at SQLite's own machinery (its file, PRAGMAs, FTS5 tables): they run on SQLite only.
sqlite_only = pytest.mark.skipif(
    ENGINE != "sqlite",
    reason="looks at SQLite's own machinery (file, PRAGMAs or FTS5), not the ledger's behaviour",
)

#: Tests of what only a server has (database accounts, pg_dump backups): they run on PostgreSQL only.
postgresql_only = pytest.mark.skipif(
    ENGINE != "postgresql", reason="about what only a database server has (accounts, pg_dump)"
)


def on_postgresql() -> bool:
    return ENGINE == "postgresql"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scratch_folder() -> str:
    """A folder for the throw-away server's data: in memory when the machine has ``/dev/shm``."""
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    return tempfile.mkdtemp(prefix="xinfang-pg-", dir=base)


@contextmanager
def postgres_server() -> Iterator[str]:
    """The URL prefix of a PostgreSQL server for this test session."""
    given = os.environ.get("XINFANG_TEST_PG_URL")
    if given:
        yield given.rstrip("/")
        return
    folder = _scratch_folder()
    url = subprocess.run(
        ["bash", str(SCRIPT), "start", folder, str(_free_port())], check=True, capture_output=True, text=True
    ).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", folder], check=False, capture_output=True)


def _admin(server: str, statement: str) -> None:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def new_database(server: str, template: str = "template0") -> str:
    """A new database on ``server`` copied from ``template`` (by default empty); its URL."""
    name = f"xf_{os.getpid()}_{next(_numbers)}"
    _admin(server, f'CREATE DATABASE "{name}" TEMPLATE "{template}" ENCODING \'UTF8\'')
    return f"{server}/{name}"


def drop_database(url: str) -> None:
    """Remove a test's database, closing whatever connections the test left open to it."""
    server, _, name = url.rpartition("/")
    _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated_template(server: str) -> str:
    """Make ``TEMPLATE``: an empty database migrated to the newest schema (its guards and indexes too)."""
    from xinfang_desk.ledger.db import upgrade

    _admin(server, f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
    _admin(server, f"CREATE DATABASE \"{TEMPLATE}\" TEMPLATE template0 ENCODING 'UTF8'")
    engine = create_engine(f"{server}/{TEMPLATE}")
    try:
        upgrade(engine, "head")
    finally:
        engine.dispose()
    return TEMPLATE


#: The append-only guards of a file ledger, dropped by ``write_around_the_program`` (as a tamperer would).
_FILE_GUARDS = (
    "case_events_no_update",
    "case_events_no_delete",
    "audit_log_no_update",
    "audit_log_no_delete",
)


def write_around_the_program(location: str | Path, *statements: str) -> None:
    """Run SQL on a ledger as another program would, its guards out of the way: dropped from a file
    (plain sqlite3), or not fired for a superuser's session on a server (``session_replication_role``)."""
    if "://" in str(location):
        engine = create_engine(str(location))
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            engine.dispose()
        return
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(location)) as conn:
        for name in _FILE_GUARDS:
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
