"""What a real spreadsheet program does to an export: re-save, delete a row, sort, .ods and .xls.

LibreOffice (``libreoffice-calc-nogui``, installed by ``scripts/setup-system.sh``) stands in for Excel
and WPS.  Each conversion is one headless run; the module makes every file once and shares them.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from statistics import median

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests import libreoffice as lo
from tests.bad_workbooks import unit_ledger
from tests.exchange.test_old_ledgers import SETS, old_ledger
from xinfang_desk.cli import main
from xinfang_desk.export.exchange.merge import FileResult, FileStatus, merge_workbooks
from xinfang_desk.export.exchange.print_sheet import PRINT_SHEET
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case, MergedEvent
from xinfang_desk.ledger.reference import create_ledger

#: A text with a Windows line break inside one cell (a re-save turns CR LF into LF).
CRLF_SUMMARY = "宿舍热水器损坏，\r\n已报修两次仍未修好"
CASES = 6
SUMMARY = "内容摘要"
#: CSV as LibreOffice shows the cells: comma-separated, quoted with ", in UTF-8 (character set 76).
CSV_UTF8 = "csv:Text - txt - csv (StarCalc):44,34,76"


def _data_rows(rows: list) -> list:
    """The rows holding cells with a value (LibreOffice adds repeated empty rows after them)."""
    return [r for r in rows if any(c.text or len(c) for c in r)]


def _delete_second(rows: list) -> list:
    kept = _data_rows(rows)
    return [r for r in rows if r is not kept[1]]


def _reverse(rows: list) -> list:
    data = _data_rows(rows)
    return list(reversed(data)) + [r for r in rows if r not in data]


def _reverse_under_header(rows: list) -> list:
    """The rows below the first reversed (a sheet without print titles has its header among its rows)."""
    data = _data_rows(rows)
    return [data[0], *reversed(data[1:])] + [r for r in rows if r not in data]


def _change_first_summary(rows: list) -> list:
    row = copy.deepcopy(_data_rows(rows)[0])
    for paragraph in row.iter("{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"):
        if paragraph.text and "食堂" in paragraph.text:
            paragraph.text = "改过的摘要"
            break
    else:
        raise AssertionError("the first row has no summary to change")
    return [row if r is _data_rows(rows)[0] else r for r in rows]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not lo.available():
        pytest.fail("LibreOffice (soffice) is not installed: run scripts/setup-system.sh")
    folder = tmp_path_factory.mktemp("lo")
    unit = unit_ledger(folder, "JWC", "教务处", datetime(2025, 1, 6, 9))
    for i in range(CASES):
        summary = CRLF_SUMMARY if i == 2 else f"第{i + 1}件：食堂饭菜价格上涨"
        number = unit.register(datetime(2025, 1, 6 + i, 9), summary=summary)
        if i % 2:
            unit.close_case(number, datetime(2025, 1, 20, 10))
    export = unit.export(folder / "export.xlsx")
    unit.ledger.close()
    (flat,) = lo.convert([export], "fods", folder / "flat")
    edited = {
        name: lo.edit_rows(flat, folder / f"{name}.fods", sheet, edit)
        for name, sheet, edit in (
            ("deleted", "信访台账", _delete_second),
            ("sorted", "信访台账", _reverse),
            ("changed", "信访台账", _change_first_summary),
            ("steps-deleted", "办理记录", _delete_second),
            ("steps-sorted", "办理记录", _reverse_under_header),
        )
    }
    resaved = shutil.copy(export, folder / "resaved.xlsx")
    made = lo.convert([Path(resaved), *edited.values()], "xlsx:Calc MS Excel 2007 XML", folder / "xlsx")
    (ods,) = lo.convert([export], "ods", folder / "ods")
    (xls,) = lo.convert([export], "xls:MS Excel 97", folder / "xls")
    return {"export": export, **{p.stem: p for p in made}, "ods": ods, "xls": xls}


def _merge(tmp_path: Path, path: Path, *, accept_edited: bool = False) -> FileResult:
    return _merged(tmp_path, path, accept_edited=accept_edited)[0]


def _merged(tmp_path: Path, path: Path, *, accept_edited: bool = False) -> tuple[FileResult, list[tuple]]:
    """The file's outcome and every merged step (case number, step, time, who, note) in the office."""
    office = create_ledger(tmp_path / "office.sqlite", "XFB", "信访与督办室", office=True)
    with office.session() as session:
        report = merge_workbooks(session, [path], "王主任", accept_edited=accept_edited)
        steps = session.execute(
            select(Case.case_no, MergedEvent.seq, MergedEvent.at, MergedEvent.actor, MergedEvent.note)
            .join(Case, Case.id == MergedEvent.case_id)
            .order_by(Case.case_no, MergedEvent.seq)
        )
        history = [tuple(r) for r in steps]
    office.close()
    return report.files[0], history


def test_a_plain_re_save_merges_unedited_though_line_endings_changed(
    files: dict[str, Path], tmp_path: Path
) -> None:
    def summaries(path: Path) -> list[str]:
        sheet = load_workbook(path)["信访台账"]
        column = [c.value for c in sheet[1]].index(SUMMARY)
        return [r[column] for r in sheet.iter_rows(min_row=2, values_only=True) if r[column]]

    assert CRLF_SUMMARY in summaries(files["export"])
    assert CRLF_SUMMARY.replace("\r\n", "\n") in summaries(files["resaved"])  # what LibreOffice did
    result, history = _merged(tmp_path, files["resaved"])
    assert (result.status, result.edited) == (FileStatus.TAKEN, False), result.problems
    # every step arrives with its time to the second, as from the file itself
    assert history == _merged(tmp_path / "direct", files["export"])[1]
    assert len(history) == CASES + 5 * (CASES // 2) and history[0][2] == datetime(2025, 1, 6, 9)


def test_sorted_steps_merge_unedited_and_a_deleted_step_is_an_edit(
    files: dict[str, Path], tmp_path: Path
) -> None:
    result, history = _merged(tmp_path, files["steps-sorted"])
    assert (result.status, result.edited) == (FileStatus.TAKEN, False), result.problems
    assert history == _merged(tmp_path / "direct", files["export"])[1]
    refused = _merge(tmp_path / "deleted", files["steps-deleted"])
    assert refused.status is FileStatus.REFUSED
    assert f"办理记录表应有 {len(history)} 行，实际为 {len(history) - 1} 行" in refused.reason


def test_sorted_rows_merge_unedited(files: dict[str, Path], tmp_path: Path) -> None:
    result = _merge(tmp_path, files["sorted"])
    assert (result.status, result.edited) == (FileStatus.TAKEN, False), result.problems


def test_a_deleted_row_is_an_edit_named_for_what_it_is(files: dict[str, Path], tmp_path: Path) -> None:
    with zipfile.ZipFile(files["deleted"]) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    # what LibreOffice writes after a row is deleted: the whole column declared, an empty last row
    assert b':AT1048576"' in sheet and b'<row r="1048576"' in sheet
    refused = _merge(tmp_path, files["deleted"])
    assert refused.status is FileStatus.REFUSED
    said = " ".join(refused.problems) + refused.reason + refused.summary()
    assert f"实际为 {CASES - 1} 行" in said and "200,000" not in said
    accepted = _merge(tmp_path / "again", files["deleted"], accept_edited=True)
    assert (accepted.status, accepted.edited) == (FileStatus.TAKEN, True), accepted.problems


def test_a_changed_cell_is_still_refused(files: dict[str, Path], tmp_path: Path) -> None:
    result = _merge(tmp_path, files["changed"])
    assert result.status is FileStatus.REFUSED
    assert "校验值不符" in " ".join(result.problems) + result.reason + result.summary()


@pytest.mark.parametrize("kind", ["ods", "xls"])
def test_an_export_saved_as_ods_or_xls_merges(files: dict[str, Path], tmp_path: Path, kind: str) -> None:
    result, history = _merged(tmp_path, files[kind])
    assert (result.status, result.edited) == (FileStatus.TAKEN, False), result.problems
    assert history == _merged(tmp_path / "direct", files["export"])[1]


def printed_pdf(export: Path, folder: Path) -> Path:
    """The 打印台账 sheet alone, printed to PDF by LibreOffice."""
    return _print_sheet_as(export, folder, "pdf")


def _print_sheet_as(export: Path, folder: Path, target: str) -> Path:
    """The 打印台账 sheet alone, converted by LibreOffice to ``target`` (e.g. pdf, csv)."""
    book = load_workbook(export)
    for name in book.sheetnames:
        if name != PRINT_SHEET:
            del book[name]
    book.save(folder / "打印台账.xlsx")
    (converted,) = lo.convert([folder / "打印台账.xlsx"], target, folder)
    return converted


def test_the_printed_ledger_shows_dates_not_day_numbers(tmp_path: Path) -> None:
    if not lo.available():
        pytest.fail("LibreOffice (soffice) is not installed: run scripts/setup-system.sh")
    unit = unit_ledger(tmp_path, "JWC", "教务处", datetime(2025, 1, 6, 9))
    number = unit.register(datetime(2025, 1, 6, 9), summary="食堂饭菜价格上涨")
    unit.close_case(number, datetime(2025, 1, 20, 10))
    unit.register(datetime(2025, 1, 7, 9), summary="宿舍热水器损坏")
    shown = _print_sheet_as(unit.export(tmp_path / "export.xlsx"), tmp_path, CSV_UTF8).read_text("utf-8")
    unit.ledger.close()
    rows = [line.split(",") for line in shown.splitlines()]
    header = rows[0]
    closed = next(r for r in rows if r[0] == number)
    # as LibreOffice shows the cells (a CSV holds the text shown), not as day numbers such as 45663
    assert closed[header.index("登记日期")] == "2025-01-06"
    assert closed[header.index("办结日期")] == "2025-01-20"
    assert [r[header.index("登记日期")] for r in rows[1:]] == ["2025-01-06", "2025-01-07"]


def test_the_printed_ledger_is_legible_on_a4_landscape(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("print")
    unit = unit_ledger(folder, "JWC", "教务处", datetime(2025, 1, 6, 9))
    for i in range(60):
        unit.register(datetime(2025, 1, 6, 9) + (i * (datetime(2025, 1, 7) - datetime(2025, 1, 6))) / 3,
                      summary=f"第{i + 1}件：宿舍楼热水器损坏一周仍未修复，多次报修无人处理，影响学生洗浴和休息")  # fmt: skip
    pdf = printed_pdf(unit.export(folder / "export.xlsx"), folder)
    unit.ledger.close()
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = html.split("<page ")[1:]
    assert len(pages) >= 2
    for page in pages:
        width, height = (float(page.split(f'{k}="')[1].split('"')[0]) for k in ("width", "height"))
        assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
        assert "案件编号" in page and "内容摘要" in page  # the header on every page
        assert "案件ID" not in page and "修订号" not in page  # no machine column
    heights = [
        float(w.split('yMax="')[1].split('"')[0]) - float(w.split('yMin="')[1].split('"')[0])
        for w in html.split("<word ")[1:]
    ]
    assert median(heights) >= 9, f"text printed at about {median(heights):.1f} pt"
    assert "第" in pages[-1] and "页" in pages[-1]  # page numbers


@pytest.fixture(scope="module")
def old_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An old 台账 kept by hand (title row, notes under the table) as .xlsx and as saved to .ods and .xls."""
    if not lo.available():
        pytest.fail("LibreOffice (soffice) is not installed: run scripts/setup-system.sh")
    folder = tmp_path_factory.mktemp("old")
    xlsx = old_ledger(folder / "旧台账.xlsx")
    (ods,) = lo.convert([xlsx], "ods", folder / "ods")
    (xls,) = lo.convert([xlsx], "xls:MS Excel 97", folder / "xls")
    return {"xlsx": xlsx, "ods": ods, "xls": xls}


def _imported(path: Path, db: Path) -> tuple[str, dict[str, tuple]]:
    """The command's output and every imported case, by petitioner, as the user sees it."""
    assert main(["init", "--db", str(db), "--unit-code", "TMXY", "--unit-name", "土木工程学院"]) == 0
    result = subprocess.run(
        [sys.executable, "-m", "xinfang_desk", "import-ledger", "--db", str(db), str(path), *SETS],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    ledger = Ledger.open(db)
    with ledger.session() as s:
        cases = {
            c.petitioner.name: (
                c.case_no,
                c.received_at,
                c.petitioner.phone,
                c.summary,
                c.category.name,
                c.department.name if c.department else None,
                c.status,
                c.outcome,
                c.reply_text,
                c.remarks,
                [(e.kind, e.at) for e in c.events],
            )
            for c in s.scalars(select(Case))
        }
    ledger.close()
    return result.stdout.replace(path.name, "FILE"), cases


@pytest.mark.parametrize("kind", ["ods", "xls"])
def test_an_old_ledger_saved_as_ods_or_xls_imports_as_the_xlsx_does(
    old_files: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    out, cases = _imported(old_files[kind], tmp_path / f"{kind}.sqlite")
    xlsx_out, xlsx_cases = _imported(old_files["xlsx"], tmp_path / "xlsx.sqlite")
    assert set(cases) == {"张三", "李四", "王五"}
    assert cases == xlsx_cases
    assert "导入 3 件案件" in out and "表格上方的标题" in out and "是表下的注释或签名" in out
    assert out == xlsx_out
