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


HEAD = """
import sys, time
from pathlib import Path
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerError
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.vocab import EventKind
location, case_id, head, kind, go = sys.argv[1], int(sys.argv[2]), sys.argv[3], EventKind(sys.argv[4]), Path(sys.argv[5])
values = {"note": "受理"} if kind is EventKind.ACCEPT else {"reason": "不属于本单位职责"}
ledger = Ledger.open(location)
with ledger.operation(Actor(head), write=False) as ctx:
    cases.case_details(ctx, case_id)  # the case in front of them
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
try:
    with ledger.operation(Actor(head)) as ctx:
        cases.perform_step(ctx, case_id, kind, values)
    print("done", flush=True)
except LedgerError as refused:
    print("refused", refused, flush=True)
ledger.close()
"""


def test_four_heads_in_four_programs_deciding_one_case_one_wins_three_are_told(
    ledger: Ledger, ledger_location, tmp_path: Path
) -> None:
    with ledger.operation(Actor("接待员")) as ctx:
        case_id = cases.register_case(ctx, draft()).value.id
    root, go = Path(__file__).resolve().parents[2], tmp_path / "go"
    plan = [("主任甲", "accept"), ("主任乙", "decline"), ("副主任丙", "accept"), ("副主任丁", "decline")]
    heads = [
        subprocess.Popen(
            [sys.executable, "-c", HEAD, str(ledger_location), str(case_id), head, kind, str(go)],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for head, kind in plan
    ]
    for head in heads:  # every program has read the case before any decides
        assert head.stdout is not None and head.stdout.readline().strip() == "ready"
    go.touch()
    said = {}
    for (name, _kind), head in zip(plan, heads, strict=True):
        out, err = head.communicate(timeout=120)
        assert head.returncode == 0 and "Traceback" not in err, err
        said[name] = out.strip()
    winners = [name for name, line in said.items() if line == "done"]
    assert len(winners) == 1, said
    for name, line in said.items():
        if name not in winners:  # each refusal explained in Chinese
            assert line.startswith("refused ") and any("\u4e00" <= ch <= "\u9fff" for ch in line), line
    with ledger.operation(Actor("查看")) as ctx:
        details = cases.case_details(ctx, case_id)
    decisions = [e for e in details.timeline if e.kind in (EventKind.ACCEPT, EventKind.DECLINE)]
    assert [e.actor for e in decisions] == winners, "exactly one decision is recorded, by the one told done"
    with ledger.reading() as s:
        assert verify_ledger(s.connection()) == []
