"""Writing the 办理记录 sheet: every step of each exported case, so the office sees who did what and when.

One row per event (``columns.HISTORY_COLUMNS``), in the order of the 台账 sheet's cases and each
case's steps: the case number, the step's number and time, the step, who took it, its note and
the line the case view shows for its data (``case_details.describe_event``), and the case's id.
A masked export masks these texts as it masks the 台账's (``mask_in_text``) and, besides, the
petitioner's own stored ID and phone numbers however they were typed, so no number the 台账's
columns withhold comes back through a note.  Texts are cleaned of characters XML cannot carry and a
formula-like text stays text (``cells.safe_value``); a note no Excel cell can hold stops the export.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from xinfang_desk.export.exchange.cells import header_cell, safe_row, take_rows, whole_cell_text
from xinfang_desk.export.exchange.columns import HISTORY_COLUMNS, HISTORY_HEADERS
from xinfang_desk.export.exchange.identity import HISTORY_SHEET, RowHasher, history_hasher
from xinfang_desk.export.progress import Progress
from xinfang_desk.ledger.case_details import describe_event
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.figures import received_between
from xinfang_desk.ledger.models import Case, CaseEvent, Petitioner
from xinfang_desk.ledger.redaction import mask_personal_numbers
from xinfang_desk.ledger.vocab import EventKind

#: Rows a worksheet can hold (Excel's limit, header included).
SHEET_ROWS = 1_048_576
#: Events fetched from the database per partition.
PARTITION_ROWS = 5000

_KIND_LABELS = {k.value: k.label for k in EventKind}


def count_history_rows(session: Session, start: date, end: date) -> int:
    """The events of the cases received from ``start`` to ``end``."""
    query = select(func.count()).select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
    return int(session.scalar(query.where(received_between(start, end))) or 0)


def _cell_text(value: str | None, case_no: str, what: str) -> str:
    return whole_cell_text(value, f"案件{case_no}的办理记录“{what}”")


def history_query(start: date, end: date) -> Select:
    """The streamed select of every step of the cases received from ``start`` to ``end``, in sheet order."""
    return (
        select(
            Case.case_no,
            CaseEvent.seq,
            CaseEvent.at,
            CaseEvent.kind,
            CaseEvent.actor,
            CaseEvent.note,
            CaseEvent.data,
            Case.uuid,
            Petitioner.id_number,
            Petitioner.phone,
        )
        .join(Case, Case.id == CaseEvent.case_id)
        .join(Petitioner, Petitioner.id == Case.petitioner_id)
        .where(received_between(start, end))
        .order_by(Case.received_at, Case.id, CaseEvent.seq)
        .execution_options(yield_per=PARTITION_ROWS)
    )


def history_rows(
    session: Session, start: date, end: date, *, full: bool = False
) -> Iterator[tuple[Any, ...]]:
    """Every event of the cases received from ``start`` to ``end`` as 办理记录 rows (see the module doc)."""
    query = history_query(start, end)
    for case_no, seq, at, kind, actor, note, data, uuid, id_number, phone in session.execute(query):
        texts = [
            _cell_text(actor, case_no, "经办人"),
            _cell_text(note, case_no, "内容"),
            _cell_text(describe_event(kind, data), case_no, "详情"),
        ]
        if not full:
            texts = [mask_personal_numbers(t, id_number=id_number, phone=phone) for t in texts]
        actor_text, note_text, detail = texts
        yield (
            case_no,
            seq,
            at.replace(microsecond=0),
            _KIND_LABELS.get(kind, kind),
            actor_text or None,
            note_text or None,
            detail or None,
            uuid,
        )


def write_history_sheet(
    workbook: Workbook, session: Session, start: date, end: date, full: bool, steps: Progress
) -> tuple[str, int]:
    """Stream the 办理记录 sheet; returns its checksum and its number of rows (header not counted)."""
    if count_history_rows(session, start, end) >= SHEET_ROWS:
        raise ValidationError(
            f"所选期间的办理记录超过 Excel 工作表 {SHEET_ROWS - 1:,} 行的上限，请缩短导出期间（例如按年度导出）。"
        )
    sheet = workbook.create_sheet(HISTORY_SHEET)
    take_rows(sheet)
    for index, column in enumerate(HISTORY_COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    hasher = history_hasher()
    hasher.add(HISTORY_HEADERS)
    sheet.append([header_cell(sheet, header) for header in HISTORY_HEADERS])
    append = sheet.append
    written = 0
    batch: list[tuple[Any, ...]] = []  # hashed a batch at a time, column by column
    for row in history_rows(session, start, end, full=full):
        batch.append(row)
        append(safe_row(sheet, row))
        written += 1
        if len(batch) == RowHasher.CHUNK_ROWS:
            hasher.add_rows(batch)
            batch = []
            steps.check()
    hasher.add_rows(batch)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HISTORY_HEADERS))}{written + 1}"
    return hasher.hexdigest(), written
