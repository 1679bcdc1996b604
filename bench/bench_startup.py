"""Whole-process start-up to the first 台账 rows, against a bare PySide6 + SQLAlchemy window, on three ledgers.

Usage: python bench/bench_startup.py [--runs 5] [DB ...]   (default: the ledgers of ``build_ledgers.sh``)

Each ledger is copied into a temporary folder first (the app writes its lock file beside it, and its
settings, log and backups go to the same folder), so the ledgers themselves are never changed.  The
app (``python -m xinfang_desk.ui.app --db COPY``, offscreen, opening on the 台账 page) is timed from
its start until its log says ``ledger page ready`` (``ui/app.py``), then ended.  The floor is a bare
process that imports PySide6's widgets and SQLAlchemy's ORM and shows a window (timed until it says so).
Runs go floor, 10k, 100k, 300k, floor, … (interleaved); the medians, their ratios to the floor
(goal: ≤ 1.5 at every size) and ``os.getloadavg()`` before and after are printed.  ``--compare TREE``
also starts the app from another source tree (e.g. ``git archive`` of an earlier commit), interleaved.
Each tree's modules are compiled to bytecode first, as an installed or bundled app has them (otherwise a
shell with ``PYTHONDONTWRITEBYTECODE`` set makes the app compile its own modules at every start).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from startup_timing import app_environment, bench_folder, time_until_ready

ROOT = Path(__file__).resolve().parent.parent
LEDGERS = ("/tmp/bench-10k.sqlite", "/tmp/bench-100k.sqlite", "/tmp/bench-300k.sqlite")
GOAL = 1.5

BARE_WINDOW = """
import sqlalchemy.orm
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

app = QApplication([])
window = QMainWindow()
window.setCentralWidget(QLabel("台账"))
window.show()
QTimer.singleShot(0, lambda: print("shown", flush=True))
app.exec()
"""


def time_floor(env: dict[str, str]) -> float:
    """Seconds until the bare window says it is shown."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", BARE_WINDOW],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        elapsed = time.perf_counter() - start
        if "shown" not in line:
            raise RuntimeError("the bare window did not start")
        return elapsed
    finally:
        process.terminate()
        process.wait(30)


def time_app(ledger: Path, env: dict[str, str], log_file: Path, root: Path = ROOT) -> float:
    """Seconds from starting the app (the source in ``root``) on ``ledger`` until its log says the 台账
    page drew its first rows."""
    command = [sys.executable, "-m", "xinfang_desk.ui.app", "--db", str(ledger)]
    return time_until_ready(command, {**env, "PYTHONPATH": str(root)}, log_file, cwd=root, timeout=300)


def compile_sources(root: Path) -> None:
    """The bytecode of the program's modules in ``root``, written beside them."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "xinfang_desk")], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="starts of each (median shown)")
    parser.add_argument(
        "--compare", type=Path, help="another source tree (e.g. an earlier version) started the same way"
    )
    parser.add_argument("ledgers", nargs="*", type=Path, default=[Path(p) for p in LEDGERS])
    args = parser.parse_args(argv)
    ledgers = [p for p in args.ledgers if p.exists()]
    for missing in set(args.ledgers) - set(ledgers):
        print(f"{missing}: missing (bench/build_ledgers.sh makes it)")

    with bench_folder("bench-startup-") as work:
        env, log_file = app_environment(work)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
        copies = []
        for ledger in ledgers:
            copy = work / ledger.name
            shutil.copyfile(ledger, copy)
            copies.append(copy)
        roots = [ROOT, *([args.compare.resolve()] if args.compare else [])]
        for root in roots:
            compile_sources(root)
        cases = [(root, copy) for copy in copies for root in roots]
        time_floor(env)  # warm the disk cache once for each
        for root, copy in cases:
            time_app(copy, env, log_file, root)
        floors: list[float] = []
        starts: dict[tuple[Path, Path], list[float]] = {case: [] for case in cases}
        for _ in range(args.runs):
            floors.append(time_floor(env))
            for root, copy in cases:
                starts[root, copy].append(time_app(copy, env, log_file, root))
        floor = statistics.median(floors)
        print(f"start-up to the first 台账 rows, median of {args.runs} interleaved runs (offscreen);")
        print(
            "'paired': the median of each start's ratio to the floor started just before it (holds when the"
        )
        print("machine's speed drifts between rounds; the goal is judged on it)")
        print(f"  {'bare PySide6 + SQLAlchemy ORM window (floor)':<46}{floor * 1000:7.0f} ms")
        for (root, copy), times in starts.items():
            median = statistics.median(times)
            paired = statistics.median(t / f for t, f in zip(times, floors, strict=True))
            flag = "" if paired <= GOAL else f"  above the goal ({GOAL})"
            label = copy.name if root == ROOT else f"{copy.name} ({root})"
            print(
                f"  {label:<46}{median * 1000:7.0f} ms   ratio {median / floor:5.2f}   paired {paired:5.2f}{flag}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
