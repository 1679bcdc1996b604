"""The same ledger on SQLite and on PostgreSQL, side by side in one run (run by hand, not in CI).

Usage: python bench/bench_engines.py SERVER [--cases N | --from FILE [--from-database NAME]]
                                     [--clerks 8] [--each 25] [--merge-folder DIR] [--no-merge]
  SERVER  a PostgreSQL server's URL prefix whose user may create databases, e.g.
          postgresql+psycopg://postgres@127.0.0.1:5432 (``bash scripts/postgres.sh start DIR PORT`` prints one)

A demo ledger of N cases (100,000 by default) is built in a temporary SQLite file and copied to a new
database on the server (``migrate-to``).  ``--from FILE`` takes a copy of an existing ledger file instead,
and ``--from-database NAME`` a copy of a database on the server already holding it (``CREATE DATABASE …
TEMPLATE``: seconds instead of minutes).  The copies are removed afterwards; FILE and NAME are not changed.

On each engine it prints the median of several runs, and its ratio to a bare-library floor measured in the
same run (sqlite3 / psycopg executing one comparable SELECT on an open connection):
- figures: ``compute_figures`` over the whole ledger (every year up to today's), against a bare ``count(*)``
  of those cases;
- search: a two-character word with filters (``case_ids``), against a bare ``count(*) … LIKE``;
- registering: CLERKS processes each registering EACH cases at once: throughput and the slowest one;
- merge: bench_merge.py's 50 unit files of 2,000 cases (made once in DIR, kept) merged into an empty office
  ledger, against python-calamine's bare read of the same files (bench_merge.py's floor).
Then the ratio of PostgreSQL to SQLite for each.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path

from bench_merge import CASES as UNIT_CASES
from bench_merge import UNITS, make_files, make_office, phase_merge, phase_read
from sqlalchemy import create_engine, func, select, text

from xinfang_desk.cli import main as cli
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.figures import compute_figures
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.search import CaseFilter, case_ids
from xinfang_desk.ledger.vocab import Status

TODAY = date(2026, 11, 25)
YEAR = 2026
RUNS = 5
WORD = "空调"
MERGE = f"merge {UNITS} × {UNIT_CASES:,}"
#: each measurement's unit in the table
UNIT = {"registrations/s": "", MERGE: " s", "merge floor": " s"}

CLERK = """
import sys, time
from tests.helpers import draft
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.demo_ledger import DEMO_ACTOR
ledger = Ledger.open(sys.argv[1])
sys.stdout.write("ready\\n"); sys.stdout.flush(); sys.stdin.readline()
for i in range(int(sys.argv[2])):
    start = time.perf_counter()
    with ledger.operation(DEMO_ACTOR) as ctx:
        cases.register_case(ctx, draft(summary=f"并发登记第{i}件"))
    print(round((time.perf_counter() - start) * 1000, 2), flush=True)
ledger.close()
"""


def median_ms(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bare(location: str) -> Callable[[str, dict], object]:
    """One SELECT through the bare driver on a connection kept open: sqlite3, or psycopg."""
    if "://" not in location:
        lite = sqlite3.connect(location)
        return lambda sql, params: lite.execute(sql.replace("%(", ":").replace(")s", ""), params).fetchall()
    import psycopg

    server = psycopg.connect(location.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    return lambda sql, params: server.execute(sql, params).fetchall()


def measure(location: str, clerks: int, each: int) -> dict[str, float]:
    ledger = Ledger.open(location)
    found: dict[str, float] = {}
    with ledger.reading() as s:
        first = s.scalar(select(func.min(Case.year)))
        start, end = date(first, 1, 1), date(TODAY.year, 12, 31)
        found["figures"] = median_ms(lambda: compute_figures(s, start, end))
    query = bare(location)
    found["figures floor"] = median_ms(
        lambda: query(
            "SELECT count(*) FROM cases WHERE received_at >= %(s)s AND received_at < %(e)s",
            {"s": start.isoformat(), "e": f"{TODAY.year + 1}-01-01"},
        )
    )
    wanted = CaseFilter(text=WORD, year=YEAR, statuses=[Status.CLOSED, Status.REPLIED], today=TODAY)
    with ledger.reading() as s:
        found["search"] = median_ms(lambda: case_ids(s, wanted))
    found["search floor"] = median_ms(
        lambda: query(
            "SELECT count(*) FROM cases WHERE year = %(y)s AND status IN ('closed', 'replied') "
            "AND (summary LIKE %(w)s OR content LIKE %(w)s)",
            {"y": YEAR, "w": f"%{WORD}%"},
        )
    )
    ledger.close()
    found.update(register_at_once(location, clerks, each))
    return found


def register_at_once(location: str, clerks: int, each: int) -> dict[str, float]:
    root = Path(__file__).resolve().parents[1]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLERK, location, str(each)],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(clerks)
    ]
    for proc in procs:  # every clerk has the ledger open before anyone registers
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    times: list[float] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0
        times += [float(line) for line in out.split()]
    elapsed = time.perf_counter() - start
    return {"registrations/s": len(times) / elapsed, "slowest registration": max(times)}


def merge_seconds(folder: Path, office: str | Path) -> float:
    """The merge of the unit files into a new, empty office ledger at ``office``."""
    make_office(office)
    result = phase_merge(folder, "a", office)
    assert result["added"] == UNITS * UNIT_CASES and not result["refused"], result
    return result["seconds"]


class Server:
    """Databases made on the PostgreSQL server for this run, dropped at the end."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.rstrip("/")
        self.admin = create_engine(f"{self.prefix}/postgres", isolation_level="AUTOCOMMIT")
        self.made: list[str] = []

    def new(self, name: str, template: str = "template0") -> str:
        name = f"{name}_{os.getpid()}"
        with self.admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template} ENCODING 'UTF8'"))
        self.made.append(name)
        return f"{self.prefix}/{name}"

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.made:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        self.admin.dispose()


def build(args: argparse.Namespace, folder: Path, server: Server) -> tuple[str, str]:
    """The SQLite ledger and its copy on the server."""
    source = folder / "ledger.sqlite"
    started = time.perf_counter()
    if args.source:
        with (
            closing(sqlite3.connect(f"file:{args.source}?mode=ro", uri=True)) as a,
            closing(sqlite3.connect(source)) as b,
        ):
            a.backup(b)
    else:
        demo = ["demo", "--db", str(source), "--cases", str(args.cases), "--today", TODAY.isoformat()]
        assert cli(demo) == 0
    if args.from_database:
        copy = server.new("xf_bench", template=args.from_database)
    else:
        copy = server.new("xf_bench")
        assert cli(["migrate-to", copy, "--db", str(source)]) == 0
    print(f"ledgers ready in {time.perf_counter() - started:.0f} s", flush=True)
    return str(source), copy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--from", dest="source", help="an existing ledger file to copy instead of a new demo")
    parser.add_argument("--from-database", help="a database on SERVER holding the same ledger as --from")
    parser.add_argument("--clerks", type=int, default=8)
    parser.add_argument("--each", type=int, default=25)
    parser.add_argument("--merge-folder", default="/tmp/xinfang-bench-merge")
    parser.add_argument("--no-merge", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    folder = Path(tempfile.mkdtemp(prefix="xinfang-bench-engines-"))
    merges = Path(args.merge_folder)
    if not args.no_merge:
        make_files(merges)
    server = Server(args.server)
    loads = [os.getloadavg()]
    try:
        source, copy = build(args, folder, server)
        opened = Ledger.open(source)
        with opened.reading() as s:
            cases = s.scalar(select(func.count()).select_from(Case))
        opened.close()
        results = {"SQLite": measure(source, args.clerks, args.each)}
        results["PostgreSQL"] = measure(copy, args.clerks, args.each)
        if not args.no_merge:
            floor = phase_read(merges)["seconds"]
            for found in results.values():
                found["merge floor"] = floor
            results["SQLite"][MERGE] = merge_seconds(merges, folder / "office.sqlite")
            results["PostgreSQL"][MERGE] = merge_seconds(merges, server.new("xf_bench_office"))
        loads.append(os.getloadavg())
    finally:
        server.drop_all()
    print(f"\n{cases:,} cases; {args.clerks} clerks × {args.each} registrations")
    print(
        "load average (os.getloadavg) before / after:",
        " / ".join(" ".join(f"{x:.2f}" for x in a) for a in loads),
    )
    print(f"{'':28}{'SQLite':>12}{'PostgreSQL':>12}{'PG/SQLite':>11}")
    for key in results["SQLite"]:
        a, b = results["SQLite"][key], results["PostgreSQL"][key]
        print(f"{key + UNIT.get(key, ' ms'):28}{a:12.1f}{b:12.1f}{b / a:11.2f}")
    for engine, found in results.items():
        line = (
            f"{engine}: figures {found['figures'] / found['figures floor']:.1f}× its floor, "
            f"search {found['search'] / found['search floor']:.1f}× its floor"
        )
        if MERGE in found:
            line += f", merge {found[MERGE] / found['merge floor']:.2f}× the bare read"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
