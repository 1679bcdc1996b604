"""A period's figures count exactly the cases received in it, and last year's count all of theirs."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import Clock, draft
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.figures import compute_figures, same_range_last_year
from xinfang_desk.ledger.workflow import Workflow

#: When each case of the spread ledger was received: every 23 days and 7 hours from mid-2023 to 2026.
RECEIVED = [datetime(2023, 6, 1, 8) + timedelta(days=23 * i, hours=7 * i) for i in range(50)]


@pytest.fixture
def spread_ledger(ledger: Ledger) -> Ledger:
    with ledger.session() as s:
        wf = Workflow(s, "主任", clock=Clock(datetime(2026, 12, 1, 9)))
        for when in RECEIVED:
            wf.register(draft(received_at=when))
            s.flush()
    return ledger


def _received_in(start: date, end: date) -> Counter[str]:
    return Counter(f"{w:%Y-%m}" for w in RECEIVED if start <= w.date() <= end)


def test_a_range_longer_than_a_year_counts_the_overlap_in_both_years(spread_ledger: Ledger) -> None:
    start, end = date(2024, 3, 1), date(2025, 6, 30)  # last year's range is 2023-03-01 … 2024-06-30
    with spread_ledger.session() as s:
        figures = compute_figures(s, start, end)
    overlap = [w for w in RECEIVED if start <= w.date() <= date(2024, 6, 30)]
    assert overlap  # cases of March–June 2024 belong to this range and to last year's
    assert figures.received == sum(_received_in(start, end).values())
    assert figures.previous is not None
    assert figures.previous.received == sum(_received_in(*same_range_last_year(start, end)).values())
    assert set(figures.previous.by_month) >= {f"{w:%Y-%m}" for w in overlap}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(date(2023, 1, 1), date(2026, 12, 31)),
    days=st.integers(0, 800),
    unit=st.sampled_from([None, "JWC", "HQ"]),
)
def test_each_month_and_the_total_count_the_cases_received_then(
    spread_ledger: Ledger, start: date, days: int, unit: str | None
) -> None:
    end = start + timedelta(days=days)
    with spread_ledger.session() as s:
        figures = compute_figures(s, start, end, unit_code=unit)
    assert figures.previous is not None
    for shown, (first, last) in (
        (figures, (start, end)),
        (figures.previous, same_range_last_year(start, end)),
    ):
        expected = _received_in(first, last) if unit in (None, "JWC") else Counter()  # every case is JWC's
        assert shown.by_month == dict(sorted(expected.items()))
        assert shown.received == sum(expected.values()) == sum(shown.by_channel.values())
        assert shown.by_unit == ({"JWC": shown.received} if shown.received else {})
