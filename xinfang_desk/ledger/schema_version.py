"""The schema revision a ledger is at and the one this program writes, read without loading Alembic.

Opening a ledger that is already at the newest revision (nearly every start) then needs no Alembic:
the stored revision is one plain query, and the migrations' revisions are read from their files
(the same files Alembic loads when an upgrade is due).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, text

VERSIONS_DIR = Path(__file__).with_name("migrations") / "versions"
_ASSIGNED = re.compile(r"^(revision|down_revision)\s*=\s*(?:['\"]([^'\"]+)['\"]|None)\s*$", re.MULTILINE)


@cache
def known_revisions() -> dict[str, str | None]:
    """Every migration's revision and the revision it follows (None for the first)."""
    revisions: dict[str, str | None] = {}
    for script in sorted(VERSIONS_DIR.glob("*.py")):
        assigned = {
            name: value or None for name, value in _ASSIGNED.findall(script.read_text(encoding="utf-8"))
        }
        if "revision" in assigned:
            revisions[str(assigned["revision"])] = assigned.get("down_revision")
    return revisions


def head_revision() -> str:
    """The newest revision: the one no other migration follows."""
    revisions = known_revisions()
    heads = set(revisions) - {down for down in revisions.values() if down is not None}
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def stored_revision(connection: Connection) -> str | None:
    """The revision recorded in a ledger's ``alembic_version`` table (None when the table is empty)."""
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
