"""Operations of the Excel exchange: export the 台账 (unit or office), merge units' ledgers, import old ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from xinfang_desk.export.progress import CancelCheck, ProgressCallback
from xinfang_desk.ledger.models import Case, LedgerInfo
from xinfang_desk.ledger.operations.context import Changes, OpContext, OpResult
from xinfang_desk.ledger.permissions import Permission, requires

if TYPE_CHECKING:  # the workbook libraries load when an exchange runs, not when a window opens
    from xinfang_desk.export.exchange.import_ledger import ImportReport
    from xinfang_desk.export.exchange.merge import MergeReport


@dataclass(frozen=True)
class ExportChoices:
    """What the export dialog offers: the unit and the years that have cases."""

    unit_name: str
    years: tuple[int, ...]
    today: date


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    start: date
    end: date
    full: bool
    #: the office's school-wide 汇总台账 (with figures per unit) instead of the unit's own 台账
    office: bool = False


@dataclass(frozen=True)
class ExportOutcome:
    """What was written, for the closing message."""

    path: Path
    rows: int
    overdue: int
    full: bool


@requires(Permission.EXPORT)
def export_choices(ctx: OpContext) -> ExportChoices:
    today = ctx.now().date()
    unit = ctx.session.get(LedgerInfo, "unit_name")
    years = set(ctx.session.scalars(select(Case.year).distinct())) | {today.year}
    return ExportChoices(unit.value if unit else "", tuple(sorted(years, reverse=True)), today)


@requires(Permission.EXPORT)
def count_rows(ctx: OpContext, start: date, end: date) -> int:
    """How many cases received from ``start`` to ``end`` an export would write."""
    from xinfang_desk.export.exchange.ledger_rows import count_ledger_rows

    return count_ledger_rows(ctx.session, start, end)


@requires(Permission.EXPORT)
def export_workbook(
    ctx: OpContext,
    request: ExportRequest,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
) -> ExportOutcome:
    """Write the unit's 台账 (or the office's 汇总台账) for the request's period."""
    from xinfang_desk.export.exchange.ledger_workbook import export_ledger
    from xinfang_desk.export.exchange.office_workbook import export_office_ledger

    if request.full:
        ctx.require(Permission.EXPORT_FULL)
    writer = export_office_ledger if request.office else export_ledger
    written = writer(
        ctx.session,
        request.path,
        ctx.actor.name,
        start=request.start,
        end=request.end,
        full=request.full,
        progress=progress,
        cancelled=cancelled,
        clock=ctx.clock,
    )
    return ExportOutcome(written.path, written.identity.row_count, written.overdue_rows, request.full)


@dataclass(frozen=True)
class MergeOutcome:
    report: MergeReport
    saved_report: Path | None


@requires(Permission.MERGE)
def merge_files(
    ctx: OpContext,
    paths: Sequence[str | Path],
    *,
    accept_edited: bool = False,
    report_folder: Path | None = None,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
) -> OpResult[MergeOutcome]:
    """Merge units' exported 台账 into this office ledger; the report is also saved in ``report_folder``."""
    from xinfang_desk.export.exchange.merge import merge_workbooks, write_report

    report = merge_workbooks(
        ctx.session,
        paths,
        ctx.actor.name,
        accept_edited=accept_edited,
        progress=progress,
        cancelled=cancelled,
        clock=ctx.clock,
    )
    saved = write_report(report, report_folder) if report_folder is not None else None
    return OpResult(MergeOutcome(report, saved), Changes(everything=True))


@requires(Permission.IMPORT)
def import_file(
    ctx: OpContext,
    path: str | Path,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    **options: Any,
) -> OpResult[ImportReport]:
    """Import a unit's own Excel 台账 (its rows registered with their history)."""
    from xinfang_desk.export.exchange.import_ledger import import_ledger

    report = import_ledger(
        ctx.session, path, ctx.actor.name, progress=progress, cancelled=cancelled, clock=ctx.clock, **options
    )
    return OpResult(report, Changes(everything=True))
