"""Timing the app's start: from its command until its log says the 台账 page drew its first rows."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

#: What ``ui/app.py`` logs once the 台账 page has drawn its first rows.
READY_LINE = "ledger page ready"


def time_until_ready(
    command: list[str], env: dict[str, str], log_file: Path, cwd: Path | None = None, timeout: float = 120
) -> float:
    """Seconds from starting ``command`` until ``log_file`` gains a ``READY_LINE``; the app is then ended."""
    before = log_file.read_text(encoding="utf-8").count(READY_LINE) if log_file.exists() else 0
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            if log_file.exists() and log_file.read_text(encoding="utf-8").count(READY_LINE) > before:
                return time.perf_counter() - start
            if process.poll() is not None:
                raise RuntimeError(f"the app ended before its ledger page: {process.stderr.read()[-800:]!r}")
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"no ledger page after {timeout:.0f} s")
            time.sleep(0.005)
    finally:
        process.terminate()
        process.wait(60)
