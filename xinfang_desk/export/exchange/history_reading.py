"""Reading the 办理记录 sheet of a unit's export (format version 3 on) for the merge, each step checked.

``read_history`` hashes the sheet as the export did (``identity.history_hasher``) and reads each
row into a plain tuple ``(case id, step number, step code, who, when, note, detail)``.  The steps of
a case that is not among the file's good 台账 rows are left out (a row missing from the 台账 sheet is
already named there: a changed row count or checksum, or the row's own problem).  A step is taken
when its 案件编号 is its case's, its step number is within that case's 修订号 and not given twice,
its time is a real time not in the future and its step is one the program knows; otherwise it is
a ``RowProblem`` naming the sheet and the row a user sees in Excel.  Texts lose any character XML cannot carry, and stay within the limits of
the columns they go into.  The sheet passed the same guards as the 台账 sheet (``Workbook.sheet``:
row limit, no formulas) before it is parsed.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from itertools import islice
from operator import itemgetter, le
from typing import Any

from xinfang_desk.export.exchange.cells import clean_text
from xinfang_desk.export.exchange.columns import HISTORY_COLUMNS, header_text
from xinfang_desk.export.exchange.identity import HISTORY_SHEET, ExchangeFileError, history_hasher
from xinfang_desk.export.exchange.workbook_file import Workbook
from xinfang_desk.export.exchange.workbook_reader import (
    CLOCK_SKEW,
    EARLIEST_DATE,
    RowProblem,
    cell_reader,
    column_reader,
    filled_rows,
    padded_cells,
    read_each_cell,
)
from xinfang_desk.ledger.vocab import EventKind

#: Rows of the sheet converted, checked and hashed together.
BATCH_ROWS = 2048
_TEXT_KEYS = ("actor", "note", "detail")
#: One row of the sheet as read, its fields in the order of ``HISTORY_COLUMNS``.
_Step = namedtuple("_Step", [c.key for c in HISTORY_COLUMNS])  # type: ignore[misc]
#: The code the ledger stores for each step.
_CODES = {kind: kind.value for kind in EventKind}


@dataclass
class HistoryRead:
    """The 办理记录 sheet as read: its good steps, its problems, its checksum and its rows."""

    #: (case uuid, seq, kind code, actor, at, note, detail) of each good row
    events: list[tuple[Any, ...]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    checksum: str = ""
    rows: int = 0


def read_history(workbook: Workbook, cases: Mapping[str, tuple[str, int]], now: datetime) -> HistoryRead:
    """Read and check the 办理记录 sheet against ``cases`` (case uuid → (case number, revision))."""
    result = HistoryRead()
    hasher = history_hasher()
    if HISTORY_SHEET in workbook.sheet_names:
        rows = workbook.sheet(HISTORY_SHEET).numbered()
        first = next(rows, None)
        if first is not None:
            header = first[1]
            hasher.add(header)
            reader = _StepReader(header, workbook.name, cases, now)
            while batch := list(islice(rows, BATCH_ROWS)):
                hasher.add_rows([cells for _number, cells in batch])
                reader.read(batch, result)
    result.checksum = hasher.hexdigest()
    result.rows = max(hasher.rows - 1, 0)
    return result


class _StepReader:
    """Turns batches of the sheet's rows into steps or problems (see the module docstring)."""

    def __init__(
        self, header: Sequence[Any], file_name: str, cases: Mapping[str, tuple[str, int]], now: datetime
    ) -> None:
        found = {header_text(cell): position for position, cell in reversed(list(enumerate(header)))}
        missing = [c.header for c in HISTORY_COLUMNS if c.header not in found]
        if missing:
            raise ExchangeFileError(
                f"“{file_name}”的“{HISTORY_SHEET}”工作表缺少列：{'、'.join(missing)}，文件在导出后被修改过。"
            )
        self.columns = [(c, found[c.header], column_reader(c), cell_reader(c)) for c in HISTORY_COLUMNS]
        #: cells a row needs (a shorter row is read as if its last cells were empty)
        self.width = max(position for _c, position, _all, _one in self.columns) + 1
        self.cases = cases
        self.latest = now + CLOCK_SKEW
        self.earliest = datetime.combine(EARLIEST_DATE, time.min)
        self.seen: dict[tuple[str, int], int] = {}
        self.shared: dict[str, str] = {}

    def read(self, batch: list[tuple[int, list[Any]]], result: HistoryRead) -> None:
        filled = filled_rows(batch)
        if not filled:
            return
        reasons: dict[int, list[str]] = {}
        values: dict[str, list[Any]] = {}
        width = self.width
        rows = list(map(itemgetter(1), filled))
        if min(map(len, rows)) < width:
            rows = [cells if len(cells) >= width else padded_cells(cells, width) for cells in rows]
        table = list(zip(*rows, strict=False))  # longer rows: the columns after ``width`` are not read
        for column, position, read_all, read in self.columns:
            cells = table[position]
            column_values = read_all(cells)
            if column_values is None:
                column_values = read_each_cell(cells, read, column.header, reasons)
            values[column.key] = column_values
        for key in _TEXT_KEYS:  # characters XML cannot carry (a cell may spell them as _x0007_)
            joined = "\n".join(filter(None, values[key]))
            if clean_text(joined) is not joined:
                values[key] = [clean_text(t) if t else t for t in values[key]]
        if not reasons and self._take_all(filled, values, result):
            return
        share = self.shared.setdefault
        cases, seen, earliest, latest = self.cases, self.seen.setdefault, self.earliest, self.latest
        append = result.events.append
        rows = zip(*values.values(), strict=True)
        for index, ((number, _cells), row) in enumerate(zip(filled, rows, strict=True)):
            case_no, seq, at, kind, actor, note, detail, uuid = row
            case = cases.get(uuid)
            if case is None and uuid:
                continue  # not a case of this file's 台账 sheet
            if not (  # the usual row, checked at once; any other is looked at by ``_check``
                case is not None
                and case_no == case[0]
                and seq is not None
                and seq <= case[1]
                and at is not None
                and earliest <= at <= latest
                and kind is not None
                and index not in reasons
                and seen((uuid, seq), number) == number
            ):
                problems = reasons.get(index) or self._check(_Step._make(row), number)
                if problems:
                    result.problems.append(RowProblem(number, tuple(problems), HISTORY_SHEET))
                    continue
            append(
                (
                    share(uuid, uuid),
                    seq,
                    kind.value,
                    share(actor, actor),
                    at,
                    share(note, note),
                    share(detail, detail),
                )
            )

    def _take_all(
        self, filled: list[tuple[int, list[Any]]], values: dict[str, list[Any]], result: HistoryRead
    ) -> bool:
        """Take the batch's steps at once when every row is the usual one that ``read`` takes without
        a look (its case among the good rows, its number, step number, time and step as checked
        there, no step given twice); False when some row needs that look."""
        uuids, seqs, ats, kinds = values["uuid"], values["seq"], values["at"], values["kind"]
        cases = list(map(self.cases.get, uuids))
        if None in cases or None in seqs or None in ats or None in kinds:
            return False
        if list(map(itemgetter(0), cases)) != values["case_no"]:
            return False
        if not all(map(le, seqs, map(itemgetter(1), cases))):
            return False
        if min(ats) < self.earliest or max(ats) > self.latest:
            return False
        steps = list(zip(uuids, seqs, strict=True))
        if len(set(steps)) != len(steps) or not self.seen.keys().isdisjoint(steps):
            return False
        self.seen.update(zip(steps, map(itemgetter(0), filled), strict=True))
        shared = self._shared
        result.events.extend(
            zip(
                shared(uuids),
                seqs,
                map(_CODES.__getitem__, kinds),
                shared(values["actor"]),
                ats,
                shared(values["note"]),
                shared(values["detail"]),
                strict=True,
            )
        )
        return True

    def _shared(self, texts: list[str]) -> Iterator[str]:
        """``texts`` with each repeated text one object (as ``read`` shares them): less to send and keep."""
        shared = self.shared
        new = set(texts).difference(shared)
        shared.update(zip(new, new, strict=True))
        return map(shared.__getitem__, texts)

    def _check(self, step: _Step, number: int) -> list[str]:
        reasons: list[str] = []
        case = self.cases.get(step.uuid) if step.uuid else None
        if case is None:
            reasons.append("缺少案件ID")
        elif step.case_no != case[0]:
            reasons.append(f"案件编号“{step.case_no}”与“信访台账”表中该案件的编号“{case[0]}”不符")
        seq = step.seq
        if seq is None:
            reasons.append("缺少步骤序号")
        elif case is not None:
            if seq > case[1]:
                reasons.append(f"步骤序号 {seq} 大于该案件的修订号 {case[1]}")
            earlier = self.seen.setdefault((step.uuid, seq), number)
            if earlier != number:
                reasons.append(f"与第 {earlier} 行是同一案件的同一步骤")
        at = step.at
        if at is None:
            reasons.append("缺少时间")
        elif at > self.latest:
            reasons.append(f"时间 {at:%Y-%m-%d %H:%M} 晚于当前时间")
        elif at < self.earliest:
            reasons.append(f"时间 {at:%Y-%m-%d} 过早")
        if step.kind is None:
            reasons.append("缺少步骤")
        return reasons
