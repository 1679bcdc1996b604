"""The demo ledger is believable: nothing after the current time, summaries that make sense."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from xinfang_desk.ledger.demo import AREAS, COURSES, MAJORS, SUMMARIES, build_demo
from xinfang_desk.ledger.models import Case, CaseEvent
from xinfang_desk.ledger.reference import create_ledger


def test_nothing_is_dated_after_the_current_time(ledger_location: str | Path) -> None:
    now = datetime(2026, 11, 30, 15, 3)
    ledger = create_ledger(ledger_location, "JWC", "教务处")
    try:
        assert build_demo(ledger, cases=400, seed=11, now=now) == 400
        with ledger.session() as s:
            assert s.scalar(select(func.max(Case.received_at))) <= now
            assert s.scalar(select(func.max(CaseEvent.at))) <= now
            assert s.scalar(select(func.max(CaseEvent.recorded_at))) <= now
    finally:
        ledger.close()


def test_summaries_pair_places_and_topics_that_belong_together() -> None:
    for templates, subjects in SUMMARIES.values():
        assert templates and subjects
    dorms, _ = SUMMARIES["宿舍条件与维修"]
    assert SUMMARIES["宿舍条件与维修"][1] == AREAS, "dormitories are in the residential areas"
    assert SUMMARIES["水电网络"][1] == AREAS, "no 图书馆宿舍"
    assert SUMMARIES["食堂价格与卫生"][1] == AREAS, "no 研究生食堂"
    assert SUMMARIES["成绩复核"][1] == COURSES and SUMMARIES["学籍管理"][1] == MAJORS
    odd = re.compile(r"图书馆宿舍|研究生食堂|食堂食堂|宿舍楼宿舍|级警告处分")
    for templates, subjects in SUMMARIES.values():
        for template in templates:
            for subject in subjects:
                assert not odd.search(template.format(n=subject)), template.format(n=subject)
