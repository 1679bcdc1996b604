"""The office's figures on a hand-built ledger whose answers were worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import Clock, draft
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.figures import compute_figures, pct, year_range, yoy_pct
from xinfang_desk.ledger.vocab import Channel, Outcome, Satisfaction
from xinfang_desk.ledger.workflow import Workflow


def test_rounding_is_half_away_from_zero_at_one_decimal() -> None:
    assert pct(1, 16) == 6.3  # 6.25 (banker's rounding would give 6.2)
    assert pct(-1, 16) == -6.3
    assert pct(1, 80) == 1.3  # 1.25
    assert pct(3, 8) == 37.5
    assert pct(2, 3) == 66.7
    assert pct(1, 3) == 33.3
    assert pct(327 - 402, 402) == -18.7  # −18.656…
    assert pct(0, 5) == 0.0


def test_empty_denominator_is_null_not_zero() -> None:
    assert pct(0, 0) is None
    assert yoy_pct(5, 0) is None


@given(st.integers(-10_000, 10_000), st.integers(1, 10_000))
def test_pct_is_within_a_twentieth_of_the_exact_value(num: int, den: int) -> None:
    exact = num * 100 / den
    assert abs(pct(num, den) - exact) <= 0.05 + 1e-9


@pytest.fixture
def hand_ledger(ledger: Ledger) -> Ledger:
    """Three cases last year, nine received in 2025 (A–H, J), one in 2026 (I)."""
    clock = Clock(datetime(2026, 1, 15, 12, 0))
    with ledger.session() as s:
        wf = Workflow(s, "主任", clock=clock)

        def reg(when: datetime, **kw):
            case = wf.register(draft(received_at=when, **kw))
            s.flush()
            return case

        l1 = reg(datetime(2024, 3, 1, 9))
        wf.accept(l1, at=datetime(2024, 3, 2, 9))
        wf.reply(l1, Outcome.SOLVED, "已修", at=datetime(2024, 3, 8, 9))
        wf.close(l1, at=datetime(2024, 3, 10, 9))
        l2 = reg(datetime(2024, 4, 1, 9), repeat_of=l1.case_no)
        wf.accept(l2, at=datetime(2024, 4, 2, 9))
        l3 = reg(datetime(2024, 12, 31, 23, 0))
        wf.accept(l3, at=datetime(2025, 1, 2, 9))

        a = reg(datetime(2025, 1, 10, 9))
        wf.accept(a, at=datetime(2025, 1, 11, 9))
        wf.assign(a, "后勤集团", "请维修", at=datetime(2025, 1, 11, 10))
        wf.reply(a, Outcome.SOLVED, "已修好", at=datetime(2025, 1, 15, 9))
        wf.evaluate(a, Satisfaction.SATISFIED, at=datetime(2025, 1, 16, 9))
        wf.close(a, at=datetime(2025, 1, 16, 10))

        b = reg(datetime(2025, 2, 10, 9), category="教学管理类", subcategory="课程设置")
        wf.accept(b, at=datetime(2025, 2, 11, 9))
        wf.assign(b, "教务处", "请研究", at=datetime(2025, 2, 11, 10))
        wf.reply(b, Outcome.EXPLAINED, "已解释", at=datetime(2025, 3, 1, 9))
        wf.evaluate(b, Satisfaction.BASIC, at=datetime(2025, 3, 2, 9))
        wf.close(b, at=datetime(2025, 3, 2, 10))
        wf.reopen(b, "申请复查", at=datetime(2025, 3, 10, 9))
        wf.reply(b, Outcome.EXPLAINED, "复查维持", at=datetime(2025, 3, 20, 9))
        wf.close(b, at=datetime(2025, 3, 21, 9))

        c = reg(datetime(2025, 3, 10, 9), repeat_of=l1.case_no)
        wf.accept(c, at=datetime(2025, 3, 11, 9))
        wf.assign(c, "后勤集团", "请处理", at=datetime(2025, 3, 11, 10))
        wf.reply(c, Outcome.HELPED, "已帮扶", at=datetime(2025, 5, 1, 9))
        wf.evaluate(c, Satisfaction.UNSATISFIED, at=datetime(2025, 5, 2, 9))
        wf.close(c, at=datetime(2025, 5, 3, 9))  # due 26 March: late

        d = reg(
            datetime(2025, 4, 10, 9),
            category="权益保障类",
            subcategory="实习权益与安全",
            channel=Channel.LETTER,
        )
        wf.accept(d, at=datetime(2025, 4, 11, 9))
        wf.reply(d, Outcome.SOLVED, "已协调", at=datetime(2025, 4, 20, 9))
        wf.close(d, at=datetime(2025, 4, 21, 9))

        e = reg(
            datetime(2025, 6, 1, 9),
            category="权益保障类",
            subcategory="实习权益与安全",
            repeat_of=d.case_no,
            people_count=6,
            bypassed_level=True,
        )
        wf.accept(e, at=datetime(2025, 6, 2, 9))
        wf.progress(e, "约谈", at=datetime(2025, 6, 3, 9))

        f = reg(datetime(2025, 7, 1, 9), category="其他类", subcategory="")
        wf.decline(f, "已进入诉讼程序", at=datetime(2025, 7, 2, 9))
        g = reg(datetime(2025, 8, 1, 9), category="其他类", subcategory="")
        wf.forward(g, "市教育局", at=datetime(2025, 8, 2, 9))

        h = reg(
            datetime(2025, 9, 1, 9), category="教学管理类", subcategory="考试安排", channel=Channel.MAILBOX
        )
        wf.accept(h, at=datetime(2025, 9, 2, 9))
        wf.supervise(h, "请加快", at=datetime(2025, 9, 5, 9))
        wf.supervise(h, "再次督办", at=datetime(2025, 9, 9, 9))

        reg(datetime(2026, 1, 1, 0, 0))  # I: next year
        reg(datetime(2025, 12, 31, 23, 59))  # J: last minute of the year
    return ledger


def test_figures_of_2025_match_the_hand_count(hand_ledger: Ledger) -> None:
    with hand_ledger.session() as s:
        figures = compute_figures(s, *year_range(2025)).as_json()
    assert figures == {
        "period": {"from": "2025-01-01", "to": "2025-12-31"},
        "received": 9,
        "accepted": 6,
        "accepted_last_year": 3,
        "accepted_yoy_pct": 100.0,
        "closed": 4,
        "on_time_closure_pct": 75.0,
        "first_time_closed": 3,
        "first_time_one_time_closure_pct": 33.3,
        "repeat": 2,
        "repeat_last_year": 1,
        "repeat_yoy_pct": 100.0,
        "bypassed_level": 1,
        "collective": 1,
        "evaluated": 3,
        "satisfaction_pct": 66.7,
        "category_share_pct": {"教学管理类": 33.3, "后勤服务类": 33.3, "权益保障类": 33.3},
        "outcomes": {"解决到位": 2, "解释疏导到位": 1, "帮扶救助到位": 1, "依法处理到位": 0},
        "forwarded": 1,
        "assigned": 3,
        "supervised": 1,
        "by_department": {"后勤集团": 2, "教务处": 1},
        "by_channel": {"来访": 7, "来信": 1, "电话": 0, "短信": 0, "网络": 0, "领导信箱": 1},
        "by_unit": {"教务处": 9},
        "by_month": {
            "2025-01": 1,
            "2025-02": 1,
            "2025-03": 1,
            "2025-04": 1,
            "2025-06": 1,
            "2025-07": 1,
            "2025-08": 1,
            "2025-09": 1,
            "2025-12": 1,
        },
    }


def test_a_period_with_no_cases_has_null_rates(hand_ledger: Ledger) -> None:
    with hand_ledger.session() as s:
        figures = compute_figures(s, *year_range(2023)).as_json()
    assert figures["received"] == 0
    for key in (
        "accepted_yoy_pct",
        "on_time_closure_pct",
        "first_time_one_time_closure_pct",
        "repeat_yoy_pct",
        "satisfaction_pct",
    ):
        assert figures[key] is None, key
    assert figures["category_share_pct"] == {}


def test_a_short_period_compares_with_the_same_dates_last_year(hand_ledger: Ledger) -> None:
    with hand_ledger.session() as s:
        figures = compute_figures(s, date(2025, 3, 1), date(2025, 4, 30)).as_json()
    # received 10 March (C) and 10 April (D); last year 1 March (L1) and 1 April (L2, a repeat)
    assert (figures["received"], figures["accepted"], figures["accepted_last_year"]) == (2, 2, 2)
    assert figures["accepted_yoy_pct"] == 0.0
    assert (figures["repeat"], figures["repeat_last_year"], figures["repeat_yoy_pct"]) == (1, 1, 0.0)


def test_a_running_year_counts_to_today_against_the_same_days_last_year(hand_ledger: Ledger) -> None:
    with hand_ledger.session() as s:
        running = compute_figures(s, *year_range(2025), today=date(2025, 6, 30)).as_json()
        ended = compute_figures(s, *year_range(2025), today=date(2026, 1, 15)).as_json()
    # to 30 June: A–E received and accepted; last year to 30 June only L1 and L2 (L3 came on 31 December)
    assert running["period"] == {"from": "2025-01-01", "to": "2025-06-30"}
    assert (running["received"], running["accepted"], running["accepted_last_year"]) == (5, 5, 2)
    assert running["accepted_yoy_pct"] == 150.0
    # a year that has ended is the whole year, as without a date
    assert ended == compute_figures_whole_2025(hand_ledger)
    assert (ended["accepted"], ended["accepted_last_year"]) == (6, 3)


def compute_figures_whole_2025(ledger: Ledger) -> dict:
    with ledger.session() as s:
        return compute_figures(s, *year_range(2025)).as_json()
