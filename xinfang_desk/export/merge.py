"""合并台账: taking the units' exported workbooks into the office ledger, one transaction per file.

Each file is checked whole before anything is written (``workbook_reader``): container, exchange
identity and format version, headers by name, every row's types and dates, the unit code, duplicate
case ids, and the canonical checksum.  A file that fails is refused with a Chinese reason; one whose
checksum fails (edited after the export) is refused unless the user accepts edited files, and is
then marked as edited.  The same file twice (same SHA-256) changes nothing.

The rules for a case, identified by its UUID (案件ID): a newer 修订号 replaces the older; the same or
an older one changes nothing; the same revision with different content is a conflict, recorded and
listed, never resolved silently.  A new case that would take a case number another case already has
is a conflict too.

Merged cases live in the office's ``cases`` table like its own (figures, search and the ledger
view work on them) but have no events: their history stays in the unit's ledger, and the office
keeps provenance (``CaseOrigin``, ``MergedFile``) and an audit entry per file instead.  Writes are
batched (one executemany per table per file).  After the files, ``provenance.flag_multi_unit``
flags people petitioning several units (多头访).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from xinfang_desk.export.exchange import LEDGER_SHEET, ExchangeIdentity, RowHasher
from xinfang_desk.export.ledger_rows import LEDGER_HEADERS
from xinfang_desk.export.progress import CancelCheck, ProgressCallback
from xinfang_desk.export.workbook_reader import (
    CaseRecord,
    RowProblem,
    RowReader,
    Workbook,
    describe_problems,
    open_workbook,
    parse_case_no,
    read_exchange_identity,
)
from xinfang_desk.ledger import audit, sqlite
from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.errors import LedgerError, ValidationError
from xinfang_desk.ledger.models import (
    Case,
    CaseOrigin,
    Category,
    Department,
    LedgerInfo,
    MergeConflict,
    MergedFile,
    Petitioner,
    Unit,
    new_uuid,
)
from xinfang_desk.ledger.provenance import POSSIBLE, FlaggedPerson, flag_multi_unit
from xinfang_desk.ledger.reference import validate_unit
from xinfang_desk.ledger.settings import Settings
from xinfang_desk.ledger.vocab import HANDLING_STATUSES, IdentityType, Satisfaction, Source, Status

log = logging.getLogger(__name__)

#: Audit action of one merged file.
MERGE_ACTION = "merge_ledger"
#: Rows per IN (…) list when looking cases up.
_CHUNK = 500
_DUE_STATUSES = frozenset(s.value for s in HANDLING_STATUSES | {Status.REPLIED, Status.EVALUATED})


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

    def summary(self) -> str:
        """One line: the file, what became of it and why."""
        head = f"【{self.status.label}】{self.file_name}"
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


def is_office_ledger(session: Session) -> bool:
    info = session.get(LedgerInfo, "office")
    return info is not None and info.value == "1"


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

    Each file is committed on its own; a refused file leaves the ledger as it was.  ``progress(done,
    total)`` is called after each file; when ``cancelled()`` turns true the remaining files are left
    untouched and listed as not processed.
    """
    actor = audit.require_actor(actor)
    if not is_office_ledger(session):
        raise ValidationError("合并台账只能在信访与督办室（汇总模式）的台账中进行。")
    now = clock().replace(microsecond=0)
    report = MergeReport(now, actor, [FileResult(Path(p)) for p in paths])
    if not report.files:
        raise ValidationError("请选择要合并的台账文件。")
    context = _MergeContext(session, actor, now, accept_edited)
    session.commit()  # nothing pending: the index maintenance below uses its own connection
    with sqlite.bulk_loading(session.get_bind()):
        for done, result in enumerate(report.files):
            if cancelled is not None and cancelled():
                report.cancelled = True
                break
            context.merge_file(result)
            session.commit()  # whatever the file's outcome: the index pass below uses its own connection
            if progress is not None:
                progress(done + 1, len(report.files))
    if report.count(FileStatus.TAKEN):
        report.flags = flag_multi_unit(session, now)
        session.commit()
    return report


class _MergeContext:
    """Caches shared by the files of one merge: reference data, calendar, settings."""

    def __init__(self, session: Session, actor: str, now: datetime, accept_edited: bool) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        self.today = now.date()
        self.accept_edited = accept_edited
        self.office_unit = _office_unit(session)
        self.calendar = WorkCalendar.load(session)
        self.decide_rule = Settings.load(session).rule("decide")
        self._decide_due: dict[date, date] = {}
        self.categories: dict[tuple[int | None, str], int] = {
            (c.parent_id, c.name): c.id for c in session.scalars(select(Category))
        }
        self.departments: dict[str, int] = dict(session.execute(select(Department.name, Department.id)).all())

    # -- one file ------------------------------------------------------------------------------
    def merge_file(self, result: FileResult) -> None:
        try:
            read = self._read(result)
            if read is not None:
                self._apply(result, *read)
                self.session.commit()
                result.status = FileStatus.TAKEN
        except LedgerError as exc:
            self.session.rollback()
            _refuse(result, str(exc))
        except Exception as exc:  # a bug or a database failure: the file is not taken, the others go on
            self.session.rollback()
            log.exception("merging %s failed", result.path)
            _refuse(result, f"合并时出错（{exc.__class__.__name__}），该文件未作任何改动。")

    def _read(self, result: FileResult) -> tuple[ExchangeIdentity, list[CaseRecord]] | None:
        with open_workbook(result.path) as workbook:
            result.sha256 = workbook.sha256
            earlier = self.session.scalar(select(MergedFile).where(MergedFile.sha256 == workbook.sha256))
            if earlier is not None:
                result.status = FileStatus.ALREADY
                result.unit_code, result.unit_name = earlier.unit_code, earlier.unit_name
                result.reason = f"此文件已于 {earlier.merged_at:%Y-%m-%d %H:%M} 合并过，未作任何改动。"
                return None
            identity = read_exchange_identity(workbook)
            result.unit_code, result.unit_name = identity.unit_code, identity.unit_name
            result.masked = identity.masked
            self._check_unit(workbook, identity)
            records, problems, edited = self._read_rows(workbook, identity)
        result.rows = len(records) + len(problems)
        if problems:
            _refuse(result, f"有 {len(problems)} 行数据有误，整个文件未合并。")
            result.problems = describe_problems(problems).splitlines()
            return None
        if edited:
            if not self.accept_edited:
                _refuse(
                    result,
                    f"{edited}如确认要合并，请选择“接受导出后被修改的文件”（命令行加 --accept-edited），"
                    "合并后将标记为已修改。",
                )
                return None
            result.edited = True
            result.warnings.append(edited + "已按您的选择合并，并标记为“导出后被修改”。")
        if result.masked:
            result.warnings.append("该文件为脱敏导出：多头访只能按姓名和脱敏号码比对，结果为“疑似”。")
        return identity, records

    def _check_unit(self, workbook: Workbook, identity: ExchangeIdentity) -> None:
        try:
            validate_unit(identity.unit_code, identity.unit_name or identity.unit_code)
        except ValidationError as exc:
            raise ValidationError(f"“{workbook.name}”的单位代码“{identity.unit_code}”无效。") from exc
        if identity.unit_code == self.office_unit:
            raise ValidationError(
                f"“{workbook.name}”的单位代码“{identity.unit_code}”与本汇总台账相同，不能合并本台账自己的导出文件。"
            )

    def _read_rows(
        self, workbook: Workbook, identity: ExchangeIdentity
    ) -> tuple[list[CaseRecord], list[RowProblem], str]:
        sheet = workbook.sheet(LEDGER_SHEET)
        rows = sheet.numbered()
        first = next(rows, None)
        if first is None:
            raise ValidationError(f"“{workbook.name}”的“{LEDGER_SHEET}”工作表是空的。")
        _number, header = first
        reader = RowReader(header, required=LEDGER_HEADERS, file_name=workbook.name, today=self.today)
        hasher = RowHasher()
        hasher.add(header)
        records: list[CaseRecord] = []
        problems: list[RowProblem] = []
        seen_uuid: dict[str, int] = {}
        seen_no: dict[str, int] = {}
        for number, cells in rows:
            hasher.add(cells)
            if not any(c not in ("", None) for c in cells):
                continue
            record = reader.read(number, cells)
            if isinstance(record, RowProblem):
                problems.append(record)
                continue
            reasons = reader.check_exported(record, identity.unit_code, self.now)
            if record.uuid in seen_uuid:
                reasons.append(f"案件ID与第 {seen_uuid[record.uuid]} 行重复")
            if record.case_no in seen_no:
                reasons.append(f"案件编号与第 {seen_no[record.case_no]} 行重复")
            seen_uuid.setdefault(record.uuid, number)
            seen_no.setdefault(record.case_no, number)
            if reasons:
                problems.append(RowProblem(number, tuple(reasons)))
            else:
                records.append(record)
        found = tuple("" if h is None else str(h) for h in header[: len(LEDGER_HEADERS)])
        count = hasher.rows - 1
        if found != LEDGER_HEADERS:
            edited = "台账的表头与导出格式不同（列被改名、增删或调换过），文件在导出后被修改过。"
        elif count != identity.row_count:
            edited = f"交换信息记载 {identity.row_count} 行案件，实际为 {count} 行，文件可能被截断或改动过。"
        elif hasher.hexdigest() != identity.checksum:
            edited = "台账数据与校验值不符，文件在导出后被修改过。"
        else:
            edited = ""
        return records, problems, edited

    # -- writing -------------------------------------------------------------------------------
    def _apply(self, result: FileResult, identity: ExchangeIdentity, records: list[CaseRecord]) -> None:
        unit_code = identity.unit_code
        session = self.session
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
            row_count=len(records),
            merged_at=self.now,
            merged_by=self.actor,
        )
        session.add(merged)
        session.flush()

        existing = self._existing(records)
        numbers = self._numbers_in_use(unit_code)
        new: list[CaseRecord] = []
        newer: list[tuple[int, int, CaseRecord]] = []
        conflicts: list[tuple[int | None, CaseRecord, ConflictKind, str]] = []
        fingerprints: dict[int, str] = {}
        for record in records:
            fingerprint = fingerprints[record.row_number] = record.fingerprint()
            known = existing.get(record.uuid)
            if known is None:
                owner = numbers.get(parse_case_no(record.case_no, unit_code))
                if owner is not None and owner != record.uuid:
                    conflicts.append((None, record, ConflictKind.NUMBER, fingerprint))
                else:
                    new.append(record)
                continue
            case_id, revision, petitioner_id, stored = known
            if record.revision > revision:
                newer.append((case_id, petitioner_id, record))
            elif record.revision == revision and stored is not None and stored != fingerprint:
                conflicts.append((case_id, record, ConflictKind.CONTENT, fingerprint))
            else:
                result.unchanged += 1

        origins: list[dict[str, Any]] = []
        if new:
            # ids given here: a plain executemany, no RETURNING round trips (SQLite has one writer)
            petitioner_ids = _next_ids(session, Petitioner, len(new))
            case_ids = _next_ids(session, Case, len(new))
            session.execute(
                insert(Petitioner.__table__),
                [{"id": i, **self._petitioner_values(r)} for i, r in zip(petitioner_ids, new, strict=True)],
            )
            session.execute(
                insert(Case.__table__),
                [
                    {"id": c, "petitioner_id": p, **self._case_values(r, unit_code)}
                    for c, p, r in zip(case_ids, petitioner_ids, new, strict=True)
                ],
            )
            origins.extend(
                self._origin(c, r, merged.id, unit_code, fingerprints)
                for c, r in zip(case_ids, new, strict=True)
            )
        if newer:
            session.execute(
                update(Petitioner),
                [{"id": p, **self._petitioner_values(r, keep_uuid=True)} for _c, p, r in newer],
            )
            session.execute(
                update(Case),
                [{"id": c, **self._case_values(r, unit_code, update=True)} for c, _p, r in newer],
            )
            origins.extend(self._origin(c, r, merged.id, unit_code, fingerprints) for c, _p, r in newer)
        if origins:
            session.execute(insert(CaseOrigin.__table__), origins)
        missing_originals = self._link_repeats(new, newer, unit_code)
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
                "edited": result.edited,
                "added": result.added,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "conflicts": len(result.conflicts),
            },
            clock=lambda: self.now,
        )

    def _existing(self, records: list[CaseRecord]) -> dict[str, tuple[int, int, int, str | None]]:
        """uuid → (case id, revision, petitioner id, fingerprint of that revision if merged)."""
        found: dict[str, tuple[int, int, int, str | None]] = {}
        for chunk in _chunks([r.uuid for r in records]):
            rows = self.session.execute(
                select(Case.uuid, Case.id, Case.revision, Case.petitioner_id, CaseOrigin.fingerprint)
                .outerjoin(
                    CaseOrigin, (CaseOrigin.case_id == Case.id) & (CaseOrigin.revision == Case.revision)
                )
                .where(Case.uuid.in_(chunk))
            )
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

    def _petitioner_values(self, r: CaseRecord, *, keep_uuid: bool = False) -> dict[str, Any]:
        anonymous = r.identity_type is IdentityType.ANONYMOUS or r.petitioner_name in ("", "匿名")
        values = {
            "name": r.petitioner_name or "匿名",
            "id_number": r.id_number or None,
            "phone": r.phone or None,
            "identity_type": r.identity_type.value,
            "affiliation": r.affiliation,
            "anonymous": anonymous,
        }
        if not keep_uuid:
            values["uuid"] = new_uuid()
        return values

    def _case_values(self, r: CaseRecord, unit_code: str, *, update: bool = False) -> dict[str, Any]:
        assert r.received_on is not None and r.status is not None
        assert r.channel is not None and r.nature is not None
        year, seq = parse_case_no(r.case_no, unit_code) or (r.received_on.year, 0)
        category_id = self._category_id(r.category, None)
        decide_due = self._decide_due_on(r.received_on)
        status = r.status.value
        if status == Status.REGISTERED.value:
            due_on: date | None = decide_due
        elif status in _DUE_STATUSES:
            due_on = r.handle_due_on or decide_due
        else:
            due_on = None
        replied_at = _at(r.replied_on)
        closed_at = _at(r.closed_on)
        values: dict[str, Any] = {
            "unit_code": unit_code,
            "year": year,
            "seq": seq,
            "case_no": r.case_no,
            "received_at": _at(r.received_on),
            "channel": r.channel.value,
            "source": (r.source or Source.OWN).value,
            "nature": r.nature.value,
            "category_id": category_id,
            "subcategory_id": self._category_id(r.subcategory, category_id) if r.subcategory else None,
            "people_count": r.people_count,
            "summary": r.summary,
            "is_repeat": bool(r.is_repeat),
            "repeat_of_id": None,
            "bypassed_level": bool(r.bypassed_level),
            "status": status,
            "decide_due_on": decide_due,
            "accepted_at": _at(r.accepted_on),
            "department_id": self._department_id(r.department),
            "assigned_at": _at(r.assigned_on),
            "assign_count": 1 if r.assigned_on else 0,
            "handle_due_on": r.handle_due_on,
            "due_on": due_on,
            "supervise_count": r.supervise_count,
            "replied_at": replied_at,
            "outcome": r.outcome.value if r.outcome else None,
            "satisfaction": r.satisfaction.value,
            "evaluated_at": (closed_at or replied_at) if r.satisfaction is not Satisfaction.NONE else None,
            "closed_at": closed_at,
            "closed_on_time": r.closed_on_time if closed_at else None,
            "reopen_count": r.reopen_count,
            "review_requested": r.reopen_count > 0,
            "owner_leader": r.owner_leader,
            "remarks": r.remarks,
            "revision": r.revision,
            "updated_at": r.updated_at,
        }
        if not update:
            values.update(
                uuid=r.uuid,
                content="",
                superior_ref="",
                superior_due_on=None,
                objection_due_on=None,
                decline_reason="",
                forwarded_to="",
                assign_opinion="",
                extended_days=0,
                extension_count=0,
                reply_text="",
                created_at=self.now,
            )
        return values

    def _origin(
        self, case_id: int, r: CaseRecord, merged_file_id: int, unit_code: str, fingerprints: dict[int, str]
    ) -> dict[str, Any]:
        return {
            "case_id": case_id,
            "merged_file_id": merged_file_id,
            "unit_code": unit_code,
            "revision": r.revision,
            "fingerprint": fingerprints[r.row_number],
            "row_number": r.row_number,
            "merged_at": self.now,
        }

    def _link_repeats(
        self, new: list[CaseRecord], newer: list[tuple[int, int, CaseRecord]], unit_code: str
    ) -> int:
        """Point repeats at their original case (原案编号); returns how many originals are missing."""
        changed = new + [r for _c, _p, r in newer]
        repeats = [r for r in changed if r.repeat_of]
        if not repeats:
            return 0
        wanted = sorted({r.repeat_of for r in repeats} | {r.case_no for r in repeats})
        ids: dict[str, int] = {}
        for chunk in _chunks(wanted):
            ids.update(
                self.session.execute(select(Case.case_no, Case.id).where(Case.case_no.in_(chunk))).all()
            )
        links = [
            {"id": ids[r.case_no], "repeat_of_id": ids[r.repeat_of]} for r in repeats if r.repeat_of in ids
        ]
        if links:
            self.session.execute(update(Case), links)
        return len(repeats) - len(links)

    def _record_conflicts(
        self,
        conflicts: list[tuple[int | None, CaseRecord, ConflictKind, str]],
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


def _next_ids(session: Session, model: type[Case] | type[Petitioner], count: int) -> range:
    """``count`` unused primary keys of ``model``'s table, after the highest one."""
    highest = session.scalar(select(func.max(model.id))) or 0
    return range(highest + 1, highest + 1 + count)


def _refuse(result: FileResult, reason: str) -> None:
    result.status = FileStatus.REFUSED
    result.reason = reason
    result.added = result.updated = result.unchanged = 0
    result.conflicts = []


def _at(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min) if day is not None else None


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _jsonable(record: CaseRecord) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.__dict__.items():
        if key == "present":
            continue
        out[key] = value.isoformat() if isinstance(value, date | datetime) else value
    return out
