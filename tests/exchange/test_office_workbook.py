"""The 汇总台账: every unit's cases, the school-wide 统计 sheet, and figures per unit equal to each unit's own."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.bad_workbooks import unit_ledger
from xinfang_desk.export.exchange.identity import LEDGER_SHEET, STATISTICS_SHEET
from xinfang_desk.export.exchange.merge import merge_workbooks
from xinfang_desk.export.exchange.office_workbook import (
    SCHOOL_COLUMN,
    UNIT_FIGURES_SHEET,
    export_office_ledger,
    read_unit_figures,
)
from xinfang_desk.export.exchange.statistics_sheet import read_statistics
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.figures import compute_figures, year_range
from xinfang_desk.ledger.reference import create_ledger

YEAR = year_range(2025)
#: The day of the exports: the year so far is what the figures count (1 January to 1 March).
EXPORTED_ON = date(2025, 3, 1)


def _plain(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if not isinstance(v, dict)}


def test_the_office_workbook_shows_each_units_own_figures_and_the_schools(tmp_path: Path) -> None:
    own: dict[str, dict] = {}
    files = []
    for code, name, count, closed in (("JWC", "教务处", 4, 2), ("HQ", "后勤集团", 3, 1)):
        unit = unit_ledger(tmp_path, code, name, datetime(2025, 2, 3, 9))
        numbers = [unit.register(datetime(2025, 2, 3 + i, 9)) for i in range(count)]
        for number in numbers[:closed]:
            unit.close_case(number, datetime(2025, 2, 20, 9))
        files.append(unit.export(tmp_path / f"{code}.xlsx", at=datetime(2025, 3, 1, 9)))
        with unit.ledger.session() as s:
            own[name] = _plain(compute_figures(s, *YEAR, today=EXPORTED_ON).as_json())
        unit.ledger.close()

    office = create_ledger(tmp_path / "office.sqlite", "XFB", "信访与督办室", office=True)
    with office.session() as s:
        merge_workbooks(s, files, "主任")
    target = tmp_path / "汇总.xlsx"
    with office.session() as s:
        result = export_office_ledger(s, target, "主任", start=YEAR[0], end=YEAR[1], today=EXPORTED_ON)
        school = compute_figures(s, *YEAR, today=EXPORTED_ON).as_json()
    assert school["period"]["to"] == "2025-03-01"
    assert result.identity.row_count == 7

    book = load_workbook(target)
    assert book[LEDGER_SHEET].max_row == 1 + 7
    assert read_statistics(book[STATISTICS_SHEET]) == school
    table = read_unit_figures(book[UNIT_FIGURES_SHEET])
    assert list(table) == ["后勤集团", "教务处", SCHOOL_COLUMN]
    assert table["教务处"] == own["教务处"] and table["后勤集团"] == own["后勤集团"]
    assert table["教务处"]["closed"] == 2 and table["后勤集团"]["received"] == 3
    assert table[SCHOOL_COLUMN] == _plain(school)
    office.close()


def test_only_the_office_exports_the_school_wide_workbook(ledger, tmp_path: Path) -> None:
    with ledger.session() as s, pytest.raises(ValidationError, match="信访与督办室"):
        export_office_ledger(s, tmp_path / "x.xlsx", "主任", start=YEAR[0], end=YEAR[1])
