"""The stated length of every free-text field of a case, each fitting one Excel cell, and its check.

Excel holds at most 32,767 characters in a cell; every limit here is below it, so an export never
cuts a text.  The registration form, the workflow and the import all check with ``check_length``.
"""

from __future__ import annotations

from xinfang_desk.ledger.errors import ValidationError

#: Excel's own limit on the characters of one cell.
EXCEL_CELL_CHARS = 32_767

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
