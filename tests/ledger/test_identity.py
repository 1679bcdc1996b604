"""ID numbers (GB 11643) and phone numbers: clear Chinese verdicts, never a crash; masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinfang_desk.ledger.identity import (
    birth_date_of,
    check_digit,
    check_id_number,
    check_phone,
    mask_id_number,
    mask_phone,
)

VALID_IDS = ["11010519491231002X", "340104199003071234"[:17] + check_digit("34010419900307123")]


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_id_numbers(number: str) -> None:
    verdict = check_id_number(number)
    assert verdict.ok, verdict.message
    assert verdict.value == number.upper()


def test_lower_case_x_and_spaces_are_normalised() -> None:
    assert check_id_number(" 11010519491231002x ").value == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("", "请填写"),
        ("1101051949123100", "应为18位，现为16位"),
        ("11010519491231002Y", "最后一位"),
        ("1101051949123A002X", "前17位"),
        ("99010519491231002X", "行政区划代码"),
        ("110105194902300020", "不是有效日期"),  # 30 February
        ("110105219901010020", "不合理"),  # born in 2199
        ("440524188001010014", "不合理"),  # GB 11643 sample, born 1880: not a living petitioner
        ("110105194912310021", "校验位"),
        ("１１０１０５１９４９１２３１００２Ｘ", "前17位"),  # full-width digits
    ],
)
def test_invalid_id_numbers_say_why(number: str, reason: str) -> None:
    verdict = check_id_number(number, today=date(2025, 6, 1))
    assert not verdict.ok
    assert reason in verdict.message


def test_birth_date_is_read_from_the_number() -> None:
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)
    assert birth_date_of("bad") is None


@given(st.text(max_size=40))
def test_any_string_gets_a_verdict_for_id(text: str) -> None:
    verdict = check_id_number(text)
    assert verdict.ok or verdict.message
    if verdict.ok:
        assert len(verdict.value) == 18 and check_digit(verdict.value[:17]) == verdict.value[17]


@given(st.text(max_size=40))
def test_any_string_gets_a_verdict_for_phone(text: str) -> None:
    verdict = check_phone(text)
    assert verdict.ok or verdict.message


BIRTH_AND_SEQUENCE = r"(19[5-9][0-9]|200[0-5])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}"


@given(st.from_regex(r"(11|34|44|65)[0-9]{4}" + BIRTH_AND_SEQUENCE, fullmatch=True))
def test_a_number_with_its_own_check_digit_passes(first17: str) -> None:
    assert check_id_number(first17 + check_digit(first17)).ok


@given(st.from_regex(r"(00|10|19|29|39|49|55|60|70|80|90|99)[0-9]{4}" + BIRTH_AND_SEQUENCE, fullmatch=True))
def test_an_unknown_province_code_fails_even_with_a_right_check_digit(first17: str) -> None:
    verdict = check_id_number(first17 + check_digit(first17))
    assert not verdict.ok and "行政区划代码" in verdict.message


@pytest.mark.parametrize(
    ("phone", "value"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0551-63828000", "0551-63828000"),
        ("010-62751234-8001", "010-62751234-8001"),
        ("400-810-5000", "400-810-5000"),
        ("150-1234-5679", "15012345679"),  # separators people write in a mobile number
        ("150.1234.5679", "15012345679"),
    ],
)
def test_valid_phones(phone: str, value: str) -> None:
    verdict = check_phone(phone)
    assert verdict.ok, verdict.message
    assert verdict.value == value


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("1381234567", "11位"),
        ("12812345678", "第二位"),
        ("128-1234-5678", "第二位"),
        ("150-1234-567", "应为11位"),
        ("5512345", "区号"),
        ("0551-1234", "区号"),
        ("电话号码", "只能包含数字"),
        ("", "请填写"),
    ],
)
def test_invalid_phones_say_why(phone: str, reason: str) -> None:
    verdict = check_phone(phone)
    assert not verdict.ok and reason in verdict.message


def test_masks_follow_the_domain_format() -> None:
    assert mask_id_number("340104199003071234") == "3401**********1234"
    assert mask_phone("13856785678") == "138****5678"
    assert mask_phone("0551-63828000") == "0551-****8000"
    assert mask_id_number(None) == "" and mask_phone("") == ""
