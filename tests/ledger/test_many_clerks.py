"""Several clerks on one ledger at once: distinct gap-free numbers, and no step silently lost or doubled."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import select

from tests.helpers import draft
from xinfang_desk.ledger.chain_check import verify_ledger
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerError
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.vocab import EventKind

CLERK = """
import sys
from tests.helpers import draft
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.operations.context import Actor
ledger = Ledger.open(sys.argv[1])
for i in range(int(sys.argv[2])):
    with ledger.operation(Actor(sys.argv[3])) as ctx:
        print(cases.register_case(ctx, draft(summary=f"{sys.argv[3]}第{i}件")).value.case_no, flush=True)
ledger.close()
"""


def test_clerks_registering_at_once_get_distinct_gap_free_numbers(ledger: Ledger, ledger_location) -> None:
    root = Path(__file__).resolve().parents[2]
    clerks = [
        subprocess.Popen(
            [sys.executable, "-c", CLERK, str(ledger_location), "15", f"接待员{n}"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    printed = []
    for clerk in clerks:
        out, err = clerk.communicate(timeout=300)
        assert clerk.returncode == 0, err
        printed += out.split()
    with ledger.session() as s:
        numbers = sorted(s.scalars(select(Case.seq)))
        stored = set(s.scalars(select(Case.case_no)))
    assert numbers == list(range(1, 61)), "60 registrations, numbered 1…60 without gap or repeat"
    assert sorted(printed) == sorted(stored)
    with ledger.reading() as s:  # four writers at once still made one unbroken hash chain
        assert verify_ledger(s.connection()) == []


def test_two_heads_deciding_one_case_at_once_one_wins_the_other_is_told(ledger: Ledger) -> None:
    with ledger.operation(Actor("接待员")) as ctx:
        case_id = cases.register_case(ctx, draft()).value.id
    both_read = threading.Barrier(2, timeout=20)
    outcomes: dict[str, object] = {}

    def decide(head: str, kind: EventKind, values: dict) -> None:
        try:
            with ledger.operation(Actor(head)) as ctx:
                cases.case_details(ctx, case_id)  # each has the case in front of them
                # a database that lets only one writer in at a time makes the other wait here
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_read.wait(timeout=2)
                cases.perform_step(ctx, case_id, kind, values)
            outcomes[head] = "done"
        except LedgerError as refused:
            outcomes[head] = refused

    heads = [
        threading.Thread(target=decide, args=("主任甲", EventKind.ACCEPT, {"note": "受理"})),
        threading.Thread(target=decide, args=("主任乙", EventKind.DECLINE, {"reason": "不属于本单位职责"})),
    ]
    for head in heads:
        head.start()
    for head in heads:
        head.join(timeout=60)
    assert sorted(str(type(v).__name__) for v in outcomes.values()).count("str") == 1, outcomes
    refusal = next(v for v in outcomes.values() if v != "done")
    assert isinstance(refusal, LedgerError) and any("\u4e00" <= ch <= "\u9fff" for ch in str(refusal))
    with ledger.operation(Actor("查看")) as ctx:
        details = cases.case_details(ctx, case_id)
    decisions = [e for e in details.timeline if e.kind in (EventKind.ACCEPT, EventKind.DECLINE)]
    assert len(decisions) == 1, "exactly one decision is recorded, the other is not half-saved"
    winner = next(head for head, v in outcomes.items() if v == "done")
    assert decisions[0].actor == winner
