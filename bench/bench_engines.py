"""The same ledger on SQLite and on PostgreSQL, side by side in one run (run by hand, not in CI).

Usage: python bench/bench_engines.py SERVER [--cases N] [--clerks 8] [--each 25]
  SERVER  a PostgreSQL server's URL prefix whose user may create databases, e.g.
          postgresql+psycopg://postgres@127.0.0.1:5432 (``bash scripts/postgres.sh start DIR PORT`` prints one)

A demo ledger of N cases is built in a temporary SQLite file and copied to a new database on the server
(``migrate-to``).  On each engine it prints the median of several runs, and its ratio to a bare-library
floor measured in the same run (sqlite3 / psycopg executing one comparable SELECT):
- figures: ``compute_figures`` for the year, against a bare ``count(*)`` of the year's cases;
- search: a two-character word with filters (``case_ids``), against a bare ``count(*) … LIKE``;
- registering: CLERKS processes each registering EACH cases at once: throughput and the slowest one.
Then the ratio of PostgreSQL to SQLite for each.  The merge of 50 × 2,000 cases is bench/bench_merge.py's
(SQLite only so far).
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
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from xinfang_desk.cli import main as cli
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.figures import compute_figures, year_range
from xinfang_desk.ledger.search import CaseFilter, case_ids
from xinfang_desk.ledger.vocab import Status

TODAY = date(2026, 11, 25)
YEAR = 2026
RUNS = 5
WORD = "空调"

CLERK = """
import sys, time
from tests.helpers import draft
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.demo import DEMO_ACTOR
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
    start, end = year_range(YEAR)
    found: dict[str, float] = {}
    with ledger.reading() as s:
        found["figures"] = median_ms(lambda: compute_figures(s, start, end))
    query = bare(location)
    found["figures floor"] = median_ms(
        lambda: query(
            "SELECT count(*) FROM cases WHERE received_at >= %(s)s AND received_at < %(e)s",
            {"s": f"{YEAR}-01-01", "e": f"{YEAR + 1}-01-01"},
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--clerks", type=int, default=8)
    parser.add_argument("--each", type=int, default=25)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="xinfang-bench-engines-"))
    source = folder / "ledger.sqlite"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    assert cli(["demo", "--db", str(source), "--cases", str(args.cases), "--today", TODAY.isoformat()]) == 0
    name = f"xf_bench_{os.getpid()}"
    admin = create_engine(f"{args.server.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"))
    server = f"{args.server.rstrip('/')}/{name}"
    assert cli(["migrate-to", server, "--db", str(source)]) == 0
    print(f"{args.cases} cases built and copied in {time.perf_counter() - started:.0f} s", flush=True)
    try:
        results = {"SQLite": measure(str(source), args.clerks, args.each)}
        results["PostgreSQL"] = measure(server, args.clerks, args.each)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    print(f"\nload average {os.getloadavg()}, {args.clerks} clerks × {args.each} registrations")
    print(f"{'':24}{'SQLite':>12}{'PostgreSQL':>12}{'PG/SQLite':>11}")
    for key in results["SQLite"]:
        a, b = results["SQLite"][key], results["PostgreSQL"][key]
        unit = "" if "/s" in key else " ms"
        print(f"{key + unit:24}{a:12.1f}{b:12.1f}{b / a:11.2f}")
    for engine, found in results.items():
        print(
            f"{engine}: figures {found['figures'] / found['figures floor']:.1f}× its floor, "
            f"search {found['search'] / found['search floor']:.1f}× its floor"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
