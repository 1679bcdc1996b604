"""The office's entries: the notice's lines read strictly, the banner about next year, the audit log."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.calendar_entries import (
    import_notice,
    next_year_warning,
    parse_notice,
    remove_day,
    set_year_entered,
)
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.models import AuditEntry, CalendarDay

NOW = datetime(2026, 11, 30, 9, 0)


def test_the_notice_lines_in_the_ways_clerks_type_them() -> None:
    lines = parse_notice(
        "# 2027年\n2027-02-05~2027-02-11 休 春节\n2027年2月14日 班\n2027.2.20 班 调休\n2027/10/1 至 2027/10/7 休\n"
    )
    assert [(x.line_no, x.first, x.last, x.is_workday) for x in lines] == [
        (2, date(2027, 2, 5), date(2027, 2, 11), False),
        (3, date(2027, 2, 14), date(2027, 2, 14), True),
        (4, date(2027, 2, 20), date(2027, 2, 20), True),
        (5, date(2027, 10, 1), date(2027, 10, 7), False),
    ]
    assert lines[0].note == "春节" and len(lines[3].days()) == 7


@given(st.text(max_size=40))
def test_any_text_is_read_or_refused_in_chinese(text: str) -> None:
    try:
        lines = parse_notice(text)
    except ValidationError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert lines and all(x.first <= x.last for x in lines)


def test_the_banner_from_november_until_next_year_is_entered(ledger: Ledger) -> None:
    calendar = WorkCalendar()
    assert next_year_warning(calendar, date(2026, 10, 31)) == ""
    warning = next_year_warning(calendar, date(2026, 11, 1))
    assert "2027年的节假日安排尚未收录" in warning and "设置 → 节假日" in warning
    assert next_year_warning(calendar, date(2025, 11, 30)) == ""  # 2026 is in the library
    with ledger.session() as s:
        import_notice(s, "张三", "2027-02-05~2027-02-11 休", clock=lambda: NOW)
        assert next_year_warning(WorkCalendar.load(s), date(2026, 11, 30)) == ""
        # the office says its entries are not the whole year after all: estimated again
        set_year_entered(s, "张三", 2027, False, clock=lambda: NOW)
        assert "2027年" in next_year_warning(WorkCalendar.load(s), date(2026, 11, 30))


def test_every_change_is_audited_and_a_missing_entry_cannot_be_removed(ledger: Ledger) -> None:
    with ledger.session() as s:
        import_notice(s, "张三", "2027-02-14 班 调休上班", clock=lambda: NOW)
        row = s.get(CalendarDay, date(2027, 2, 14))
        assert (row.is_workday, row.note, row.entered_by, row.entered_at) == (True, "调休上班", "张三", NOW)
        remove_day(s, "李四", date(2027, 2, 14), clock=lambda: NOW)
        with pytest.raises(ValidationError, match="没有本单位录入的记录"):
            remove_day(s, "李四", date(2027, 2, 14), clock=lambda: NOW)
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.actor, e.action) for e in entries] == [
            ("张三", "calendar_import"),
            ("李四", "calendar_remove"),
        ]
        assert entries[0].detail["years"] == [2027]
        with pytest.raises(ValidationError, match="操作人"):
            import_notice(s, " ", "2027-02-14 班")
