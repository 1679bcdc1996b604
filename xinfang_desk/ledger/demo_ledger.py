"""The demo ledger as the app and the commands know it: its unit, its size, who acts in it, and opening
one.  Light enough to load at every start; building a demo's cases is ``ledger.demo``.
"""

from __future__ import annotations

from pathlib import Path

from xinfang_desk.ledger import ledger_info
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.permissions import Role

#: The unit a demo ledger belongs to.
DEMO_UNIT = ("JWC", "教务处")
#: Cases in the demo ledger the app builds itself.
DEMO_CASES = 2000
#: Who acts in a demo ledger: it opens without signing in, with every permission.
DEMO_ACTOR = Actor("演示管理员", role=Role.ADMIN)


def open_demo_ledger(path: Path) -> Ledger:
    """Open an existing demo ledger (its integrity check runs later, in the background), marked as a demo."""
    ledger = Ledger.open(path, check=False)
    mark_as_demo(ledger)
    return ledger


def mark_as_demo(ledger: Ledger) -> None:
    """A demo ledger made before demo ledgers were marked: the demo unit's, without users."""
    if ledger.is_demo or ledger.unit_code != DEMO_UNIT[0]:
        return
    with ledger.session() as session:
        if not ledger_info.ledger_has_users(session):
            ledger_info.store(session, ledger_info.DEMO_KEY, ledger_info.flag_value(True))
