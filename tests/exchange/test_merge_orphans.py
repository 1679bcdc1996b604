"""No orphans: the merge's reading process ends when the merge is killed, and on SIGTERM."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

MERGE = r"""
import sys, time
from datetime import datetime
from pathlib import Path
from xinfang_desk.export.exchange import merge_reading

merge_reading.PARALLEL_FROM_BYTES = 0  # small files here stand for a large input
merge_reading.CALLER_HELPS = False

def slow_read(path, options):  # a huge file: the reader is busy for a long time
    time.sleep(600)

merge_reading.read_unit_file = slow_read
paths = [Path(p) for p in sys.argv[1:]]
reads = merge_reading.read_unit_files(paths, merge_reading.ReadOptions("XFB", datetime.now(), frozenset()))
print("reading", flush=True)
next(reads)
"""


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except FileNotFoundError:
            return True
        if state == "Z":  # ended; only its exit status is left for init to collect
            return True
        time.sleep(0.05)
    return False


def _start_merge(tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    files = []
    for i in range(3):
        files.append(tmp_path / f"unit{i}.xlsx")
        files[-1].write_bytes(b"PK" + b"\0" * 1000)
    merge = subprocess.Popen(
        [sys.executable, "-c", MERGE, *map(str, files)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert merge.stdout is not None and merge.stdout.readline().strip() == "reading"
    deadline = time.monotonic() + 10
    while not _children(merge.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    readers = _children(merge.pid)
    assert len(readers) == 1
    return merge, readers[0]


def test_a_killed_merge_leaves_no_reading_process(tmp_path: Path) -> None:
    merge, reader = _start_merge(tmp_path)
    merge.send_signal(signal.SIGKILL)
    merge.wait()
    try:
        assert _gone(reader)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(reader, signal.SIGKILL)


def test_sigterm_ends_the_reading_process(tmp_path: Path) -> None:
    merge, reader = _start_merge(tmp_path)
    try:
        os.kill(reader, signal.SIGTERM)
        assert _gone(reader)
    finally:
        merge.kill()
        merge.wait()
