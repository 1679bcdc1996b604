"""The table of figures with 同比, and the cases behind each figure and each chart element (drill-down).

One table feeds the 统计分析 page, the 年度统计报告 PDF and the Excel export, so they show the same
numbers.  Every figure and every chart element names its cases as a ``CaseFilter`` built from the same
conditions ``compute_figures`` counts with (``figures.flag_conditions``), so the count on a chart and
the cases the ledger lists when it is clicked agree by construction.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date

from xinfang_desk.ledger.figures import (
    EVALUATED,
    FIGURE_DEFINITIONS,
    FIGURE_LABELS,
    SCALAR_KEYS,
    Figures,
    pct,
    yoy_pct,
)
from xinfang_desk.ledger.search import CaseFilter
from xinfang_desk.ledger.vocab import Channel, Outcome

#: Colours of the slices and bars, in order (the page's charts and the report's are the same).
CHART_COLOURS: tuple[str, ...] = (
    "#2f6fb0",
    "#e08a2e",
    "#3f9b5a",
    "#c0463c",
    "#7b5ea7",
    "#8c6d4f",
    "#d46fa6",
    "#6f7a86",
    "#b5a33a",
    "#2fa6b0",
)

#: The table's headings, wherever it is shown.
FIGURE_TABLE_HEADINGS = ("指标", "本期", "上年同期", "同比")

#: The flags each plain figure counts (its denominator, for a rate).
FIGURE_FLAGS: dict[str, tuple[str, ...]] = {
    "received": (),
    "accepted": ("accepted",),
    "closed": ("closed",),
    "on_time_closure_pct": ("closed",),
    "first_time_closed": ("first_time_closed",),
    "first_time_one_time_closure_pct": ("first_time_closed",),
    "repeat": ("repeat",),
    "bypassed_level": ("bypassed_level",),
    "collective": ("collective",),
    "evaluated": (),
    "satisfaction_pct": (),
    "forwarded": ("forwarded",),
    "assigned": ("assigned",),
    "supervised": ("supervised",),
}


@dataclass(frozen=True)
class FigureRow:
    """One line of the table: a figure this period, the same period last year, and the change."""

    key: str
    label: str
    definition: str
    value: int | float | None
    last: int | float | None
    #: 同比 in % for a count; the change in 百分点 for a rate
    change: float | None
    is_rate: bool

    @property
    def direction(self) -> int:
        """+1 up, −1 down, 0 unchanged or unknown."""
        if self.change is None or self.change == 0:
            return 0
        return 1 if self.change > 0 else -1

    @property
    def is_better(self) -> bool | None:
        """Whether the change is for the better: a higher rate, or fewer cases; None if unchanged."""
        if not self.direction:
            return None
        return (self.direction > 0) == self.is_rate

    @property
    def value_text(self) -> str:
        return format_value(self.value, self.is_rate)

    @property
    def last_text(self) -> str:
        return format_value(self.last, self.is_rate)

    @property
    def change_text(self) -> str:
        if self.change is None:
            return "—"
        arrow = "↑" if self.change > 0 else "↓" if self.change < 0 else "→"
        unit = "个百分点" if self.is_rate else "%"
        return f"{arrow} {self.change:+.1f}{unit}"


def format_value(value: int | float | None, is_rate: bool) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}%" if is_rate else f"{value:,}"


def figure_rows(figures: Figures) -> list[FigureRow]:
    """The table of plain figures with last year's value and the change, in ``FIGURE_SPECS`` order."""
    now = figures.as_json()
    last = figures.previous.as_json() if figures.previous else {}
    rows = []
    for key in SCALAR_KEYS:
        is_rate = key.endswith("_pct")
        value, before = now[key], last.get(key)
        if is_rate:
            change = None if value is None or before is None else round(value - before, 1)
        else:
            change = None if before is None else yoy_pct(value, before)
        rows.append(
            FigureRow(key, FIGURE_LABELS[key], FIGURE_DEFINITIONS[key], value, before, change, is_rate)
        )
    return rows


# -- drill-down ------------------------------------------------------------------------------------
def period_filter(figures: Figures, **fields: object) -> CaseFilter:
    """The cases of ``figures``'s period (and unit), narrowed by ``fields``."""
    base = CaseFilter(received_from=figures.start, received_to=figures.end, unit_code=figures.unit_code or "")
    return replace(base, **fields)  # type: ignore[arg-type]


def figure_filter(figures: Figures, key: str) -> CaseFilter:
    """The cases a plain figure counts (for a rate: the cases it is a share of)."""
    if key in ("evaluated", "satisfaction_pct"):
        return period_filter(figures, satisfactions=EVALUATED)
    return period_filter(figures, flags=FIGURE_FLAGS[key])


@dataclass(frozen=True)
class ChartElement:
    """One slice or bar: what it shows, its count, and exactly the cases it counts."""

    label: str
    count: int
    case_filter: CaseFilter
    #: a percentage shown beside the count (a share or a rate), if any
    share: float | None = None


def category_elements(figures: Figures) -> list[ChartElement]:
    return [
        ChartElement(
            name, n, period_filter(figures, category=name, flags=("accepted",)), pct(n, figures.accepted)
        )
        for name, n in figures.category_accepted.items()
    ]


def channel_elements(figures: Figures) -> list[ChartElement]:
    return [
        ChartElement(c.label, figures.by_channel[c.label], period_filter(figures, channel=c))
        for c in Channel
        if figures.by_channel.get(c.label)
    ]


def outcome_elements(figures: Figures) -> list[ChartElement]:
    return [
        ChartElement(o.label, figures.outcomes[o.label], period_filter(figures, outcome=o)) for o in Outcome
    ]


def satisfaction_elements(figures: Figures) -> list[ChartElement]:
    evaluated = figures.evaluated
    return [
        ChartElement(
            s.label,
            figures.satisfaction_counts[s.label],
            period_filter(figures, satisfactions=(s,)),
            pct(figures.satisfaction_counts[s.label], evaluated),
        )
        for s in EVALUATED
    ]


def department_elements(figures: Figures, limit: int = 12) -> list[tuple[str, ChartElement, ChartElement]]:
    """Per handling department (best on-time rate first): its on-time and its late closures."""
    result = []
    for name, closure in list(figures.department_closure.items())[:limit]:
        on_time = ChartElement(
            "按期办结",
            closure.on_time,
            period_filter(figures, department=name, flags=("on_time_closed",)),
            closure.on_time_pct,
        )
        late = ChartElement(
            "逾期办结",
            closure.closed - closure.on_time,
            period_filter(figures, department=name, closed_late=True),
        )
        result.append((name, on_time, late))
    return result


def unit_elements(figures: Figures) -> list[ChartElement]:
    return [
        ChartElement(figures.unit_label(code), n, period_filter(figures, unit_code=code))
        for code, n in figures.by_unit.items()
    ]


def month_elements(figures: Figures) -> list[tuple[int, ChartElement | None, ChartElement | None]]:
    """Per month of the period: (month, this year's cases, last year's cases in the same month)."""
    previous = figures.previous
    result = []
    for year, month in _months(figures.start, figures.end):
        this = _month_element(figures, year, month)
        last = _month_element(previous, year - 1, month) if previous is not None else None
        result.append((month, this, last))
    return result


def _months(start: date, end: date) -> list[tuple[int, int]]:
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_element(figures: Figures, year: int, month: int) -> ChartElement:
    first = max(date(year, month, 1), figures.start)
    last = min(date(year, month, calendar.monthrange(year, month)[1]), figures.end)
    key = f"{year:04d}-{month:02d}"
    return ChartElement(
        f"{year}年{month}月",
        figures.by_month.get(key, 0),
        replace(period_filter(figures), received_from=first, received_to=last),
    )
