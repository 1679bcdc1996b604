"""Operations behind the 统计分析 page: a period's figures, its early warnings and the units' assessment."""

from __future__ import annotations

from datetime import date

from xinfang_desk.ledger.assessment import UnitAssessment, known_units, unit_assessment
from xinfang_desk.ledger.early_warning import EarlyWarning, early_warnings
from xinfang_desk.ledger.figures import Figures, compute_figures, so_far
from xinfang_desk.ledger.operations.context import OpContext
from xinfang_desk.ledger.permissions import Permission, requires


@requires(Permission.VIEW)
def period_figures(ctx: OpContext, start: date, end: date, unit_code: str | None = None) -> Figures:
    """Every figure for cases received from ``start`` to ``end`` (one unit's with ``unit_code``); a period
    still running counts to today, against the same days last year."""
    return compute_figures(ctx.session, start, end, unit_code=unit_code, today=ctx.now().date())


@requires(Permission.VIEW)
def period_warnings(
    ctx: OpContext, start: date, end: date, unit_code: str | None = None
) -> list[EarlyWarning]:
    """苗头预警: the sub-categories and summary phrases that rose sharply in the period (a running one to
    today, against the same number of days before and the same days last year)."""
    return early_warnings(ctx.session, *so_far(start, end, ctx.now().date()), unit_code=unit_code)


@requires(Permission.VIEW)
def units_assessment(ctx: OpContext, start: date, end: date, today: date) -> list[UnitAssessment]:
    """单位考核: one line per unit the office knows, for cases received in the period."""
    return unit_assessment(ctx.session, start, end, today)


@requires(Permission.VIEW)
def office_units(ctx: OpContext) -> list[tuple[str, str]]:
    """(code, name) of the units whose cases the office ledger holds."""
    return known_units(ctx.session)
