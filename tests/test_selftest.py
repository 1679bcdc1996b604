"""The self-test's ledger checks: a case worked through a temporary ledger, and reasons when a part is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from xinfang_desk import fonts, selftest
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.vocab import Status


def test_a_case_is_registered_assigned_exported_and_printed(tmp_path: Path) -> None:
    results = selftest.run_ledger_checks(tmp_path)
    assert [r.ok for r in results] == [True, True, True, True], results
    ledger = Ledger.open(tmp_path / "自检台账.sqlite")
    try:
        with ledger.session() as session:
            case = session.scalars(select(Case)).one()
            assert case.case_no in results[1].detail and case.case_no.startswith(selftest.UNIT_CODE)
            assert case.status == Status.ASSIGNED and case.summary == selftest.SUMMARY
            assert [e.kind for e in case.events][-1] == "assign"
    finally:
        ledger.close()
    rows = (
        CalamineWorkbook.from_path(str(tmp_path / "自检台账.xlsx")).get_sheet_by_name("信访台账").to_python()
    )
    assert any(selftest.SUMMARY in map(str, row) for row in rows)
    assert (tmp_path / "自检交办单.pdf").read_bytes().startswith(b"%PDF")


def test_a_folder_that_cannot_hold_the_ledger_stops_at_the_first_check(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("", encoding="utf-8")
    results = selftest.run_ledger_checks(not_a_folder)
    assert len(results) == 1 and not results[0].ok
    assert results[0].name == "新建台账（数据库迁移）"


def test_a_missing_font_file_is_reported_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "font_dir", lambda: tmp_path)
    result = selftest.check_font_file()
    assert not result.ok and "找不到字体文件" in result.detail and fonts.PRIMARY_FONT_FILE in result.detail


def test_the_shipped_font_passes(tmp_path: Path) -> None:
    result = selftest.check_font_file()
    assert result.ok and fonts.PRIMARY_FONT_FILE in result.detail
