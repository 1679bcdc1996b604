"""Dates and times typed in one field: every form a clerk types, and a clear reason for the rest."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinfang_desk.ledger.moments import MomentError, format_moment, parse_moment

NOW = datetime(2026, 11, 30, 15, 3)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda m: m.replace(second=0, microsecond=0)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20261130 1430", datetime(2026, 11, 30, 14, 30)),
        ("202611301430", datetime(2026, 11, 30, 14, 30)),
        ("2026-11-30", datetime(2026, 11, 30, 0, 0)),
        ("2026-11-30 14:30", datetime(2026, 11, 30, 14, 30)),
        ("2026/11/3 9:05", datetime(2026, 11, 3, 9, 5)),
        ("2026.11.30", datetime(2026, 11, 30)),
        ("2026年11月30日 14时30分", datetime(2026, 11, 30, 14, 30)),
        ("2026年11月30日14时30分", datetime(2026, 11, 30, 14, 30)),
        ("２０２６－１１－３０　１４：３０", datetime(2026, 11, 30, 14, 30)),
        ("11-28", datetime(2026, 11, 28)),
        ("今天", datetime(2026, 11, 30)),
        ("昨天 9:30", datetime(2026, 11, 29, 9, 30)),
        ("昨天9点", datetime(2026, 11, 29, 9, 0)),
        ("前天", datetime(2026, 11, 28)),
        ("9:30", datetime(2026, 11, 30, 9, 30)),
        ("  2026-11-30   8:00 ", datetime(2026, 11, 30, 8, 0)),
    ],
)
def test_the_forms_a_clerk_types(text: str, expected: datetime) -> None:
    assert parse_moment(text, NOW) == expected


def test_a_date_alone_takes_the_default_time() -> None:
    assert parse_moment("昨天", NOW, default_time=time(15, 3)) == datetime(2026, 11, 29, 15, 3)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "请填写日期"),
        ("明年", "无法识别"),
        ("2026-02-30", "不是有效日期"),
        ("20261301", "不是有效日期"),
        ("2026-11-30 25:00", "不是有效时间"),
        ("2026-11-30 9:75", "不是有效时间"),
        ("昨天 下午", "无法识别时间"),
    ],
)
def test_what_cannot_be_read_says_why(text: str, reason: str) -> None:
    with pytest.raises(MomentError, match=reason):
        parse_moment(text, NOW)


@given(moments)
def test_the_canonical_text_reads_back(moment: datetime) -> None:
    assert parse_moment(format_moment(moment), NOW) == moment
    assert parse_moment(format_moment(moment, with_time=False), NOW) == moment.replace(hour=0, minute=0)


@given(moments)
def test_the_compact_form_reads_back(moment: datetime) -> None:
    assert parse_moment(moment.strftime("%Y%m%d %H%M"), NOW) == moment


@given(st.text(max_size=30))
def test_any_text_is_read_or_refused_with_a_reason(text: str) -> None:
    try:
        moment = parse_moment(text, NOW)
    except MomentError as exc:
        assert str(exc)
    else:
        assert isinstance(moment, datetime) and moment.second == 0
