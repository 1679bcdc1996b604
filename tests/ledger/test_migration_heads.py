"""The head revision read from the scripts as text is the one Alembic finds."""

from __future__ import annotations

from xinfang_desk.ledger.db import head_revision
from xinfang_desk.ledger.migrations.heads import schema_head


def test_the_text_head_is_alembics_head() -> None:
    assert schema_head() == head_revision()
