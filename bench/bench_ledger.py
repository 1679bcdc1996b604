"""Ledger core benchmarks on a large demo ledger: figures, search first page (FTS vs LIKE), id list.

Usage: python bench/bench_ledger.py [/tmp/bench100k.sqlite]
Goals (issue "Ledger core"): figures for a year < 1 s; a two-character search with filters returns its
first page < 50 ms.  Prints medians of several runs and the ratios.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, or_, select

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.figures import compute_figures, year_range
from xinfang_desk.ledger.models import Case, Petitioner
from xinfang_desk.ledger.search import CaseFilter, case_ids, case_rows, count_cases
from xinfang_desk.ledger.vocab import Status


def median_ms(fn: Callable[[], object], runs: int = 7) -> float:
    fn()  # warm-up (page cache, statement cache)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/bench100k.sqlite"
    ledger = Ledger.open(path)
    session = ledger.new_session()
    total = session.scalar(select(func.count(Case.id)))
    year = date.today().year - 1
    print(f"ledger: {path}, {total} cases")

    ms = median_ms(lambda: compute_figures(session, *year_range(year)))
    print(f"figures for {year}: {ms:.1f} ms (goal 1000 ms, ratio to goal {ms / 1000:.2f})")

    for word in ("宿舍", "食堂", "网"):
        f = CaseFilter(text=word, statuses=[Status.CLOSED], year=year)

        def fts_first_page(f: CaseFilter = f) -> None:
            case_rows(session, case_ids(session, f, limit=50))

        def like_first_page(word: str = word) -> None:
            pattern = f"%{word}%"
            person = select(Petitioner.id).where(Petitioner.name.like(pattern))
            query = (
                select(Case.id)
                .where(
                    or_(
                        Case.summary.like(pattern), Case.content.like(pattern), Case.petitioner_id.in_(person)
                    ),
                    Case.status == Status.CLOSED.value,
                    Case.year == year,
                )
                .order_by(Case.received_at.desc(), Case.id.desc())
                .limit(50)
            )
            case_rows(session, list(session.scalars(query)))

        fts = median_ms(fts_first_page)
        like = median_ms(like_first_page)
        hits = count_cases(session, f)
        print(
            f"search '{word}' + status + year, first page of 50 ({hits} hits): index {fts:.1f} ms, "
            f"LIKE scan {like:.1f} ms, ratio index/LIKE {fts / like:.2f}, ratio to 50 ms goal {fts / 50:.2f}"
        )

    rare = CaseFilter(text="屋顶漏水", year=year)
    fts = median_ms(lambda: case_ids(session, rare, limit=50))
    print(f"search '屋顶漏水' (trigram MATCH) first page: {fts:.1f} ms")

    ms = median_ms(lambda: case_ids(session, CaseFilter()), runs=3)
    print(f"all {total} ids in received order (ledger view open): {ms:.1f} ms")
    session.close()
    ledger.close()


if __name__ == "__main__":
    main()
