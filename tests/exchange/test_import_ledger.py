"""Importing a unit's existing Excel 台账: cases with their dated history, repeats linked, bad rows named."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.bad_workbooks import CORPUS, BadFile, hand_made_ods, ods_row, unit_export
from xinfang_desk.export.exchange.identity import ExchangeFileError
from xinfang_desk.export.exchange.import_ledger import ImportReport, import_ledger
from xinfang_desk.export.exchange.sheet_extent import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, WIDE_COLUMNS
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case, CaseEvent
from xinfang_desk.ledger.workflow import find_case

HEADERS = ["序号", "案件编号", "登记日期", "信访人", "联系电话", "信访形式", "事项性质", "问题类别", "问题子类",
           "内容摘要", "是否重复访", "原案编号", "受理日期", "承办单位", "交办日期", "答复日期", "处理结果",
           "满意度", "办结日期", "办理状态", "督办次数", "经办人"]  # fmt: skip


def row(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "信访人": "周玥",
        "联系电话": "13912345678",
        "信访形式": "来访",
        "事项性质": "申诉求决类",
        "问题类别": "教学管理类",
        "问题子类": "成绩复核",
        "内容摘要": "申请复核期末成绩",
        "经办人": "老李",
    }
    base.update(values)
    return base


CLOSED = row(案件编号="2024-001", 登记日期=date(2024, 3, 4), 受理日期=date(2024, 3, 5), 承办单位="教务处",
             交办日期=date(2024, 3, 6), 答复日期=date(2024, 3, 20), 处理结果="解决到位", 满意度="满意",
             办结日期=date(2024, 3, 22), 办理状态="已办结", 督办次数=1)  # fmt: skip
PENDING = row(案件编号="2024-002", 登记日期="2024/05/06", 信访人="吴堃", 联系电话="", 办理状态="待受理")
REPEAT = row(案件编号="2024-003", 登记日期=date(2024, 4, 10), 是否重复访="是", 原案编号="2024-001",
             受理日期=date(2024, 4, 11), 办理状态="已受理")  # fmt: skip
DECLINED = row(案件编号="2024-004", 登记日期=date(2024, 6, 3), 办理状态="不予受理", 问题子类="")


def excel_ledger(path: Path, rows: list[dict[str, object]]) -> Path:
    """An Excel 台账 kept by hand: a title row, the headers in its own order, an extra column."""
    book = Workbook()
    sheet = book.active
    sheet.title = "2024年台账"
    sheet.append(["教务处2024年信访台账"])
    sheet.append(HEADERS)
    for number, values in enumerate(rows, 1):
        sheet.append([number if h == "序号" else values.get(h) for h in HEADERS])
    book.save(path)
    return path


def run(ledger: Ledger, path: Path, **options: bool) -> ImportReport:
    with ledger.session() as session:
        return import_ledger(session, path, "接待员", clock=lambda: datetime(2025, 1, 10, 9), **options)


def case_count(ledger: Ledger) -> int:
    with ledger.session() as s:
        return int(s.scalar(select(func.count(Case.id))) or 0)


def test_rows_become_cases_with_their_dated_history(ledger: Ledger, tmp_path: Path) -> None:
    report = run(ledger, excel_ledger(tmp_path / "台账.xlsx", [CLOSED, PENDING, REPEAT, DECLINED]))
    assert report.written and len(report.imported) == 4 and not report.problems
    numbers = {c.old_case_no: c.case_no for c in report.imported}
    with ledger.session() as s:
        closed = find_case(s, numbers["2024-001"])
        events = s.execute(
            select(CaseEvent.kind, CaseEvent.at).where(CaseEvent.case_id == closed.id).order_by(CaseEvent.seq)
        ).all()
        assert [(kind, at.date()) for kind, at in events] == [
            ("register", date(2024, 3, 4)),
            ("accept", date(2024, 3, 5)),
            ("assign", date(2024, 3, 6)),
            ("supervise", date(2024, 3, 6)),
            ("reply", date(2024, 3, 20)),
            ("evaluate", date(2024, 3, 20)),
            ("close", date(2024, 3, 22)),
        ]
        assert (closed.status, closed.department.name, closed.outcome, closed.satisfaction) == (
            "closed",
            "教务处",
            "solved",
            "satisfied",
        )
        assert closed.case_no.startswith("JWC-2024-") and "原台账编号：2024-001" in closed.remarks
        assert closed.closed_on_time is (date(2024, 3, 22) <= closed.handle_due_on)
        repeat = find_case(s, numbers["2024-003"])
        assert repeat.is_repeat and repeat.repeat_of_id == closed.id
        assert repeat.status == "accepted" and repeat.due_on == repeat.handle_due_on
        assert find_case(s, numbers["2024-002"]).status == "registered"
        assert find_case(s, numbers["2024-004"]).status == "declined"


def test_one_bad_row_stops_the_whole_import_unless_only_good_rows_are_wanted(
    ledger: Ledger, tmp_path: Path
) -> None:
    bad = row(案件编号="2024-005", 登记日期="三月初", 办理状态="待受理")
    no_outcome = row(案件编号="2024-006", 登记日期=date(2024, 7, 1), 受理日期=date(2024, 7, 2),
                     答复日期=date(2024, 7, 5), 办理状态="已答复")  # fmt: skip
    path = excel_ledger(tmp_path / "台账.xlsx", [CLOSED, bad, PENDING, no_outcome])
    report = run(ledger, path)
    assert not report.written and case_count(ledger) == 0
    # Excel row numbers: title row 1, headers row 2, data from row 3
    assert [p.row_number for p in report.problems] == [4, 6]
    assert "登记日期“三月初”不是有效日期" in report.text() and "缺少处理结果" in report.text()
    assert "只导入正确的行" in report.headline()

    partial = run(ledger, path, good_rows_only=True)
    assert partial.written and [c.old_case_no for c in partial.imported] == ["2024-001", "2024-002"]
    assert case_count(ledger) == 2


def test_a_repeat_whose_original_failed_is_refused_too(ledger: Ledger, tmp_path: Path) -> None:
    broken_original = dict(CLOSED, 处理结果="")
    report = run(ledger, excel_ledger(tmp_path / "台账.xlsx", [broken_original, REPEAT]), good_rows_only=True)
    assert not report.written and [p.row_number for p in report.problems] == [3, 4]
    assert "原案编号“2024-001”" in report.problems[1].text()


@pytest.mark.parametrize("bad", [b for b in CORPUS if b.for_import], ids=lambda b: b.name)
def test_bad_files_are_refused_with_their_reason_and_change_nothing(
    ledger: Ledger, tmp_path: Path, bad: BadFile
) -> None:
    path = bad.make(unit_export(tmp_path / "unit", "HQ", "后勤集团"), tmp_path / f"{bad.name}{bad.suffix}")
    try:
        report = run(ledger, path)
    except ExchangeFileError as exc:
        said = str(exc)
    else:
        assert not report.written
        said = report.text()
    assert bad.message in said
    assert case_count(ledger) == 0


def _signed_far_away(path: Path, row: int, column: int) -> Path:
    """A two-case 台账 with a signature line in one cell at (``row``, ``column``)."""
    book = load_workbook(excel_ledger(path, [CLOSED, PENDING]))
    book.active.cell(row, column, "经办人签字：老李")
    book.save(path)
    return path


#: The largest sheets the reader takes: every allowed row over 64 columns; Excel's last column over
#: as many rows as the cell limit leaves.
LARGEST = [(MAX_ROWS, WIDE_COLUMNS), (MAX_CELLS // MAX_COLUMNS, MAX_COLUMNS)]


@pytest.mark.parametrize(("row", "column"), LARGEST, ids=["tall", "wide"])
def test_a_ledger_as_large_as_the_reader_takes_still_imports(
    ledger: Ledger, tmp_path: Path, row: int, column: int
) -> None:
    report = run(ledger, _signed_far_away(tmp_path / "台账.xlsx", row, column))
    assert report.written, report.text()
    assert case_count(ledger) == 2
    assert [(s.row_number, s.text) for s in report.skipped][-1] == (row, "经办人签字：老李")


@pytest.mark.parametrize(
    ("row", "column"),
    [(MAX_ROWS + 1, 1), (MAX_ROWS, WIDE_COLUMNS + 1), (MAX_CELLS // MAX_COLUMNS + 1, MAX_COLUMNS)],
    ids=["one_row_too_far", "one_column_too_wide", "one_row_too_many_at_the_last_column"],
)
def test_one_cell_past_the_largest_sheet_refuses_the_file_before_it_is_read(
    ledger: Ledger, tmp_path: Path, row: int, column: int
) -> None:
    with pytest.raises(
        ExchangeFileError, match=f"工作表范围过大：有内容的单元格远至第 {row:,} 行、第 {column:,} 列"
    ):
        run(ledger, _signed_far_away(tmp_path / "台账.xlsx", row, column))
    assert case_count(ledger) == 0


def test_a_text_that_only_looks_like_a_formula_comes_in_as_written(ledger: Ledger, tmp_path: Path) -> None:
    # only a real formula (table:formula) is refused; a petitioner's text starting with "=" is text
    headers = ["登记日期", "信访形式", "事项性质", "问题类别", "内容摘要", "信访人"]
    summary = "=SUM(A1:A3) 成绩合计算错了"
    row_xml = ods_row(["2024-03-04", "来访", "申诉求决类", "教学管理类", summary, "周玥"])
    path = hand_made_ods(tmp_path / "台账.ods", [ods_row(headers), row_xml], sheet_name="2024年台账")
    report = run(ledger, path)
    assert report.written, report.text()
    with ledger.session() as s:
        assert s.scalars(select(Case.summary)).all() == [summary]
