"""Workbooks for the merge and import tests, all generated in a temporary folder.

* ``unit_export``: a real unit ledger (through the ``Workflow``) exported by the export package.
* ``rewrite_export``: an exported 台账 with its rows or identity changed by a test and, unless told
  otherwise, signed again with a correct checksum — a crafted file the office must judge on content.
* ``CORPUS``: the bad inputs, each a function making the file from a good export, with a fragment of
  the Chinese message it must be refused with.  The 1,000,000-row and bomb files (.xlsx and .ods) are
  streamed into the zip by hand, so they cost a few MB on disk and about a second to make; the
  oversized .xls is a sparse file.  The far-reaching sheets (a cell at XFD150000, an .ods cell
  repeated 10,000 × 10,000 times) would abort the whole test run if the guard let them through to
  python-calamine: they are refused before it reads them.  So is an .xls (saved by LibreOffice, one
  cell record's row and column then set to 65,535), which python-calamine reads whole when it opens it.
"""

from __future__ import annotations

import random
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import olefile
from openpyxl import Workbook, load_workbook

from tests import libreoffice
from tests.helpers import Clock, draft
from xinfang_desk.export.exchange.columns import (
    FORMAT_VERSION,
    HISTORY_SINCE,
    LEDGER_HEADERS,
    headers_of_version,
)
from xinfang_desk.export.exchange.identity import (
    EXCHANGE_SHEET,
    HISTORY_SHEET,
    LEDGER_SHEET,
    ExchangeIdentity,
    history_checksum,
    identity_rows,
    ledger_checksum,
    statistics_checksum,
)
from xinfang_desk.export.exchange.ledger_workbook import export_ledger
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.reference import create_ledger
from xinfang_desk.ledger.vocab import Outcome, Satisfaction
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow

Rows = list[list[Any]]


# ---------------------------------------------------------------------------------------- good files
@dataclass
class UnitLedger:
    """A unit's ledger with a clock the test moves."""

    ledger: Ledger
    clock: Clock
    code: str

    def register(self, at: datetime, **overrides: Any) -> str:
        """Register a case received at ``at``; returns its case number."""
        self.clock.now = at
        with self.ledger.session() as session:
            case = Workflow(session, "接待员", clock=self.clock).register(draft(received_at=at, **overrides))
            session.flush()
            return case.case_no

    def step(self, case_no: str, at: datetime, action: Callable[[Workflow, Any], Any]) -> None:
        from xinfang_desk.ledger.workflow import find_case

        self.clock.now = at
        with self.ledger.session() as session:
            action(Workflow(session, "主任", clock=self.clock), find_case(session, case_no))

    def close_case(self, case_no: str, at: datetime) -> None:
        def run(wf: Workflow, case: Any) -> None:
            wf.accept(case, at=at)
            wf.assign(case, "后勤集团", "请按期办理", at=at)
            wf.reply(case, Outcome.SOLVED, "已修好", at=at)
            wf.evaluate(case, Satisfaction.SATISFIED, at=at)
            wf.close(case, at=at)

        self.step(case_no, at, run)

    def export(self, path: Path, *, full: bool = False, at: datetime | None = None) -> Path:
        when = at or self.clock.now + timedelta(hours=1)
        with self.ledger.session() as session:
            export_ledger(
                session,
                path,
                "导出员",
                start=date(2000, 1, 1),
                end=when.date(),
                full=full,
                today=when.date(),
                clock=lambda: when,
            )
        return path


def unit_ledger(folder: Path, code: str, name: str, start: datetime) -> UnitLedger:
    return UnitLedger(create_ledger(folder / f"{code}.sqlite", code, name), Clock(start), code)


def person(
    name: str = "王喆", id_number: str = "340104199001011239", phone: str = "13812345678"
) -> PetitionerInput:
    return PetitionerInput(name=name, id_number=id_number, phone=phone)


def unit_export(folder: Path, code: str = "JWC", name: str = "教务处", cases: int = 3) -> Path:
    """A unit's export of ``cases`` cases received on consecutive days of January 2025."""
    unit = unit_ledger(folder, code, name, datetime(2025, 1, 6, 9))
    for i in range(cases):
        unit.register(datetime(2025, 1, 6 + i, 9), summary=f"{name}第{i + 1}件：宿舍热水器损坏")
    path = unit.export(folder / f"{code}.xlsx")
    unit.ledger.close()
    return path


# ---------------------------------------------------------------------------------------- crafting
def read_export(path: Path) -> tuple[Rows, dict[str, str]]:
    """The 台账 rows (header first) and the identity key/values of an exported workbook."""
    book = load_workbook(path)
    rows = [list(r) for r in book[LEDGER_SHEET].iter_rows(values_only=True)]
    identity = {
        str(r[0]): "" if r[1] is None else str(r[1])
        for r in book[EXCHANGE_SHEET].iter_rows(min_row=2, values_only=True)
        if r[0]
    }
    return rows, identity


def read_history(path: Path) -> Rows | None:
    """The 办理记录 rows (header first) of an exported workbook; None when it has no such sheet."""
    book = load_workbook(path)
    if HISTORY_SHEET not in book.sheetnames:
        return None
    return [list(r) for r in book[HISTORY_SHEET].iter_rows(values_only=True)]


def write_export(
    path: Path, rows: Rows, identity: dict[str, str], *, sign: bool = True, history: Rows | None = None
) -> Path:
    """A 台账 workbook of ``rows``, ``history`` (the 办理记录 sheet, when given) and ``identity``;
    ``sign`` recomputes the row counts and checksums."""
    if sign:
        version = int(identity.get("format_version", FORMAT_VERSION))
        identity = dict(
            identity,
            row_count=str(len(rows) - 1),
            checksum=ledger_checksum(rows, len(rows[0]) if rows else 0, version),
        )
        if version >= 2:  # the 统计 sheet is not copied
            identity["statistics_checksum"] = statistics_checksum(())
        if version >= HISTORY_SINCE:
            checksum, count = history_checksum(history or ())
            identity.update(history_checksum=checksum, history_rows=str(count))
    book = Workbook()
    sheet = book.active
    sheet.title = LEDGER_SHEET
    for row in rows:
        sheet.append(row)
    if history is not None:
        steps = book.create_sheet(HISTORY_SHEET)
        for row in history:
            steps.append(row)
    exchange = book.create_sheet(EXCHANGE_SHEET)
    exchange.append(["键", "值", "说明"])
    for key, value in identity.items():
        exchange.append([key, value, ""])
    book.save(path)
    return path


def rewrite_export(
    source: Path,
    target: Path,
    edit: Callable[[Rows], Rows | None] | None = None,
    *,
    identity: dict[str, str] | None = None,
    sign: bool = True,
    edit_history: Callable[[Rows], Rows | None] | None = None,
) -> Path:
    """``source`` with its rows changed by ``edit`` and its 办理记录 rows by ``edit_history`` (in place or
    returned), and identity values overridden."""
    rows, values = read_export(source)
    history = read_history(source)
    if edit is not None:
        rows = edit(rows) or rows
    if edit_history is not None and history is not None:
        history = edit_history(history) or history
    values.update(identity or {})
    return write_export(target, rows, values, sign=sign, history=history)


def as_older_version(source: Path, target: Path, version: int) -> Path:
    """An export as an older version of the format wrote it: version 1 had 36 columns, an ordered
    checksum and no 统计 checksum; versions 1 and 2 had no 办理记录 sheet."""
    rows, values = read_export(source)
    keep = [i for i, header in enumerate(rows[0]) if header in headers_of_version(version)]
    newer = {"history_rows", "history_checksum"} | ({"statistics_checksum"} if version < 2 else set())
    values = {k: v for k, v in values.items() if k not in newer}
    values["format_version"] = str(version)
    return write_export(target, [[row[i] for i in keep] for row in rows], values)


def column(name: str) -> int:
    return LEDGER_HEADERS.index(name)


def identity_of(identity: ExchangeIdentity) -> dict[str, str]:
    return {key: value for key, value, _ in identity_rows(identity)}


# ---------------------------------------------------------------------------------------- hand-made
_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b"</Types>"
)
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>"
)
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _cells(values: list[str]) -> str:
    return "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in values)


def exchange_sheet_xml(identity: dict[str, str]) -> bytes:
    rows = [["键", "值"]] + [[k, v] for k, v in identity.items()]
    body = "".join(f'<row r="{n}">{_cells(r)}</row>' for n, r in enumerate(rows, 1))
    return _SHEET_HEAD + f"<sheetData>{body}</sheetData></worksheet>".encode()


def valid_identity(rows: int = 0) -> dict[str, str]:
    return {
        "format_name": "xinfang-ledger",
        "format_version": "1",
        "unit_code": "JWC",
        "unit_name": "教务处",
        "exported_at": "2025-01-10T09:00:00",
        "exported_by": "导出员",
        "app_version": "0.1.0",
        "period_from": "2025-01-01",
        "period_to": "2025-12-31",
        "masked": "true",
        "row_count": str(rows),
        "checksum_algorithm": "sha256",
        "checksum": "0" * 64,
    }


def hand_made_xlsx(
    path: Path,
    sheet_xml_chunks: Any,
    *,
    sheet_name: str = LEDGER_SHEET,
    level: int = 6,
    exchange: bool = True,
) -> Path:
    """An .xlsx whose (first) sheet's XML is written chunk by chunk, plus a valid ``_交换信息`` sheet."""
    sheets = [(sheet_name, sheet_xml_chunks)]
    if exchange:
        sheets.append((EXCHANGE_SHEET, [exchange_sheet_xml(valid_identity())]))
    book = "".join(
        f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>' for n, (name, _) in enumerate(sheets, 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_SHEET_TYPE}" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(sheets) + 1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{book}</sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships '
            f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for n, (_name, chunks) in enumerate(sheets, 1):
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as sheet:
                for chunk in chunks:
                    sheet.write(chunk)
    return path


def _header_row() -> bytes:
    return f'<row r="1">{_cells(list(LEDGER_HEADERS))}</row>'.encode()


def million_rows(path: Path) -> Path:
    """A sheet that really has 1,000,000 rows (no dimension tag), streamed; ~5 MB on disk."""
    rng = random.Random(5)

    def chunks() -> Any:
        yield _SHEET_HEAD + b"<sheetData>" + _header_row()
        for start in range(2, 1_000_002, 20_000):
            yield b"".join(
                b'<row r="%d"><c><v>%d</v></c></row>' % (n, rng.randrange(10**9))
                for n in range(start, start + 20_000)
            )
        yield b"</sheetData></worksheet>"

    return hand_made_xlsx(path, chunks(), level=1)


def claimed_million_rows(path: Path) -> Path:
    """A small sheet whose dimension tag claims 1,000,000 rows."""
    return hand_made_xlsx(
        path,
        [
            _SHEET_HEAD
            + b'<dimension ref="A1:AJ1000000"/><sheetData>'
            + _header_row()
            + b"</sheetData></worksheet>"
        ],
    )


def bomb(path: Path) -> Path:
    """A decompression bomb: 200 MB of sheet XML that deflates to about 200 KB."""
    block = b" " * (1 << 20)

    def chunks() -> Any:
        yield _SHEET_HEAD + b"<sheetData>"
        for _ in range(200):
            yield block
        yield b"</sheetData></worksheet>"

    return hand_made_xlsx(path, chunks(), level=1)


def _ods_cell(value: str, formula: str = "") -> str:
    if formula:
        return (
            f'<table:table-cell table:formula="{formula}" office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'


def ods_row(values: list[str], *, repeated: int = 1, formula_at: int = -1, formula: str = "") -> bytes:
    """One ``table:table-row`` of text cells (the ``formula_at``-th cell holds ``formula``)."""
    cells = "".join(_ods_cell(v, formula if i == formula_at else "") for i, v in enumerate(values))
    repeat = f' table:number-rows-repeated="{repeated}"' if repeated > 1 else ""
    return f"<table:table-row{repeat}>{cells}</table:table-row>".encode()


_ODS_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    b"<office:body><office:spreadsheet>"
)
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def hand_made_ods(path: Path, table_xml_chunks: Any, *, sheet_name: str = LEDGER_SHEET) -> Path:
    """An OpenDocument spreadsheet: one table whose rows are written chunk by chunk into content.xml,
    then a valid ``_交换信息`` table."""
    identity = [["键", "值"]] + [[k, v] for k, v in valid_identity().items()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )  # stored, first, as ODF asks
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        with archive.open("content.xml", "w", force_zip64=True) as content:
            content.write(_ODS_HEAD + f'<table:table table:name="{sheet_name}">'.encode())
            for chunk in table_xml_chunks:
                content.write(chunk)
            content.write(f'</table:table><table:table table:name="{EXCHANGE_SHEET}">'.encode())
            content.write(b"".join(ods_row(row) for row in identity))
            content.write(b"</table:table></office:spreadsheet></office:body></office:document-content>")
    return path


def ods_bomb(path: Path) -> Path:
    """An .ods whose content.xml is 200 MB (of spaces) that deflates to about 200 KB."""
    block = b" " * (1 << 20)
    return hand_made_ods(path, [ods_row(list(LEDGER_HEADERS)), *(block for _ in range(200))])


def ods_with_formula(path: Path) -> Path:
    """An .ods 台账 whose one data row has a formula (``of:=1+1``) in its 人数 cell."""
    values = ["" for _ in LEDGER_HEADERS]
    values[column("人数")] = "2"
    row = ods_row(values, formula_at=column("人数"), formula="of:=1+1")
    return hand_made_ods(path, [ods_row(list(LEDGER_HEADERS)), row])


def ods_many_rows(path: Path) -> Path:
    """An .ods of a header and 300,000 rows: a one-cell row written once and repeated (a few hundred bytes)."""
    return hand_made_ods(path, [ods_row(list(LEDGER_HEADERS)), ods_row(["宿舍热水器损坏"], repeated=300_000)])


def _inline_cell(ref: str, value: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'.encode()


def far_cell(path: Path) -> Path:
    """A sheet of a few hundred bytes with one text cell at XFD150000, the last column of row 150,000:
    python-calamine would size it 150,000 × 16,384 cells (78 GB)."""
    far = b'<row r="150000">' + _inline_cell("XFD150000", "备注") + b"</row>"
    return hand_made_xlsx(
        path, [_SHEET_HEAD + b"<sheetData>" + _header_row() + far + b"</sheetData></worksheet>"]
    )


def far_cell_in_a_short_sheet(path: Path) -> Path:
    """Two real rows, the second holding an empty text cell whose own reference is row 900,000
    (calamine takes each cell's ``r``, not its row's, and counts an empty string as filled)."""
    stray = b'<row r="2">' + _inline_cell("B900000", "") + b"</row>"
    return hand_made_xlsx(
        path, [_SHEET_HEAD + b"<sheetData>" + _header_row() + stray + b"</sheetData></worksheet>"]
    )


def ods_repeated_cell(path: Path) -> Path:
    """An .ods whose one text cell is repeated across 10,000 columns in a row repeated 10,000 times
    (with the header, 10⁸ cells: 3.2 GB in calamine) — a few hundred bytes."""
    cell = b'<table:table-cell table:number-columns-repeated="10000" office:value-type="string"><text:p>x</text:p></table:table-cell>'
    row = b'<table:table-row table:number-rows-repeated="9999">' + cell + b"</table:table-row>"
    return hand_made_ods(path, [ods_row(list(LEDGER_HEADERS)), row])


def oversized_xls(path: Path) -> Path:
    """An old binary .xls (its signature first) of 201 MB, written sparse: it costs no disk space."""
    with path.open("wb") as file:
        file.write(_OLE_SIGNATURE)
        file.truncate(201 * 1024 * 1024)
    return path


#: Cell records whose body starts with its row and column: NUMBER, RK, LABELSST, LABEL, BOOLERR,
#: FORMULA, and MULRK (numbers in a run of columns, its last column in its last two bytes).
_XLS_CELL_RECORDS = (0x0203, 0x027E, 0x00FD, 0x0204, 0x0205, 0x0006, 0x00BD)
_MULRK = 0x00BD


def xls_cell_records(stream: bytes) -> list[int]:
    """Where each cell record of the worksheets of a BIFF8 ``Workbook`` stream starts."""
    found, at, sheet = [], 0, False
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        if kind == 0x0809:
            sheet = at > 0  # the first BOF opens the workbook globals
        elif kind in _XLS_CELL_RECORDS and sheet:
            found.append(at)
        at += 4 + length
    return found


def as_xls(source: Path, folder: Path) -> Path:
    """``source`` saved by LibreOffice as an Excel 97–2003 workbook (.xls) in ``folder``."""
    (made,) = libreoffice.convert([source], "xls:MS Excel 97", folder)
    return made


def patch_xls_cells(xls: Path, target: Path, cells: dict[int, tuple[int, int]]) -> Path:
    """``xls`` with the n-th cell record moved to (row, column) (0-based) for each n of ``cells`` (a
    MULRK's run starting there): the bytes of the record, found in the file, are rewritten in place."""
    stream = xls_workbook_stream(xls)
    data = bytearray(xls.read_bytes())
    records = xls_cell_records(stream)
    for n, (row, column) in cells.items():
        at = records[n]
        record = stream[at : at + 4 + struct.unpack_from("<H", stream, at + 2)[0]]
        assert data.count(record) == 1, "the cell record is not unique in the file"
        start = data.find(record) + 4
        data[start : start + 4] = struct.pack("<HH", row, column)
        if record[0:2] == struct.pack("<H", _MULRK):
            end = start + len(record) - 4
            data[end - 2 : end] = struct.pack("<H", column + (len(record) - 10) // 6 - 1)
    target.write_bytes(bytes(data))
    return target


def xls_far_cell(good: Path, path: Path) -> Path:
    """``good`` saved as .xls by LibreOffice, then its first cell's row and column set to 65,535:
    python-calamine would size the sheet 65,536 × 65,536 cells (137 GB) when it opens the file."""
    xls = as_xls(good, path.parent / f"{path.stem}-lo")
    return patch_xls_cells(xls, path, {_unique_cell_record(xls): (0xFFFF, 0xFFFF)})


def _unique_cell_record(xls: Path) -> int:
    """The first cell record whose bytes stand exactly once in the file (the header row is in two sheets)."""
    stream, data = xls_workbook_stream(xls), xls.read_bytes()
    for n, at in enumerate(xls_cell_records(stream)):
        if data.count(stream[at : at + 4 + struct.unpack_from("<H", stream, at + 2)[0]]) == 1:
            return n
    raise AssertionError("no cell record of the .xls can be found once in the file")


def xls_workbook_stream(xls: Path) -> bytes:
    """The BIFF records of an .xls (its ``Workbook`` stream)."""
    with olefile.OleFileIO(str(xls)) as container:
        return container.openstream("Workbook").read()


def broken_sheet_xml(path: Path) -> Path:
    """A well-formed zip whose sheet XML breaks off in the middle of a row."""
    return hand_made_xlsx(
        path,
        [_SHEET_HEAD + b"<sheetData>" + _header_row() + '<row r="2"><c t="inlineStr"><is><t>半'.encode()],
    )


# ---------------------------------------------------------------------------------------- the corpus
def _set(row: int, name: str, value: Any) -> Callable[[Rows], None]:
    def edit(rows: Rows) -> None:
        rows[row][column(name)] = value

    return edit


def _other_program(path: Path) -> Path:
    book = Workbook()
    book.active.title = "销售数据"
    book.active.append(["月份", "销售额"])
    book.active.append(["一月", 1200])
    book.save(path)
    return path


def _truncated(good: Path, path: Path) -> Path:
    data = good.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def _zip_not_xlsx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("说明.txt", "这是一个普通的压缩包。")
    return path


def _without_ledger_sheet(good: Path, path: Path) -> Path:
    book = load_workbook(good)
    del book[LEDGER_SHEET]
    book.save(path)
    return path


def _with_formula(good: Path, path: Path) -> Path:
    book = load_workbook(good)
    book[LEDGER_SHEET]["F2"] = "=1+1"
    book.save(path)
    return path


def _duplicate_ids(rows: Rows) -> None:
    rows[2][column("案件ID")] = rows[1][column("案件ID")]


FUTURE = date.today() + timedelta(days=30)


@dataclass(frozen=True)
class BadFile:
    """One entry of the corpus: how to make it from a good export, and what the refusal must say."""

    name: str
    make: Callable[[Path, Path], Path]
    message: str
    #: the import refuses it for the same reason (False: an exchange-only matter, e.g. the checksum)
    for_import: bool = True
    #: the file's extension (the reader goes by content; the name says what a user would have)
    suffix: str = ".xlsx"


def _crafted(edit: Callable[[Rows], Any], **identity: str) -> Callable[[Path, Path], Path]:
    return lambda good, path: rewrite_export(good, path, edit, identity=identity or None)


CORPUS: tuple[BadFile, ...] = (
    BadFile(
        "not_a_zip",
        lambda good, p: (p.write_bytes(b"name,phone\n\xe5\xbc\xa0,1\n"), p)[1],
        "不是 Excel 工作簿",
    ),
    BadFile(
        "old_xls",
        lambda good, p: (p.write_bytes(_OLE_SIGNATURE + bytes(600)), p)[1],
        ".xls",
    ),
    BadFile("zip_not_xlsx", lambda good, p: _zip_not_xlsx(p), "是一个压缩文件，但不是 Excel 工作簿"),
    BadFile("other_program", lambda good, p: _other_program(p), "缺少“_交换信息”工作表", for_import=False),
    BadFile("missing_sheet", _without_ledger_sheet, "没有“信访台账”工作表", for_import=False),
    BadFile(
        "misspelt_header",
        _crafted(lambda rows: rows[0].__setitem__(column("登记日期"), "登记日起")),
        "登记日起",
    ),
    BadFile(
        "missing_header",
        _crafted(lambda rows: [r[: column("内容摘要")] + r[column("内容摘要") + 1 :] for r in rows]),
        "缺少必需的列",
    ),
    BadFile("text_in_date", _crafted(_set(1, "登记日期", "上周三")), "“上周三”不是有效日期"),
    BadFile("impossible_date", _crafted(_set(1, "受理日期", "2025-02-30")), "“2025-02-30”不是有效日期"),
    BadFile("future_date", _crafted(_set(1, "登记日期", FUTURE)), "晚于今天"),
    BadFile("negative_people", _crafted(_set(1, "人数", -3)), "人数不能小于 1"),
    BadFile("duplicate_ids", _crafted(_duplicate_ids), "案件ID与第 2 行重复", for_import=False),
    BadFile("truncated", _truncated, "不完整或已损坏"),
    BadFile("formula", _with_formula, "第 2 行含有公式"),
    BadFile("huge_cell", _crafted(_set(1, "内容摘要", "长" * 100_000)), "内容摘要内容过长"),
    BadFile("bomb", lambda good, p: bomb(p), "压缩炸弹"),
    BadFile("million_rows", lambda good, p: million_rows(p), "超过了 200,000 行的上限"),
    BadFile("ods_bomb", lambda good, p: ods_bomb(p), "压缩炸弹", suffix=".ods"),
    BadFile("ods_formula", lambda good, p: ods_with_formula(p), "含有公式", suffix=".ods"),
    BadFile("ods_many_rows", lambda good, p: ods_many_rows(p), "超过了 200,000 行的上限", suffix=".ods"),
    BadFile("xls_too_big", lambda good, p: oversized_xls(p), "超过了 200 MB 的上限", suffix=".xls"),
    BadFile(
        "far_cell",
        lambda good, p: far_cell(p),
        "工作表范围过大：有内容的单元格远至第 150,000 行、第 16,384 列",
    ),
    BadFile("far_cell_short_sheet", lambda good, p: far_cell_in_a_short_sheet(p), "远至第 900,000 行"),
    BadFile(
        "ods_repeated_cell",
        lambda good, p: ods_repeated_cell(p),
        "远至第 10,000 行、第 10,000 列",
        suffix=".ods",
    ),
    BadFile(
        "xls_far_cell",
        xls_far_cell,
        "工作表范围过大：有内容的单元格远至第 65,536 行、第 65,536 列，超过了 Excel 的 16,384 列",
        suffix=".xls",
    ),
    BadFile("broken_xml", lambda good, p: broken_sheet_xml(p), "无法读取"),
    BadFile(
        "newer_format",
        _crafted(lambda rows: None, format_version=str(FORMAT_VERSION + 1)),
        "请升级本程序",
        for_import=False,
    ),
    BadFile(
        "edited",
        lambda good, p: rewrite_export(good, p, _set(1, "内容摘要", "改过的摘要"), sign=False),
        "导出后被修改",
        for_import=False,
    ),
)
