"""Dates and times typed in one field, the way a clerk types them.

``20261130 1430``, ``2026-11-30 14:30``, ``2026/11/30``, ``2026年11月30日 14时30分``, ``11-30`` (this
year), ``今天``, ``昨天 9:30``, ``前天``, ``9:30`` (today) — all read by ``parse_moment``; a date
without a time takes ``default_time``.  What cannot be read raises ``MomentError`` with a Chinese
reason.  ``format_moment`` writes the one canonical form the field shows after it is left.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from xinfang_desk.ledger.errors import ValidationError

DATE_FORMAT = "%Y-%m-%d"
MOMENT_FORMAT = "%Y-%m-%d %H:%M"
HINT = "可输入如 20261130 1430、2026-11-30 14:30、今天、昨天 9:30"
RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2}

_FULL_WIDTH = str.maketrans("０１２３４５６７８９：／－．　", "0123456789:/-. ")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SEPARATED_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_SHORT_DATE = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_CLOCK = re.compile(r"(\d{1,2})\s*[:时点]\s*(\d{1,2})?\s*分?")
_COMPACT_CLOCK = re.compile(r"(\d{2})(\d{2})")


class MomentError(ValidationError):
    """A date or time that cannot be read, with the reason in Chinese."""


def format_moment(moment: datetime, *, with_time: bool = True) -> str:
    """The canonical text of a moment (``2026-11-30 14:30``, or ``2026-11-30`` without the time)."""
    return moment.strftime(MOMENT_FORMAT if with_time else DATE_FORMAT)


def parse_moment(text: str, now: datetime, *, default_time: time = time(0, 0)) -> datetime:
    """The moment ``text`` names (seconds dropped), read relative to ``now``; raises ``MomentError``."""
    cleaned = " ".join(text.translate(_FULL_WIDTH).split())
    if not cleaned:
        raise MomentError("请填写日期。")
    day_part, time_part = _split(cleaned)
    day = _day(day_part, now.date(), text) if day_part else now.date()
    clock = _clock(time_part, text) if time_part else None
    if clock is None and not day_part:
        raise MomentError(f"无法识别“{text.strip()}”。{HINT}")
    return datetime.combine(day, clock or default_time)


def _split(text: str) -> tuple[str, str]:
    """The date part and the time part of ``text`` (either may be empty)."""
    for word in RELATIVE_DAYS:
        if text.startswith(word):
            return word, text[len(word) :].strip()
    if " " in text:
        day, _, clock = text.partition(" ")
        return day, clock.strip()
    if _CLOCK.fullmatch(text):
        return "", text
    compact = re.fullmatch(r"(\d{8})(\d{4})", text)  # 202611301430
    if compact:
        return compact.group(1), compact.group(2)
    # 2026年11月30日14时30分 / 2026-11-30T14:30: the date ends where the time begins.
    split = re.fullmatch(r"(.*?[日T])\s*(\d{1,2}\s*[:时点].*)", text)
    if split:
        return split.group(1).rstrip("T"), split.group(2)
    return text, ""


def _day(text: str, today: date, original: str) -> date:
    if text in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[text])
    for pattern, with_year in ((_COMPACT_DATE, True), (_SEPARATED_DATE, True), (_SHORT_DATE, False)):
        match = pattern.fullmatch(text)
        if match:
            numbers = [int(part) for part in match.groups()]
            year, month, day = numbers if with_year else (today.year, *numbers)
            try:
                return date(year, month, day)
            except ValueError:
                raise MomentError(f"“{original.strip()}”不是有效日期。") from None
    raise MomentError(f"无法识别日期“{text}”。{HINT}")


def _clock(text: str, original: str) -> time:
    match = _CLOCK.fullmatch(text) or _COMPACT_CLOCK.fullmatch(text)
    if not match:
        raise MomentError(f"无法识别时间“{text}”。{HINT}")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise MomentError(f"“{original.strip()}”不是有效时间。")
    return time(hour, minute)
