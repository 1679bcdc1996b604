"""Spreadsheet cells: text that looks like a formula stays text; characters XML cannot carry are replaced."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from xinfang_desk.export.exchange.cells import (
    FORMULA_TRIGGERS,
    clean_text,
    header_cell,
    safe_row,
    safe_value,
    take_rows,
)


def _round_trip(path: Path, values: list[object]) -> list:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.append([safe_value(sheet, v) for v in values])
    workbook.save(path)
    return list(load_workbook(path)["s"][1])


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://example.com/x","点此查看")',
        "=1+1",
        "+86 138 0000 0000",
        "-2分",
        "@SUM(A1:A2)",
        "\t=cmd|' /C calc'!A0",
        "\r=1",
        "=",
    ],
)
def test_formula_like_text_is_written_as_text(tmp_path: Path, text: str) -> None:
    (cell,) = _round_trip(tmp_path / "f.xlsx", [text])
    assert cell.data_type == "s"
    assert cell.value == text


def test_ordinary_values_keep_their_types(tmp_path: Path) -> None:
    cells = _round_trip(tmp_path / "o.xlsx", ["宿舍", 5, "", None, "a=b"])
    assert [c.value for c in cells[:2]] == ["宿舍", 5]
    assert cells[1].data_type == "n"
    assert all(c.value is None for c in cells[2:4])
    assert cells[4].value == "a=b"


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(sorted(FORMULA_TRIGGERS)), st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
)
def test_any_text_starting_with_a_trigger_reads_back_unchanged(
    tmp_path_factory, first: str, rest: str
) -> None:
    text = clean_text(first + rest)
    (cell,) = _round_trip(tmp_path_factory.mktemp("h") / "h.xlsx", [text])
    assert cell.data_type == "s" and cell.value == text


def test_characters_xml_cannot_carry_become_spaces() -> None:
    assert clean_text("宿舍\x00漏水\x0b\x1f请修") == "宿舍 漏水  请修"
    assert clean_text("换行\n制表\t回车\r") == "换行\n制表\t回车\r"


_CELL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.dates(),
    st.datetimes(min_value=datetime(1900, 3, 1)).map(lambda d: d.replace(microsecond=0)),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=8).map(clean_text),
    st.sampled_from(sorted(FORMULA_TRIGGERS)).map(lambda t: t + "1+1"),
)


def _written(path: Path, convert) -> list:
    """Each cell's value and type as read back after ``convert(sheet)`` made the one row appended."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.append(convert(sheet))
    workbook.save(path)
    return [[(c.value, c.data_type) for c in row] for row in load_workbook(path)["s"].iter_rows()]


@settings(max_examples=40, deadline=None)
@given(st.lists(_CELL_VALUES, max_size=12))
def test_a_row_is_written_as_its_values_each_guarded_alone_are(tmp_path_factory, values: list) -> None:
    folder = tmp_path_factory.mktemp("r")
    row = _written(folder / "row.xlsx", lambda sheet: safe_row(sheet, values))
    each = _written(folder / "each.xlsx", lambda sheet: [safe_value(sheet, v) for v in values])
    assert row == each


def _sheet_files(path: Path, rows: list[list], *, taken: bool) -> tuple[bytes, bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    if taken:
        take_rows(sheet)
    sheet.append([header_cell(sheet, "案件编号"), header_cell(sheet, "登记日期")])
    for row in rows:
        sheet.append(safe_row(sheet, row))
    workbook.save(path)
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml"), archive.read("xl/styles.xml")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(_CELL_VALUES, max_size=8), max_size=6))
def test_rows_taken_through_kept_cells_are_written_byte_for_byte_as_openpyxl_writes_them(
    tmp_path_factory, rows: list[list]
) -> None:
    folder = tmp_path_factory.mktemp("t")
    assert _sheet_files(folder / "kept.xlsx", rows, taken=True) == _sheet_files(
        folder / "plain.xlsx", rows, taken=False
    )
