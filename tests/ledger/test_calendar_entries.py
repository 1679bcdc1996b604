"""The office's entries: the notice's lines read strictly, the banner about next year, the audit log."""

from __future__ import annotations

from datetime import date, datetime

import chinese_calendar
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


NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
国办发明电〔2024〕12号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2025年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作。
"""

NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
"""


@pytest.mark.parametrize(("year", "notice"), [(2025, NOTICE_2025), (2026, NOTICE_2026)])
def test_the_published_notice_pasted_as_is_gives_the_official_days(year: int, notice: str) -> None:
    lines = parse_notice(notice)
    rest = {day for line in lines if not line.is_workday for day in line.days()}
    work = {day for line in lines if line.is_workday for day in line.days()}
    assert rest == {day for day in chinese_calendar.constants.holidays if day.year == year}
    assert work == {day for day in chinese_calendar.constants.workdays if day.year == year}
    assert next(line for line in lines if line.first == date(year, 1, 1)).note == "元旦"


def test_a_pasted_notice_with_an_unreadable_item_names_its_line() -> None:
    broken = NOTICE_2026.replace("三、清明节：4月4日（周六）至6日（周一）放假", "三、清明节：另行通知")
    with pytest.raises(ValidationError, match="第4行"):
        parse_notice(broken)
    with pytest.raises(ValidationError, match="找不到年份"):
        parse_notice(NOTICE_2026.split("\n", 1)[1])
