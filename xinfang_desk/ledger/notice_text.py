"""Reading the State Council's notice as published (国务院办公厅关于XXXX年部分节假日安排的通知).

A clerk may paste the notice itself instead of typing lines: its title gives the year, and each
numbered item (``二、春节：2月15日（…）至23日（…）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。``)
gives a range of rest days and the working days.  Other paragraphs are skipped; a numbered item
that cannot be read is refused with its line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from xinfang_desk.ledger.errors import ValidationError

_YEAR = re.compile(r"(\d{4})\s*年\s*(?:部分)?节假日安排")
_ITEM = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*([^：:]{1,12})[：:](.*)$")
_DAY = r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(?:（[^）]*）|\([^)]*\))?"
_REST = re.compile(
    rf"{_DAY}(?:\s*(?:至|—|-|~)\s*(?:(\d{{4}})年)?(?:(\d{{1,2}})月)?(\d{{1,2}})日(?:（[^）]*）|\([^)]*\))?)?\s*放假"
)
_ANY_DAY = re.compile(_DAY)


@dataclass(frozen=True)
class NoticeItem:
    """One numbered item of the notice: the holiday, its rest days (first, last) and working days."""

    line_no: int
    name: str
    first: date
    last: date
    workdays: tuple[date, ...]


def looks_like_notice(text: str) -> bool:
    """True when the text is the published notice (numbered items), not typed lines."""
    return any(_ITEM.match(line) for line in text.splitlines())


def _date(year: int, month: str, day: str, line_no: int) -> date:
    try:
        return date(year, int(month), int(day))
    except ValueError:
        raise ValidationError(f"第{line_no}行：“{month}月{day}日”不是有效日期。") from None


def read_notice(text: str) -> list[NoticeItem]:
    """The items of a pasted notice; a numbered item that cannot be read raises with its line number."""
    found = _YEAR.search(text)
    if found is None:
        raise ValidationError(
            "通知原文中找不到年份：请连同标题“国务院办公厅关于××××年部分节假日安排的通知”一起粘贴。"
        )
    year = int(found.group(1))
    items = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        match = _ITEM.match(line)
        if match is None:
            continue
        name, body = match.group(1).strip(), match.group(2)
        rest = _REST.search(body)
        if rest is None:
            raise ValidationError(f"第{line_no}行“{line.strip()[:30]}”中找不到放假日期。")
        start_year = int(rest.group(1) or year)
        first = _date(start_year, rest.group(2), rest.group(3), line_no)
        if rest.group(6):
            end_month = rest.group(5) or rest.group(2)
            end_year = int(rest.group(4) or (first.year + 1 if int(end_month) < first.month else first.year))
            last = _date(end_year, end_month, rest.group(6), line_no)
        else:
            last = first
        if not rest.group(1) and name == "元旦" and first.month == 12:
            first = first.replace(year=year - 1)  # 元旦 rest starting in late December of the year before
        workdays = []
        for sentence in body[rest.end() :].split("。"):
            if "上班" in sentence:
                for day in _ANY_DAY.finditer(sentence):
                    work_year = int(
                        day.group(1) or (year - 1 if name == "元旦" and day.group(2) == "12" else year)
                    )
                    workdays.append(_date(work_year, day.group(2), day.group(3), line_no))
        items.append(NoticeItem(line_no, name, first, last, tuple(workdays)))
    if not items:
        raise ValidationError("通知原文中没有找到“一、元旦：……”这样的放假安排。")
    return items
