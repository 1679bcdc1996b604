"""The schema's head revision read from the migration scripts as text, so opening a current ledger needs no Alembic.

Alembic (with Mako and Pygments) costs a noticeable part of start-up; it is imported only when the
ledger's stored revision differs from this head, i.e. when an upgrade is really due.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

VERSIONS = Path(__file__).with_name("versions")
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::\s*[^=]+)?=\s*(?:\"([^\"]*)\"|'([^']*)'|None)", re.M)


@functools.cache
def schema_head() -> str:
    """The one revision no other script revises (the scripts must form one line)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in VERSIONS.glob("*.py"):
        found = {m.group(1): m.group(2) or m.group(3) for m in _ASSIGNMENT.finditer(script.read_text("utf-8"))}
        if found.get("revision"):
            revisions.add(found["revision"])
            if found.get("down_revision"):
                revised.add(found["down_revision"])
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"migration scripts have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()
