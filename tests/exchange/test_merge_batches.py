"""A batch whose last file is refused or already merged still flags people and commits cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.bad_workbooks import unit_export
from xinfang_desk.export.exchange.merge import FileStatus, merge_workbooks
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.search import CaseFilter, case_ids


@pytest.mark.parametrize("last", ["duplicate", "edited"])
def test_a_batch_ending_in_a_file_that_is_not_taken(tmp_path: Path, last: str) -> None:
    office = create_ledger(tmp_path / "office" / "o.sqlite", "XFB", "信访与督办室", office=True)
    first = unit_export(tmp_path, "JWC", "教务处", cases=4)
    second = unit_export(tmp_path, "HQ", "后勤集团", cases=3)
    if last == "duplicate":
        extra = first
    else:
        extra = unit_export(tmp_path, "TSG", "图书馆", cases=2)
        book = load_workbook(extra)
        book["信访台账"].cell(3, 14).value = "导出后被改过的摘要"
        book.save(extra)
    with office.session() as session:
        report = merge_workbooks(session, [first, second, extra], "督办室主任")
    assert report.count(FileStatus.TAKEN) == 2
    assert report.flags, "the same petitioner in two units is flagged"
    office.close()
    reopened = Ledger.open(tmp_path / "office" / "o.sqlite")  # what was committed, read afresh
    with reopened.session() as session:
        by_unit = dict(session.execute(select(Case.unit_code, func.count()).group_by(Case.unit_code)).all())
        found = case_ids(session, CaseFilter(text="导出后被改过"))
    reopened.close()
    assert by_unit == {"JWC": 4, "HQ": 3}, "both whole files are in, the refused one is not"
    assert found == [], "nothing of the refused file reached the ledger or its search index"
