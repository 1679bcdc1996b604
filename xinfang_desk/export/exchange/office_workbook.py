"""导出汇总台账: the school-wide workbook of the office — every unit's cases, the figures, figures per unit.

The 信访台账 and 统计 sheets and the exchange identity are written by the same functions as a unit's
台账 (``ledger_workbook``), over the whole office ledger, so the school-wide figures are exactly
``compute_figures`` of the office ledger.  A further sheet, 各单位统计, shows the plain figures per
unit (cases received in the period), computed by ``compute_figures`` with a unit filter, and the
whole school in the last column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy.orm import Session

from xinfang_desk.export.exchange.cells import guarded_cell
from xinfang_desk.export.exchange.ledger_workbook import (
    LedgerExport,
    export_ledger,
    period_title,
    unit_of,
)
from xinfang_desk.export.exchange.statistics_sheet import NO_VALUE
from xinfang_desk.export.progress import CancelCheck, ProgressCallback
from xinfang_desk.ledger import audit, ledger_info
from xinfang_desk.ledger.assessment import known_units
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.figures import FIGURE_LABELS, compute_figures
from xinfang_desk.ledger.redaction import mask_in_text

UNIT_FIGURES_SHEET = "各单位统计"
SCHOOL_COLUMN = "全校"
#: Audit action of an office export.
EXPORT_OFFICE = audit.EXPORT_OFFICE
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def unit_figures(
    session: Session, start: date, end: date, unit_code: str, today: date | None = None
) -> dict[str, Any]:
    """``compute_figures`` over the cases of one unit (a running period to ``today``)."""
    return compute_figures(session, start, end, unit_code=unit_code, today=today).as_json()


def export_office_ledger(
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
) -> LedgerExport:
    """Write the 汇总台账 of cases received from ``start`` to ``end`` to ``path`` (.xlsx).

    The unit's 台账 writer does the work, with the school's titles and a 各单位统计 sheet added.
    """
    if not ledger_info.office_ledger(session):
        raise ValidationError("汇总台账只能由信访与督办室（汇总模式）的台账导出。")
    _office_code, office_name = unit_of(session)

    def per_unit_sheet(workbook: Workbook, title: str, figures: dict[str, Any]) -> None:
        units = known_units(session)  # every unit, one with no case in the period included
        per_unit = [
            (name, unit_figures(session, start, end, code, today or date.today())) for code, name in units
        ]
        if not full:
            per_unit = [(mask_in_text(name), unit) for name, unit in per_unit]
        _write_unit_figures(workbook, title, per_unit + [(SCHOOL_COLUMN, figures)])

    return export_ledger(
        session,
        path,
        actor,
        start=start,
        end=end,
        full=full,
        today=today,
        progress=progress,
        cancelled=cancelled,
        clock=clock,
        statistics_title=f"全校信访工作统计（{period_title(start, end)}，{office_name}汇总）",
        document_title=f"{office_name}（全校汇总）",
        add_sheets=per_unit_sheet,
        audit_action=EXPORT_OFFICE,
    )


def _write_unit_figures(workbook: Workbook, title: str, columns: list[tuple[str, Mapping[str, Any]]]) -> None:
    """The 各单位统计 sheet: a row per plain figure, a column per unit and one for the whole school."""
    sheet = workbook.create_sheet(UNIT_FIGURES_SHEET)
    sheet.column_dimensions["A"].width = 28
    sheet.freeze_panes = "B3"
    title_cell = guarded_cell(sheet, f"各单位信访工作统计（{title}）")
    title_cell.font = Font(bold=True, size=14)
    sheet.append([title_cell])
    head = []
    for text in ["指标", *[name for name, _ in columns], "键"]:
        cell = guarded_cell(sheet, text)
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
        head.append(cell)
    sheet.append(head)
    keys = [k for k, v in columns[-1][1].items() if not isinstance(v, Mapping)]
    for key in keys:
        values = [figures.get(key) for _, figures in columns]
        sheet.append([FIGURE_LABELS.get(key, key), *[NO_VALUE if v is None else v for v in values], key])


def read_unit_figures(sheet: Any) -> dict[str, dict[str, Any]]:
    """column (unit name or 全校) → figure key → value, from a 各单位统计 sheet (openpyxl)."""
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    names = list(rows[0][1:-1])
    table: dict[str, dict[str, Any]] = {name: {} for name in names}
    for row in rows[1:]:
        key = row[-1]
        for name, value in zip(names, row[1:-1], strict=True):
            table[name][key] = None if value == NO_VALUE else value
    return table
