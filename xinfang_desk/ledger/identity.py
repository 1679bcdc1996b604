"""Checks and masks for petitioners' personal data: 居民身份证号 (GB 11643) and phone numbers.

Every check returns a ``Verdict`` (never raises), whatever string it is given, so the registration form
can show the reason beside the field as the clerk types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
#: First two digits of the administrative division code (省级行政区划代码).
_PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?[2-9]\d{6,7}(?:-\d{1,6})?")
_SERVICE = re.compile(r"(?:400|800)-?\d{3}-?\d{4}")


@dataclass(frozen=True)
class Verdict:
    """The result of a check: ``ok``, a Chinese ``message`` when not, and the normalised value."""

    ok: bool
    message: str = ""
    value: str = ""


def check_digit(first17: str) -> str:
    """The 18th character of an ID number whose first 17 digits are given (GB 11643-1999)."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def check_id_number(text: str, *, today: date | None = None) -> Verdict:
    """Check an 18-digit 居民身份证号: characters, region, birth date and check digit."""
    value = (text or "").strip().replace(" ", "").upper()
    if not value:
        return Verdict(False, "请填写身份证号码。")
    if len(value) != 18:
        return Verdict(False, f"身份证号码应为18位，现为{len(value)}位。")
    if not value[:17].isascii() or not value[:17].isdigit():
        return Verdict(False, "身份证号码前17位应全部为数字。")
    if not (value[17].isascii() and (value[17].isdigit() or value[17] == "X")):
        return Verdict(False, "身份证号码最后一位应为数字或X。")
    if value[:2] not in _PROVINCES:
        return Verdict(False, f"身份证号码前两位“{value[:2]}”不是有效的省级行政区划代码。")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return Verdict(False, f"身份证号码中的出生日期“{value[6:14]}”不是有效日期。")
    today = today or date.today()
    if birth > today or birth.year < 1900:
        return Verdict(False, f"身份证号码中的出生日期“{birth:%Y年%m月%d日}”不合理。")
    expected = check_digit(value[:17])
    if value[17] != expected:
        return Verdict(False, "身份证号码校验位不正确，请核对是否输错。")
    return Verdict(True, "", value)


def birth_date_of(id_number: str) -> date | None:
    """The birth date encoded in a valid ID number."""
    verdict = check_id_number(id_number)
    if not verdict.ok:
        return None
    v = verdict.value
    return date(int(v[6:10]), int(v[10:12]), int(v[12:14]))


def check_phone(text: str) -> Verdict:
    """Check a mainland mobile (11 digits, 1[3-9]…), a landline with area code, or a 400/800 number."""
    raw = (text or "").strip()
    if not raw:
        return Verdict(False, "请填写联系电话。")
    value = re.sub(r"[\s()（）]", "", raw)
    if value.startswith("+86"):
        value = value[3:].lstrip("-")
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if not value.isascii():
        return Verdict(False, "联系电话只能包含数字和“-”。")
    if _MOBILE.fullmatch(value):
        return Verdict(True, "", value)
    if _LANDLINE.fullmatch(value) or _SERVICE.fullmatch(value):
        return Verdict(True, "", value)
    digits = re.sub(r"\D", "", value)
    if value.startswith("1"):
        # 150-1234-5679, 150.1234.5679: separators people write are taken out
        if _MOBILE.fullmatch(digits) and re.fullmatch(r"[\d.\-]+", value):
            return Verdict(True, "", digits)
        if len(digits) != 11:
            return Verdict(False, f"手机号码应为11位，现为{len(digits)}位。")
        if digits[1] not in "3456789":
            return Verdict(False, "手机号码第二位应为3至9。")
        return Verdict(False, "手机号码只能包含数字（可用“-”分隔）。")
    if value.startswith("0"):
        return Verdict(False, "固定电话应为“区号-号码”，如 0551-63828000。")
    return Verdict(False, "联系电话格式不正确：手机号应为11位，固定电话须带区号。")


def mask_id_number(value: str | None) -> str:
    """3401**********123X: the first four and the last four characters stay."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 for a mobile; for other numbers all but the area code and the last four are hidden."""
    if not value:
        return ""
    digits_only = value.replace("-", "")
    if _MOBILE.fullmatch(digits_only):
        return digits_only[:3] + "****" + digits_only[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    head = value.split("-")[0] + "-" if "-" in value else value[:3]
    middle = len(value) - len(head) - 4
    return head + "*" * max(middle, 0) + value[-4:]
