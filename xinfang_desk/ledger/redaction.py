"""Personal data typed into free text: find ID numbers and mainland phone numbers wherever they stand, and
take a 检举控告类 reporter's name, phone and ID out of a text.

A masked export passes every free-text cell through ``mask_in_text``; a 交办单 or 督办单 about a
检举控告类 case passes its texts through ``redact_reporter`` and says what it withheld.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xinfang_desk.ledger.identity import check_digit, mask_id_number, mask_phone

#: 18 characters of an ID number (17 digits, a digit or X), not inside a longer run of digits.
_ID = re.compile(r"(?<!\d)(\d{17}[\dXx])(?!\d)")
#: A mobile number, also written 138-1234-5678 or 138 1234 5678, optionally after +86.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
#: A landline with its area code: 0551-63828000, 010 6275 1234, (0551)63828000.
_LANDLINE = re.compile(r"(?<!\d)[(（]?(0\d{2,3})[)）]?[\s-]?([2-9]\d{2,3})[\s-]?(\d{4})(?!\d)")

#: A digit: a text without one has no ID or phone number for the patterns above (one search, not a loop).
_DIGIT = re.compile(r"\d")

ID_WITHHELD = "（证件号已隐去）"
PHONE_WITHHELD = "（电话已隐去）"
NAME_WITHHELD = "（信访人）"


def is_id_number(text: str) -> bool:
    """18 characters with a valid check digit (the test the issue names: a typo is not someone's ID)."""
    value = text.upper()
    return len(value) == 18 and value[:17].isdigit() and check_digit(value[:17]) == value[17]


def mask_in_text(text: str) -> str:
    """``text`` with every ID number and phone number in it masked as the ID and phone columns are."""
    if not text or _DIGIT.search(text) is None:
        return text
    text = _ID.sub(
        lambda m: mask_id_number(m.group(1).upper()) if is_id_number(m.group(1)) else m.group(0), text
    )
    text = _MOBILE.sub(lambda m: mask_phone("".join(m.groups())), text)
    return _LANDLINE.sub(lambda m: mask_phone(f"{m.group(1)}-{m.group(2)}{m.group(3)}"), text)


@dataclass
class Withheld:
    """What ``redact_reporter`` took out of the texts of one document, counted per kind."""

    counts: Counter[str] = field(default_factory=Counter)

    def text(self) -> str:
        """E.g. "信访人姓名 2 处、电话 1 处" ("" when nothing was withheld from the text)."""
        return "、".join(f"{what} {n} 处" for what, n in self.counts.items() if n)


def _digits_pattern(digits: str) -> re.Pattern[str]:
    """The digits of a stored number as they might be typed: with spaces, hyphens or dots between them."""
    return re.compile(r"(?<!\d)" + r"[\s.-]?".join(re.escape(d) for d in digits) + r"(?!\d)", re.IGNORECASE)


_NOT_ID_CHARACTER = re.compile(r"[^\dXx]")


def mask_stored_numbers(text: str, *, id_number: str | None, phone: str | None) -> str:
    """``text`` with a person's own stored ID and phone numbers, however typed, masked as their columns
    are — also a number ``mask_in_text`` cannot recognise (a wrong check digit, an odd length)."""
    if not text or _DIGIT.search(text) is None:
        return text
    typed = _NOT_ID_CHARACTER.sub("", text).upper()
    for stored, mask in ((id_number, mask_id_number), (phone, mask_phone)):
        digits = _NOT_ID_CHARACTER.sub("", stored or "").upper()
        if len(digits) >= 7 and digits in typed:
            text = _digits_pattern(digits).sub(mask(stored), text)
    return text


def mask_personal_numbers(text: str, *, id_number: str | None, phone: str | None) -> str:
    """``mask_in_text`` and then ``mask_stored_numbers`` of a text, after one digit search for both
    (most notes and names have no digit, so nothing more is looked at)."""
    if not text or _DIGIT.search(text) is None:
        return text
    return mask_stored_numbers(mask_in_text(text), id_number=id_number, phone=phone)


def redact_reporter(text: str, withheld: Withheld, *, name: str, phone: str, id_number: str) -> str:
    """``text`` with the reporter's name, phone and ID number, and any other ID or phone, replaced."""
    if not text:
        return text

    def replace(pattern: re.Pattern[str], what: str, by: str, value: str) -> str:
        found = pattern.subn(by, value)
        withheld.counts[what] += found[1]
        return found[0]

    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 7:
        text = replace(_digits_pattern(digits), "电话", PHONE_WITHHELD, text)
    if id_number and len(id_number) >= 15:
        text = replace(_digits_pattern(id_number), "证件号", ID_WITHHELD, text)
    text = replace(_ID, "证件号", ID_WITHHELD, text)
    text = replace(_MOBILE, "电话", PHONE_WITHHELD, text)
    text = replace(_LANDLINE, "电话", PHONE_WITHHELD, text)
    name = (name or "").strip()
    if len(name) >= 2:
        text = replace(re.compile(re.escape(name)), "信访人姓名", NAME_WITHHELD, text)
    return text


def mask_names_in(figures: Mapping[str, Any]) -> dict[str, Any]:
    """Figures whose item names (departments, categories …: typed by people) pass ``mask_in_text``."""
    return {
        key: {mask_in_text(str(k)): v for k, v in value.items()} if isinstance(value, Mapping) else value
        for key, value in figures.items()
    }
