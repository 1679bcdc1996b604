"""The 工作台 (dashboard) figures: what needs attention today, each tile tied to the filter of its cases.

Every tile is a ``CaseFilter``; its count is ``count_cases`` of that filter, so the number on a tile
and the cases the ledger view lists when it is clicked can never disagree.  The year's accepted count
and satisfaction use the conditions of ``figures`` (``flag_conditions``, ``SATISFIED``/``EVALUATED``), so
they match the statistics and exports; all tiles are counted in one scan (``count_many``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from xinfang_desk.ledger.assessment import known_units
from xinfang_desk.ledger.figures import (
    EVALUATED,
    SATISFIED,
    pct,
    same_range_last_year,
    so_far,
    year_range,
    yoy_pct,
)
from xinfang_desk.ledger.search import CaseFilter, count_many, count_many_by_unit
from xinfang_desk.ledger.settings import Settings
from xinfang_desk.ledger.vocab import Status


@dataclass(frozen=True)
class Tile:
    """One dashboard tile: a caption, the figure shown, and the cases behind it."""

    key: str
    title: str
    value: str
    count: int
    case_filter: CaseFilter
    hint: str = ""
    #: "" for a plain tile, "warning" (amber) or "danger" (red) when it needs attention now.
    tone: str = ""


@dataclass(frozen=True)
class Dashboard:
    """Everything the 工作台 shows, as plain data."""

    today: date
    year: int
    due_soon_days: int
    tiles: tuple[Tile, ...]

    def tile(self, key: str) -> Tile:
        return next(t for t in self.tiles if t.key == key)


def tile_filters(today: date, due_soon_days: int) -> dict[str, CaseFilter]:
    """The case filter behind each tile, by tile key."""
    year = today.year
    return {
        "today": CaseFilter(received_from=today, received_to=today, today=today),
        "registered": CaseFilter(statuses=(Status.REGISTERED,), today=today),
        "due_soon": CaseFilter(due_soon=True, due_soon_days=due_soon_days, today=today),
        "overdue": CaseFilter(overdue=True, today=today),
        "awaiting_follow_up": CaseFilter(statuses=(Status.REPLIED,), today=today),
        "accepted_this_year": CaseFilter(year=year, flags=("accepted",), today=today),
        "satisfaction": CaseFilter(year=year, satisfactions=EVALUATED, today=today),
    }


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def compute_dashboard(session: Session, today: date | None = None) -> Dashboard:
    """The dashboard of the ledger in ``session`` as of ``today``."""
    return dashboard_and_unit_tiles(session, today, with_units=False)[0]


def dashboard_and_unit_tiles(
    session: Session, today: date | None = None, *, with_units: bool = True
) -> tuple[Dashboard, list[UnitTiles]]:
    """The dashboard and (``with_units``, the office's) line per unit, all counted in one scan.

    With the units the scan is grouped by unit and the tiles are the sums of the units' counts.
    """
    today = today or date.today()
    due_soon_days = Settings.load(session).due_soon_days
    filters = tile_filters(today, due_soon_days)
    last_start, last_end = same_range_last_year(*so_far(*year_range(today.year), today))
    wanted = {
        **filters,
        "accepted_last_year": CaseFilter(received_from=last_start, received_to=last_end, flags=("accepted",)),
        "satisfied": CaseFilter(year=today.year, satisfactions=SATISFIED),
    }
    if not with_units:
        return _dashboard(today, due_soon_days, filters, count_many(session, wanted)), []
    by_unit = count_many_by_unit(session, wanted)
    counts = {key: sum(unit[key] for unit in by_unit.values()) for key in wanted}
    units = [
        UnitTiles(
            code,
            name,
            {key: by_unit.get(code, {}).get(key, 0) for key, _h in UNIT_TILE_COLUMNS},
            {key: replace(filters[key], unit_code=code) for key, _h in UNIT_TILE_COLUMNS},
        )
        for code, name in known_units(session)
    ]
    return _dashboard(today, due_soon_days, filters, counts), units


def _dashboard(
    today: date, due_soon_days: int, filters: dict[str, CaseFilter], counts: dict[str, int]
) -> Dashboard:
    accepted, evaluated = counts["accepted_this_year"], counts["satisfaction"]
    yoy = yoy_pct(accepted, counts["accepted_last_year"])
    accepted_hint = "去年同期无受理" if yoy is None else f"同比 {yoy:+.1f}%"
    tiles = (
        Tile(
            "today", "今日登记", str(counts["today"]), counts["today"], filters["today"], "今天收到的信访事项"
        ),
        Tile(
            "registered",
            "待受理",
            str(counts["registered"]),
            counts["registered"],
            filters["registered"],
            "已登记、尚未决定受理的事项",
        ),
        Tile(
            "due_soon",
            f"{due_soon_days}日内到期",
            str(counts["due_soon"]),
            counts["due_soon"],
            filters["due_soon"],
            "期限将至的在办事项",
            tone="warning" if counts["due_soon"] else "",
        ),
        Tile(
            "overdue",
            "已超期",
            str(counts["overdue"]),
            counts["overdue"],
            filters["overdue"],
            "已过期限仍未办结的事项",
            tone="danger" if counts["overdue"] else "",
        ),
        Tile(
            "awaiting_follow_up",
            "待回访",
            str(counts["awaiting_follow_up"]),
            counts["awaiting_follow_up"],
            filters["awaiting_follow_up"],
            "已答复、尚未回访评价的事项",
        ),
        Tile(
            "accepted_this_year",
            "本年受理量",
            str(accepted),
            accepted,
            filters["accepted_this_year"],
            accepted_hint,
        ),
        Tile(
            "satisfaction",
            "本年满意度",
            _percent(pct(counts["satisfied"], evaluated)),
            evaluated,
            filters["satisfaction"],
            f"已回访评价 {evaluated} 件",
        ),
    )
    return Dashboard(today=today, year=today.year, due_soon_days=due_soon_days, tiles=tiles)


#: The figures of each unit on the office's dashboard: (key, heading).
UNIT_TILE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("overdue", "已超期"),
    ("due_soon", "临期"),
    ("accepted_this_year", "本年受理"),
)


@dataclass(frozen=True)
class UnitTiles:
    """One unit's line on the office's dashboard: each figure with the filter of its cases."""

    unit_code: str
    unit_name: str
    counts: dict[str, int]
    filters: dict[str, CaseFilter]


def unit_tiles(session: Session, today: date | None = None) -> list[UnitTiles]:
    """Per unit the office knows (one with no case included): overdue, due soon, accepted this year.

    Each count is ``count_cases`` of its filter.
    """
    return dashboard_and_unit_tiles(session, today)[1]
