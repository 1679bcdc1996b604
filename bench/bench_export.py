"""Excel 台账 export on a large ledger: time against a bare openpyxl dump, and peak memory.

Usage: python bench/bench_export.py [--runs 3] [--compare TREE] [/tmp/bench100k.sqlite]

The ledger is made first if it does not exist (``build_demo``, 100,000 cases, a few minutes).  Two
kinds of run, interleaved ``--runs`` times (medians of wall and CPU time are printed, with
``os.getloadavg()`` before and after), each in its own process so that its peak memory
(``ru_maxrss``) is its own:

* baseline — the same joined query of the 台账 columns and the same query of every case's steps
  (办理记录), both streamed (``yield_per``), each raw row appended to its own openpyxl write-only sheet
  and saved: no labels, masking, guards, styles, checksums, print sheet, statistics or identity (the
  time of the 台账 sheet alone is printed too, for the ratio of earlier runs);
* export — ``export_ledger`` of every case, as the user gets it; with ``--compare TREE`` also the
  export of another source tree (e.g. ``git archive`` of an earlier commit), in the same rounds.

Goals (issue "Excel 台账 and PDF documents"): export time ≤ 1.3 × baseline; peak memory < 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "/tmp/bench100k.sqlite"
CASES = 100_000


def _period(ledger: Ledger) -> tuple[date, date]:
    with ledger.session() as s:
        first, last = s.execute(select(func.min(Case.received_at), func.max(Case.received_at))).one()
    return first.date(), last.date()


def _baseline(ledger: Ledger, start: date, end: date, target: Path) -> tuple[int, float]:
    """Rows of the 台账 sheet, and the seconds its sheet took before the 办理记录 one began."""
    from openpyxl import Workbook

    from xinfang_desk.export.exchange.columns import HISTORY_HEADERS, LEDGER_HEADERS
    from xinfang_desk.export.exchange.history_sheet import history_query
    from xinfang_desk.export.exchange.ledger_rows import ledger_query

    began = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("信访台账")
    sheet.append(list(LEDGER_HEADERS))
    rows = 0
    with ledger.session() as s:
        for row in s.execute(ledger_query(start, end)):
            sheet.append([v for v in row if not isinstance(v, dict)][: len(LEDGER_HEADERS)])
            rows += 1
        ledger_seconds = time.perf_counter() - began
        steps = workbook.create_sheet("办理记录")
        steps.append(list(HISTORY_HEADERS))
        for row in s.execute(history_query(start, end)):
            steps.append([v for v in row if not isinstance(v, dict)][: len(HISTORY_HEADERS)])
    workbook.save(target)
    return rows, ledger_seconds


def _export(ledger: Ledger, start: date, end: date, target: Path) -> tuple[int, float]:
    from xinfang_desk.export.exchange.ledger_workbook import export_ledger

    with ledger.session() as s:
        result = export_ledger(s, target, "bench", start=start, end=end)
        s.rollback()  # the bench leaves no audit entry behind: the ledger stays as it was
    return result.identity.row_count, 0.0


def child(kind: str, db: str) -> None:
    """Run one kind in this process and print its time, CPU time, rows and peak memory as JSON."""
    ledger = Ledger.open(db)
    start, end = _period(ledger)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"{kind}.xlsx"
        began, cpu = time.perf_counter(), time.process_time()
        rows, ledger_seconds = (_baseline if kind == "baseline" else _export)(ledger, start, end, target)
        seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
        size = target.stat().st_size
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "kind": kind,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "ledger_seconds": ledger_seconds,
                "rows": rows,
                "peak_mb": peak_mb,
                "bytes": size,
            }
        )
    )


def _run(kind: str, db: str, root: Path = ROOT) -> dict:
    """One child run; ``root`` is the source tree whose ``xinfang_desk`` it imports."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, db], capture_output=True, text=True, check=True, env=env
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _load(load: tuple[float, float, float]) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in load) + ")"


def _ensure_ledger(db: str) -> None:
    if Path(db).exists():
        return
    from xinfang_desk.ledger.demo import build_demo
    from xinfang_desk.ledger.reference import create_ledger

    print(f"creating a {CASES}-case demo ledger at {db} (a few minutes) …")
    ledger = create_ledger(db, "JWC", "教务处")
    build_demo(ledger, cases=CASES, seed=1)
    ledger.close()


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs of each (medians shown)")
    parser.add_argument("--compare", type=Path, help="another source tree whose export runs interleaved too")
    parser.add_argument("db", nargs="?", default=DEFAULT_DB)
    args = parser.parse_args()
    _ensure_ledger(args.db)
    trees = {
        "export_ledger": ROOT,
        **({f"export_ledger ({args.compare})": args.compare.resolve()} if args.compare else {}),
    }
    load_before = os.getloadavg()
    bases: list[dict] = []
    exports: dict[str, list[dict]] = {label: [] for label in trees}
    for _ in range(args.runs):
        bases.append(_run("baseline", args.db))
        for label, root in trees.items():
            exports[label].append(_run("export", args.db, root))
    load_after = os.getloadavg()
    assert all(e["rows"] == bases[0]["rows"] for runs in exports.values() for e in runs)
    base, base_cpu = _median(bases, "seconds"), _median(bases, "cpu_seconds")
    print(f"ledger: {args.db}, {bases[0]['rows']} cases exported; medians of {args.runs} interleaved runs")
    print(f"load (os.getloadavg()): before {_load(load_before)}, after {_load(load_after)}")
    print(f"baseline, 台账 sheet alone:      {_median(bases, 'ledger_seconds'):.1f} s")
    print(
        f"baseline, both sheets bare:      {base:.1f} s (CPU {base_cpu:.1f} s), "
        f"peak {_median(bases, 'peak_mb'):.0f} MB, {bases[0]['bytes'] / 1e6:.1f} MB file"
    )
    for label, runs in exports.items():
        seconds, cpu = _median(runs, "seconds"), _median(runs, "cpu_seconds")
        peak = max(r["peak_mb"] for r in runs)
        print(f"{label}:")
        print(
            f"  {seconds:.1f} s (CPU {cpu:.1f} s), peak {peak:.0f} MB, {runs[0]['bytes'] / 1e6:.1f} MB file"
        )
        print(
            f"  ratio to the both-sheet baseline: {seconds / base:.2f} (CPU {cpu / base_cpu:.2f}; goal ≤ 1.30), "
            f"to the 台账-sheet baseline: {seconds / _median(bases, 'ledger_seconds'):.2f}"
        )
        print(f"  peak memory: {peak:.0f} MB (goal < 300 MB, ratio {peak / 300:.2f})")


if __name__ == "__main__":
    main()
