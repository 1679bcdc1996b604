"""The extent guard sees at least as far as python-calamine will size the sheet, whatever the XML."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from tests.bad_workbooks import (
    _SHEET_HEAD,
    as_xls,
    hand_made_ods,
    hand_made_xlsx,
    patch_xls_cells,
    xls_cell_records,
    xls_workbook_stream,
)
from xinfang_desk.export.exchange.identity import LEDGER_SHEET, ExchangeFileError
from xinfang_desk.export.exchange.sheet_extent import OdsExtent, XlsxExactExtent, XlsxQuickExtent
from xinfang_desk.export.exchange.workbook_file import _first_formula, _row_tags, open_workbook
from xinfang_desk.export.exchange.xls_extent import xls_extents


def _letters(column: int) -> str:
    text = ""
    while column:
        column, rest = divmod(column - 1, 26)
        text = chr(65 + rest) + text
    return text


def _calamine_extent(data: bytes, sheet: str) -> tuple[int, int]:
    """(rows, columns) calamine allocates for ``sheet``, counted from A1 as the guard counts."""
    found = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet)
    if found.height == 0:
        return 0, 0
    end_row, end_column = found.end
    return end_row + 1, end_column + 1


def _in_chunks(data: bytes, sizes: list[int]) -> list[bytes]:
    chunks, at = [], 0
    for size in sizes:
        chunks.append(data[at : at + size])
        at += size
    return [*chunks, data[at:]]


# A cell: its reference (or none: the column after the last cell), how it is written, and its value.
_CELL = st.tuples(
    st.one_of(st.none(), st.tuples(st.integers(1, 60), st.integers(1, 120))),
    st.sampled_from(["self-closing", "text", "empty text", "number"]),
    st.sampled_from(['r="{}"', "r='{}'", 's="1" r="{}"', 'r="{}" s="1"', 'x=" r=\'A1\' />" r="{}"']),
)
_ROW = st.tuples(st.one_of(st.none(), st.integers(1, 60)), st.lists(_CELL, max_size=6))


def _xlsx_cell(cell: tuple) -> bytes:
    ref, kind, form = cell
    attribute = " " + form.format(f"{_letters(ref[1])}{ref[0]}") if ref else ""
    if kind == "self-closing":
        return f"<c{attribute}/>".encode()
    if kind == "number":
        return f"<c{attribute}><v>7</v></c>".encode()
    text = "" if kind == "empty text" else "字"
    return f'<c{attribute} t="inlineStr"><is><t>{text}</t></is></c>'.encode()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ROW, max_size=8), sizes=st.lists(st.integers(1, 40), max_size=12))
@example(rows=[(None, [(None, "number", 'r="{}"')])], sizes=[1, 13, 40, 40, 40])  # a row cut after <c>
def test_the_xlsx_guard_sees_as_far_as_calamine(tmp_path: Path, rows: list, sizes: list[int]) -> None:
    body = b"".join(
        (f'<row r="{r}">' if r else "<row>").encode() + b"".join(map(_xlsx_cell, cells)) + b"</row>"
        for r, cells in rows
    )
    xml = _SHEET_HEAD + b"<sheetData>" + body + b"</sheetData></worksheet>"
    path = hand_made_xlsx(tmp_path / "t.xlsx", [xml], exchange=False)
    rows_seen, columns_seen = _calamine_extent(path.read_bytes(), LEDGER_SHEET)
    quick, exact = XlsxQuickExtent("t.xlsx", LEDGER_SHEET), XlsxExactExtent("t.xlsx", LEDGER_SHEET)
    for chunk in _in_chunks(xml, sizes):
        exact.feed(chunk)
        quick.feed(chunk)
    assert exact.rows >= rows_seen and exact.columns >= columns_seen
    # the quick look alone is trusted only for cells written <c r="…"> within the first 64 columns
    plain = all(
        ref and form.startswith('r="') and ref[1] <= 64 for _r, cells in rows for ref, _k, form in cells
    )
    assert quick.exact_needed or plain


def _ods_cell(repeat: int, kind: str) -> bytes:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if kind == "empty":
        return f"<table:table-cell{repeated}/>".encode()
    if kind == "covered":
        return f"<table:covered-table-cell{repeated}/>".encode()
    if kind == "number":
        return f'<table:table-cell{repeated} office:value-type="float" office:value="7"/>'.encode()
    return f'<table:table-cell{repeated} office:value-type="string"><text:p>字</text:p></table:table-cell>'.encode()


_ODS_ROW = st.tuples(
    st.integers(1, 30),
    st.lists(
        st.tuples(st.integers(1, 30), st.sampled_from(["empty", "covered", "number", "text"])), max_size=5
    ),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ODS_ROW, max_size=6), sizes=st.lists(st.integers(1, 60), max_size=12))
def test_the_ods_guard_sees_as_far_as_calamine(tmp_path: Path, rows: list, sizes: list[int]) -> None:
    table = [
        (
            f'<table:table-row table:number-rows-repeated="{repeat}">' if repeat > 1 else "<table:table-row>"
        ).encode()
        + b"".join(_ods_cell(n, kind) for n, kind in cells)
        + b"</table:table-row>"
        for repeat, cells in rows
    ]
    path = hand_made_ods(tmp_path / "t.ods", table)
    rows_seen, columns_seen = _calamine_extent(path.read_bytes(), LEDGER_SHEET)
    extent = OdsExtent("t.ods")
    with zipfile.ZipFile(path) as archive:
        content = archive.read("content.xml")
    for chunk in _in_chunks(content, sizes):
        extent.feed(chunk)
    table = next(t for t in extent.tables if t.sheet == LEDGER_SHEET)
    assert table.rows >= rows_seen and table.columns >= columns_seen


def test_a_reference_hidden_behind_a_lt_in_an_attribute_is_refused_wherever_the_chunks_break() -> None:
    # calamine reads a raw "<" inside an attribute value; the guard must not lose the cell's tag there
    xml = _SHEET_HEAD + b'<sheetData><row r="1"><c t="n" x="<row r=\'1\'>" r="XFD150000"><v>1</v></c></row>'
    for split in range(1, len(xml)):
        extent = XlsxExactExtent("t.xlsx", LEDGER_SHEET)
        with pytest.raises(ExchangeFileError, match="不合规范|范围过大"):
            extent.feed(xml[:split])
            extent.feed(xml[split:])


# ---------------------------------------------------------------------------------------- .xls
@pytest.fixture(scope="module")
def small_xls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small .xls saved by LibreOffice: text, numbers alone (RK, NUMBER) and in a run (MULRK), truth values."""
    folder = tmp_path_factory.mktemp("xls")
    book = Workbook()
    book.active.title = LEDGER_SHEET
    for n in range(6):
        book.active.append([f"第{n}件", n, None, n + 0.1, None, n % 2 == 0, None, n, n + 0.5, n + 1])
    book.save(folder / "small.xlsx")
    return as_xls(folder / "small.xlsx", folder)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    moves=st.dictionaries(
        st.integers(0, 200), st.tuples(st.integers(0, 400), st.integers(0, 250)), max_size=6
    )
)
def test_the_xls_guard_sees_as_far_as_calamine(small_xls: Path, tmp_path: Path, moves: dict) -> None:
    count = len(xls_cell_records(xls_workbook_stream(small_xls)))
    path = patch_xls_cells(small_xls, tmp_path / "t.xls", {n % count: cell for n, cell in moves.items()})
    data = path.read_bytes()
    rows_seen, columns_seen = _calamine_extent(data, LEDGER_SHEET)
    (extent,) = xls_extents(data, "t.xls")
    assert extent.sheet == LEDGER_SHEET
    assert extent.rows >= rows_seen and extent.columns >= columns_seen


def test_an_xls_declaring_a_huge_sheet_is_refused_before_calamine_reserves_it(
    small_xls: Path, tmp_path: Path
) -> None:
    # calamine reserves room for the DIMENSIONS record's rows × columns: four billion rows end the program
    stream = xls_workbook_stream(small_xls)
    at = stream.index(b"\x00\x02\x0e\x00")  # DIMENSIONS, 14 bytes
    data = bytearray(small_xls.read_bytes())
    start = data.index(stream[at : at + 18]) + 4
    data[start : start + 12] = struct.pack("<IIHH", 0, 0xFFFFFFF0, 0, 4)
    (tmp_path / "declared.xls").write_bytes(bytes(data))
    with pytest.raises(
        ExchangeFileError, match="“信访台账”工作表范围过大：.*第 4,294,967,280 行.*超过了 200,000 行的上限"
    ):
        open_workbook(tmp_path / "declared.xls")
    with open_workbook(small_xls) as book:  # the file as LibreOffice saved it is read
        assert book.sheet(LEDGER_SHEET).head(2)[1][0] == "第1件"


_xml_parts = st.sampled_from(
    [b'<row r="7">', b"<row>", b'<rowBreaks count="1">', b"<x:row>", b"<f>", b"<f/>", b'<x:f t="shared">']
    + [b"<font>", b"<firstHeader>", b'<c r="A7">', b"<", b"r", b"ow", b"f", b":", b"Breaks", b" ", b"/"]
)


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(_xml_parts, max_size=40))
def test_rows_and_formulas_are_counted_in_one_pass_as_each_tag_defines_them(parts: list[bytes]) -> None:
    data = b"".join(parts)
    rows, maybe_formula = _row_tags(data)
    prefixed = len(re.findall(rb"<\w+:row[\s>/]", data))
    assert rows == data.count(b"<row") - data.count(b"<rowBreaks") + prefixed
    assert maybe_formula or _first_formula(data) < 0
