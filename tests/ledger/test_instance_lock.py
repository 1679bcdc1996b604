"""One app per ledger: a second one is told who holds it; a lock left by a crash is taken over."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from xinfang_desk.ledger.errors import LedgerInUseError
from xinfang_desk.ledger.instance_lock import InstanceLock, holder_of, lock_path, refuse_if_held

HOLD = r"""
import sys, time
from pathlib import Path
from xinfang_desk.ledger.instance_lock import InstanceLock
InstanceLock.acquire(Path(sys.argv[1]), "王主任")
print("held", flush=True)
time.sleep(60)
"""


def test_a_second_app_is_told_who_holds_the_ledger_and_since_when(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite"
    first = subprocess.Popen([sys.executable, "-c", HOLD, str(ledger)], stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "held"
        with pytest.raises(LedgerInUseError) as caught:
            InstanceLock.acquire(ledger, "李老师")
        with pytest.raises(LedgerInUseError):
            refuse_if_held(ledger)
    finally:
        first.kill()
        first.wait()
    said = str(caught.value)
    assert "王主任" in said and socket.gethostname() in said and "起" in said
    lock = InstanceLock.acquire(ledger, "李老师")  # the killed app's lock is recovered
    assert holder_of(ledger) is not None and holder_of(ledger).user == "李老师"
    lock.release()
    assert not lock_path(ledger).exists()


def test_a_lock_from_another_machine_is_respected_and_a_garbled_one_is_not(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite"
    lock_path(ledger).write_text(
        json.dumps({"user": "张三", "machine": "OFFICE-PC-2", "pid": 1, "since": "2026-11-30T08:00:00"}),
        encoding="utf-8",
    )
    with pytest.raises(LedgerInUseError, match="张三（计算机 OFFICE-PC-2，自 2026-11-30 08:00 起）"):
        InstanceLock.acquire(ledger, "李老师")
    lock_path(ledger).write_text("{not json", encoding="utf-8")
    InstanceLock.acquire(ledger, "李老师").release()
