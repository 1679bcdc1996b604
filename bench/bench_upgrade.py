"""Opening an older ledger in the app: how long until the user sees something, and until the 台账 rows.

Usage: python bench/bench_upgrade.py [--runs 2] [--compare TREE] [DB]   (default: /tmp/bench-100k.sqlite,
schema 0013 - any ledger older than the program's schema)

Each run opens a fresh copy of the ledger (the upgrade changes it in place) in the app (offscreen, as
``bench_startup.py`` starts it) and reads its log: the first sign on screen is the 升级台账 dialog
(``upgrade dialog shown``, ``ui/upgrade_dialog.py``) or, where a program has none, the window itself
(``ledger page ready``).  The floor is ``bench_startup.py``'s bare PySide6 + SQLAlchemy window.  Runs go
floor, this tree, ``--compare`` tree, floor, … (interleaved); medians and ``os.getloadavg()`` are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_startup import ROOT, compile_sources, load, time_floor

DIALOG_LINE = "upgrade dialog shown"
READY_LINE = "ledger page ready"


def time_open(
    ledger: Path, copy: Path, env: dict[str, str], log_file: Path, root: Path
) -> tuple[float, float]:
    """Seconds from starting the app (source in ``root``) on a fresh copy of ``ledger`` until its first sign on
    screen and until its 台账 rows; the app is then ended."""
    for stray in copy.parent.glob(copy.name + "*"):
        stray.unlink()
    shutil.copyfile(ledger, copy)
    before = log_file.read_text(encoding="utf-8") if log_file.exists() else ""
    command = [sys.executable, "-m", "xinfang_desk.ui.app", "--db", str(copy)]
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        env={**env, "PYTHONPATH": str(root)},
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    first: float | None = None
    try:
        while True:
            log = log_file.read_text(encoding="utf-8")[len(before) :] if log_file.exists() else ""
            now = time.perf_counter() - start
            if first is None and DIALOG_LINE in log:
                first = now
            if READY_LINE in log:
                return (first if first is not None else now), now
            if process.poll() is not None:
                raise RuntimeError(f"the app ended before its ledger page: {process.stderr.read()[-800:]!r}")
            if now > 600:
                raise TimeoutError("no ledger page after 600 s")
            time.sleep(0.01)
    finally:
        process.terminate()
        process.wait(60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="openings of each (median shown)")
    parser.add_argument("--compare", type=Path, help="another source tree (e.g. an earlier version)")
    parser.add_argument("ledger", nargs="?", type=Path, default=Path("/tmp/bench-100k.sqlite"))
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-upgrade-"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XINFANG_DESK_LOG_DIR=str(work / "log"))
    for key in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[key] = str(work / key.lower())
    settings = work / "xdg_config_home" / "xinfang_desk" / "xinfang_desk.conf"
    settings.parent.mkdir(parents=True)
    settings.write_text("[window]\npage=2\n", encoding="utf-8")  # open on the 台账 page
    log_file = work / "log" / "xinfang-desk.log"
    copy = work / "ledger" / args.ledger.name
    copy.parent.mkdir()
    roots = [ROOT, *([args.compare.resolve()] if args.compare else [])]
    try:
        print(f"load before: {load()}")
        for root in roots:
            compile_sources(root)
        floors: list[float] = []
        times: dict[Path, list[tuple[float, float]]] = {root: [] for root in roots}
        for _ in range(args.runs):
            floors.append(time_floor({**env, "PYTHONPATH": str(ROOT)}))
            for root in roots:
                times[root].append(time_open(args.ledger, copy, env, log_file, root))
                print(
                    f"  {root}: first sign {times[root][-1][0]:.1f} s, 台账 rows {times[root][-1][1]:.1f} s"
                )
        floor = statistics.median(floors)
        print(
            f"opening {args.ledger.name} (an upgrade due), median of {args.runs} interleaved runs (offscreen):"
        )
        print(f"  {'bare PySide6 + SQLAlchemy ORM window (floor)':<40}{floor * 1000:8.0f} ms")
        for root, found in times.items():
            shown = statistics.median(t[0] for t in found)
            ready = statistics.median(t[1] for t in found)
            print(
                f"  {str(root):<40}first sign {shown * 1000:8.0f} ms (ratio {shown / floor:5.2f}), "
                f"台账 rows {ready:6.1f} s"
            )
        print(f"load after: {load()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
