"""What a 年度统计报告 says, gathered from the ledger: the title, the figures and the lists (no PDF yet).

Gathering reads the ledger (on the database worker); ``annual_report.annual_report_pdf`` lays these
facts out with reportlab and needs no ledger, so the app runs it beside the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from xinfang_desk.ledger.figures import Figures, compute_figures
from xinfang_desk.ledger.models import LedgerInfo, Unit
from xinfang_desk.ledger.report_lists import OverdueCase, RepeatPetitioner, overdue_cases, repeat_petitioners


@dataclass(frozen=True)
class AnnualReportFacts:
    """The report's content (plain data, safe across threads)."""

    title: str
    figures: Figures
    overdue: tuple[OverdueCase, ...]
    repeaters: tuple[RepeatPetitioner, ...]
    #: the day the report is made (printed as its 生成日期; deadlines are reckoned to it)
    today: date


def report_title(unit_name: str, start: date, end: date) -> str:
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return f"{unit_name}{start.year}年度信访工作统计报告"
    return f"{unit_name}信访工作统计报告（{start:%Y年%m月%d日}至{end:%Y年%m月%d日}）"


def _unit_name(session: Session, unit_code: str | None) -> str:
    if unit_code:
        unit = session.query(Unit).filter_by(code=unit_code).one_or_none()
        return unit.name if unit is not None else unit_code
    info = session.get(LedgerInfo, "unit_name")
    return info.value if info is not None else ""


def gather_annual_facts(
    session: Session, start: date, end: date, *, unit_code: str | None = None, today: date | None = None
) -> AnnualReportFacts:
    """The figures and lists of the period (one unit, or all when ``unit_code`` is None)."""
    today = today or date.today()
    return AnnualReportFacts(
        report_title(_unit_name(session, unit_code), start, end),
        compute_figures(session, start, end, unit_code=unit_code, today=today),
        tuple(overdue_cases(session, start, end, today, unit_code=unit_code)),
        tuple(repeat_petitioners(session, start, end, unit_code=unit_code)),
        today,
    )
