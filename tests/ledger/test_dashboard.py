"""The 工作台 figures agree with an independent count of the ledger, and each tile lists its own cases."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select

from tests.helpers import draft
from xinfang_desk.ledger.dashboard import compute_dashboard
from xinfang_desk.ledger.demo import build_demo
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.search import case_ids, count_cases
from xinfang_desk.ledger.settings import store
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow

TODAY = date(2025, 6, 18)
OPEN = ("registered", "accepted", "assigned", "in_progress", "replied", "evaluated")


@pytest.fixture
def demo_ledger(ledger):
    build_demo(ledger, cases=400, seed=7, today=TODAY)
    # Two walk-ins this afternoon, so that 今日登记 is not trivially zero.
    with ledger.session() as s:
        wf = Workflow(s, "接待员", clock=lambda: datetime.combine(TODAY, time(16, 0)))
        for name in ("张喆", "李玥"):
            wf.register(
                draft(
                    subcategory="",
                    summary="反映宿舍热水供应不稳定",
                    petitioner=PetitionerInput(name=name),
                    received_at=datetime.combine(TODAY, time(9, 30)),
                )
            )
    return ledger


def _count(session, *conditions) -> int:
    return int(session.scalar(select(func.count(Case.id)).where(*conditions)))


def test_tile_counts_match_an_independent_count(demo_ledger):
    with demo_ledger.session() as s:
        board = compute_dashboard(s, TODAY)
        day_start = datetime.combine(TODAY, time.min)
        year_start, next_year = datetime(TODAY.year, 1, 1), datetime(TODAY.year + 1, 1, 1)
        open_ = Case.status.in_(OPEN)
        expected = {
            "today": _count(
                s, Case.received_at >= day_start, Case.received_at < day_start + timedelta(days=1)
            ),
            "registered": _count(s, Case.status == "registered"),
            "due_soon": _count(s, open_, Case.due_on >= TODAY, Case.due_on <= TODAY + timedelta(days=3)),
            "overdue": _count(s, open_, Case.due_on < TODAY),
            "awaiting_follow_up": _count(s, Case.status == "replied"),
            "accepted_this_year": _count(
                s,
                Case.accepted_at.is_not(None),
                Case.received_at >= year_start,
                Case.received_at < next_year,
            ),
        }
        evaluated = _count(
            s,
            Case.satisfaction != "none",
            Case.received_at >= year_start,
            Case.received_at < next_year,
        )
        satisfied = _count(
            s,
            Case.satisfaction.in_(["satisfied", "basic"]),
            Case.received_at >= year_start,
            Case.received_at < next_year,
        )
    assert expected["today"] >= 2
    assert expected["overdue"] > 0, "the demo ledger should have overdue cases to show"
    for key, count in expected.items():
        assert board.tile(key).count == count, key
    satisfaction = board.tile("satisfaction")
    assert satisfaction.count == evaluated
    share = (Decimal(satisfied * 100) / Decimal(evaluated)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert satisfaction.value == f"{share}%"


def test_this_years_acceptances_are_compared_with_last_year_up_to_the_same_day(demo_ledger):
    with demo_ledger.session() as s:
        board = compute_dashboard(s, TODAY)
        accepted = Case.accepted_at.is_not(None)
        last_year = datetime(TODAY.year - 1, 1, 1)
        same_day_last_year = datetime.combine(TODAY.replace(year=TODAY.year - 1), time.min) + timedelta(
            days=1
        )
        to_the_same_day = _count(
            s, accepted, Case.received_at >= last_year, Case.received_at < same_day_last_year
        )
        whole_year = _count(
            s, accepted, Case.received_at >= last_year, Case.received_at < datetime(TODAY.year, 1, 1)
        )
    assert 0 < to_the_same_day < whole_year, "the demo should have cases on both sides of the day"
    this_year = board.tile("accepted_this_year").count
    change = (Decimal((this_year - to_the_same_day) * 100) / Decimal(to_the_same_day)).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )
    assert board.tile("accepted_this_year").hint == f"同比 {change:+}%"


def test_each_tile_filter_lists_exactly_the_counted_cases(demo_ledger):
    with demo_ledger.session() as s:
        board = compute_dashboard(s, TODAY)
        for tile in board.tiles:
            if tile.key == "satisfaction":
                continue  # a percentage; its filter lists the year's followed-up and closed cases
            assert count_cases(s, tile.case_filter) == tile.count, tile.key
            assert len(case_ids(s, tile.case_filter)) == tile.count, tile.key


def test_overdue_tile_is_red_only_when_something_is_overdue(ledger):
    with ledger.session() as s:
        board = compute_dashboard(s, TODAY)
    assert board.tile("overdue").count == 0
    assert board.tile("overdue").tone == ""
    assert board.tile("satisfaction").value == "—"


def test_due_soon_tile_follows_the_setting(demo_ledger):
    with demo_ledger.session() as s:
        store(s, "due_soon_days", 10)
    with demo_ledger.session() as s:
        board = compute_dashboard(s, TODAY)
        wide = _count(
            s, Case.status.in_(OPEN), Case.due_on >= TODAY, Case.due_on <= TODAY + timedelta(days=10)
        )
    tile = board.tile("due_soon")
    assert tile.title == "10日内到期"
    assert tile.count == wide
    assert tile.case_filter.due_soon_days == 10


def test_the_offices_unit_lines_add_up_to_its_tiles_and_each_opens_its_cases(office):
    from xinfang_desk.export.exchange.office_demo import build_office_demo
    from xinfang_desk.ledger.dashboard import UNIT_TILE_COLUMNS, unit_tiles

    today = date(2026, 11, 30)
    units = [("JWC", "教务处"), ("HQ", "后勤集团"), ("TSG", "图书馆")]
    build_office_demo(office, units, cases=60, seed=4, today=today)
    with office.session() as s:
        lines = unit_tiles(s, today)
        board = compute_dashboard(s, today)
        assert [(line.unit_code, line.unit_name) for line in lines] == sorted(units)
        for key, _heading in UNIT_TILE_COLUMNS:
            assert sum(line.counts[key] for line in lines) == board.tile(key).count
            for line in lines:
                assert count_cases(s, line.filters[key]) == line.counts[key]
        assert any(line.counts["overdue"] for line in lines) or any(line.counts["due_soon"] for line in lines)
