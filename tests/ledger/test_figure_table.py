"""The table with 同比, and the drill-down: every figure and every chart element names exactly its cases."""

from __future__ import annotations

from datetime import date

import pytest

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo import build_demo
from xinfang_desk.ledger.figure_table import (
    category_elements,
    channel_elements,
    department_elements,
    figure_filter,
    figure_rows,
    month_elements,
    outcome_elements,
    satisfaction_elements,
    unit_elements,
)
from xinfang_desk.ledger.figures import Figures, compute_figures, yoy_pct
from xinfang_desk.ledger.search import count_cases

TODAY = date(2026, 11, 30)


@pytest.fixture
def demo(ledger: Ledger) -> Ledger:
    build_demo(ledger, cases=500, seed=11, today=TODAY)
    return ledger


#: The count each plain figure's drill-down lists (a rate lists its denominator).
def _drilled_count(figures: Figures, key: str) -> int:
    denominators = {
        "on_time_closure_pct": figures.closed,
        "first_time_one_time_closure_pct": figures.first_time_closed,
        "satisfaction_pct": figures.evaluated,
    }
    return denominators.get(key, figures.as_json().get(key))


@pytest.mark.parametrize(
    "period",
    [
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 3, 10), date(2026, 8, 20)),
    ],
)
def test_each_chart_element_and_each_figure_counts_exactly_the_cases_it_opens(demo: Ledger, period) -> None:
    with demo.session() as s:
        figures = compute_figures(s, *period)
        elements = [
            *category_elements(figures),
            *channel_elements(figures),
            *outcome_elements(figures),
            *satisfaction_elements(figures),
            *unit_elements(figures),
            *[e for _name, on_time, late in department_elements(figures) for e in (on_time, late)],
            *[e for _m, this, last in month_elements(figures) for e in (this, last) if e is not None],
        ]
        assert len(elements) > 25
        assert sum(e.count for e in elements) > figures.received  # the test counts real cases
        for element in elements:
            assert count_cases(s, element.case_filter) == element.count, element.label
        for row in figure_rows(figures):
            assert count_cases(s, figure_filter(figures, row.key)) == _drilled_count(figures, row.key), (
                row.key
            )


def test_a_units_figures_open_only_that_units_cases(demo: Ledger) -> None:
    with demo.session() as s:
        mine = compute_figures(s, date(2025, 1, 1), date(2025, 12, 31), unit_code="JWC")
        other = compute_figures(s, date(2025, 1, 1), date(2025, 12, 31), unit_code="HQ")
        assert mine.received > 0 and other.received == 0
        for element in channel_elements(mine):
            assert element.case_filter.unit_code == "JWC"
            assert count_cases(s, element.case_filter) == element.count


def test_the_table_compares_with_the_same_period_last_year(demo: Ledger) -> None:
    with demo.session() as s:
        figures = compute_figures(s, date(2026, 1, 1), date(2026, 12, 31))
    rows = {row.key: row for row in figure_rows(figures)}
    last = figures.previous
    assert last is not None and last.received > 0
    accepted = rows["accepted"]
    assert (accepted.value, accepted.last) == (figures.accepted, last.accepted)
    assert accepted.change == yoy_pct(figures.accepted, last.accepted) == figures.accepted_yoy_pct
    assert accepted.change_text.startswith("↓") and accepted.is_better  # fewer cases than last year
    satisfaction = rows["satisfaction_pct"]
    assert satisfaction.change == round(figures.satisfaction_pct - last.satisfaction_pct, 1)
    assert satisfaction.change_text.endswith("个百分点")
    assert all(row.definition for row in rows.values())
