"""Search's first page, the count that follows it, and the file's size, against bare SQLite floors.

Usage: python bench/bench_search.py [DB ...]   (default: the ledgers of ``build_ledgers.sh``)

For each ledger and each search (words and filters as the 台账 view sends them): the first page as
the view gets it — the ordered ids of the first 50 matches and their display rows — and then the
count of all matches.  The floor, measured in the same run between them (A B A B …), is the bare
sqlite3 read of the first 50 cases in received order with their petitioners' names.  Prints the
medians, the ratios to the floor, and the goals: the first page under 50 ms, a filter's answer (page
and count) under 300 ms, and at most 2.5 KB of file per case.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.search import CaseFilter, case_ids, case_rows, count_cases
from xinfang_desk.ledger.vocab import Channel, Status

try:  # keyset pages (this version); the previous one read every matching id
    from xinfang_desk.ledger.search import case_page
except ImportError:  # pragma: no cover - comparing with an older version
    case_page = None

RUNS = int(os.environ.get("BENCH_RUNS", "5"))  # runs of each measurement (median shown)
PAGE = 50
LEDGERS = ("/tmp/bench-10k.sqlite", "/tmp/bench-100k.sqlite", "/tmp/bench-300k.sqlite")
TODAY = date(2026, 6, 30)  # the demo ledgers' "today" (build_ledgers.sh)
SEARCHES: dict[str, CaseFilter] = {
    "全部": CaseFilter(today=TODAY),
    "食堂": CaseFilter(text="食堂", today=TODAY),
    "食堂 + 已办结": CaseFilter(text="食堂", statuses=[Status.CLOSED], today=TODAY),
    "空调损坏": CaseFilter(text="空调损坏", today=TODAY),
    "王": CaseFilter(text="王", today=TODAY),
    "JWC-2025-01": CaseFilter(text="JWC-2025-01", today=TODAY),
    "已办结": CaseFilter(statuses=[Status.CLOSED], today=TODAY),
    "待受理": CaseFilter(statuses=[Status.REGISTERED], today=TODAY),
    "已超期": CaseFilter(overdue=True, today=TODAY),
    "来访": CaseFilter(channel=Channel.VISIT, today=TODAY),
    "去年": CaseFilter(year=TODAY.year - 1, today=TODAY),
    "不存在的词": CaseFilter(text="不存在的词", today=TODAY),
}


def seconds(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def bytes_per_case(path: str) -> float:
    """The pages the ledger's tables and indexes use (free pages not counted), per case."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        used = conn.execute("SELECT sum(pgsize) FROM dbstat").fetchone()[0]
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    return used / max(cases, 1)


def measure(path: str) -> None:
    ledger = Ledger.open(path)
    session = ledger.new_session()
    bare = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    floor_sql = (
        "SELECT c.id, c.case_no, c.received_at, c.summary, c.status, p.name FROM cases c "
        "JOIN petitioners p ON p.id = c.petitioner_id ORDER BY c.received_at DESC, c.id DESC LIMIT ?"
    )

    def floor() -> None:
        bare.execute(floor_sql, (PAGE,)).fetchall()

    def first_page(f: CaseFilter) -> None:
        # the previous view read every matching id, then a page of 200 rows
        ids = case_page(session, f, limit=PAGE)[0] if case_page is not None else case_ids(session, f)[:200]
        case_rows(session, ids, today=TODAY)

    total = count_cases(session, CaseFilter(today=TODAY))
    print(f"{path}: {total:,} cases, {bytes_per_case(path):,.0f} bytes a case (goal ≤ 2,500)")
    print(f"  {'search':<16}{'hits':>9}{'page ms':>10}{'count ms':>10}{'floor ms':>10}{'page/floor':>12}")
    for name, f in SEARCHES.items():
        first_page(f), floor(), count_cases(session, f)  # warm-up
        page, counted, floors = [], [], []
        for _ in range(RUNS):
            page.append(seconds(lambda f=f: first_page(f)))
            floors.append(seconds(floor))
            counted.append(seconds(lambda f=f: count_cases(session, f)))
        a, c, b = (statistics.median(x) * 1000 for x in (page, counted, floors))
        flags = ("" if a < 50 else "  page ≥ 50 ms") + ("" if a + c < 300 else "  page+count ≥ 300 ms")
        hits = count_cases(session, f)
        print(f"  {name:<16}{hits:>9,}{a:>10.1f}{c:>10.1f}{b:>10.2f}{a / b:>12.1f}{flags}")
    bare.close()
    session.close()
    ledger.close()


def main(argv: list[str]) -> None:
    print("load (os.getloadavg):", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for path in argv or LEDGERS:
        if Path(path).exists():
            measure(path)
        else:
            print(f"{path}: missing (bench/build_ledgers.sh makes it)")
    print("load (os.getloadavg):", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main(sys.argv[1:])
