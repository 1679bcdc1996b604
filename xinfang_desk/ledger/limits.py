"""Bounds on everything a user or a file can type in: dates, years, counts, search terms and free text.

Each bound is declared once here and checked where the value enters the ledger (the workflow, the
search, the command line, the import), so an out-of-range value gets one Chinese sentence and never
reaches date arithmetic, SQL or memory.  Every free-text field of a case has a stated length below
Excel's 32,767 characters a cell, so an export never cuts a text (``check_length``).
"""

from __future__ import annotations

from datetime import date

from xinfang_desk.ledger.errors import ValidationError

#: Dates the ledger accepts (receipts, deadlines, periods): far enough either way, never near overflow.
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
MIN_YEAR, MAX_YEAR = MIN_DATE.year, MAX_DATE.year

#: Excel's own limit on the characters of one cell.
EXCEL_CELL_CHARS = 32_767
#: Characters in one free-text field: what an Excel cell holds, so every field survives an export.
MAX_FIELD_CHARS = EXCEL_CELL_CHARS
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


#: field → (Chinese label, most characters).
TEXT_LIMITS: dict[str, tuple[str, int]] = {
    "summary": ("内容摘要", 500),
    "content": ("信访内容", 20_000),
    "petitioner_name": ("信访人", 100),
    "affiliation": ("所在单位", 200),
    "category": ("问题类别", 100),
    "subcategory": ("问题子类", 100),
    "department": ("承办单位", 100),
    "owner_leader": ("包案领导", 100),
    "remarks": ("备注", 5_000),
    "assign_opinion": ("交办意见", 10_000),
    "reply_text": ("答复内容", 20_000),
    "decline_reason": ("不予受理理由", 10_000),
    "forwarded_to": ("转送机关", 200),
    "superior_ref": ("上级交办文号", 100),
    "registered_by": ("登记人", 100),
    "note": ("说明", 5_000),
}
assert all(limit < EXCEL_CELL_CHARS for _label, limit in TEXT_LIMITS.values())


def limit_of(field: str) -> int:
    """Most characters ``field`` may hold."""
    return TEXT_LIMITS[field][1]


def length_problem(field: str, text: str) -> str | None:
    """The Chinese reason ``text`` is too long for ``field``, or None."""
    label, limit = TEXT_LIMITS[field]
    if len(text) <= limit:
        return None
    return f"{label}不能超过 {limit:,} 字（现为 {len(text):,} 字）"


def check_length(field: str, text: str) -> str:
    """``text`` when it fits ``field``; otherwise ``ValidationError`` with the reason."""
    problem = length_problem(field, text)
    if problem:
        raise ValidationError(problem + "。")
    return text
