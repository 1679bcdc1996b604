"""统计分析 and 工作台 at the office's scale: their queries against the same SQL run bare.

Usage: python bench/bench_figures.py /tmp/figbench10k.sqlite /tmp/figbench100k.sqlite /tmp/figbench300k.sqlite
Goal (issue "统计分析"): the page and the dashboard redraw in under 1 s on a 300,000-case office ledger.

For each ledger it prints the median of several runs of:
- figures: ``compute_figures`` for the last full year (this period and last year's in one grouped scan),
  against the same grouped SELECT executed bare through sqlite3 (the floor: what SQLite itself needs);
- page: everything the 统计分析 page asks of the worker for a year (figures, 苗头预警, unit table);
- dashboard: ``load_dashboard`` (tile counts in one scan, the year's figures, the urgent list), against
  the bare tile-count SELECT;
and the ratios.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select

from xinfang_desk.ledger.assessment import unit_assessment
from xinfang_desk.ledger.dashboard import compute_dashboard
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.early_warning import early_warnings
from xinfang_desk.ledger.figures import compute_figures, year_range
from xinfang_desk.ledger.models import Case

TODAY = date(2026, 11, 30)
GOAL_MS = 1000.0

BARE_FIGURES = """
SELECT CASE WHEN received_at >= :s AND received_at < :e THEN 0 ELSE 1 END, unit_code,
       CAST(strftime('%Y', received_at) AS INTEGER), CAST(strftime('%m', received_at) AS INTEGER),
       category_id, channel, outcome, department_id, satisfaction,
       count(id), sum(accepted_at IS NOT NULL), sum(status = 'closed'),
       sum(status = 'closed' AND closed_on_time = 1), sum(status = 'closed' AND is_repeat = 0),
       sum(status = 'closed' AND is_repeat = 0 AND reopen_count = 0
           AND NOT EXISTS (SELECT 1 FROM cases l WHERE l.repeat_of_id = cases.id)),
       sum(is_repeat = 1), sum(bypassed_level = 1), sum(people_count >= 5), sum(status = 'forwarded'),
       sum(assigned_at IS NOT NULL), sum(supervise_count > 0)
FROM cases
WHERE (received_at >= :s AND received_at < :e) OR (received_at >= :ls AND received_at < :le)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
"""
BARE_TILES = """
SELECT sum(received_at >= :t AND received_at < :t1), sum(status = 'registered'),
       sum(status IN ('registered','accepted','assigned','in_progress','replied','evaluated')
           AND due_on >= :t AND due_on <= :soon),
       sum(status IN ('registered','accepted','assigned','in_progress','replied','evaluated') AND due_on < :t),
       sum(status = 'replied'),
       sum(received_at >= :y AND received_at < :y1 AND status IN
           ('accepted','assigned','in_progress','replied','evaluated','closed')),
       sum(received_at >= :y AND received_at < :y1 AND satisfaction IN ('satisfied','basic','unsatisfied'))
FROM cases
"""


def median_ms(fn: Callable[[], object], runs: int = 5) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench(path: str) -> None:
    ledger = Ledger.open(path)
    session = ledger.new_session()
    total = session.scalar(select(func.count(Case.id)))
    year = TODAY.year - 1
    start, end = year_range(year)
    print(f"\n{path}: {total:,} cases, year {year}")

    bare = sqlite3.connect(path)
    bounds = {
        "s": f"{year}-01-01",
        "e": f"{year + 1}-01-01",
        "ls": f"{year - 1}-01-01",
        "le": f"{year}-01-01",
    }
    tiles = {
        "t": TODAY.isoformat(),
        "t1": "2026-12-01",
        "soon": "2026-12-03",
        "y": f"{TODAY.year}-01-01",
        "y1": f"{TODAY.year + 1}-01-01",
    }

    figures_ms = median_ms(lambda: compute_figures(session, start, end))
    bare_ms = median_ms(lambda: bare.execute(BARE_FIGURES, bounds).fetchall())
    print(
        f"  figures      {figures_ms:8.1f} ms   bare SQL {bare_ms:8.1f} ms   ratio {figures_ms / bare_ms:5.2f}"
    )

    def page() -> None:
        compute_figures(session, start, end)
        early_warnings(session, start, end)
        unit_assessment(session, start, end, TODAY)

    page_ms = median_ms(page, runs=3)
    print(
        f"  page (all)   {page_ms:8.1f} ms   ratio to bare figures {page_ms / bare_ms:5.2f}"
        f"   ratio to 1 s goal {page_ms / GOAL_MS:5.2f}"
    )
    table_ms = median_ms(
        lambda: (compute_figures(session, start, end), unit_assessment(session, start, end, TODAY))
    )
    print(
        f"  page table + charts + units (what redraws first) {table_ms:8.1f} ms   ratio to goal {table_ms / GOAL_MS:5.2f}"
    )

    dash_ms = median_ms(lambda: compute_dashboard(session, TODAY))
    bare_tiles_ms = median_ms(lambda: bare.execute(BARE_TILES, tiles).fetchall())
    print(
        f"  dashboard    {dash_ms:8.1f} ms   bare tiles {bare_tiles_ms:6.1f} ms + bare figures {bare_ms:6.1f} ms"
        f"   ratio {dash_ms / (bare_tiles_ms + bare_ms):5.2f}   ratio to goal {dash_ms / GOAL_MS:5.2f}"
    )
    session.close()
    ledger.close()
    bare.close()


def main() -> None:
    for path in sys.argv[1:] or ["/tmp/figbench300k.sqlite"]:
        bench(path)


if __name__ == "__main__":
    main()
