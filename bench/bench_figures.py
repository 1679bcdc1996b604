"""统计分析 and 工作台 on an office ledger: what the worker runs for them, against bare SQL run in the same process.

Usage: python bench/bench_figures.py /tmp/bench-office-10k.sqlite /tmp/bench-office-100k.sqlite …
Build the office ledgers once (5 units, their exports merged; ``--cases`` is per unit):

    xinfang-desk demo --db /tmp/bench-office-300k.sqlite --cases 60000 --seed 1 --today 2026-11-30 \
        --office-units JWC:教务处,HQ:后勤集团,TSG:图书馆,TM:土木工程学院,XSC:学生处

Goal (issue "统计分析"): the page and the dashboard redraw in under 1 s on a 300,000-case office ledger.

The ledgers must be at the schema of this source tree (``ix_cases_figures``): opening an older one upgrades it in
place, so copy the shared ledgers first.

For each ledger it prints the median of several runs (each in its own reading operation, as the app's
worker does) of:
- dashboard: ``queries.dashboard_data`` (the tiles in one scan, every overdue or due-soon case with its
  row, the holiday banner, and the office's line per unit);
- figures: ``operations.figures.period_figures`` for the year, a quarter, a month and one unit's year
  (each period one grouped walk of ``ix_cases_figures``, then its months counted);
- 苗头预警 and 单位考核 of the year (each read when its tab is opened);
- the page's first redraw: what the worker does before the first table is shown (the figures of the
  year), and the whole of it in an offscreen ``FiguresPage`` (from the page being shown until its table
  and charts are drawn, this year's figures) and again after choosing last year;
- for comparison, the three read one after the other, as the page did before its tabs were read lazily;
against floors measured in the same run: a plain SQLAlchemy ``select unit_code, status, count(*) … group by``
over the cases (one full scan, the least any per-unit count needs), the figures' SQL (both periods' grouped
SELECTs and their month counts) executed bare through sqlite3, and the earlier one-scan SQL (both periods
grouped together by month as well) bare.  Then the ratios (of wall time, and of this process's CPU time, which a
busy machine stretches far less), the ratio to the 1 s goal and ``os.getloadavg()``.  The "CPU share" line is a
pure-Python loop's wall time over its CPU time: how much longer than its CPU time anything takes here because
other processes hold the cores (1.0 on an idle machine).
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, func, select

from xinfang_desk.ledger import ledger_info
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo_ledger import DEMO_ACTOR
from xinfang_desk.ledger.operations import figures as figure_ops
from xinfang_desk.ledger.operations import queries

TODAY = date(2026, 11, 30)
GOAL_MS = 1000.0

#: The figures' SQL of one period (run for this period and for last year's): one grouped walk of
#: ix_cases_figures (the bounds marked likely, as the figures mark them, so that the date index is not used).
BARE_PERIOD = """
SELECT unit_code, category_id, channel, outcome, department_id, satisfaction,
       count(id), sum(accepted_at IS NOT NULL), sum(status = 'closed'),
       sum(status = 'closed' AND closed_on_time = 1), sum(status = 'closed' AND is_repeat = 0),
       sum(status = 'closed' AND is_repeat = 0 AND reopen_count = 0
           AND NOT EXISTS (SELECT 1 FROM cases l WHERE l.repeat_of_id = cases.id)),
       sum(is_repeat = 1), sum(bypassed_level = 1), sum(people_count >= 5), sum(status = 'forwarded'),
       sum(assigned_at IS NOT NULL), sum(supervise_count > 0)
FROM cases
WHERE likely(received_at >= :s) AND likely(received_at < :e)
GROUP BY unit_code, category_id, channel, outcome, department_id, satisfaction
"""
#: Its months: one count per month over ix_cases_received_at.
BARE_MONTHS = "SELECT " + ", ".join(
    f"(SELECT count(*) FROM cases WHERE received_at >= :m{m} AND received_at < :m{m + 1})" for m in range(12)
)

#: The earlier figures' SQL: both periods in one scan grouped by period, unit, month and the rest (sorted).
BARE_ONE_SCAN = """
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

#: The bare-library floor: the cases table as plain SQLAlchemy Core knows it (no ORM, no models).
_bare = MetaData()
BARE_CASES = Table(
    "cases", _bare, Column("id", Integer), Column("unit_code", String), Column("status", String)
)
BARE_GROUP_COUNT = select(BARE_CASES.c.unit_code, BARE_CASES.c.status, func.count()).group_by(
    BARE_CASES.c.unit_code, BARE_CASES.c.status
)


def cpu_share() -> float:
    """A pure-Python loop's wall time over its CPU time (1.0 when this process has a core to itself)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    total = 0
    for i in range(3_000_000):
        total += i
    return (time.perf_counter() - start) / (time.process_time() - start_cpu)


#: The CPU time of this process for the last ``median_ms`` (its median): on a machine other work keeps
#: busy the wall time stretches, the CPU time much less.
last_cpu_ms = 0.0


def median_ms(fn: Callable[[], object], runs: int) -> float:
    """The median wall time of ``runs`` calls (after one to warm the caches); the CPU median goes to
    ``last_cpu_ms``."""
    global last_cpu_ms
    fn()
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    last_cpu_ms = statistics.median(cpu)
    return statistics.median(times)


def line(name: str, ms: float, floor: tuple[float, float], floor_name: str) -> None:
    """One timing: wall and CPU, each as a ratio to the floor's, and the wall time to the goal."""
    print(
        f"  {name:<26}{ms:8.1f} ms (CPU {last_cpu_ms:7.1f})  ×{ms / floor[0]:5.2f} (CPU ×{last_cpu_ms / floor[1]:5.2f})"
        f" {floor_name:<13} goal ratio {ms / GOAL_MS:5.2f}"
    )


def month_bounds(year: int, as_stored: Callable[[str], object]) -> dict[str, object]:
    return {f"m{m}": as_stored(f"{year + m // 12}-{m % 12 + 1:02d}-01") for m in range(13)}


def stored_form(bare: sqlite3.Connection) -> Callable[[str], object]:
    """A day's midnight as the ledger file keeps a case's received time: text before schema 0014, whole
    microseconds since 1970 from it on (``compact_forms.CompactTime``), so that the bare SQL compares alike."""
    kind = bare.execute("SELECT typeof(received_at) FROM cases LIMIT 1").fetchone()
    if kind is None or kind[0] != "integer":
        return lambda day: day
    return lambda day: int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()) * 1_000_000


def page_redraw(ledger: Ledger, runs: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Medians (wall, CPU ms) of an offscreen 统计分析 page's first redraw (shown, until its table and charts are
    drawn: this year) and of its redraw after choosing last year; each run a new page on a new worker."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from xinfang_desk.ui.figures_page import FiguresPage
    from xinfang_desk.ui.ops import OpRunner

    QApplication.instance() or QApplication([])
    runner = OpRunner(ledger, DEMO_ACTOR)

    def until_redrawn(page: FiguresPage, act: Callable[[], None]) -> tuple[float, float]:
        loop = QEventLoop()
        page.refreshed.connect(loop.quit)
        QTimer.singleShot(60_000, loop.quit)
        start, start_cpu = time.perf_counter(), time.process_time()
        act()
        loop.exec()
        taken = ((time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000)
        page.refreshed.disconnect(loop.quit)
        runner.wait()
        return taken

    first, again = [], []
    try:
        for _ in range(runs + 1):  # the first run warms the caches
            page = FiguresPage(runner)
            page.resize(1200, 800)
            runner.wait()  # the office's unit list, read once the page is built
            first.append(until_redrawn(page, page.show))
            again.append(until_redrawn(page, lambda page=page: page.set_period("year", TODAY.year - 1)))
            page.close()
            page.deleteLater()
    finally:
        runner.wait()

    def medians(times: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(t[0] for t in times[1:]), statistics.median(t[1] for t in times[1:])

    return medians(first), medians(again)


def bench(path: str, runs: int) -> None:
    ledger = Ledger.open(path)
    bare_engine = create_engine(f"sqlite:///{path}")
    bare = sqlite3.connect(path)
    try:
        with ledger.reading() as session:
            if not ledger_info.office_ledger(session):
                print(f"\n{path}: 不是汇总模式台账（请用 demo --office-units 生成），跳过")
                return
        total, units = bare.execute("SELECT count(*), count(DISTINCT unit_code) FROM cases").fetchone()
        year = TODAY.year - 1
        print(f"\n{path}: {total:,} cases in {units} units, year {year}, today {TODAY}")

        def op(fn: Callable, *args: object) -> Callable[[], object]:
            def run() -> object:
                with ledger.operation(DEMO_ACTOR, write=False) as ctx:
                    return fn(ctx, *args)

            return run

        def bare_group_count() -> object:
            with bare_engine.connect() as connection:
                return connection.execute(BARE_GROUP_COUNT).all()

        as_stored = stored_form(bare)
        bounds = {
            "s": as_stored(f"{year}-01-01"),
            "e": as_stored(f"{year + 1}-01-01"),
            "ls": as_stored(f"{year - 1}-01-01"),
            "le": as_stored(f"{year}-01-01"),
        }
        one_scan = BARE_ONE_SCAN
        if isinstance(bounds["s"], int):
            one_scan = one_scan.replace("', received_at)", "', received_at / 1000000, 'unixepoch')")
        print(f"  {'CPU share (wall / CPU)':<26}{cpu_share():8.2f}")
        floor_ms = (median_ms(bare_group_count, runs), last_cpu_ms)
        print(f"  {'floor: SQLAlchemy group-by':<26}{floor_ms[0]:8.1f} ms (CPU {floor_ms[1]:7.1f})")

        def bare_figures() -> None:
            for first, after, months in (("s", "e", year), ("ls", "le", year - 1)):
                bare.execute(BARE_PERIOD, {"s": bounds[first], "e": bounds[after]}).fetchall()
                bare.execute(BARE_MONTHS, month_bounds(months, as_stored)).fetchall()

        bare_figures_ms = (median_ms(bare_figures, runs), last_cpu_ms)
        print(
            f"  {'floor: figures SQL bare':<26}{bare_figures_ms[0]:8.1f} ms (CPU {bare_figures_ms[1]:7.1f})"
        )
        one_scan_ms = median_ms(lambda: bare.execute(one_scan, bounds).fetchall(), runs)
        print(f"  {'earlier one-scan SQL bare':<26}{one_scan_ms:8.1f} ms (CPU {last_cpu_ms:7.1f})")

        with ledger.operation(DEMO_ACTOR, write=False) as ctx:
            board = queries.dashboard_data(ctx, TODAY)
        print(f"  (dashboard: {len(board.urgent):,} urgent cases listed, {len(board.units)} unit lines)")
        line("dashboard_data", median_ms(op(queries.dashboard_data, TODAY), runs), floor_ms, "group-by")

        periods = {
            "figures: year": (date(year, 1, 1), date(year, 12, 31), None),
            "figures: quarter": (date(year, 4, 1), date(year, 6, 30), None),
            "figures: month": (date(year, 11, 1), date(year, 11, 30), None),
            "figures: one unit's year": (date(year, 1, 1), date(year, 12, 31), "HQ"),
        }
        for name, (start, end, unit) in periods.items():
            ms = median_ms(op(figure_ops.period_figures, start, end, unit), runs)
            line(name, ms, bare_figures_ms, "bare figures")

        start, end = date(year, 1, 1), date(year, 12, 31)
        warnings_ms = median_ms(op(figure_ops.period_warnings, start, end, None), runs)
        line("苗头预警 (year)", warnings_ms, floor_ms, "group-by")
        units_ms = median_ms(op(figure_ops.units_assessment, start, end, TODAY), runs)
        line("单位考核 (year)", units_ms, floor_ms, "group-by")

        def all_three() -> None:
            op(figure_ops.period_figures, start, end, None)()
            op(figure_ops.period_warnings, start, end, None)()
            op(figure_ops.units_assessment, start, end, TODAY)()

        line("all three, one after other", median_ms(all_three, runs), bare_figures_ms, "bare figures")
        worker_ms = median_ms(op(figure_ops.period_figures, start, end, None), runs)
        line("first redraw: worker", worker_ms, bare_figures_ms, "bare figures")
        (first_ms, first_cpu), (again_ms, again_cpu) = page_redraw(ledger, runs)
        for name, (ms, cpu) in (
            ("first redraw: page", (first_ms, first_cpu)),
            ("page, last year chosen", (again_ms, again_cpu)),
        ):
            print(
                f"  {name:<26}{ms:8.1f} ms (CPU {cpu:7.1f})  ×{ms / bare_figures_ms[0]:5.2f} (CPU ×{cpu / bare_figures_ms[1]:5.2f})"
                f" {'bare figures':<13} goal ratio {ms / GOAL_MS:5.2f} (CPU {cpu / GOAL_MS:5.2f})"
            )
    finally:
        bare.close()
        bare_engine.dispose()
        ledger.close()


def main() -> None:
    args = sys.argv[1:]
    runs = 5
    if args and args[0].startswith("--runs="):
        runs = int(args.pop(0).split("=", 1)[1])
    for path in args or ["/tmp/bench-office-300k.sqlite"]:
        bench(path, runs)
    print("\nos.getloadavg():", tuple(round(x, 2) for x in os.getloadavg()))


if __name__ == "__main__":
    main()
