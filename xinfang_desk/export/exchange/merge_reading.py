"""Reading the units' exported workbooks for the merge, apart from the ledger, files ahead.

``read_unit_file`` does everything about one file that needs no database: the container and sheet
guards, the exchange identity and unit code, every row typed and checked, duplicate case ids and
numbers, the canonical checksum, each case's fingerprint and its full-text index texts, and (format
version 3 on) the steps of its 办理记录 sheet, checked against those rows (``history_reading``).  It
returns plain data (``UnitFile``), which the merge then compares with the office ledger and writes.

``read_unit_files`` reads a list of files in order.  When there are several large ones it reads in
a second process (``start_method``), up to ``READ_AHEAD`` files ahead, so the next files are parsed
and checked while the merge is still writing; the merge reads a file itself rather than wait.  If
that process cannot be started or dies, the files are read here.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections import namedtuple
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from xinfang_desk.export.exchange.columns import (
    COLUMNS,
    HISTORY_SINCE,
    Kind,
    headers_of_version,
    merge_required,
)
from xinfang_desk.export.exchange.history_reading import read_history
from xinfang_desk.export.exchange.identity import (
    LEDGER_SHEET,
    STATISTICS_SHEET,
    ExchangeIdentity,
    RowHasher,
    history_problem,
    statistics_checksum,
)
from xinfang_desk.export.exchange.workbook_file import (
    MAX_FILE_BYTES,
    Workbook,
    open_workbook,
    read_exchange_identity,
)
from xinfang_desk.export.exchange.workbook_reader import (
    CaseRecord,
    RowProblem,
    RowReader,
    field_fingerprints,
    filled_rows,
    record_fields,
)
from xinfang_desk.ledger.errors import LedgerError, ValidationError
from xinfang_desk.ledger.reference import validate_unit
from xinfang_desk.ledger.storage import index_texts

log = logging.getLogger(__name__)

#: Rows converted, checked and hashed together.
BATCH_ROWS = 1024
#: Several files taking at least this many bytes are read in a second process.
PARALLEL_FROM_BYTES = 4 * 1024 * 1024
#: Files the second process may read ahead of the merge.
READ_AHEAD = 5
#: Files handed to the second process at a time while the merge helps (the one it reads and two
#: more): the later ones stay free for the merge to read itself instead of waiting for them.
QUEUED = 3
#: While the second process is still on the file the merge needs, the merge reads a later one
#: (after waiting ``PATIENCE`` seconds: writing is the merge's own work, reading can be shared).
CALLER_HELPS = True
PATIENCE = 0.05
#: Files the merge reads itself while the second process starts (``start_method``).
FIRST_HERE = {"fork": 1, "spawn": 3}


@dataclass(frozen=True)
class ReadOptions:
    """What reading a file needs to know of the office ledger."""

    office_unit: str
    now: datetime
    #: SHA-256 of the files merged before: such a file is recognised and not read further
    merged: frozenset[str] = frozenset()


#: A good row as the merge writes it: the fields of ``CaseRecord`` (all but the columns present),
#: its vocabulary as the codes the ledger stores.  Sent between processes as a plain tuple.
MergeRow = namedtuple("MergeRow", [f.name for f in fields(CaseRecord)][:-1])  # type: ignore[misc]
#: The petitioner's name of a row that gives none.
ANONYMOUS_NAME = "匿名"
#: Fields given as vocabulary members in a ``CaseRecord``, and each member's code.
_CODED = frozenset(c.key for c in COLUMNS if c.kind is Kind.LABEL)
_CODES = {m: m.value for c in COLUMNS if c.vocab is not None for m in c.vocab}
#: Fields whose values repeat from row to row: each distinct value travels once.
_REPEATING = frozenset(
    c.key
    for c in COLUMNS
    if c.kind is Kind.DATE
    or c.key
    in {"unit_code", "category", "subcategory", "department", "affiliation", "decision", "owner_leader"}
)


@dataclass
class UnitFile:
    """One file as read: its identity, its good rows with their fingerprints, its problems."""

    path: Path
    sha256: str = ""
    identity: ExchangeIdentity | None = None
    #: the good rows, as plain tuples in the order of ``MergeRow``'s fields
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    fingerprints: list[str] = field(default_factory=list)
    #: what the full-text indexes hold for each row's case once written (``storage.index_texts``)
    index_texts: list[tuple[str, str]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    #: the steps of its 办理记录 sheet (``history_reading.HistoryRead.events``) and the sheet's bad rows
    events: list[tuple[Any, ...]] = field(default_factory=list)
    history_problems: list[RowProblem] = field(default_factory=list)
    #: why the file looks changed after the export ("" when its checksum verifies)
    edited: str = ""
    #: why the file cannot be merged at all ("" when it can)
    refusal: str = ""
    #: recognised by its SHA-256 as merged before, so not read further
    known: bool = False

    def __getstate__(self) -> dict[str, Any]:
        """What the reading process sends: the rows and steps a column each (a tuple each for the
        pickler to keep track of costs more than half of sending them)."""
        state = self.__dict__.copy()
        for name in _SENT_BY_COLUMN:
            state[name] = list(zip(*state[name], strict=True))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in _SENT_BY_COLUMN:
            state[name] = list(zip(*state[name], strict=True))
        self.__dict__.update(state)


#: The lists of tuples of a ``UnitFile`` sent between processes a column at a time.
_SENT_BY_COLUMN = ("rows", "events")


def read_unit_file(path: str | Path, options: ReadOptions) -> UnitFile:
    """Read and check one unit file (see the module docstring); never raises for a bad file."""
    result = UnitFile(Path(path))
    try:
        with open_workbook(result.path) as workbook:
            result.sha256 = workbook.sha256
            if workbook.sha256 in options.merged:
                result.known = True
                return result
            result.identity = read_exchange_identity(workbook)
            _check_unit(workbook, result.identity, options.office_unit)
            _read_rows(workbook, result, options.now)
    except LedgerError as exc:
        result.refusal = str(exc)
    except Exception as exc:  # a bug: this file is refused, the others go on
        log.exception("reading %s failed", result.path)
        result.refusal = f"合并时出错（{exc.__class__.__name__}），该文件未作任何改动。"
    return result


def _check_unit(workbook: Workbook, identity: ExchangeIdentity, office_unit: str) -> None:
    try:
        validate_unit(identity.unit_code, identity.unit_name or identity.unit_code)
    except ValidationError as exc:
        raise ValidationError(f"“{workbook.name}”的单位代码“{identity.unit_code}”无效。") from exc
    if identity.unit_code == office_unit:
        raise ValidationError(
            f"“{workbook.name}”的单位代码“{identity.unit_code}”与本汇总台账相同，不能合并本台账自己的导出文件。"
        )


def _read_rows(workbook: Workbook, result: UnitFile, now: datetime) -> None:
    identity = result.identity
    assert identity is not None
    rows = workbook.sheet(LEDGER_SHEET).numbered()
    first = next(rows, None)
    if first is None:
        raise ValidationError(f"“{workbook.name}”的“{LEDGER_SHEET}”工作表是空的。")
    _number, header = first
    headers = headers_of_version(identity.format_version)
    reader = RowReader(
        header, required=merge_required(identity.format_version), file_name=workbook.name, today=now.date()
    )
    hasher = RowHasher(len(headers), identity.format_version)
    hasher.add(header)
    seen_uuid: dict[str, int] = {}
    seen_no: dict[str, int] = {}
    while batch := list(islice(rows, BATCH_ROWS)):
        hasher.add_rows([cells for _number, cells in batch])
        good: list[CaseRecord] = []
        # a row of empty cells is skipped (it is in the checksum all the same)
        for record in reader.read_rows(filled_rows(batch)):
            if isinstance(record, RowProblem):
                result.problems.append(record)
                continue
            number = record.row_number
            reasons = reader.check_exported(record, identity.unit_code, now)
            if record.uuid in seen_uuid:
                reasons.append(f"案件ID与第 {seen_uuid[record.uuid]} 行重复")
            if record.case_no in seen_no:
                reasons.append(f"案件编号与第 {seen_no[record.case_no]} 行重复")
            seen_uuid.setdefault(record.uuid, number)
            seen_no.setdefault(record.case_no, number)
            if reasons:
                result.problems.append(RowProblem(number, tuple(reasons)))
            else:
                good.append(record)
        fields_of = record_fields(good)
        result.fingerprints.extend(field_fingerprints(fields_of))
        result.rows.extend(_plain_rows(fields_of))
        result.index_texts.extend(
            index_texts(r.case_no, r.summary, "", r.petitioner_name or ANONYMOUS_NAME) for r in good
        )
    found = tuple("" if h is None else str(h) for h in header[: len(headers)])
    count = hasher.rows - 1
    if found != headers:
        result.edited = "台账的表头与导出格式不同（列被改名、增删或调换过），文件在导出后被修改过。"
    elif count != identity.row_count:
        result.edited = (
            f"交换信息记载 {identity.row_count} 行案件，实际为 {count} 行，文件可能被截断或改动过。"
        )
    elif hasher.hexdigest() != identity.checksum:
        result.edited = "台账数据与校验值不符，文件在导出后被修改过。"
    elif identity.format_version >= 2 and _statistics_checksum(workbook) != identity.statistics_checksum:
        result.edited = "统计表与校验值不符，统计表在导出后被修改过（合并时按台账数据重新计算统计）。"
    if identity.format_version >= HISTORY_SINCE:
        _read_history(workbook, result, now)


_UUID_AT, _CASE_NO_AT, _REVISION_AT = (MergeRow._fields.index(f) for f in ("uuid", "case_no", "revision"))


def _read_history(workbook: Workbook, result: UnitFile, now: datetime) -> None:
    """The 办理记录 sheet's steps of the file's good rows; its checksum judged after the 台账's."""
    assert result.identity is not None
    cases = {row[_UUID_AT]: (row[_CASE_NO_AT], row[_REVISION_AT]) for row in result.rows}
    history = read_history(workbook, cases, now)
    result.events = history.events
    result.history_problems = history.problems
    if not result.edited:
        result.edited = history_problem(result.identity, (history.checksum, history.rows))


def _statistics_checksum(workbook: Workbook) -> str:
    if STATISTICS_SHEET not in workbook.sheet_names:
        return statistics_checksum(())
    return statistics_checksum(row for _number, row in workbook.sheet(STATISTICS_SHEET).numbered())


def _plain_rows(fields_of: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """``MergeRow`` tuples from ``record_fields``: vocabulary as codes, repeated values shared."""
    columns: list[Sequence[Any]] = []
    for name, values in zip(MergeRow._fields, fields_of, strict=False):
        if name in _CODED:
            values = list(map(_CODES.get, values))  # None stays None
        elif name in _REPEATING:
            shared: dict[Any, Any] = {}
            values = [shared.setdefault(v, v) for v in values]
        columns.append(values)
    return list(zip(*columns, strict=True))


# ------------------------------------------------------------------------------------ many files
def read_unit_files(paths: Sequence[Path], options: ReadOptions) -> UnitFiles:
    """``read_unit_file`` of each path, in order (see ``UnitFiles``); reading ahead starts now."""
    return UnitFiles(paths, options)


class UnitFiles(Iterator[UnitFile]):
    """The files of a merge as read, in order; several large files are read ahead elsewhere.

    A file merged before (its SHA-256 among ``options.merged``) is only hashed here.  ``close``
    (a cancelled merge, or the end) stops the reading of the files not yet read.
    """

    def __init__(self, paths: Sequence[Path], options: ReadOptions) -> None:
        self._known = {path: digest for path in paths if (digest := _merged_digest(path, options.merged))}
        to_read = [path for path in paths if path not in self._known]
        self._ahead: _ReadAhead | None = None
        if len(to_read) > 1 and _total_bytes(to_read) >= PARALLEL_FROM_BYTES:
            self._ahead = _ReadAhead(to_read, options)
            self._reads: Generator[UnitFile, None, None] = self._ahead.results()
        else:
            self._reads = (read_unit_file(path, options) for path in to_read)
        self._order = iter(paths)

    def __next__(self) -> UnitFile:
        path = next(self._order)
        if path in self._known:
            return UnitFile(path, sha256=self._known[path], known=True)
        return next(self._reads)

    def close(self) -> None:
        self._reads.close()
        if self._ahead is not None:
            self._ahead.close()


def _merged_digest(path: Path, merged: frozenset[str]) -> str:
    """The file's SHA-256 when it is among ``merged``, else "" (unreadable or too large: "" too)."""
    if not merged:
        return ""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return ""
        with path.open("rb") as stream:
            digest = hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError:
        return ""
    return digest if digest in merged else ""


def _total_bytes(paths: Sequence[Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            continue  # reported when the file is read
    return total


class _ReadAhead:
    """Files read in a worker process, ``READ_AHEAD`` ahead of the caller, handed over in order.

    While the worker is still on the file the caller needs, the caller reads a later one itself
    instead of waiting (at most ``READ_AHEAD`` kept that way); the worker is then given only
    ``QUEUED`` files at a time, so that near the end the caller still finds files to read rather
    than wait for the worker to get through its queue.  Without a worker (it could not start, or
    it died) the files are read here.
    """

    def __init__(self, paths: Sequence[Path], options: ReadOptions) -> None:
        self.paths = paths
        self.options = options
        method = start_method()
        self.pool = _reading_pool(method)
        self.slots: dict[int, Future[UnitFile] | UnitFile] = {}
        # paths[:assigned] are read or being read; the first ones here while the worker starts
        self.assigned = min(FIRST_HERE[method], len(paths)) if CALLER_HELPS else 0
        self._feed()

    def results(self) -> Generator[UnitFile, None, None]:
        paths, options, slots = self.paths, self.options, self.slots
        for index, path in enumerate(paths):
            slot = slots.pop(index, None)
            while (
                CALLER_HELPS
                and isinstance(slot, Future)
                and not _done_soon(slot)
                and self.assigned < len(paths)
                and self._held(UnitFile) < READ_AHEAD
            ):
                slots[self.assigned] = read_unit_file(paths[self.assigned], options)
                self.assigned += 1
                self._feed()
            if isinstance(slot, Future):
                result = _worker_result(slot, path, options)
            elif slot is None:  # no worker took it
                result = read_unit_file(path, options)
                self.assigned = max(self.assigned, index + 1)
            else:
                result = slot
            self._feed()
            yield result

    def close(self) -> None:
        if self.pool is not None:  # a worker on a file is not waited for: its result is not wanted
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def _feed(self) -> None:
        """Give the worker files until it holds ``READ_AHEAD`` of them, ``QUEUED`` not yet read (helped)."""
        queued = QUEUED if CALLER_HELPS else READ_AHEAD
        while (
            self.pool is not None
            and self.assigned < len(self.paths)
            and self._held(Future) < READ_AHEAD
            and sum(isinstance(slot, Future) and not slot.done() for slot in self.slots.values()) < queued
        ):
            try:
                self.slots[self.assigned] = self.pool.submit(
                    read_unit_file, self.paths[self.assigned], self.options
                )
            except Exception:  # broken or unable to start: the rest is read here
                log.warning("the reading process is unavailable; reading in this process", exc_info=True)
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = None
                return
            self.assigned += 1

    def _held(self, kind: type) -> int:
        return sum(isinstance(slot, kind) for slot in self.slots.values())


def start_method() -> str:
    """How the second process starts: forked (at once) where that is safe, else a fresh interpreter.

    Forking copies only the calling thread, so it is used on Linux in a process with no other
    thread (the command line); the desktop app, with its threads, and Windows and macOS spawn a
    new interpreter, which needs about half a second to import the reading code.
    """
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _reading_pool(method: str) -> ProcessPoolExecutor | None:
    try:
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context(method),
            initializer=_reader_started,
        )
    except Exception:  # no processes here (a sandbox): read in this process
        log.warning("no reading process; reading in this process", exc_info=True)
        return None


def _reader_started() -> None:
    """In the reading process: no collector, and it ends with the merge that started it.

    A short-lived reader has no cycles worth the collector's time.  SIGTERM ends it even when its
    parent ignored that signal, and a thread waits on the parent's sentinel: when the merge dies
    (killed, crashed) the reader exits at once instead of blocking on a pipe nobody reads.
    """
    gc.disable()
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with_parent, args=(parent.sentinel,), daemon=True).start()


def _end_with_parent(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _done_soon(future: Future[UnitFile]) -> bool:
    """True when ``future`` is done within ``PATIENCE`` seconds (the worker is about to deliver)."""
    try:
        future.result(timeout=PATIENCE)
    except TimeoutError:
        return False
    except Exception:  # a failed read: ``_worker_result`` deals with it
        return True
    return True


def _worker_result(future: Future[UnitFile], path: Path, options: ReadOptions) -> UnitFile:
    try:
        return future.result()
    except Exception:  # the process died (out of memory, killed): read the file here
        log.warning("reading %s in the second process failed", path, exc_info=True)
        return read_unit_file(path, options)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a bulk job (it would rescan its many new objects).

    Nothing changes when automatic collection is already off (the desktop app collects on its UI
    thread); otherwise it is switched back on afterwards.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
