"""A returning petitioner: earlier cases found by ID number or by name + phone, open ones first."""

from __future__ import annotations

from datetime import datetime

from tests.helpers import Clock, register
from xinfang_desk.ledger.administration import save_settings
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.identity import check_digit
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.repeats import find_earlier_cases
from xinfang_desk.ledger.vocab import Outcome
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow

ID = "11010519491231002X"
OTHER_ID = "34010419900307123" + check_digit("34010419900307123")


def test_same_person_by_id_or_by_name_and_phone(ledger: Ledger) -> None:
    clock = Clock(datetime(2025, 4, 1, 9, 0))
    with ledger.session() as s:
        old = register(s, clock, petitioner=PetitionerInput(name="孙昇", id_number=ID, phone="13900001111"))
        wf = Workflow(s, "主任", clock=clock)
        wf.accept(old)
        wf.reply(old, Outcome.SOLVED, "已处理")
        wf.close(old)
        clock.advance(days=3)
        open_one = register(
            s,
            clock,
            category="教学管理类",
            subcategory="考试安排",
            petitioner=PetitionerInput(name="孙昇", phone="13900001111"),
        )
        register(s, clock, petitioner=PetitionerInput(name="孙昇", phone="13700002222"))  # a namesake
        register(s, clock, petitioner=PetitionerInput(name="李四", id_number=OTHER_ID))

        by_id = find_earlier_cases(s, id_number=ID.lower(), category="后勤服务类")
        assert [c.case_no for c in by_id] == [old.case_no]
        assert by_id[0].same_category and not by_id[0].is_open and by_id[0].matched_by == "身份证号"

        by_name_phone = find_earlier_cases(s, name="孙昇", phone="13900001111", category="后勤服务类")
        # the open case comes first even though it is of another category
        assert [c.case_no for c in by_name_phone] == [open_one.case_no, old.case_no]
        assert by_name_phone[0].is_open and not by_name_phone[0].same_category

        assert find_earlier_cases(s, name="孙昇") == []  # a name alone identifies nobody
        assert find_earlier_cases(s, id_number="123") == []


def test_the_look_back_setting_decides_which_closed_cases_are_offered(ledger: Ledger) -> None:
    clock = Clock(datetime(2024, 3, 1, 9, 0))
    with ledger.session() as s:
        closed = register(s, clock, petitioner=PetitionerInput(name="孙昇", id_number=ID))
        wf = Workflow(s, "主任", clock=clock)
        wf.accept(closed)
        wf.reply(closed, Outcome.SOLVED, "已处理")
        wf.close(closed)
        still_open = register(
            s,
            clock,
            petitioner=PetitionerInput(name="孙昇", id_number=ID),
            category="教学管理类",
            subcategory="考试安排",
        )
    later = Clock(datetime(2025, 5, 1, 9, 0))  # 426 days on

    def offered() -> list[str]:
        with ledger.operation(Actor("接待员"), clock=later) as ctx:
            return [c.case_no for c in cases.earlier_cases(ctx, id_number=ID)]

    assert offered() == [still_open.case_no], "a case still being handled is shown however old"
    with ledger.operation(Actor("管理员")) as ctx:
        save_settings(ctx, "教务处", {}, {"repeat_window_days": 500})
    assert offered() == [still_open.case_no, closed.case_no]
