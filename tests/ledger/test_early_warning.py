"""苗头预警: the stated rule flags a real rise (2 → 9 in a month) and lets ordinary noise pass."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import LAB, Clock, Registrar, register_rising_lab_hours
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.early_warning import (
    MIN_COUNT,
    RULE,
    early_warnings,
    is_sharp_rise,
    p_value_text,
    poisson_tail,
    previous_period,
    summary_terms,
)
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.operations.figures import period_warnings
from xinfang_desk.ledger.search import count_cases
from xinfang_desk.ledger.workflow import Workflow


def _direct_tail(count: int, mean: float) -> float:
    return 1 - sum(math.exp(-mean) * mean**k / math.factorial(k) for k in range(count))


def test_poisson_tail_matches_the_textbook_values() -> None:
    assert poisson_tail(9, 2.0) == pytest.approx(0.000237, abs=1e-6)
    assert poisson_tail(0, 3.0) == 1.0
    assert poisson_tail(1, 1.0) == pytest.approx(1 - math.exp(-1))
    assert 0 < poisson_tail(100, 2.0) < 1e-100  # far tail: no cancellation to zero


@given(st.integers(0, 40), st.floats(0.5, 30))
def test_poisson_tail_agrees_with_the_direct_sum(count: int, mean: float) -> None:
    assert poisson_tail(count, mean) == pytest.approx(_direct_tail(count, mean), abs=1e-9)


def test_the_rule_needs_both_a_minimum_count_and_an_improbable_rise() -> None:
    assert is_sharp_rise(9, 2, 2)[0]
    assert not is_sharp_rise(6, 4, 4)[0]  # noise
    assert not is_sharp_rise(MIN_COUNT - 1, 0, 0)[0]  # improbable but too few
    assert is_sharp_rise(MIN_COUNT, 0, 0)[0]  # a new problem with enough cases
    assert "泊松" in RULE and str(MIN_COUNT) in RULE


def test_previous_period_is_the_period_of_the_same_length_before() -> None:
    assert previous_period(date(2025, 10, 1), date(2025, 10, 31)) == (date(2025, 9, 1), date(2025, 9, 30))
    assert previous_period(date(2025, 1, 1), date(2025, 3, 31)) == (date(2024, 10, 1), date(2024, 12, 31))
    assert previous_period(date(2025, 1, 1), date(2025, 12, 31)) == (date(2024, 1, 1), date(2024, 12, 31))
    assert previous_period(date(2025, 3, 11), date(2025, 3, 20)) == (date(2025, 3, 1), date(2025, 3, 10))


def test_summary_terms_are_two_character_chinese_terms_without_common_words() -> None:
    assert summary_terms("实验室，开放 3 号楼") == {"实验", "验室", "开放", "号楼"}
    assert summary_terms("反映问题") == {"映问"}


@pytest.fixture
def rising(ledger: Ledger) -> Ledger:
    """The lab's opening hours: 2 cases last October, 2 in September, 9 this October; the canteen: 4, 4, 6."""
    register_rising_lab_hours(ledger)
    return ledger


def test_a_sharp_rise_is_flagged_with_its_cases_and_noise_is_not(rising: Ledger) -> None:
    with rising.session() as s:
        warnings = early_warnings(s, date(2025, 10, 1), date(2025, 10, 31))
        by_kind = {(w.kind, w.term): w for w in warnings}
        lab = by_kind[("子类别", "实验室与自习室")]
        assert (lab.count, lab.previous, lab.last_year, lab.baseline) == (9, 2, 2, 2.0)
        assert lab.p < 0.01
        phrases = {w.term: w for w in warnings if w.kind == "关键词"}
        assert set(phrases) == {"实验室开放时间不足", "晚上无法做实验"}  # grown into whole phrases
        assert phrases["实验室开放时间不足"].count == 9
        assert all("食堂" not in w.term for w in warnings)  # 4, 4 → 6 is noise
        assert ("子类别", "食堂价格与卫生") not in by_kind
        for warning in warnings:
            assert count_cases(s, warning.case_filter) == warning.count


def test_nothing_is_flagged_in_a_quiet_month(rising: Ledger) -> None:
    with rising.session() as s:
        assert early_warnings(s, date(2025, 9, 1), date(2025, 9, 30)) == []


def test_a_ledgers_first_period_has_no_baseline_and_is_not_judged(ledger: Ledger) -> None:
    with ledger.session() as s:
        reg = Registrar(s, Workflow(s, "接待员", clock=Clock(datetime(2025, 12, 1, 9))))
        for i in range(8):
            reg(f"lab{i}", datetime(2025, 10, 9, 9 + i), summary="实验室开放时间不足", **LAB)
        assert early_warnings(s, date(2025, 10, 1), date(2025, 10, 31)) == []
        reg("lab-next", datetime(2025, 11, 3, 9), summary="实验室开放时间不足", **LAB)
        # November has October as its baseline: 1 case against 8 is no rise either
        assert early_warnings(s, date(2025, 11, 1), date(2025, 11, 30)) == []


def test_a_phrase_does_not_start_with_a_piece_of_a_number(ledger: Ledger) -> None:
    """ "2024级…" and "2025级…" share "级国家助学金…": the warning names "国家助学金评定结果有异议"."""
    with ledger.session() as s:
        reg = Registrar(s, Workflow(s, "接待员", clock=Clock(datetime(2025, 11, 1, 9))))
        for month, count in (
            (datetime(2024, 10, 9), 1),
            (datetime(2025, 9, 9), 1),
            (datetime(2025, 10, 9), 8),
        ):
            for i in range(count):
                grade = 2022 + i % 4
                reg(
                    f"{month:%Y%m}{i}",
                    month.replace(hour=9 + i),
                    summary=f"对{grade}级国家助学金评定结果有异议",
                )
        phrases = [
            w.term for w in early_warnings(s, date(2025, 10, 1), date(2025, 10, 31)) if w.kind == "关键词"
        ]
    assert phrases == ["国家助学金评定结果有异议"]


def test_the_probability_is_written_as_a_decimal() -> None:
    assert p_value_text(0.00107) == "0.0011"
    assert p_value_text(0.0045) == "0.0045"
    assert p_value_text(2.4e-7) == "< 0.0001"


def test_a_running_month_is_judged_on_its_days_so_far(rising: Ledger) -> None:
    """On 15 October the month so far (1–15) is set against 16–30 September and 1–15 October last year:
    September's two cases (the 9th) fall outside that baseline."""
    with rising.operation(Actor("主任"), clock=Clock(datetime(2025, 10, 15, 17)), write=False) as ctx:
        running = {w.term: w for w in period_warnings(ctx, date(2025, 10, 1), date(2025, 10, 31))}
    with rising.operation(Actor("主任"), clock=Clock(datetime(2025, 11, 15, 9)), write=False) as ctx:
        ended = {w.term: w for w in period_warnings(ctx, date(2025, 10, 1), date(2025, 10, 31))}
    lab_so_far, lab_month = running["实验室与自习室"], ended["实验室与自习室"]
    assert (lab_so_far.count, lab_so_far.previous, lab_so_far.last_year) == (9, 0, 2)
    assert (lab_month.count, lab_month.previous, lab_month.last_year) == (9, 2, 2)
