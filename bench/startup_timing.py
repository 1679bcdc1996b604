"""Timing the app's start: from its command until its log says the 台账 page drew its first rows; and the
frame of a bench run (its temporary folder, the machine's load before and after)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: What ``ui/app.py`` logs once the 台账 page has drawn its first rows.
READY_LINE = "ledger page ready"


def load() -> str:
    """The machine's load averages over 1, 5 and 15 minutes."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextmanager
def bench_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder for one bench run, removed at its end; the machine's load is printed as the run
    starts and as it ends."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    print(f"load before: {load()}")
    try:
        yield work
        print(f"load after: {load()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def app_environment(work: Path) -> tuple[dict[str, str], Path]:
    """The environment the app is started in under ``work`` (offscreen; its settings, data and log there,
    opening on the 台账 page), and the log file it writes."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XINFANG_DESK_LOG_DIR=str(work / "log"))
    for key in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[key] = str(work / key.lower())
    settings = work / "xdg_config_home" / "xinfang_desk" / "xinfang_desk.conf"
    settings.parent.mkdir(parents=True)
    settings.write_text("[window]\npage=2\n", encoding="utf-8")  # open on the 台账 page
    return env, work / "log" / "xinfang-desk.log"


def times_until(
    command: list[str],
    env: dict[str, str],
    log_file: Path,
    lines: tuple[str, ...],
    cwd: Path | None = None,
    timeout: float = 120,
) -> list[float | None]:
    """Seconds from starting ``command`` until ``log_file`` gains each of ``lines`` (None: one that never came
    before the last); the app is ended once the last one is logged."""
    before = len(log_file.read_text(encoding="utf-8")) if log_file.exists() else 0
    found: list[float | None] = [None] * len(lines)
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            now = time.perf_counter() - start
            logged = log_file.read_text(encoding="utf-8")[before:] if log_file.exists() else ""
            for i, line in enumerate(lines):
                if found[i] is None and line in logged:
                    found[i] = now
            if found[-1] is not None:
                return found
            if process.poll() is not None:
                raise RuntimeError(f"the app ended before its ledger page: {process.stderr.read()[-800:]!r}")
            if now > timeout:
                raise TimeoutError(f"no ledger page after {timeout:.0f} s")
            time.sleep(0.005)
    finally:
        process.terminate()
        process.wait(60)


def time_until_ready(
    command: list[str], env: dict[str, str], log_file: Path, cwd: Path | None = None, timeout: float = 120
) -> float:
    """Seconds from starting ``command`` until ``log_file`` gains a ``READY_LINE``; the app is then ended."""
    (ready,) = times_until(command, env, log_file, (READY_LINE,), cwd, timeout)
    assert ready is not None
    return ready
