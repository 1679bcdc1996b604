"""How fast the 台账 view opens and answers on a big ledger (run by hand, prints times).

Make a ledger first, e.g. ``.venv/bin/xinfang-desk demo --db /tmp/big.sqlite --cases 100000``, then
``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_ledger_view.py --db /tmp/big.sqlite``.

It measures, on the real ``LedgerPage`` with its database worker: opening the page until the first
page of rows is drawn, searches (time of the query itself, and from the last keystroke including
the 300 ms typing pause), a sort, filters, scrolling one page further, and the dashboard figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QModelIndex, QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from xinfang_desk.ledger.dashboard import compute_dashboard  # noqa: E402
from xinfang_desk.ledger.db import Ledger  # noqa: E402
from xinfang_desk.ui.app import make_app  # noqa: E402
from xinfang_desk.ui.garbage import settle_before_exit  # noqa: E402
from xinfang_desk.ui.ledger_model import COLUMNS, PAGE  # noqa: E402
from xinfang_desk.ui.ledger_view import LedgerPage  # noqa: E402
from xinfang_desk.ui.ops import OpRunner  # noqa: E402

SEARCHES = ("宿舍", "空调损坏", "王", "JWC-2025-01", "食堂 价格")


def wait_for(app: QApplication, done: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("no answer from the worker")
        app.processEvents()
        time.sleep(0.0005)


class Answers:
    """Counts the model's finished queries (one slot connected for the whole run)."""

    def __init__(self, page: LedgerPage) -> None:
        self.count = 0
        page.model.query_finished.connect(self.arrived)

    def arrived(self, _total: int) -> None:
        self.count += 1


def timed_query(app: QApplication, page: LedgerPage, answers: Answers, action: Callable[[], None]) -> float:
    """Seconds from ``action`` until the ids arrived and the first rows are painted."""
    before = answers.count
    start = time.perf_counter()
    action()
    wait_for(app, lambda: answers.count > before)
    page.table.viewport().repaint()
    return time.perf_counter() - start


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def pad(label: str, width: int = 46) -> str:
    """``label`` padded to ``width`` terminal columns (Chinese characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)
    return label + " " * max(1, width - used)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="ledger file to measure")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median shown)")
    args = parser.parse_args(argv)

    app = make_app()
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "bench.ini"), QSettings.Format.IniFormat)

    start = time.perf_counter()
    ledger = Ledger.open(args.db, check=False)  # as the app opens it (its check runs on the worker)
    opened = time.perf_counter() - start
    runner = OpRunner(ledger)

    start = time.perf_counter()
    page = LedgerPage(runner, settings)
    page.resize(1300, 800)
    page.show()
    wait_for(app, lambda: page.model.total > 0 and not page.model.busy)
    page.table.viewport().repaint()
    first_open = time.perf_counter() - start
    total = page.model.total
    answers = Answers(page)

    print(f"ledger: {args.db} — {total:,} cases; {args.repeat} runs each, median")
    print(f"{pad('open ledger file (migrations check)')}{ms(opened)}")
    print(f"{pad('open 台账 page until first rows are drawn')}{ms(first_open)}")
    print(
        f"{pad('  rows held after opening')}{page.model.rowCount():8d}   ({page.model.rowCount() / total:.2%} of all)"
    )

    def median(action: Callable[[], None]) -> float:
        return statistics.median(timed_query(app, page, answers, action) for _ in range(args.repeat))

    print(f"{pad('reload all cases (new id query)')}{ms(median(page.clear_filter))}")
    for text in SEARCHES:

        def search(text: str = text) -> None:
            page.search_box.setText(text)
            page.run_query()

        query = median(search)
        hits = page.model.total

        def typed(text: str = text) -> None:
            page.search_box.setText("")
            page.search_box.setText(text)  # as typing does: the timer runs the query after the pause

        from_key = median(typed)
        label = f"search “{text}” ({hits:,} hits)"
        print(f"{pad(label)}{ms(query)}   from last keystroke {ms(from_key)}")
    page.clear_filter()
    wait_for(app, lambda: not page.model.busy)

    case_no = next(i for i, c in enumerate(COLUMNS) if c.key == "case_no")
    header = page.table.horizontalHeader()
    sort_times = []
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder) * args.repeat:
        sort_times.append(
            timed_query(app, page, answers, lambda order=order: header.setSortIndicator(case_no, order))
        )
    print(f"{pad('sort by 案件编号 (header click)')}{ms(statistics.median(sort_times))}")

    for label, combo, data in (
        ("filter 已超期", page.deadline_combo, "overdue"),
        ("filter 状态 = 已办结", page.status_combo, "closed"),
        ("filter 形式 = 来访", page.channel_combo, "visit"),
    ):
        page.clear_filter()
        wait_for(app, lambda: not page.model.busy)

        def choose(combo=combo, data=data) -> None:
            combo.setCurrentIndex(combo.findData(data))
            page.run_query()

        took = median(choose)
        print(f"{pad(f'{label} ({page.model.total:,})')}{ms(took)}")

    page.clear_filter()
    wait_for(app, lambda: not page.model.busy)
    pages = []
    for _ in range(10):
        start = time.perf_counter()
        page.model.fetchMore(QModelIndex())
        pages.append(time.perf_counter() - start)
    print(f"{pad(f'scroll: fetch one more page of {PAGE} rows')}{ms(statistics.median(pages))}")

    dash = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        with ledger.session() as session:
            compute_dashboard(session)
        dash.append(time.perf_counter() - start)
    print(f"{pad('dashboard figures (worker side)')}{ms(statistics.median(dash))}")

    page.close()
    runner.wait()
    ledger.close()
    page.deleteLater()
    settle_before_exit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
