"""The ledger table model: the matching cases' ids and display rows, fetched a page at a time.

A query asks the database worker for the first page of ordered ids (an ordered query that stops
after ``PAGE``, so it does not grow with the number of matches), then for how many cases match; the
rows are shown as soon as the first page arrives and the count follows.  Further pages continue
from the last case shown (keyset paging) when the view first needs them (``canFetchMore`` /
``fetchMore``), so ``rowCount`` is what has been fetched and nothing ever holds every match.  A page
of rows that cannot be read shows disabled rows, never a crash.

The display rows of ids already known are read here on the UI thread (``OpRunner.read_now``), as the
view draws them: a page is one read by primary key, measured at about 13 ms for 50 rows of a
100,000-case ledger (``bench/bench_ledger_view.py``, on a loaded machine), well under what a user
notices, and it keeps scrolling free of placeholder rows.  The id queries and the counts, which grow
with the ledger, run on the worker.  A refresh after a change re-reads the rows loaded so far in one
such read, so its cost grows with how far the user has scrolled (about 80 ms for 1,000 rows).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from xinfang_desk.ledger.deadlines import ESTIMATE_HINT, due_text
from xinfang_desk.ledger.operations.queries import IdPage, ledger_id_page, ledger_rows, matching_count
from xinfang_desk.ledger.search import CaseFilter, CaseRow, PageKey
from xinfang_desk.ui.ops import Changes, OpRunner
from xinfang_desk.ui.style import (
    DISABLED_FOREGROUND,
    DUE_SOON_BACKGROUND,
    DUE_SOON_FOREGROUND,
    OVERDUE_BACKGROUND,
    OVERDUE_FOREGROUND,
)

log = logging.getLogger(__name__)

#: Rows read per page (the first page is drawn before the matches are counted).
PAGE = 50
#: Role under which each row gives its case id.
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """A ledger column: which ``CaseRow`` field it shows, its header, and its ``search.SORTABLE`` name."""

    key: str
    title: str
    sort: str | None = None
    width: int = 100
    shown: bool = True
    numeric: bool = False
    #: The order a first click on the header sorts in (newest / most first for dates and numbers).
    descending_first: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("case_no", "案件编号", "case_no", 125),
    Column("received_at", "收件时间", "received_at", 130, descending_first=True),
    Column("channel", "信访形式", "channel", 70),
    Column("petitioner", "信访人", "petitioner", 80),
    Column("category", "问题类别", "category", 95),
    Column("subcategory", "子类别", "subcategory", 110, shown=False),
    Column("summary", "内容摘要", "summary", 300),
    Column("status", "状态", "status", 70),
    Column("department", "承办单位", "department", 100),
    Column("due_on", "办理期限", "due_on", 95),
    Column("source", "来源", "source", 95, shown=False),
    Column("nature", "事项性质", "nature", 90, shown=False),
    Column("people_count", "人数", "people_count", 50, shown=False, numeric=True, descending_first=True),
    Column("satisfaction", "满意度", "satisfaction", 70, shown=False),
    Column("supervise_count", "督办次数", "supervise_count", 70, shown=False, numeric=True),
    Column("is_repeat", "重复访", "is_repeat", 60, shown=False),
    Column("unit_code", "单位", "unit_code", 80, shown=False),
)
COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)

UNREADABLE = "（无法读取此案件，请刷新）"


def display_text(row: CaseRow, key: str) -> str:
    """How one field of a row reads in the table."""
    value = getattr(row, key)
    if key == "due_on":
        return due_text(value, row.due_estimated)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else ""
    if value is None:
        return ""
    return str(value)


RowReader = Callable[[Sequence[int]], list[CaseRow]]


class LedgerTableModel(QAbstractTableModel):
    """Cases matching a ``CaseFilter``, in the chosen order, read lazily by page."""

    #: A new query was sent to the worker.
    query_started = Signal()
    #: The first page of a query is shown.
    first_page_shown = Signal()
    #: The count of a query arrived: how many cases match.
    query_finished = Signal(int)

    def __init__(self, runner: OpRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.case_filter = CaseFilter()
        self.sort_key = "received_at"
        self.descending = True
        self._ids: list[int] = []  # fetched so far, in order
        self._rows: list[CaseRow | None] = []  # their rows; None = could not be read
        self._next: PageKey | None = None  # where the next page starts; None = all fetched
        self._shown: tuple[CaseFilter, str, bool] = (self.case_filter, self.sort_key, self.descending)
        self._total: int | None = None  # how many match, once counted
        self._generation = 0
        #: whether the first page has arrived; until then a count waits for it (``_count_after_first_page``)
        self._first_page_shown = False
        self._count_after_first_page: tuple[int, CaseFilter] | None = None
        #: what the first count waits for once the first page is in: by default the next turn of the
        #: event loop; the 台账 page has it wait until the rows are painted
        self.first_count_waits_for: Callable[[Callable[[], None]], None] = partial(QTimer.singleShot, 0)
        self._busy = False
        #: Reads display rows for ids (replaceable, e.g. to test a failing read).
        self.read_rows: RowReader = self._read_rows

    # -- queries -------------------------------------------------------------------------------
    def set_filter(self, case_filter: CaseFilter) -> None:
        """Show the cases matching ``case_filter`` (a new id query on the worker)."""
        self.case_filter = case_filter
        self._query(keep=False)

    def refresh(self, changes: Changes | None = None) -> None:
        """Run the current query again, keeping as many rows loaded as before."""
        self._query(keep=True, changes=changes)

    @property
    def busy(self) -> bool:
        """True while a query is on the worker."""
        return self._busy

    @property
    def total(self) -> int:
        """How many cases match the current query (fetched or not; those fetched until counted)."""
        return len(self._ids) if self._total is None else self._total

    def case_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._rows) else None

    def row_of(self, case_id: int) -> int | None:
        """The row of a case if it is loaded."""
        try:
            return self._ids.index(case_id)
        except ValueError:
            return None

    def _query(self, *, keep: bool, changes: Changes | None = None) -> None:
        self._generation += 1
        generation = self._generation
        query = (self.case_filter, self.sort_key, self.descending)
        limit = max(len(self._rows), PAGE) if keep else PAGE

        self._busy = True
        self.query_started.emit()
        self.runner.call(
            partial(ledger_id_page, case_filter=query[0], sort=query[1], descending=query[2], limit=limit),
            on_success=lambda page: self._page_arrived(generation, query, page, keep, changes),
            on_failure=lambda exc: self._query_failed(generation, exc),
            write=False,  # reads never wait behind another program's write
        )
        if self._first_page_shown:
            self._count(generation, query[0])
        else:  # the window's first rows: counted once they are on screen, not beside them
            self._count_after_first_page = (generation, query[0])

    def _count(self, generation: int, case_filter: CaseFilter) -> None:
        """Ask how many cases match (reported by ``query_finished``)."""
        if generation != self._generation:
            return
        self.runner.call(
            partial(matching_count, case_filter=case_filter),
            on_success=lambda total: self._count_arrived(generation, total),
            on_failure=lambda exc: self._count_failed(generation, exc),
            write=False,
        )

    def _page_arrived(
        self,
        generation: int,
        query: tuple[CaseFilter, str, bool],
        page: IdPage,
        keep: bool,
        changes: Changes | None,
    ) -> None:
        if generation != self._generation:
            return  # a newer query is on its way
        ids = list(page.ids)
        self._shown, self._next = query, page.next
        if keep and ids == self._ids:
            self._reread_loaded(changes)
        else:
            self.beginResetModel()
            self._ids, self._rows, self._total = [], [], None
            self.endResetModel()
            self._append(ids)
        self._first_page_shown = True
        if self._count_after_first_page is not None:
            self.first_count_waits_for(partial(self._count, *self._count_after_first_page))
            self._count_after_first_page = None
        self.first_page_shown.emit()

    def _count_arrived(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return
        self._busy = False
        self._total = total
        self.query_finished.emit(total)

    def _count_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        log.warning("ledger count failed: %s", error)
        self._busy = False
        self._total = None
        self.query_finished.emit(self.total)

    def _query_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._generation += 1  # its count no longer answers anything shown
        self._first_page_shown, self._count_after_first_page = True, None
        self._busy = False
        log.warning("ledger query failed: %s", error)
        self.beginResetModel()
        self._ids, self._rows, self._next, self._total = [], [], None, None
        self.endResetModel()
        self.query_finished.emit(0)

    def _reread_loaded(self, changes: Changes | None) -> None:
        """Re-read rows whose case changed (all loaded rows when reference data changed)."""
        if not self._rows:
            return
        if changes is None or changes.everything or changes.reference:
            wanted = set(self._ids[: len(self._rows)])
        else:
            wanted = set(changes.case_ids) & set(self._ids[: len(self._rows)])
        if not wanted:
            return
        fresh = {r.id: r for r in self._safe_read(sorted(wanted))}
        for row, case_id in enumerate(self._ids[: len(self._rows)]):
            if case_id in wanted:
                self._rows[row] = fresh.get(case_id)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def _read_rows(self, ids: Sequence[int]) -> list[CaseRow]:
        f = self._shown[0]
        return self.runner.read_now(ledger_rows, ids, today=f.today, due_soon_days=f.due_soon_days)

    def _append(self, ids: Sequence[int]) -> None:
        """Show the rows of ``ids`` below those shown."""
        if not ids:
            return
        by_id = {r.id: r for r in self._safe_read(ids)}
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(ids) - 1)
        self._ids.extend(ids)
        self._rows.extend(by_id.get(i) for i in ids)
        self.endInsertRows()

    def _safe_read(self, ids: Sequence[int]) -> list[CaseRow]:
        try:
            return self.read_rows(ids)
        except Exception:
            log.exception("could not read %d ledger rows", len(ids))
            return []

    # -- sorting -------------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order by a column (a new id query); columns without a database order are ignored."""
        spec = COLUMNS[column] if 0 <= column < len(COLUMNS) else None
        if spec is None or spec.sort is None:
            return
        self.sort_key = spec.sort
        self.descending = order == Qt.SortOrder.DescendingOrder
        self._query(keep=False)

    def sort_column(self) -> int:
        return next((i for i, c in enumerate(COLUMNS) if c.sort == self.sort_key), 1)

    # -- lazy loading --------------------------------------------------------------------------
    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._next is not None

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._next is None:
            return
        case_filter, sort, descending = self._shown
        try:
            page = self.runner.read_now(
                ledger_id_page, case_filter, sort=sort, descending=descending, after=self._next, limit=PAGE
            )
        except Exception:
            log.exception("could not read the next page of the ledger")
            self._next = None
            return
        self._next = page.next
        self._append(page.ids)

    # -- the table -----------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return "点击按此列排序" if column.sort else "此列不能排序"
        if role == Qt.ItemDataRole.InitialSortOrderRole:
            return Qt.SortOrder.DescendingOrder if column.descending_first else Qt.SortOrder.AscendingOrder
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid() or self._rows[index.row()] is None:
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role == CASE_ID_ROLE:
            return self._ids[index.row()]
        if row is None:
            if role == Qt.ItemDataRole.DisplayRole:
                return UNREADABLE if index.column() == 0 else ""
            if role == Qt.ItemDataRole.ForegroundRole:
                return DISABLED_FOREGROUND
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(row, column.key)
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.overdue:
                return OVERDUE_BACKGROUND
            if row.due_soon:
                return DUE_SOON_BACKGROUND
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.overdue:
                return OVERDUE_FOREGROUND
            if row.due_soon:
                return DUE_SOON_FOREGROUND
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.key == "due_on" and row.overdue:
                return "已超期"
            if column.key == "due_on" and row.due_soon:
                return "即将到期"
            if column.key == "due_on" and row.due_estimated:
                return ESTIMATE_HINT
            if column.key == "summary":
                return row.summary
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
