"""Opening a ledger reads its schema revision cheaply: Alembic is loaded only when an upgrade is due."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from xinfang_desk.ledger import db
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.schema_version import head_revision, known_revisions, stored_revision

OPEN_AND_REPORT = r"""
import sys
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.schema_version import stored_revision

ledger = Ledger.open(sys.argv[1])
with ledger.engine.connect() as conn:
    print(stored_revision(conn), "alembic" in sys.modules)
ledger.close()
"""


def _open_in_a_new_process(path: Path) -> tuple[str, bool]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", OPEN_AND_REPORT, str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    revision, loaded = result.stdout.split()
    return revision, loaded == "True"


def test_the_revisions_read_from_the_files_are_alembics() -> None:
    script = ScriptDirectory.from_config(db.alembic_config())
    assert head_revision() == script.get_current_head()
    assert known_revisions() == {rev.revision: rev.down_revision for rev in script.walk_revisions()}


def test_a_ledger_at_the_head_opens_without_alembic(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    create_ledger(path, "JWC", "教务处").close()
    assert _open_in_a_new_process(path) == (head_revision(), False)


def test_an_older_ledger_loads_alembic_and_is_upgraded_to_the_head(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    db.upgrade(engine, "0008")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ledger_info VALUES ('unit_code', 'JWC'), ('unit_name', '教务处')"))
        assert stored_revision(conn) == "0008"
    engine.dispose()
    assert _open_in_a_new_process(path) == (head_revision(), True)
    assert list(tmp_path.glob("old.sqlite.before-upgrade-0008-*.bak")), "a copy is kept before upgrading"
