"""合并台账: taking the units' exported workbooks into the office ledger, each file whole or not at all.

Each file is checked whole before anything is written (``merge_reading``, ``workbook_reader``):
container, exchange identity and format version, headers by name, every row's types and dates, the
unit code, duplicate case ids, and the canonical checksum.  A file that fails is refused with a
Chinese reason; one whose checksum fails (edited after the export) is refused unless the user
accepts edited files, and is then marked as edited.  The same file twice (same SHA-256) changes
nothing.  With several large files the next ones are read in a second process while this one
writes.

The rules for a case, identified by its UUID (案件ID): a newer 修订号 replaces the older; the same or
an older one changes nothing; the same revision with different content is a conflict, recorded and
listed, never resolved silently.  A new case that would take a case number another case already has
is a conflict too.

Merged cases live in the office's ``cases`` table like its own (figures, search and the ledger
view work on them) but have no events of the office's: their steps as the unit's ledger recorded
them (the 办理记录 sheet, format version 3 on) go into ``merged_events``, outside the office's own
history and hash chain, and the office keeps provenance (``CaseOrigin``, ``MergedFile``) and an
audit entry per file.  A case taken new or newer gets the file's steps in place of those stored;
a case the file gives unchanged gets them only when none are stored (merged from an older file).  Each file
is written in a savepoint (one executemany per table, ids given here, full-text index rows
included); the files of about a second share a commit.  After the files,
``provenance.flag_multi_unit`` flags people petitioning several units (多头访).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from time import monotonic, sleep
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from xinfang_desk.export.exchange.identity import ExchangeIdentity
from xinfang_desk.export.exchange.merge_reading import (
    ANONYMOUS_NAME,
    MergeRow,
    ReadOptions,
    UnitFile,
    collector_paused,
    read_unit_file,
    read_unit_files,
)
from xinfang_desk.export.exchange.workbook_reader import (
    describe_problems,
    parse_case_no,
)
from xinfang_desk.export.progress import CancelCheck, ProgressCallback
from xinfang_desk.ledger import audit, ledger_info
from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.errors import LedgerError, ValidationError
from xinfang_desk.ledger.models import (
    Case,
    CaseOrigin,
    Category,
    Department,
    LedgerInfo,
    MergeConflict,
    MergedEvent,
    MergedFile,
    Petitioner,
    Unit,
)
from xinfang_desk.ledger.provenance import POSSIBLE, FlaggedPerson, flag_multi_unit
from xinfang_desk.ledger.settings import Settings
from xinfang_desk.ledger.storage import StorageBackend, backend_of
from xinfang_desk.ledger.vocab import ACCEPTED_OPEN_STATUSES, IdentityType, Satisfaction, Status

log = logging.getLogger(__name__)

#: Audit action of one merged file.
MERGE_ACTION = audit.MERGE_LEDGER
#: Rows per IN (…) list when looking cases up (SQLite takes 32,766 parameters, PostgreSQL 65,535).
_CHUNK = 2000
_DUE_STATUSES = frozenset(s.value for s in ACCEPTED_OPEN_STATUSES)


class FileStatus(StrEnum):
    """What became of one file."""

    TAKEN = "taken"
    REFUSED = "refused"
    ALREADY = "already"
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        return {"taken": "已合并", "refused": "已拒绝", "already": "已合并过", "skipped": "未处理"}[self]


class ConflictKind(StrEnum):
    CONTENT = "content"
    NUMBER = "number"


@dataclass(frozen=True)
class ConflictLine:
    """A case the file gives differently from the office ledger."""

    case_no: str
    case_uuid: str
    revision: int
    kind: ConflictKind
    row_number: int

    def text(self) -> str:
        if self.kind is ConflictKind.NUMBER:
            return (
                f"第 {self.row_number} 行 案件 {self.case_no}：汇总台账中已有另一件案件使用此编号，"
                "本案未合并，请与该单位核实。"
            )
        return (
            f"第 {self.row_number} 行 案件 {self.case_no}（修订号 {self.revision}）：与已合并的同一修订号内容不同，"
            "已保留原有内容，请与该单位核实。"
        )


@dataclass
class FileResult:
    """One file's outcome in the merge report."""

    path: Path
    status: FileStatus = FileStatus.SKIPPED
    reason: str = ""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sha256: str = ""
    unit_code: str = ""
    unit_name: str = ""
    masked: bool = True
    edited: bool = False
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[ConflictLine] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def label(self) -> str:
        """What became of the file; a file taken with conflicts says so (all rows conflicting: nothing merged)."""
        if self.status is FileStatus.TAKEN and self.conflicts:
            if len(self.conflicts) >= self.rows:
                return "全部冲突，未合并"
            return "部分合并，有冲突"
        return self.status.label

    def summary(self) -> str:
        """One line: the file, what became of it and why."""
        head = f"【{self.label}】{self.file_name}"
        if self.unit_code:
            head += f"（{self.unit_name or self.unit_code}，{self.unit_code}）"
        if self.status is FileStatus.TAKEN:
            return head + (
                f"：{self.rows} 行，新增 {self.added} 件，更新 {self.updated} 件，"
                f"未变 {self.unchanged} 件，冲突 {len(self.conflicts)} 件"
                + ("；已标记为“导出后被修改”" if self.edited else "")
            )
        return head + (f"：{self.reason}" if self.reason else "")


@dataclass
class MergeReport:
    """What a merge did: per file, the totals and the 多头访 flags."""

    merged_at: datetime
    actor: str
    files: list[FileResult] = field(default_factory=list)
    flags: list[FlaggedPerson] = field(default_factory=list)
    cancelled: bool = False

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status is status)

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def updated(self) -> int:
        return sum(f.updated for f in self.files)

    @property
    def unchanged(self) -> int:
        return sum(f.unchanged for f in self.files)

    @property
    def conflicts(self) -> int:
        return sum(len(f.conflicts) for f in self.files)

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.updated or self.conflicts or self.flags)

    def headline(self) -> str:
        return (
            f"共 {len(self.files)} 个文件：合并 {self.count(FileStatus.TAKEN)} 个，"
            f"拒绝 {self.count(FileStatus.REFUSED)} 个，已合并过 {self.count(FileStatus.ALREADY)} 个"
            + (f"，未处理 {self.count(FileStatus.SKIPPED)} 个（已取消）" if self.cancelled else "")
            + f"。案件：新增 {self.added} 件，更新 {self.updated} 件，未变 {self.unchanged} 件，"
            f"冲突 {self.conflicts} 件。多头访提示 {len(self.flags)} 条。"
        )

    def text(self) -> str:
        """The whole report as shown in the window and saved next to the ledger."""
        lines = [
            "合并台账报告",
            f"时间：{self.merged_at:%Y-%m-%d %H:%M:%S}    操作人：{self.actor}",
            self.headline(),
            "",
        ]
        for result in self.files:
            lines.append(result.summary())
            lines.extend(f"    {p}" for p in result.problems)
            lines.extend(f"    警告：{w}" for w in result.warnings)
            lines.extend(f"    冲突：{c.text()}" for c in result.conflicts)
        lines.append("")
        if self.flags:
            lines.append("多头访提示（同一人就同一类问题在 90 天内向两个及以上单位信访）：")
            lines.extend(f"    {flag.text()}" for flag in self.flags)
            if any(flag.certainty == POSSIBLE for flag in self.flags):
                lines.append(
                    "    说明：脱敏导出的台账只保留证件号前4位和后4位、电话前3位和后4位，"
                    "“疑似”提示可能是同名的两个人，请人工核实；各单位完整导出时才能确认是同一人。"
                )
        else:
            lines.append("多头访提示：无新增。")
        return "\n".join(lines) + "\n"


def write_report(report: MergeReport, folder: str | Path) -> Path:
    """Save the report's text as ``合并报告-YYYYMMDD-HHMMSS.txt`` in ``folder``; returns the path."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"合并报告-{report.merged_at:%Y%m%d-%H%M%S}.txt"
        target.write_text(report.text(), encoding="utf-8-sig")
    except OSError as exc:
        raise ValidationError(f"无法保存合并报告到“{folder}”：{exc.strerror or exc}。") from exc
    return target


def _office_unit(session: Session) -> str:
    info = session.get(LedgerInfo, "unit_code")
    return info.value if info else ""


def merge_workbooks(
    session: Session,
    paths: Sequence[str | Path],
    actor: str,
    *,
    accept_edited: bool = False,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    clock: Callable[[], datetime] = datetime.now,
) -> MergeReport:
    """Merge unit workbooks into the office ledger of ``session`` (see the module docstring).

    Each file is taken whole or not at all; a refused file leaves the ledger as it was.
    ``progress(done, total)`` is called after each file; when ``cancelled()`` turns true the remaining files are left
    untouched and listed as not processed.
    """
    actor = audit.require_actor(actor)
    if not ledger_info.office_ledger(session):
        raise ValidationError("合并台账只能在信访与督办室（汇总模式）的台账中进行。")
    now = clock().replace(microsecond=0)
    report = MergeReport(now, actor, [FileResult(Path(p)) for p in paths])
    if not report.files:
        raise ValidationError("请选择要合并的台账文件。")
    merged = frozenset(session.scalars(select(MergedFile.sha256)))
    reads = read_unit_files([f.path for f in report.files], ReadOptions(_office_unit(session), now, merged))
    try:
        context = _MergeContext(session, actor, now, accept_edited)
        session.commit()  # nothing pending: the index maintenance below uses its own connection
        backend = backend_of(session)
        with collector_paused():
            with backend.bulk_loading(session.get_bind()):
                writes = _Writes(session, backend)
                try:
                    for done, result in enumerate(report.files):
                        if cancelled is not None and cancelled():
                            report.cancelled = True
                            break
                        writes.merge(context, result, next(reads))
                        if progress is not None:
                            progress(done + 1, len(report.files))
                finally:
                    reads.close()  # a cancelled merge stops reading the files ahead
                    writes.commit()  # whatever the last outcome: the index pass uses its own connection
                    writes.wait_turn()
            if report.count(FileStatus.TAKEN):
                report.flags = flag_multi_unit(session, now)
                session.commit()
    finally:
        reads.close()
    return report


class _Writes:
    """The files merged since the last commit: one transaction, a savepoint per file.

    A file is taken whole or not at all (its savepoint); the transaction is committed every half
    second, so that pages shared by several files (indexes) are written and synced once.  At
    the commit the full-text indexes get the new cases of the transaction in one go
    (``bulk_loading`` keeps the row-by-row trigger away), so they always match what is committed.
    After a commit the database is left alone for the backend's ``writers_turn`` before the next
    transaction begins; the next file is read (or awaited from the reading process) meanwhile.
    """

    #: Seconds of writing gathered into one commit: short enough that a clerk's registration
    #: waiting behind the merge gets through within about a second.
    COMMIT_EVERY = 0.5

    def __init__(self, session: Session, backend: StorageBackend) -> None:
        self.session = session
        self.backend = backend
        self._started = 0.0
        self._taken: list[FileResult] = []
        self._index_rows: dict[int, tuple[str, str]] = {}
        self._open = ExitStack()
        #: when a writer waiting since the last commit has had its turn
        self._turn_ends = 0.0

    def merge(self, context: _MergeContext, result: FileResult, read: UnitFile) -> None:
        """Merge one file in its savepoint; commit when the transaction is old enough."""
        if not self._started:
            self.wait_turn()
            self._started = monotonic()
            connection = self.session.connection()
            self._open.enter_context(self.backend.bulk_writing(connection))
        try:
            written = context.merge_file(result, read)
        except Exception:  # the savepoint could not be undone: the whole transaction goes
            self._fail()
            raise
        if result.status is FileStatus.TAKEN:
            self._taken.append(result)
            for case_id in written.updated:  # indexed again by the update triggers already
                self._index_rows.pop(case_id, None)
            self._index_rows.update(written.new)
        if monotonic() - self._started >= self.COMMIT_EVERY:
            self.commit()

    def commit(self) -> None:
        """Index the transaction's new cases and commit it (the files since the last commit)."""
        if not self._started:
            self.session.commit()  # ends the read transaction of a file refused before any write
            return
        try:
            connection = self.session.connection()
            self.backend.add_to_index(connection, [(i, *texts) for i, texts in self._index_rows.items()])
            self._open.close()
            self.session.commit()
        except Exception:
            self._fail()
            raise
        self._reset()
        self._turn_ends = monotonic() + self.backend.writers_turn

    def wait_turn(self) -> None:
        """Before the next transaction: the rest of the turn given to a waiting writer at the last commit."""
        pause = self._turn_ends - monotonic()
        if pause > 0:
            sleep(pause)

    def _fail(self) -> None:
        """The transaction is lost: its files are reported as not merged after all."""
        self._open.close()
        self.session.rollback()
        for result in self._taken:
            _refuse(result, "合并时数据库出错，该文件未作任何改动，请重新合并。")
        self._reset()

    def _reset(self) -> None:
        self._started = 0.0
        self._taken = []
        self._index_rows = {}
        self._open = ExitStack()


class _MergeContext:
    """Caches shared by the files of one merge: reference data, calendar, settings."""

    def __init__(self, session: Session, actor: str, now: datetime, accept_edited: bool) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        self.accept_edited = accept_edited
        self.office_unit = _office_unit(session)
        self.calendar = WorkCalendar.load(session)
        self.decide_rule = Settings.load(session).rule("decide")
        self._decide_due: dict[date, date] = {}
        self.categories: dict[tuple[int | None, str], int] = {
            (c.parent_id, c.name): c.id for c in session.scalars(select(Category))
        }
        self.departments: dict[str, int] = dict(session.execute(select(Department.name, Department.id)).all())
        backend = backend_of(session)
        self.petitioner_writer = backend.row_writer(Petitioner.__table__, ("id", "uuid", *_PETITIONER_FIELDS))
        self.case_writer = backend.row_writer(
            Case.__table__, ("id", "petitioner_id", "uuid", "created_at", *_CASE_FIELDS)
        )
        self.origin_writer = backend.row_writer(CaseOrigin.__table__, _ORIGIN_COLUMNS)
        self.event_writer = backend.row_writer(MergedEvent.__table__, _EVENT_COLUMNS)

    # -- one file ------------------------------------------------------------------------------
    def merge_file(self, result: FileResult, read: UnitFile) -> _Written:
        """Take the file whole in a savepoint, or refuse it and leave the ledger as it was."""
        savepoint = self.session.begin_nested()
        written = _Written()
        try:
            taken = self._take(result, read)
            if taken is not None:
                assert taken.identity is not None
                written = self._apply(result, taken.identity, taken)
                result.status = FileStatus.TAKEN
            savepoint.commit()
            return written
        except LedgerError as exc:
            savepoint.rollback()
            _refuse(result, str(exc))
        except Exception as exc:  # a bug or a database failure: the file is not taken, the others go on
            savepoint.rollback()
            log.exception("merging %s failed", result.path)
            _refuse(result, f"合并时出错（{exc.__class__.__name__}），该文件未作任何改动。")
        return _Written()

    def _take(self, result: FileResult, read: UnitFile) -> UnitFile | None:
        """Fill in what reading the file found; the file as read when its cases are to be written."""
        result.sha256 = read.sha256
        if read.sha256:
            earlier = self.session.scalar(select(MergedFile).where(MergedFile.sha256 == read.sha256))
            if earlier is not None:
                result.status = FileStatus.ALREADY
                result.unit_code, result.unit_name = earlier.unit_code, earlier.unit_name
                result.reason = f"此文件已于 {earlier.merged_at:%Y-%m-%d %H:%M} 合并过，未作任何改动。"
                return None
        if read.known:  # merged before, but no longer listed as merged: read it again here
            read = read_unit_file(read.path, ReadOptions(self.office_unit, self.now))
        if read.identity is not None:
            result.unit_code, result.unit_name = read.identity.unit_code, read.identity.unit_name
            result.masked = read.identity.masked
        if read.refusal:
            _refuse(result, read.refusal)
            return None
        result.rows = len(read.rows) + len(read.problems)
        problems = read.problems + read.history_problems
        if problems:
            _refuse(result, f"有 {len(problems)} 行数据有误，整个文件未合并。")
            result.problems = describe_problems(problems).splitlines()
            return None
        if read.edited:
            if not self.accept_edited:
                _refuse(
                    result,
                    f"{read.edited}如确认要合并，请选择“接受导出后被修改的文件”（命令行加 --accept-edited），"
                    "合并后将标记为已修改。",
                )
                return None
            result.edited = True
            result.warnings.append(read.edited + "已按您的选择合并，并标记为“导出后被修改”。")
        if result.masked:
            result.warnings.append("该文件为脱敏导出：多头访只能按姓名和脱敏号码比对，结果为“疑似”。")
        return read

    # -- writing -------------------------------------------------------------------------------
    def _apply(self, result: FileResult, identity: ExchangeIdentity, read: UnitFile) -> _Written:
        unit_code = identity.unit_code
        session = self.session
        rows = list(map(MergeRow._make, read.rows))
        self._ensure_unit(unit_code, identity.unit_name)
        merged = MergedFile(
            sha256=result.sha256,
            file_name=result.file_name,
            unit_code=unit_code,
            unit_name=identity.unit_name,
            exported_at=identity.exported_at,
            exported_by=identity.exported_by,
            format_version=identity.format_version,
            masked=identity.masked,
            edited=result.edited,
            row_count=len(rows),
            merged_at=self.now,
            merged_by=self.actor,
        )
        session.add(merged)
        session.flush()

        existing = self._existing([r.uuid for r in rows])
        numbers = self._numbers_in_use(unit_code)
        new: list[_Incoming] = []
        newer: list[_Incoming] = []
        conflicts: list[tuple[int | None, MergeRow, ConflictKind, str]] = []
        same: dict[str, int] = {}  # uuid → case id of the cases the file gives at their stored revision
        for row, fingerprint, texts in zip(rows, read.fingerprints, read.index_texts, strict=True):
            number = parse_case_no(row.case_no, unit_code)
            known = existing.get(row.uuid)
            if known is None:
                owner = numbers.get(number)
                if owner is not None and owner != row.uuid:
                    conflicts.append((None, row, ConflictKind.NUMBER, fingerprint))
                else:
                    new.append(_Incoming(row, fingerprint, number, texts))
                continue
            case_id, revision, petitioner_id, stored = known
            if row.revision > revision:
                newer.append(_Incoming(row, fingerprint, number, texts, case_id, petitioner_id))
            elif row.revision == revision and stored is not None and stored != fingerprint:
                conflicts.append((case_id, row, ConflictKind.CONTENT, fingerprint))
            else:
                result.unchanged += 1
                if row.revision == revision:
                    same[row.uuid] = case_id

        if new:
            # ids given here: one plain executemany per table, no RETURNING (SQLite has one writer)
            for incoming, case_id, petitioner_id in zip(
                new, _next_ids(session, Case, len(new)), _next_ids(session, Petitioner, len(new)), strict=True
            ):
                incoming.case_id, incoming.petitioner_id = case_id, petitioner_id
        links, missing_originals = self._repeat_links(new + newer)
        # a new case points at its original as it goes in when that one is in already
        earlier = {case_id: original for case_id, original in links.items() if original < case_id}
        connection = session.connection()
        if new:
            self.petitioner_writer.insert(
                connection,
                [
                    (i.petitioner_id, uuid, *_petitioner_row(i.row))
                    for i, uuid in zip(new, _new_uuids(len(new)), strict=True)
                ],
            )
            self.case_writer.insert(
                connection,
                [
                    (
                        i.case_id,
                        i.petitioner_id,
                        i.row.uuid,
                        self.now,
                        *self._case_row(i, unit_code, earlier.get(i.case_id)),
                    )
                    for i in new
                ],
            )
        if newer:  # their index rows follow through the update triggers
            session.execute(
                update(Petitioner),
                [
                    {
                        "id": i.petitioner_id,
                        **dict(zip(_PETITIONER_FIELDS, _petitioner_row(i.row), strict=True)),
                    }
                    for i in newer
                ],
            )
            cases = Case.__table__  # by table: the file's revision replaces ours (no optimistic check)
            session.execute(
                update(cases).where(cases.c.id == bindparam("case_key")),
                [
                    {
                        "case_key": i.case_id,
                        **dict(
                            zip(_CASE_FIELDS, self._case_row(i, unit_code, links.get(i.case_id)), strict=True)
                        ),
                    }
                    for i in newer
                ],
            )
        later = [
            {"case_id": i.case_id, "original_id": links[i.case_id]}
            for i in new
            if i.case_id in links and i.case_id not in earlier
        ]
        if later:  # originals further down the same file (or itself): linked once they are in
            session.execute(
                update(Case.__table__)
                .where(Case.id == bindparam("case_id"))
                .values(repeat_of_id=bindparam("original_id")),
                later,
            )
        self.origin_writer.insert(
            connection,
            [
                (i.case_id, merged.id, unit_code, i.row.revision, i.fingerprint, i.row.row_number, self.now)
                for i in new + newer
            ],
        )
        if read.events:
            taken = {i.row.uuid: i.case_id for i in new + newer}
            self._write_history(read.events, taken, [i.case_id for i in newer], same, merged.id)
        if missing_originals:
            result.warnings.append(
                f"{missing_originals} 件重复访的原案不在汇总台账中（原案可能不在本次导出的期间内），暂未关联。"
            )
        self._record_conflicts(conflicts, merged.id, result)
        result.added, result.updated = len(new), len(newer)
        merged.added, merged.updated = result.added, result.updated
        merged.unchanged, merged.conflicts = result.unchanged, len(result.conflicts)
        audit.record_audit(
            session,
            self.actor,
            MERGE_ACTION,
            {
                "file": result.file_name,
                "sha256": result.sha256,
                "unit_code": unit_code,
                # the unit's history as it stood at export: a later rewrite there no longer leads to it
                "history_hash": identity.history_hash,
                "edited": result.edited,
                "added": result.added,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "conflicts": len(result.conflicts),
            },
            clock=lambda: self.now,
        )
        return _Written({i.case_id: i.index_texts for i in new}, [i.case_id for i in newer])

    def _write_history(
        self,
        events: list[tuple[Any, ...]],
        taken: dict[str, int],
        replaced: list[int],
        same: dict[str, int],
        merged_file_id: int,
    ) -> None:
        """The file's steps of the cases it gave new or newer (in place of the steps stored for the
        newer ones), and of the cases it gave unchanged that have no steps stored yet."""
        session = self.session
        for chunk in _chunks(replaced):
            session.execute(delete(MergedEvent).where(MergedEvent.case_id.in_(chunk)))
        targets = dict(taken)
        if same:
            ids = list(same.values())
            stored: set[int] = set()
            for chunk in _chunks(ids):
                stored.update(
                    session.scalars(
                        select(MergedEvent.case_id).distinct().where(MergedEvent.case_id.in_(chunk))
                    )
                )
            targets.update((uuid, case_id) for uuid, case_id in same.items() if case_id not in stored)
        case_ids = list(map(targets.get, map(itemgetter(0), events)))
        if None in case_ids:  # steps of cases the file gives that are not to be written
            kept = [at for at, case_id in enumerate(case_ids) if case_id is not None]
            events, case_ids = [events[at] for at in kept], [case_ids[at] for at in kept]
        if events:
            _uuids, *columns = zip(*events, strict=True)
            self.event_writer.insert(
                session.connection(),
                list(zip(case_ids, *columns, repeat(merged_file_id, len(events)), strict=True)),
            )

    def _existing(self, uuids: list[str]) -> dict[str, tuple[int, int, int, str | None]]:
        """uuid → (case id, revision, petitioner id, fingerprint of that revision if merged)."""
        found: dict[str, tuple[int, int, int, str | None]] = {}
        query = (  # one parameter for the list: compiled once, not once per UUID of each file
            select(Case.uuid, Case.id, Case.revision, Case.petitioner_id, CaseOrigin.fingerprint)
            .outerjoin(CaseOrigin, (CaseOrigin.case_id == Case.id) & (CaseOrigin.revision == Case.revision))
            .where(Case.uuid.in_(bindparam("uuids", expanding=True)))
        )
        for chunk in _chunks(uuids):
            rows = self.session.execute(query, {"uuids": chunk})
            for uuid, case_id, revision, petitioner_id, fingerprint in rows:
                found[uuid] = (case_id, revision, petitioner_id, fingerprint)
        return found

    def _numbers_in_use(self, unit_code: str) -> dict[tuple[int, int] | None, str]:
        rows = self.session.execute(select(Case.year, Case.seq, Case.uuid).where(Case.unit_code == unit_code))
        return {(year, seq): uuid for year, seq, uuid in rows}

    def _ensure_unit(self, code: str, name: str) -> None:
        if self.session.scalar(select(Unit.id).where(Unit.code == code)) is None:
            self.session.add(Unit(code=code, name=name or code))
            self.session.flush()

    def _category_id(self, name: str, parent_id: int | None) -> int:
        key = (parent_id, name)
        if key not in self.categories:
            category = Category(name=name, parent_id=parent_id, sort_order=len(self.categories))
            self.session.add(category)
            self.session.flush()
            self.categories[key] = category.id
        return self.categories[key]

    def _department_id(self, name: str) -> int | None:
        if not name:
            return None
        if name not in self.departments:
            department = Department(name=name)
            self.session.add(department)
            self.session.flush()
            self.departments[name] = department.id
        return self.departments[name]

    def _decide_due_on(self, received: date) -> date:
        if received not in self._decide_due:
            self._decide_due[received] = self.calendar.deadline(received, self.decide_rule)
        return self._decide_due[received]

    def _case_row(self, incoming: _Incoming, unit_code: str, original: int | None) -> tuple[Any, ...]:
        """The case's values in the order of ``_CASE_FIELDS`` (codes as the ledger stores them)."""
        r = incoming.row
        assert r.received_on is not None and r.status is not None
        assert r.channel is not None and r.nature is not None
        year, seq = incoming.number or (r.received_on.year, 0)
        category_id = self._category_id(r.category, None)
        decide_due = self._decide_due_on(r.received_on)
        status = r.status
        if status == Status.REGISTERED:
            due_on: date | None = decide_due
        elif status in _DUE_STATUSES:
            due_on = r.handle_due_on or decide_due
        else:
            due_on = None
        # a day given for a date-time column is stored as its midnight (as ``datetime.combine`` would)
        replied_at = r.replied_on
        closed_at = r.closed_on
        return (
            unit_code,
            year,
            seq,
            r.case_no,
            r.received_on,
            r.channel,
            r.source,
            r.nature,
            category_id,
            self._category_id(r.subcategory, category_id) if r.subcategory else None,
            r.people_count,
            r.summary,
            bool(r.is_repeat),
            original,
            bool(r.bypassed_level),
            status,
            decide_due,
            r.accepted_on,
            self._department_id(r.department),
            r.assigned_on,
            1 if r.assigned_on else 0,
            r.handle_due_on,
            due_on,
            r.supervise_count,
            replied_at,
            r.outcome,
            r.satisfaction,
            (closed_at or replied_at) if r.satisfaction != Satisfaction.NONE else None,
            closed_at,
            r.closed_on_time if closed_at else None,
            r.reopen_count,
            r.reopen_count > 0,
            r.owner_leader,
            r.remarks,
            r.revision,
            r.updated_at,
        )

    def _repeat_links(self, changed: list[_Incoming]) -> tuple[dict[int, int], int]:
        """Case id → its original's id (原案编号), for the repeats among ``changed``; and how many
        originals are not in the office ledger.  New cases are found by their given ids."""
        repeats = [i for i in changed if i.row.repeat_of]
        if not repeats:
            return {}, 0
        ids = {i.row.case_no: i.case_id for i in changed}
        wanted = sorted({i.row.repeat_of for i in repeats} - ids.keys())
        for chunk in _chunks(wanted):
            ids.update(
                self.session.execute(select(Case.case_no, Case.id).where(Case.case_no.in_(chunk))).all()
            )
        links = {i.case_id: ids[i.row.repeat_of] for i in repeats if i.row.repeat_of in ids}
        return links, len(repeats) - len(links)

    def _record_conflicts(
        self,
        conflicts: list[tuple[int | None, MergeRow, ConflictKind, str]],
        merged_file_id: int,
        result: FileResult,
    ) -> None:
        if not conflicts:
            return
        known = set(
            self.session.execute(
                select(MergeConflict.case_uuid, MergeConflict.fingerprint).where(
                    tuple_(MergeConflict.case_uuid, MergeConflict.fingerprint).in_(
                        [(r.uuid, fp) for _c, r, _k, fp in conflicts]
                    )
                )
            ).all()
        )
        rows = []
        for case_id, record, kind, fingerprint in conflicts:
            result.conflicts.append(
                ConflictLine(record.case_no, record.uuid, record.revision, kind, record.row_number)
            )
            if (record.uuid, fingerprint) in known:
                continue
            rows.append(
                {
                    "case_id": case_id,
                    "merged_file_id": merged_file_id,
                    "case_uuid": record.uuid,
                    "case_no": record.case_no,
                    "revision": record.revision,
                    "kind": kind.value,
                    "fingerprint": fingerprint,
                    "row_number": record.row_number,
                    "incoming": _jsonable(record),
                    "detected_at": self.now,
                    "resolved": False,
                }
            )
        if rows:
            self.session.execute(insert(MergeConflict), rows)


#: The petitioner's values a merged row gives (``_petitioner_row``), for insert and update.
_PETITIONER_FIELDS = ("name", "id_number", "phone", "identity_type", "affiliation", "anonymous")
#: The case's values a merged row gives (``_MergeContext._case_row``), for insert and update; the
#: other columns of a new case keep their defaults (content, reply text … stay in the unit's ledger).
_CASE_FIELDS = (
    "unit_code",
    "year",
    "seq",
    "case_no",
    "received_at",
    "channel",
    "source",
    "nature",
    "category_id",
    "subcategory_id",
    "people_count",
    "summary",
    "is_repeat",
    "repeat_of_id",
    "bypassed_level",
    "status",
    "decide_due_on",
    "accepted_at",
    "department_id",
    "assigned_at",
    "assign_count",
    "handle_due_on",
    "due_on",
    "supervise_count",
    "replied_at",
    "outcome",
    "satisfaction",
    "evaluated_at",
    "closed_at",
    "closed_on_time",
    "reopen_count",
    "review_requested",
    "owner_leader",
    "remarks",
    "revision",
    "updated_at",
)
#: The columns of a merged step as ``history_reading`` gives them, then the file it came from.
_EVENT_COLUMNS = ("case_id", "seq", "kind", "actor", "at", "note", "detail", "merged_file_id")
_ORIGIN_COLUMNS = (
    "case_id",
    "merged_file_id",
    "unit_code",
    "revision",
    "fingerprint",
    "row_number",
    "merged_at",
)


def _petitioner_row(r: MergeRow) -> tuple[Any, ...]:
    """The petitioner's values in the order of ``_PETITIONER_FIELDS``."""
    anonymous = r.identity_type == IdentityType.ANONYMOUS or r.petitioner_name in ("", ANONYMOUS_NAME)
    return (
        r.petitioner_name or ANONYMOUS_NAME,
        r.id_number or None,
        r.phone or None,
        r.identity_type,
        r.affiliation,
        anonymous,
    )


@dataclass
class _Written:
    """What a file wrote: its new cases' full-text index rows (by case id) and the cases it updated."""

    new: dict[int, tuple[str, str]] = field(default_factory=dict)
    updated: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Incoming:
    """A row to write: the row, its fingerprint and case number (year, seq), the ids it has."""

    row: MergeRow
    fingerprint: str
    number: tuple[int, int] | None
    index_texts: tuple[str, str]
    case_id: int = 0
    petitioner_id: int = 0


def _new_uuids(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs as text, as ``models.new_uuid`` makes them one at a time."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes(b & 0x0F | 0x40 for b in raw[6::16])  # version 4
    raw[8::16] = bytes(b & 0x3F | 0x80 for b in raw[8::16])  # RFC 4122 variant
    text = raw.hex()
    return [
        f"{text[at : at + 8]}-{text[at + 8 : at + 12]}-{text[at + 12 : at + 16]}-"
        f"{text[at + 16 : at + 20]}-{text[at + 20 : at + 32]}"
        for at in range(0, 32 * count, 32)
    ]


def _next_ids(session: Session, model: type[Case] | type[Petitioner], count: int) -> range:
    """``count`` unused primary keys of ``model``'s table, after the highest one."""
    highest = session.scalar(select(func.max(model.id))) or 0
    return range(highest + 1, highest + 1 + count)


def _refuse(result: FileResult, reason: str) -> None:
    result.status = FileStatus.REFUSED
    result.reason = reason
    result.added = result.updated = result.unchanged = 0
    result.conflicts = []


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _jsonable(row: MergeRow) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in row._asdict().items()}
