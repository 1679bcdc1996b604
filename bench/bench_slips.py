"""交办单 per second when 1,000 of them are printed into one PDF.

Usage: python bench/bench_slips.py [/tmp/bench100k.sqlite]

Takes the 1,000 most recently assigned cases of the demo ledger (``bench_export.py`` or
``xinfang-desk demo`` makes it) and times ``export_documents`` — resolving the cases, gathering
their facts and numbers, laying out and writing the PDF — three times; prints the median.
Goal (issue "Excel 台账 and PDF documents"): ≥ 200 交办单 per second.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from xinfang_desk.export.documents.slips import export_documents
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case

BATCH = 1000
GOAL_PER_SECOND = 200


def main() -> None:
    db = sys.argv[1] if len(sys.argv) > 1 else "/tmp/bench100k.sqlite"
    ledger = Ledger.open(db)
    with ledger.session() as s:
        ids = list(
            s.scalars(
                select(Case.id)
                .where(Case.assigned_at.is_not(None))
                .order_by(Case.assigned_at.desc())
                .limit(BATCH)
            )
        )
    if len(ids) < BATCH:
        raise SystemExit(f"{db} has only {len(ids)} assigned cases; make a larger demo ledger first")
    rates = []
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "batch.pdf"
        for _ in range(3):
            with ledger.session() as s:
                began = time.perf_counter()
                result = export_documents(s, ids, target, "bench")
                seconds = time.perf_counter() - began
            rates.append(BATCH / seconds)
            print(
                f"  {BATCH} 交办单 in {seconds:.2f} s ({BATCH / seconds:.0f}/s), {result.rendered.pages} pages, "
                f"{target.stat().st_size / 1e6:.1f} MB, compact {len(result.rendered.compact)}, "
                f"continued {len(result.rendered.continued)}"
            )
    rate = statistics.median(rates)
    print(
        f"median: {rate:.0f} 交办单/s (goal ≥ {GOAL_PER_SECOND}/s, ratio to goal {rate / GOAL_PER_SECOND:.2f})"
    )


if __name__ == "__main__":
    main()
