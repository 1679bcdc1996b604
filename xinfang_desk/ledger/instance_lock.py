"""One app per ledger: a lock file beside the ledger says who has it open, on which machine, since when.

The app takes the lock when it opens a ledger and gives it back when it closes.  A lock left by a
crash (its process is gone on this machine) is taken over; a live one is reported in one sentence.
Commands that replace or restore a ledger file refuse while anyone holds it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from xinfang_desk.ledger.errors import LedgerInUseError
from xinfang_desk.processes import process_alive

LOCK_SUFFIX = ".lock"


@dataclass(frozen=True)
class Holder:
    """Who holds a ledger: the acting user, the machine, the process and since when."""

    user: str
    machine: str
    pid: int
    since: str

    def describe(self) -> str:
        since = self.since.replace("T", " ")[:16]
        return f"{self.user}（计算机 {self.machine}，自 {since} 起）"

    @property
    def is_here(self) -> bool:
        return self.machine == socket.gethostname()


def lock_path(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + LOCK_SUFFIX)


def holder_of(ledger: Path) -> Holder | None:
    """The live holder of ``ledger``'s lock, or None (no lock, an unreadable one, or a crashed app's)."""
    try:
        data = json.loads(lock_path(ledger).read_text(encoding="utf-8"))
        holder = Holder(str(data["user"]), str(data["machine"]), int(data["pid"]), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if holder.is_here and not process_alive(holder.pid):
        return None
    return holder


class InstanceLock:
    """The lock this process holds on one ledger file."""

    def __init__(self, ledger: Path, holder: Holder) -> None:
        self.ledger = ledger
        self.holder = holder

    @classmethod
    def acquire(cls, ledger: Path, user: str) -> InstanceLock:
        """Take the lock, or raise ``LedgerInUseError`` naming who has the ledger open."""
        holder = Holder(user, socket.gethostname(), os.getpid(), datetime.now().isoformat(timespec="seconds"))
        path = lock_path(ledger)
        payload = json.dumps(asdict(holder), ensure_ascii=False).encode("utf-8")
        for _attempt in range(2):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                current = holder_of(ledger)
                if current is not None and current.pid != os.getpid():
                    raise LedgerInUseError(in_use_message(current)) from None
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()  # left by a crash (or by this process): taken over
                continue
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            return cls(ledger, holder)
        raise LedgerInUseError("台账正被另一个程序同时打开，请稍候再试。")

    def release(self) -> None:
        """Give the lock back (only if it is still ours)."""
        current = holder_of(self.ledger)
        if current is not None and current.pid == self.holder.pid and current.machine == self.holder.machine:
            with contextlib.suppress(OSError):
                lock_path(self.ledger).unlink()


def in_use_message(holder: Holder) -> str:
    return f"台账正由 {holder.describe()} 在信访台账程序中使用，请稍候或请其关闭后再试。"


def refuse_if_held(ledger: Path) -> None:
    """Raise ``LedgerInUseError`` when the app has ``ledger`` open anywhere (before replacing the file)."""
    holder = holder_of(ledger)
    if holder is not None and holder.pid != os.getpid():
        raise LedgerInUseError(in_use_message(holder))
