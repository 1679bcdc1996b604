"""Unit assessment on a small office ledger merging three units, checked by hand."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.bad_workbooks import unit_ledger
from xinfang_desk.export.exchange.assessment_workbook import write_assessment_workbook
from xinfang_desk.export.exchange.merge import merge_workbooks
from xinfang_desk.ledger.assessment import ASSESSMENT_COLUMNS, known_units, unit_assessment
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.vocab import Outcome, Satisfaction

YEAR = (date(2025, 1, 1), date(2025, 12, 31))
TODAY = date(2025, 6, 1)


def _office(tmp_path: Path, office: Ledger) -> Ledger:
    """``office`` after merging three units' files (教务处, 后勤集团 and 图书馆, which has no case)."""
    files = []
    # 教务处: 3 cases in February; two closed on time (满意), one a repeat of the first, left undecided
    jwc = unit_ledger(tmp_path, "JWC", "教务处", datetime(2025, 2, 3, 9))
    first = jwc.register(datetime(2025, 2, 3, 9))
    second = jwc.register(datetime(2025, 2, 4, 9), summary="图书馆座位不足")
    jwc.close_case(first, datetime(2025, 2, 5, 9))
    jwc.close_case(second, datetime(2025, 2, 6, 9))
    jwc.register(datetime(2025, 2, 10, 9), repeat_of=first)
    files.append(jwc.export(tmp_path / "JWC.xlsx", at=datetime(2025, 5, 30, 9)))
    # 后勤集团: 2 cases; one supervised and answered 不满意 then closed, one accepted and still open
    hq = unit_ledger(tmp_path, "HQ", "后勤集团", datetime(2025, 3, 3, 9))
    a = hq.register(datetime(2025, 3, 3, 9))
    b = hq.register(datetime(2025, 3, 4, 9))

    def supervised_then_closed(wf, case) -> None:
        at = datetime(2025, 3, 5, 9)
        wf.accept(case, at=at)
        wf.assign(case, "后勤集团", "请按期办理", at=at)
        wf.supervise(case, "请加快", at=at)
        wf.reply(case, Outcome.EXPLAINED, "已解释", at=at)
        wf.evaluate(case, Satisfaction.UNSATISFIED, at=at)
        wf.close(case, at=at)

    hq.step(a, datetime(2025, 3, 5, 9), supervised_then_closed)
    hq.step(b, datetime(2025, 3, 5, 9), lambda wf, case: wf.accept(case, at=datetime(2025, 3, 5, 9)))
    files.append(hq.export(tmp_path / "HQ.xlsx", at=datetime(2025, 5, 30, 9)))
    # 图书馆: no case at all
    tsg = unit_ledger(tmp_path, "TSG", "图书馆", datetime(2025, 5, 30, 9))
    files.append(tsg.export(tmp_path / "TSG.xlsx", at=datetime(2025, 5, 30, 9)))
    for unit in (jwc, hq, tsg):
        unit.ledger.close()
    with office.session() as s:
        merge_workbooks(s, files, "主任")
    return office


def test_the_unit_table_of_three_merged_units_matches_the_hand_count(tmp_path: Path, office: Ledger) -> None:
    office = _office(tmp_path, office)
    with office.session() as s:
        rows = {r.unit_code: r for r in unit_assessment(s, *YEAR, TODAY)}
        units = known_units(s)
    assert units == [("HQ", "后勤集团"), ("JWC", "教务处"), ("TSG", "图书馆")]  # the office itself is no unit
    assert list(rows) == ["HQ", "JWC", "TSG"]
    jwc, hq, tsg = rows["JWC"], rows["HQ"], rows["TSG"]
    assert (jwc.unit_name, jwc.accepted, jwc.on_time_pct, jwc.repeat, jwc.supervised) == (
        "教务处",
        2,
        100.0,
        1,
        0,
    )
    # the first case was followed by a repeat, so only the second counts as closed at one go
    assert (jwc.first_time_closed, jwc.one_time, jwc.one_time_pct) == (2, 1, 50.0)
    assert (jwc.satisfaction_pct, jwc.overdue_now) == (100.0, 1)  # the repeat was never decided: overdue
    assert (hq.accepted, hq.on_time_pct, hq.one_time_pct, hq.supervised) == (2, 100.0, 100.0, 1)
    # accepted on 5 March: 60 days end on 4 May, in the 劳动节 holiday, so the deadline is 6 May — past by June
    assert (hq.satisfaction_pct, hq.overdue_now, hq.repeat) == (0.0, 1, 0)
    assert (tsg.unit_name, tsg.accepted, tsg.on_time_pct, tsg.satisfaction_pct, tsg.overdue_now) == (
        "图书馆",
        0,
        None,
        None,
        0,
    )


def test_the_unit_table_exports_to_excel_as_shown(tmp_path: Path, office: Ledger) -> None:
    office = _office(tmp_path, office)
    with office.session() as s:
        rows = unit_assessment(s, *YEAR, TODAY)
    target = write_assessment_workbook(tmp_path / "考核.xlsx", "各单位信访工作考核（2025年）", rows)
    sheet = load_workbook(target).active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert values[0] == tuple(heading for _a, heading, _d in ASSESSMENT_COLUMNS)
    assert values[1:] == [
        ("后勤集团", 2, 100.0, 100.0, 0, 1, 0.0, 1),
        ("教务处", 2, 100.0, 50.0, 1, 0, 100.0, 1),
        ("图书馆", 0, "—", "—", 0, 0, "—", 0),
    ]


def test_a_merged_case_of_another_unit_is_read_only_in_the_office(tmp_path: Path, office: Ledger) -> None:
    from xinfang_desk.ledger.case_details import load_case_details
    from xinfang_desk.ledger.errors import WorkflowError
    from xinfang_desk.ledger.models import Case
    from xinfang_desk.ledger.workflow import Workflow, find_case

    office = _office(tmp_path, office)
    with office.session() as s:
        case = s.query(Case).filter_by(unit_code="JWC", status="registered").one()
        before = (case.revision, case.status)
        assert load_case_details(s, case.id).actions == ()
        with pytest.raises(WorkflowError, match="由该单位办理"):
            Workflow(s, "主任").accept(case)
        s.rollback()
        case = find_case(s, case.id)
        assert (case.revision, case.status) == before


def test_the_office_workbook_lists_a_unit_with_no_cases(tmp_path: Path, office: Ledger) -> None:
    from xinfang_desk.export.exchange.office_workbook import (
        UNIT_FIGURES_SHEET,
        export_office_ledger,
        read_unit_figures,
    )

    office = _office(tmp_path, office)
    with office.session() as s:
        export_office_ledger(s, tmp_path / "汇总.xlsx", "主任", start=YEAR[0], end=YEAR[1], today=TODAY)
    table = read_unit_figures(load_workbook(tmp_path / "汇总.xlsx")[UNIT_FIGURES_SHEET])
    assert list(table) == ["后勤集团", "教务处", "图书馆", "全校"]
    assert (table["图书馆"]["received"], table["教务处"]["received"], table["全校"]["received"]) == (0, 3, 5)


def test_the_office_dashboard_has_a_line_per_unit_that_opens_its_cases(
    tmp_path: Path, office: Ledger
) -> None:
    from xinfang_desk.ledger.dashboard import unit_tiles
    from xinfang_desk.ledger.search import count_cases

    office = _office(tmp_path, office)
    with office.session() as s:
        lines = {line.unit_code: line for line in unit_tiles(s, TODAY)}
        assert list(lines) == ["HQ", "JWC", "TSG"]
        assert lines["JWC"].counts == {"overdue": 1, "due_soon": 0, "accepted_this_year": 2}
        assert lines["HQ"].counts == {"overdue": 1, "due_soon": 0, "accepted_this_year": 2}
        assert lines["TSG"].counts == {"overdue": 0, "due_soon": 0, "accepted_this_year": 0}
        for line in lines.values():
            for key, count in line.counts.items():
                assert count_cases(s, line.filters[key]) == count


def test_a_unit_named_like_a_formula_stays_text_in_the_excel_table(tmp_path: Path, office: Ledger) -> None:
    from dataclasses import replace

    office = _office(tmp_path, office)
    with office.session() as s:
        rows = unit_assessment(s, *YEAR, TODAY)
    planted = '=HYPERLINK("http://example.invalid","点我")'
    target = write_assessment_workbook(tmp_path / "考核.xlsx", "考核", [replace(rows[0], unit_name=planted)])
    cell = load_workbook(target).active.cell(row=3, column=1)
    assert cell.value == planted and cell.data_type == "s", "shown as text, never run as a formula"
