"""A demo ledger opens without signing in: an old one of the demo unit is marked as a demo when opened,
never one with users or another unit's."""

from __future__ import annotations

from pathlib import Path

import pytest

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo_ledger import DEMO_UNIT, open_demo_ledger
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.users import create_first_administrator


def _is_demo_after_opening(path: Path) -> bool:
    opened = open_demo_ledger(path)
    try:
        return opened.is_demo
    finally:
        opened.close()


def test_an_unmarked_ledger_of_the_demo_unit_is_marked_as_a_demo_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    create_ledger(path, *DEMO_UNIT).close()  # made before demo ledgers were marked
    assert _is_demo_after_opening(path)
    reopened = Ledger.open(path)
    assert reopened.is_demo, "the mark is stored in the ledger"
    reopened.close()


@pytest.mark.parametrize("with_users", [True, False])
def test_a_ledger_with_users_or_of_another_unit_is_never_marked_as_a_demo(
    tmp_path: Path, with_users: bool
) -> None:
    path = tmp_path / "unit.sqlite"
    made = create_ledger(path, *(DEMO_UNIT if with_users else ("BWC", "保卫处")))
    if with_users:
        create_first_administrator(made, "张主任", "correct-horse-9")
    made.close()
    assert not _is_demo_after_opening(path)
