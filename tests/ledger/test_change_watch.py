"""``Ledger.changed_cases``: which cases another program extended since the last look — exactly those, once."""

from __future__ import annotations

import time

import pytest

from tests.helpers import draft
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.workflow import Workflow


def test_the_cases_another_connection_changes_are_reported_once(
    ledger: Ledger, ledger_location, register_case
):
    first, second = register_case(), register_case()
    assert ledger.changed_cases() == frozenset()  # the first look starts watching

    other = Ledger.open(ledger_location)  # another clerk's program on the same ledger
    try:
        third = _register_in(other)
        with other.session() as s:
            Workflow(s, "接待员").accept(s.get(Case, first))
        assert _news(ledger, until=frozenset({first, third})) == frozenset({first, third})
        assert _news(ledger) == frozenset()  # told once

        with pytest.raises(RuntimeError), other.session() as s:  # rolled back: nothing happened
            Workflow(s, "接待员").accept(s.get(Case, second))
            raise RuntimeError("cancelled")
        assert _news(ledger) == frozenset()
    finally:
        other.close()


def _news(ledger: Ledger, until: frozenset[int] = frozenset(), wait: float = 5.0) -> frozenset[int]:
    """What the looks of the next moments report together (a server's notices arrive a moment after
    the commit): until ``until`` is seen, else for ``wait`` seconds, then half a second more."""
    seen: set[int] = set()
    deadline = time.monotonic() + (wait if until else 0.5)
    while time.monotonic() < deadline and not (until and seen >= until):
        seen |= ledger.changed_cases()
        time.sleep(0.05)
    time.sleep(0.5)
    return frozenset(seen | ledger.changed_cases())


def _register_in(other: Ledger) -> int:
    with other.session() as s:
        case = Workflow(s, "接待员").register(draft())
        s.flush()
        return case.id
