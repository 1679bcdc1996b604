"""Full-text search finds Chinese substrings of any length; filters combine; pages come in order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import Clock, register
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.search import CaseFilter, case_ids, case_rows, count_cases, words_of
from xinfang_desk.ledger.vocab import Channel, Outcome, Status
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow


@pytest.fixture
def small(ledger: Ledger) -> dict[str, int]:
    clock = Clock(datetime(2025, 11, 1, 9, 0))
    made: dict[str, int] = {}
    with ledger.session() as s:
        made["dorm"] = register(
            s, clock, summary="南区宿舍空调损坏", petitioner=PetitionerInput(name="王堃")
        ).id
        clock.advance(days=1)
        made["canteen"] = register(
            s, clock, summary="一食堂饭菜价格上涨", subcategory="食堂价格与卫生", channel=Channel.WEB
        ).id
        clock.advance(days=1)
        made["exam"] = register(
            s,
            clock,
            summary="期末考试与实习冲突",
            category="教学管理类",
            subcategory="考试安排",
            petitioner=PetitionerInput(name="赵䶮"),
        ).id
        clock.advance(days=1)
        wf = Workflow(s, "主任", clock=clock)
        from xinfang_desk.ledger.models import Case

        exam = s.get(Case, made["exam"])
        wf.accept(exam)
        wf.assign(exam, "教务处", "请调整")
        canteen = s.get(Case, made["canteen"])
        wf.accept(canteen)
        wf.reply(canteen, Outcome.EXPLAINED, "价格随市场调整")
        wf.close(canteen)
    return made


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("宿", ["dorm"]),
        ("宿舍", ["dorm"]),
        ("空调损坏", ["dorm"]),
        ("堃", ["dorm"]),
        ("赵䶮", ["exam"]),
        ("价格 食堂", ["canteen"]),
        ("JWC-2025-0002", ["canteen"]),
        ("50%", []),
        ('"引号', []),
        ("不存在的词", []),
    ],
)
def test_text_search(ledger: Ledger, small: dict[str, int], text: str, expected: list[str]) -> None:
    with ledger.session() as s:
        assert case_ids(s, CaseFilter(text=text)) == [small[k] for k in expected]


def test_filters(ledger: Ledger, small: dict[str, int]) -> None:
    with ledger.session() as s:
        assert case_ids(s, CaseFilter(statuses=[Status.CLOSED])) == [small["canteen"]]
        assert case_ids(s, CaseFilter(category="教学管理类")) == [small["exam"]]
        assert case_ids(s, CaseFilter(category="食堂价格与卫生")) == [small["canteen"]]
        assert case_ids(s, CaseFilter(channel=Channel.WEB)) == [small["canteen"]]
        assert case_ids(s, CaseFilter(department="教务处")) == [small["exam"]]
        assert case_ids(s, CaseFilter(received_from=date(2025, 11, 2), received_to=date(2025, 11, 2))) == [
            small["canteen"]
        ]
        assert case_ids(s, CaseFilter(year=2024)) == []
        assert count_cases(s, CaseFilter(year=2025)) == 3


def test_overdue_and_due_soon(ledger: Ledger, small: dict[str, int]) -> None:
    with ledger.session() as s:
        # the dorm case must be decided within 15 日 of 1 November: 16 November (a Sunday) → 17 November
        late = CaseFilter(overdue=True, today=date(2025, 11, 18))
        assert small["dorm"] in case_ids(s, late)
        soon = CaseFilter(due_soon=True, due_soon_days=3, today=date(2025, 11, 15))
        assert small["dorm"] in case_ids(s, soon)
        assert small["canteen"] not in case_ids(s, late)  # closed cases are never overdue
        row = case_rows(s, [small["dorm"]], today=date(2025, 11, 18))[0]
        assert row.overdue and not row.due_soon and row.status == "待受理"


def test_sorting_and_rows_follow_the_id_order(ledger: Ledger, small: dict[str, int]) -> None:
    with ledger.session() as s:
        newest_first = case_ids(s, CaseFilter())
        assert newest_first == [small["exam"], small["canteen"], small["dorm"]]
        assert case_ids(s, CaseFilter(), sort="case_no", descending=False) == newest_first[::-1]
        rows = case_rows(s, newest_first)
        assert [r.id for r in rows] == newest_first
        assert rows[0].petitioner == "赵䶮" and rows[0].department == "教务处"


SEARCHABLE = st.text(
    alphabet=st.sampled_from(
        list("宿舍空调损坏南区一食堂饭菜价格上涨期末考试实习冲突王堃赵䶮JWCjwc-2025-0001 %_\"'")
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(SEARCHABLE, st.text(min_size=1, max_size=8)))
def test_any_text_search_is_a_safe_substring_search(ledger: Ledger, small: dict[str, int], text: str) -> None:
    with ledger.session() as s:
        found = set(case_ids(s, CaseFilter(text=text)))
        rows = case_rows(s, list(small.values()))
        from xinfang_desk.ledger.models import Case

        for row in rows:
            case = s.get(Case, row.id)
            body = f"{case.case_no} {case.summary} {case.content} {case.petitioner.name}"
            words = words_of(text)  # spaces separate words; control characters are ignored
            if not words:
                assert found == set(small.values())  # no words: no text filter
            else:
                assert (row.id in found) == all(w.lower() in body.lower() for w in words)


@pytest.mark.parametrize("descending", [False, True])
def test_blank_deadlines_sort_last_in_both_directions(
    ledger: Ledger, small: dict[str, int], descending: bool
) -> None:
    with ledger.session() as s:
        ordered = case_ids(s, CaseFilter(), sort="due_on", descending=descending)
        dues = [row.due_on for row in case_rows(s, ordered)]
    # the closed 食堂 case has no deadline; the two open ones have theirs
    assert ordered[-1] == small["canteen"] and dues[-1] is None
    assert all(due is not None for due in dues[:-1])
    assert dues[:-1] == sorted(dues[:-1], reverse=descending)


@pytest.fixture(scope="module")
def demo_ledger(module_location: str | Path) -> Iterator[Ledger]:
    from xinfang_desk.ledger.demo import build_demo
    from xinfang_desk.ledger.reference import create_ledger

    made = create_ledger(module_location, "JWC", "教务处")
    build_demo(made, cases=160, seed=7, today=date(2025, 12, 1))
    yield made
    made.close()


def _expected_order(s, sort: str, descending: bool, f: CaseFilter) -> list[int]:
    """Blanks last, then by value and id: the order a clerk expects, written as one SQL ORDER BY."""
    from sqlalchemy import String, or_, select
    from sqlalchemy import case as when

    from xinfang_desk.ledger.models import Case
    from xinfang_desk.ledger.search import SORTABLE, _conditions

    column = SORTABLE[sort]
    empty = column == "" if isinstance(column.type, String) else column.is_(None)  # a date is never ""
    blank = when((or_(column.is_(None), empty), 1), else_=0)
    order = [column.desc(), Case.id.desc()] if descending else [column.asc(), Case.id.asc()]
    return list(s.scalars(select(Case.id).where(*_conditions(s, f)).order_by(blank, *order)))


@pytest.mark.parametrize(
    "sort", ["received_at", "due_on", "department", "petitioner", "subcategory", "case_no"]
)
@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("text", ["", "宿舍"])
def test_pages_follow_each_other_and_blanks_come_last(
    demo_ledger: Ledger, sort: str, descending: bool, text: str
) -> None:
    from xinfang_desk.ledger.search import case_page

    f = CaseFilter(text=text)
    with demo_ledger.session() as s:
        expected = _expected_order(s, sort, descending, f)
        assert case_ids(s, f, sort=sort, descending=descending) == expected
        shown: list[int] = []
        ids, key = case_page(s, f, sort=sort, descending=descending, limit=7)
        shown.extend(ids)
        while key is not None:
            ids, key = case_page(s, f, sort=sort, descending=descending, after=key, limit=7)
            assert len(ids) <= 7
            shown.extend(ids)
        assert shown == expected
        assert count_cases(s, f) == len(expected)


@pytest.mark.parametrize("few", [0, 10_000])
@pytest.mark.parametrize(
    "f",
    [
        CaseFilter(),
        CaseFilter(text="宿舍"),
        CaseFilter(statuses=[Status.CLOSED]),
        CaseFilter(text="宿", year=2025),
    ],
    ids=["all", "word", "closed", "char-and-year"],
)
def test_every_way_of_reading_a_page_gives_the_same_page(
    demo_ledger: Ledger, monkeypatch: pytest.MonkeyPatch, few: int, f: CaseFilter
) -> None:
    """Following the order and stopping, and reading the matches then ordering them, agree."""
    from xinfang_desk.ledger import search
    from xinfang_desk.ledger.search import case_page

    monkeypatch.setattr(search, "FEW_MATCHES", few)  # 0: always follow the order; 10,000: never
    with demo_ledger.session() as s:
        expected = _expected_order(s, "received_at", True, f)
        first, key = case_page(s, f, limit=10)
        assert first == expected[:10]
        if key is not None:
            assert case_page(s, f, after=key, limit=10)[0] == expected[10:20]
