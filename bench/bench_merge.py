"""Office merge of 50 unit files of 2,000 cases each: time and peak memory against a bare read.

Usage: python bench/bench_merge.py [--folder /tmp/xinfang-bench-merge] [--openpyxl] [--compare TREE] [--rounds N]
       [--empty-only]

The 50 unit workbooks are made once and kept in the folder: each unit ledger is created with its own
code (``create_ledger``), filled by ``build_demo`` (2,000 cases, its own seed) and exported twice
with the export package (``a/`` and ``b/``: the same cases, different export times, so different
files).  Each run below is its own process, so its peak memory (``ru_maxrss``) is its own:

* bare read — python-calamine opens each file of ``a/`` and converts every row of its 台账 sheet
  to Python values (the fastest way to read them; ``--openpyxl`` adds openpyxl's read-only mode);
  from format 3 on the files also carry a 办理记录 sheet (every step of every case), which the merge
  reads too: the bare read of both sheets is the second floor, ``bare read (all)``;
* merge 1 — ``merge_workbooks`` of ``a/`` into an empty office ledger (100,000 cases added);
* merge 2 — the same files again (recognised by their SHA-256: nothing to do);
* merge 3 — the files of ``b/``: every row read, checked and compared, all unchanged.

The merge reads the files in a second process while it writes (``merge_reading``); that
process's peak is shown beside the merge's own.

``--compare TREE`` runs the three merges of another source tree too (e.g. a ``git archive`` of an
earlier commit, its own ``bench/bench_merge.py``), into an office ledger made afresh by this tree
before each tree's merge 1; ``--rounds N`` repeats the floors and both trees' merges N times,
interleaved (the trees' order alternating), and ends with the medians; ``--empty-only`` runs merge 1 alone.

Goals (issue 5): merge 1 within 3 × the bare read; peak memory < 400 MB (each process).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from pathlib import Path

UNITS = 50
CASES = 2000
TODAY = date(2025, 11, 20)


def _unit_code(n: int) -> str:
    return f"U{n:02d}"


def _make_unit(folder: str, n: int) -> None:
    from xinfang_desk.export.exchange.ledger_workbook import export_ledger
    from xinfang_desk.ledger.demo import build_demo
    from xinfang_desk.ledger.reference import create_ledger

    root = Path(folder)
    code = _unit_code(n)
    targets = [root / "a" / f"{code}.xlsx", root / "b" / f"{code}.xlsx"]
    if all(t.exists() for t in targets):
        return
    db = root / "units" / f"{code}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    ledger = create_ledger(db, code, f"第{n}学院")
    build_demo(ledger, cases=CASES, seed=1000 + n, today=TODAY)
    for minute, target in enumerate(targets):
        with ledger.session() as session:
            export_ledger(
                session,
                target,
                "基准测试",
                start=date(2000, 1, 1),
                end=TODAY,
                today=TODAY,
                clock=lambda m=minute: datetime(2025, 11, 20, 18, m),
            )
    ledger.close()


def make_files(folder: Path) -> None:
    for sub in ("a", "b", "units"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    missing = [n for n in range(1, UNITS + 1) if not (folder / "b" / f"{_unit_code(n)}.xlsx").exists()]
    if missing:
        print(f"制作 {len(missing)} 个单位的导出文件（只需一次）…", flush=True)
        with ProcessPoolExecutor() as pool:
            list(pool.map(_make_unit, [str(folder)] * len(missing), missing))


def _files(folder: Path, sub: str) -> list[Path]:
    return sorted((folder / sub).glob("*.xlsx"))


# ---------------------------------------------------------------------------------------- phases
def phase_read(folder: Path, sheets: tuple[str, ...] = ("信访台账",)) -> dict:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    rows = 0
    for path in _files(folder, "a"):
        book = CalamineWorkbook.from_path(str(path))
        for name in sheets:
            if name in book.sheet_names:
                rows += sum(1 for _ in book.get_sheet_by_name(name).iter_rows())
    return {"seconds": time.perf_counter() - started, "rows": rows}


def phase_read_all(folder: Path) -> dict:
    return phase_read(folder, ("信访台账", "办理记录"))


def phase_openpyxl(folder: Path) -> dict:
    from openpyxl import load_workbook

    started = time.perf_counter()
    rows = 0
    for path in _files(folder, "a"):
        book = load_workbook(path, read_only=True, data_only=True)
        rows += sum(1 for _ in book["信访台账"].iter_rows(values_only=True))
        book.close()
    return {"seconds": time.perf_counter() - started, "rows": rows}


def make_office(location: str | Path) -> None:
    """An empty office ledger at ``location``: a file (replaced when there) or an empty database's URL."""
    from xinfang_desk.ledger.reference import create_ledger

    if "://" not in str(location):
        path = Path(location)
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    create_ledger(location, "XFB", "信访与督办室", office=True).close()


def phase_merge(folder: Path, sub: str, office: str | Path | None = None) -> dict:
    """Merge the files of ``folder/sub`` into the office ledger (``folder/office.sqlite`` unless given)."""
    from xinfang_desk.export.exchange.merge import merge_workbooks
    from xinfang_desk.ledger.db import Ledger

    ledger = Ledger.open(office or folder / "office.sqlite")
    started = time.perf_counter()
    with ledger.session() as session:
        report = merge_workbooks(session, _files(folder, sub), "基准测试")
    seconds = time.perf_counter() - started
    ledger.close()
    return {
        "seconds": seconds,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "conflicts": report.conflicts,
        "refused": [f.summary() for f in report.files if f.status.value == "refused"],
    }


def _child(args: argparse.Namespace) -> None:
    import multiprocessing

    folder = Path(args.folder)
    result = {"read": phase_read, "read-all": phase_read_all, "openpyxl": phase_openpyxl}.get(args.phase)
    data = result(folder) if result else phase_merge(folder, args.phase.split(":")[1])
    data["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for reader in multiprocessing.active_children():  # the merge's reading process, once it has ended
        reader.join(5)
    data["reader_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(data, ensure_ascii=False))


def _run(folder: Path, phase: str, tree: Path | None = None) -> dict:
    """One phase in a process of its own, with this tree's code or ``tree``'s."""
    script = tree / "bench" / "bench_merge.py" if tree else Path(__file__)
    env = {**os.environ, "PYTHONPATH": str(tree)} if tree else None
    out = subprocess.run(
        [sys.executable, str(script), "--folder", str(folder), "--phase", phase],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _merges(
    folder: Path, label: str, floors: tuple[float, float], tree: Path | None, *, empty_only: bool = False
) -> dict[str, float]:
    """Merges 1–3 (or merge 1 alone) of one tree into a new office ledger, each printed; their seconds by run."""
    make_office(folder / "office.sqlite")
    read, read_all = floors
    seconds = {}
    runs = (
        ("merge 1 (empty)", "merge:a"),
        ("merge 2 (same files)", "merge:a"),
        ("merge 3 (re-exported)", "merge:b"),
    )
    for run, phase in runs[:1] if empty_only else runs:
        result = _run(folder, phase, tree)
        seconds[run] = result["seconds"]
        print(
            f"{label}{run:22} {result['seconds']:6.2f} s  ratio {result['seconds'] / read:4.2f} × bare read"
            f"  {result['seconds'] / read_all:4.2f} × bare read (all)  peak {result['peak_mb']:.0f} MB"
            + (f" (reader {result['reader_peak_mb']:.0f} MB)" if result["reader_peak_mb"] else "")
            + f"  added {result['added']:,} updated {result['updated']:,}"
            f" unchanged {result['unchanged']:,} conflicts {result['conflicts']:,}",
            flush=True,
        )
        for line in result["refused"]:
            print("   refused:", line)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default="/tmp/xinfang-bench-merge")
    parser.add_argument("--openpyxl", action="store_true", help="也测 openpyxl 只读模式（约 30 秒）")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument(
        "--compare", metavar="TREE", help="另一源码树（如 git archive 的早先版本），与本树交替运行"
    )
    parser.add_argument("--rounds", type=int, default=1, help="重复次数（交替运行，最后给出中位数）")
    parser.add_argument("--empty-only", action="store_true", help="只测合并 1（并入空的汇总台账）")
    args = parser.parse_args()
    if args.phase:
        _child(args)
        return
    folder = Path(args.folder)
    make_files(folder)
    trees: list[tuple[str, Path | None]] = [("", None)]
    if args.compare:
        trees = [("after:  ", None), ("before: ", Path(args.compare).resolve())]
    runs: dict[tuple[str, str], list[float]] = {}
    for round_number in range(args.rounds):
        print("load (os.getloadavg):", " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
        read = _run(folder, "read")
        print(
            f"bare read (calamine)   {read['seconds']:6.2f} s  {read['rows']:,} rows  peak {read['peak_mb']:.0f} MB",
            flush=True,
        )
        read_all = _run(folder, "read-all")
        print(
            f"bare read (all)        {read_all['seconds']:6.2f} s  {read_all['rows']:,} rows"
            f"  peak {read_all['peak_mb']:.0f} MB",
            flush=True,
        )
        runs.setdefault(("floor", "read"), []).append(read["seconds"])
        runs.setdefault(("floor", "read-all"), []).append(read_all["seconds"])
        if args.openpyxl and not round_number:
            slow = _run(folder, "openpyxl")
            print(f"bare read (openpyxl)   {slow['seconds']:6.2f} s  peak {slow['peak_mb']:.0f} MB")
        order = trees if round_number % 2 == 0 else trees[::-1]
        for label, tree in order:
            floors = (read["seconds"], read_all["seconds"])
            for run, seconds in _merges(folder, label, floors, tree, empty_only=args.empty_only).items():
                runs.setdefault((label, run), []).append(seconds)
    if args.rounds > 1:
        floor = statistics.median(runs[("floor", "read")])
        print(f"medians of {args.rounds} rounds: bare read {floor:.2f} s")
        for (label, run), seconds in runs.items():
            if label != "floor":
                middle = statistics.median(seconds)
                print(f"  {label}{run:22} {middle:6.2f} s  ratio {middle / floor:4.2f} × bare read")
    print("goals: merge 1 ≤ 3.0 × bare read; peak < 400 MB (each process)")
    print("load (os.getloadavg):", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
