"""Bounds on everything a user or a file can type in: dates, years, counts, search terms and free text.

Each bound is declared once here and checked where the value enters the ledger (the workflow, the
search, the command line), so an out-of-range value gets one Chinese sentence and never reaches
date arithmetic, SQL or memory.
"""

from __future__ import annotations

from datetime import date

from xinfang_desk.ledger.errors import ValidationError

#: Dates the ledger accepts (receipts, deadlines, periods): far enough either way, never near overflow.
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
MIN_YEAR, MAX_YEAR = MIN_DATE.year, MAX_DATE.year

#: Characters in one free-text field: what an Excel cell holds, so every field survives an export.
MAX_FIELD_CHARS = 32_767
#: A search: at most this many words and characters (each word is one index lookup).
MAX_SEARCH_WORDS = 20
MAX_SEARCH_CHARS = 200
#: Rows a list may ask for at once, and demo cases made at once.
MAX_LIST_LIMIT = 100_000
MAX_DEMO_CASES = 1_000_000

#: Line breaks and tabs are text; every other control character (NUL, ESC …) is not.
_ALLOWED_CONTROLS = frozenset("\n\r\t")


def check_date(value: date, what: str) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValidationError(
            f"{what}“{value:%Y-%m-%d}”超出可用范围（{MIN_DATE.year}年至{MAX_DATE.year}年），请核对。"
        )
    return value


def check_year(year: int, what: str = "年度") -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"{what}“{year}”超出可用范围（{MIN_YEAR}至{MAX_YEAR}）。")
    return year


def check_count(value: int, what: str, low: int, high: int) -> int:
    if not low <= value <= high:
        shown = f"{high:,}" if high >= 10_000 else str(high)
        raise ValidationError(f"{what}须在 {low} 至 {shown} 之间（收到 {value}）。")
    return value


def check_text(value: str | None, what: str, *, limit: int = MAX_FIELD_CHARS, one_line: bool = False) -> str:
    """``value`` stripped; refused when it holds NUL or control characters, or is longer than ``limit``."""
    text = value or ""
    if len(text) > limit:
        raise ValidationError(f"{what}过长（{len(text):,} 字），最多 {limit:,} 字。")
    allowed = frozenset() if one_line else _ALLOWED_CONTROLS
    if any((ch < " " or "\x7f" <= ch <= "\x9f") and ch not in allowed for ch in text):
        raise ValidationError(f"{what}含有不可见的控制字符（如 NUL），请删除后重试。")
    return text.strip()
