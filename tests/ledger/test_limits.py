"""Free text and dates entering the workflow are bounded: NUL, control characters, 50 MB, year 9999."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.helpers import draft
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.limits import MAX_FIELD_CHARS, check_text
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.vocab import Source
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"summary": "宿舍\x00漏水"}, "控制字符"),
        ({"content": "夜间噪音\x1b[31m"}, "控制字符"),
        ({"content": "长" * (50 * 1024 * 1024)}, "信访内容不能超过 20,000 字"),
        ({"remarks": "备" * (MAX_FIELD_CHARS + 1)}, "备注不能超过 5,000 字"),
        ({"petitioner": PetitionerInput(name="张\x07三")}, "控制字符"),
        ({"source": Source.SUPERIOR, "superior_due_on": date(9999, 12, 31)}, "超出可用范围"),
    ],
)
def test_bad_free_text_and_far_dates_are_refused_and_change_nothing(ledger, fields, message) -> None:
    with pytest.raises(ValidationError, match=message), ledger.session() as s:
        Workflow(s, "接待员").register(draft(**fields))
    with ledger.reading() as s:
        assert s.scalar(select(func.count(Case.id))) == 0


def test_line_breaks_and_tabs_are_text(ledger) -> None:
    with ledger.session() as s:
        case = Workflow(s, "接待员").register(draft(content="第一段\n第二段\t附表"))
        assert case.content == "第一段\n第二段\t附表"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=50))
def test_check_text_accepts_exactly_the_printable_text_and_line_breaks(text: str) -> None:
    bad = any(ord(ch) < 32 and ch not in "\n\r\t" or 0x7F <= ord(ch) <= 0x9F for ch in text)
    try:
        assert check_text(text, "内容") == text.strip()
        assert not bad
    except ValidationError:
        assert bad
