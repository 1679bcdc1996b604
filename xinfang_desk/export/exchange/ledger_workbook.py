"""Writing the Excel 台账: the 信访台账 sheet streamed row by row, the 办理记录 sheet of every case's steps
(``history_sheet``), the 统计 sheet, the exchange identity.

``export_ledger`` uses openpyxl's write-only mode (rows go straight to the file through lxml) and the
streamed query of ``ledger_rows``, so a 100,000-case ledger exports in constant memory.  The sheet is
ready to work with and to print: frozen header, autofilter, column widths, overdue rows filled red,
A4 landscape with the header repeated on every page and fitted to the page width.  Personal data is
masked unless the user explicitly asks for a full export, which is recorded in the audit log.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from xinfang_desk import __version__
from xinfang_desk.export.exchange.cells import (
    guarded_cell,
    header_cell,
    looks_like_formula,
    safe_row,
    take_rows,
    text_cell,
)
from xinfang_desk.export.exchange.columns import COLUMNS, FORMAT_VERSION, LEDGER_HEADERS
from xinfang_desk.export.exchange.history_sheet import write_history_sheet
from xinfang_desk.export.exchange.identity import (
    EXCHANGE_SHEET,
    FORMAT_NAME,
    LEDGER_SHEET,
    STATISTICS_SHEET,
    ExchangeIdentity,
    RowHasher,
    identity_rows,
    statistics_checksum,
)
from xinfang_desk.export.exchange.ledger_rows import count_ledger_rows, ledger_rows
from xinfang_desk.export.exchange.print_sheet import PrintSheet
from xinfang_desk.export.exchange.statistics_sheet import write_figure_table, write_statistics
from xinfang_desk.export.progress import CancelCheck, Progress, ProgressCallback, file_written_whole
from xinfang_desk.ledger import audit, chain
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.figures import compute_figures
from xinfang_desk.ledger.models import LedgerInfo
from xinfang_desk.ledger.redaction import mask_in_text, mask_names_in
from xinfang_desk.private_files import private_temp_folder

#: Fill of a row whose case is past its deadline and still open.
OVERDUE_FILL = PatternFill("solid", fgColor="FFC7CE")


@dataclass(frozen=True)
class LedgerExport:
    """What an export wrote: the file, its exchange identity and how many rows were overdue."""

    path: Path
    identity: ExchangeIdentity
    overdue_rows: int


def period_title(start: date, end: date) -> str:
    """“2025年” for a calendar year, otherwise “2025-03-01至2025-06-30”."""
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return f"{start.year}年"
    return f"{start.isoformat()}至{end.isoformat()}"


def unit_of(session: Session) -> tuple[str, str]:
    code = session.get(LedgerInfo, "unit_code")
    name = session.get(LedgerInfo, "unit_name")
    return (code.value if code else ""), (name.value if name else "")


def _filled_cells(sheet: Any, values: tuple[Any, ...]) -> list[Any]:
    cells = []
    for value in values:
        cell = guarded_cell(sheet, value)
        cell.fill = OVERDUE_FILL
        cells.append(cell)
    return cells


def _prepare_ledger_sheet(sheet: Any, unit_name: str, title: str) -> None:
    for index, column in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B2"
    # printed as it is, page after page at its own size; the 打印台账 sheet is the one laid out for paper
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.print_options.gridLines = True
    sheet.oddHeader.center.text = f"{unit_name}信访台账（{title}）"
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def export_ledger(
    session: Session,
    path: str | Path,
    actor: str,
    *,
    start: date,
    end: date,
    full: bool = False,
    today: date | None = None,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    clock: Callable[[], datetime] = datetime.now,
    statistics_title: str | None = None,
    document_title: str | None = None,
    add_sheets: Callable[[Workbook, str, dict[str, Any]], None] | None = None,
    audit_action: str = audit.EXPORT_MASKED,
) -> LedgerExport:
    """Write the 台账 of cases received from ``start`` to ``end`` to ``path`` (.xlsx), as ``actor``.

    ``full=True`` writes ID and phone numbers unmasked and records that in the audit log; every
    export is recorded there (as ``audit_action`` when masked).  ``progress(done, total)`` is called as
    rows are written and ``cancelled()`` is asked as often; a cancelled export raises
    ``ExportCancelled`` and leaves no file.  The office's 汇总台账 passes its own titles and
    ``add_sheets(workbook, period_title, figures)`` for the sheet of figures per unit.
    """
    actor = audit.require_actor(actor)
    if start > end:
        raise ValidationError(f"导出期间有误：起始日期 {start} 晚于截止日期 {end}。")
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ValidationError(f"台账文件应以 .xlsx 结尾：{target.name}。")
    unit_code, unit_name = unit_of(session)
    if not full:  # every text a masked export writes is scanned, the unit's name and the figures' too
        unit_name, document_title = mask_in_text(unit_name), document_title and mask_in_text(document_title)
    steps = Progress(count_ledger_rows(session, start, end), progress, cancelled)
    steps.report(0)
    with private_temp_folder(), file_written_whole(target) as temporary:
        workbook = Workbook(write_only=True)
        try:
            title = period_title(start, end)
            checksum, written, overdue = write_ledger_sheet(
                workbook, session, start, end, full, today or date.today(), unit_name, title, steps
            )
            history_checksum, history_rows = write_history_sheet(workbook, session, start, end, full, steps)
            typed = compute_figures(session, start, end, today=today or date.today())
            figures = typed.as_json()
            heading = statistics_title or f"{unit_name}信访工作统计（{title}）"
            statistics = write_statistics(
                workbook, heading, figures if full else mask_names_in(figures), name=STATISTICS_SHEET
            )
            write_figure_table(workbook, heading, typed)
            if add_sheets is not None:
                add_sheets(workbook, title, figures)
            identity = ExchangeIdentity(
                unit_code=unit_code,
                unit_name=unit_name,
                exported_at=clock().replace(microsecond=0),
                exported_by=actor,
                app_version=__version__,
                period_from=start,
                period_to=end,
                masked=not full,
                row_count=written,
                checksum=checksum,
                history_hash=chain.last_hash(session.connection()),
                statistics_checksum=statistics_checksum(statistics),
                history_rows=history_rows,
                history_checksum=history_checksum,
            )
            write_identity(workbook, identity)
            set_properties(workbook, document_title or unit_name, title, actor)
            steps.check()
            workbook.save(temporary)
        except BaseException:
            discard_workbook(workbook)
            raise
        # recorded before the file takes its name: an export that cannot be audited is not written
        audit.record_audit(
            session,
            actor,
            audit.EXPORT_FULL if full else audit_action,
            {
                "file": target.name,
                "period_from": start.isoformat(),
                "period_to": end.isoformat(),
                "rows": written,
                "checksum": checksum,
                "history_hash": identity.history_hash,
            },
            clock=clock,
        )
    steps.report(written)
    return LedgerExport(target, identity, overdue)


def write_ledger_sheet(
    workbook: Workbook,
    session: Session,
    start: date,
    end: date,
    full: bool,
    today: date,
    unit_name: str,
    title: str,
    steps: Progress,
) -> tuple[str, int, int]:
    """Stream the 信访台账 sheet; returns its checksum, the number of case rows and of overdue ones."""
    sheet = workbook.create_sheet(LEDGER_SHEET)
    take_rows(sheet)
    _prepare_ledger_sheet(sheet, unit_name, title)
    printed = PrintSheet(workbook, f"{unit_name}信访台账（{title}）")
    hasher = RowHasher()
    hasher.add(LEDGER_HEADERS)
    sheet.append([header_cell(sheet, h) for h in LEDGER_HEADERS])
    overdue = written = 0
    append = sheet.append
    batch: list[tuple[Any, ...]] = []  # hashed a batch at a time, column by column
    for row in ledger_rows(session, start, end, full=full, today=today):
        batch.append(row.values)
        if row.overdue:
            overdue += 1
            append(_filled_cells(sheet, row.values))
        else:
            append(safe_row(sheet, row.values))
        printed.append(row.values, row.overdue)
        written += 1
        if len(batch) == RowHasher.CHUNK_ROWS:
            hasher.add_rows(batch)
            batch = []
        steps.step(written)
    hasher.add_rows(batch)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_HEADERS))}{written + 1}"
    return hasher.hexdigest(), written, overdue


def set_properties(workbook: Workbook, unit_name: str, title: str, actor: str) -> None:
    workbook.properties.title = f"{unit_name}信访台账（{title}）"
    workbook.properties.subject = f"{FORMAT_NAME} {FORMAT_VERSION}"
    workbook.properties.keywords = FORMAT_NAME
    workbook.properties.creator = f"xinfang-desk {__version__}（{actor}）"


def discard_workbook(workbook: Workbook) -> None:
    """Finish and delete the temporary files of an abandoned write-only workbook, quietly."""
    for sheet in workbook.worksheets:
        with contextlib.suppress(Exception):
            if not sheet.closed:
                sheet.close()
        writer = getattr(sheet, "_writer", None)  # openpyxl keeps each sheet's temp file here
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()


def write_identity(workbook: Workbook, identity: ExchangeIdentity) -> None:
    sheet = workbook.create_sheet(EXCHANGE_SHEET)
    sheet.sheet_state = "hidden"
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 68
    sheet.column_dimensions["C"].width = 36
    sheet.append(["键", "值", "说明"])
    for key, value, description in identity_rows(identity):
        sheet.append([key, text_cell(sheet, value) if looks_like_formula(value) else value, description])
