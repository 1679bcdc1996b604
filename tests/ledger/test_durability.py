"""A crash or a kill never loses a committed case, and the file stays sound."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from tests.engines import sqlite_only
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.storage import SqliteBackend

WRITER = r"""
import sys
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.vocab import Channel, Nature, Source
from xinfang_desk.ledger.workflow import CaseDraft, PetitionerInput, Workflow

ledger = Ledger.open(sys.argv[1])
i = 0
while True:
    i += 1
    with ledger.session() as s:
        case = Workflow(s, "接待员").register(CaseDraft(
            channel=Channel.VISIT, source=Source.OWN, nature=Nature.CLAIM, category="其他类",
            summary=f"第{i}件循环登记", petitioner=PetitionerInput(name="压力测试")))
        s.flush()
        case_no = case.case_no
        Workflow(s, "接待员").accept(case)
    print(case_no, flush=True)  # printed only after the commit returned
"""


def test_sigkill_while_registering_loses_no_committed_case(tmp_path: Path) -> None:
    path = tmp_path / "kill.sqlite"
    create_ledger(path, "JWC", "教务处").close()
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    committed: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while len(committed) < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            committed.append(line.strip())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    committed += [line.strip() for line in proc.stdout.read().splitlines() if line.strip()]
    assert len(committed) >= 40

    assert SqliteBackend().file_problems(path) == []
    ledger = Ledger.open(path)
    with ledger.session() as s:
        stored = dict(s.execute(select(Case.case_no, Case.status)).all())
    ledger.close()
    missing = [no for no in committed if no not in stored]
    assert missing == []
    assert all(stored[no] == "accepted" for no in committed)
    # beyond what was reported, at most the one case whose commit finished as the kill came
    assert len(stored) - len(committed) in (0, 1)


@sqlite_only
def test_ledger_connections_are_durable(ledger: Ledger) -> None:
    with ledger.engine.connect() as conn:
        pragmas = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "synchronous")
        }
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2}  # 2 = FULL


BACKER = r"""
import sys, time
from pathlib import Path
from xinfang_desk.ledger.backups import take_backup
from xinfang_desk.ledger.db import Ledger

ledger = Ledger.open(sys.argv[1], check=False)
while True:
    take_backup(ledger, configured=sys.argv[2], keep=3)
    time.sleep(0.05)
"""


def test_kill_9_a_writer_twenty_times_while_backups_run(tmp_path: Path) -> None:
    """Every committed case is in the ledger (or its latest backup); the app's lock is recovered."""
    import random

    from xinfang_desk.ledger.backups import backups_of
    from xinfang_desk.ledger.instance_lock import InstanceLock, holder_of

    path = tmp_path / "kill.sqlite"
    folder = tmp_path / "backups"
    create_ledger(path, "JWC", "教务处").close()
    env = dict(os.environ)
    backer = subprocess.Popen([sys.executable, "-c", BACKER, str(path), str(folder)], env=env)
    rnd = random.Random(11)
    committed: list[str] = []
    try:
        for _round in range(20):
            writer = subprocess.Popen(
                [sys.executable, "-c", LOCKED_WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env
            )
            assert writer.stdout is not None
            assert writer.stdout.readline().strip() == "locked"
            stop = time.monotonic() + rnd.uniform(0.1, 0.6)
            while time.monotonic() < stop:
                line = writer.stdout.readline()
                if line.strip():
                    committed.append(line.strip())
            writer.send_signal(signal.SIGKILL)
            writer.wait()
            committed += [line.strip() for line in writer.stdout.read().splitlines() if line.strip()]
    finally:
        backer.kill()
        backer.wait()
    assert len(committed) >= 20
    assert holder_of(path) is None  # the killed app's lock is stale: anyone may take it
    InstanceLock.acquire(path, "接待员").release()

    ledger = Ledger.open(path)
    with ledger.reading() as s:
        present = set(s.scalars(select(Case.case_no)))
    ledger.close()
    assert set(committed) <= present
    latest = backups_of(path, str(folder))[0]
    assert SqliteBackend().file_problems(latest) == []
    backup = Ledger.open(latest)
    with backup.reading() as s:
        assert set(s.scalars(select(Case.case_no))) <= present
    backup.close()


LOCKED_WRITER = r"""
import sys
from pathlib import Path
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.instance_lock import InstanceLock
from xinfang_desk.ledger.vocab import Channel, Nature, Source
from xinfang_desk.ledger.workflow import CaseDraft, PetitionerInput, Workflow

ledger = Ledger.open(sys.argv[1])
InstanceLock.acquire(Path(sys.argv[1]), "接待员")  # as the app does
print("locked", flush=True)
i = 0
while True:
    i += 1
    with ledger.session() as s:
        case = Workflow(s, "接待员").register(CaseDraft(
            channel=Channel.VISIT, source=Source.OWN, nature=Nature.CLAIM, category="其他类",
            summary=f"第{i}件循环登记", petitioner=PetitionerInput(name="压力测试")))
        s.flush()
        case_no = case.case_no
    print(case_no, flush=True)
"""
