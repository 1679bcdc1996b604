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
import shutil
import statistics
import sys
from pathlib import Path

from bench_startup import ROOT, compile_sources, time_floor
from startup_timing import READY_LINE, app_environment, bench_folder, times_until

DIALOG_LINE = "upgrade dialog shown"


def time_open(
    ledger: Path, copy: Path, env: dict[str, str], log_file: Path, root: Path
) -> tuple[float, float]:
    """Seconds from starting the app (source in ``root``) on a fresh copy of ``ledger`` until its first sign on
    screen and until its 台账 rows; the app is then ended."""
    for stray in copy.parent.glob(copy.name + "*"):
        stray.unlink()
    shutil.copyfile(ledger, copy)
    command = [sys.executable, "-m", "xinfang_desk.ui.app", "--db", str(copy)]
    dialog, ready = times_until(
        command, {**env, "PYTHONPATH": str(root)}, log_file, (DIALOG_LINE, READY_LINE), root, timeout=600
    )
    assert ready is not None
    return (ready if dialog is None else dialog), ready


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="openings of each (median shown)")
    parser.add_argument("--compare", type=Path, help="another source tree (e.g. an earlier version)")
    parser.add_argument("ledger", nargs="?", type=Path, default=Path("/tmp/bench-100k.sqlite"))
    args = parser.parse_args(argv)

    with bench_folder("bench-upgrade-") as work:
        env, log_file = app_environment(work)
        copy = work / "ledger" / args.ledger.name
        copy.parent.mkdir()
        roots = [ROOT, *([args.compare.resolve()] if args.compare else [])]
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
