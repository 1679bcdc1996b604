"""What a ledger remembers from its opening: whether it is the office's, and where it lives."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.reference import create_ledger


def _statements(ledger: Ledger) -> list[str]:
    seen: list[str] = []
    event.listen(ledger.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


@pytest.mark.parametrize("office", [True, False])
def test_the_office_flag_is_known_from_the_start_and_asked_of_the_database_no_more(
    tmp_path: Path, office: bool
) -> None:
    made = create_ledger(tmp_path / "台账.sqlite", "XFB" if office else "JWC", "信访与督办室", office=office)
    seen = _statements(made)
    assert [made.is_office for _ in range(17)] == [office] * 17 and seen == []
    made.close()
    reopened = Ledger.open(tmp_path / "台账.sqlite")
    seen = _statements(reopened)
    assert reopened.is_office is office and seen == []
    reopened.close()


def test_a_ledger_file_is_known_by_one_location_however_its_path_is_spelled(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    create_ledger(tmp_path / "台账.sqlite", "JWC", "教务处").close()
    one = Ledger.open(tmp_path / "台账.sqlite")
    other = Ledger.open(tmp_path / "a" / ".." / "台账.sqlite")
    assert one.location_key == other.location_key == str((tmp_path / "台账.sqlite").resolve())
    one.close()
    other.close()
