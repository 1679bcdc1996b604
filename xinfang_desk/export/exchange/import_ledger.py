"""导入台账: a unit that kept its 台账 in Excel brings it in, each row a case with its history.

The sheet is read by ``workbook_reader`` (the same guarded reader as the office's merge): headers by
their Chinese names in any order, unknown columns ignored, optional ones may be missing, no exchange
sheet needed.  Each row is then lived through the real ``Workflow`` with a clock set to the dates in
its columns — 登记, 受理 (or 不予受理 / 转送), 交办, 督办, 答复, 回访评价, 办结, 重开 — so the
deadlines are computed as for a case registered by hand and every step is a dated event.  Repeats
are linked by 原案编号 (a row's 案件编号 in the same sheet, or a case already in the ledger); the new
case gets the ledger's own number and keeps the old one in 备注.

Every bad row is reported with its Excel row number and reason.  Nothing is written unless every
row is good, unless the user asks for the good rows only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang_desk.export.exchange.identity import LEDGER_SHEET
from xinfang_desk.export.exchange.workbook_reader import (
    COLUMNS,
    CaseRecord,
    ExchangeFileError,
    RowProblem,
    RowReader,
    SheetRows,
    Workbook,
    describe_problems,
    find_header_row,
    open_workbook,
)
from xinfang_desk.export.progress import CancelCheck, ProgressCallback
from xinfang_desk.ledger import audit
from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.deadlines import refresh_due_estimated, set_basis
from xinfang_desk.ledger.errors import LedgerError, NotFoundError
from xinfang_desk.ledger.models import Case, Category, Department
from xinfang_desk.ledger.settings import Settings
from xinfang_desk.ledger.storage import backend_for
from xinfang_desk.ledger.vocab import ACCEPTED_STATUSES, IdentityType, Satisfaction, Source, Status
from xinfang_desk.ledger.workflow import CaseDraft, PetitionerInput, Workflow, find_case, pending_events

#: Headers an Excel 台账 must have; the others are read when present.
IMPORT_REQUIRED: tuple[str, ...] = tuple(c.header for c in COLUMNS if c.imported)
#: Audit action of an import.
IMPORT_ACTION = audit.IMPORT_LEDGER
#: The hour of day given to a step dated only by a day; later steps of the same day follow by minutes.
_STEP_HOUR = time(9, 0)


@dataclass(frozen=True)
class ImportedCase:
    row_number: int
    old_case_no: str
    case_no: str


@dataclass
class ImportReport:
    """What an import did: the rows taken, the rows refused, and whether anything was written."""

    file_name: str
    sheet_name: str = ""
    rows: int = 0
    imported: list[ImportedCase] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    good_rows_only: bool = False
    written: bool = False

    def headline(self) -> str:
        if self.written:
            skipped = f"，{len(self.problems)} 行有误未导入" if self.problems else ""
            return f"已从“{self.file_name}”导入 {len(self.imported)} 件案件（共 {self.rows} 行{skipped}）。"
        return (
            f"“{self.file_name}”有 {len(self.problems)} 行有误，本次没有导入任何案件"
            f"（共 {self.rows} 行）。请改正后重新导入，或选择“只导入正确的行”。"
        )

    def text(self) -> str:
        lines = ["导入台账报告", self.headline()]
        if self.problems:
            lines.append("有误的行：")
            lines.extend(f"    {line}" for line in describe_problems(self.problems, limit=200).splitlines())
        return "\n".join(lines) + "\n"


class ImportCancelled(LedgerError):
    """The user cancelled an import; nothing was written."""

    def __init__(self) -> None:
        super().__init__("导入已取消，未导入任何案件。")


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2000, 1, 1)

    def __call__(self) -> datetime:
        return self.now


def import_ledger(
    session: Session,
    path: str | Path,
    actor: str,
    *,
    good_rows_only: bool = False,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    clock: Callable[[], datetime] = datetime.now,
) -> ImportReport:
    """Import the Excel 台账 at ``path`` into the ledger of ``session`` (see the module docstring)."""
    actor = audit.require_actor(actor)
    now = clock().replace(microsecond=0)
    report = ImportReport(Path(path).name, good_rows_only=good_rows_only)
    with open_workbook(path) as workbook:
        sheet, header_index = _ledger_sheet(workbook)
        report.sheet_name = sheet.sheet_name
        records = _read_records(sheet, header_index, now.date(), report)
    importer = _Importer(session, actor, now)
    backend_for(session.get_bind()).begin_writing(session)  # the per-row savepoints nest inside it
    total = len(records)
    for done, record in enumerate(sorted(records, key=lambda r: (r.received_on, r.row_number))):
        if cancelled is not None and cancelled():
            session.rollback()
            raise ImportCancelled()
        outcome = importer.live(record)
        if isinstance(outcome, RowProblem):
            report.problems.append(outcome)
        else:
            report.imported.append(ImportedCase(record.row_number, record.case_no, outcome))
        if progress is not None and done % 100 == 0:
            progress(done, total)
    report.problems.sort(key=lambda p: p.row_number)
    report.imported.sort(key=lambda c: c.row_number)
    if (report.problems and not good_rows_only) or not report.imported:
        session.rollback()
        report.written = False
        return report
    audit.record_audit(
        session,
        actor,
        IMPORT_ACTION,
        {"file": report.file_name, "imported": len(report.imported), "refused_rows": len(report.problems)},
        clock=lambda: now,
    )
    session.commit()
    report.written = True
    return report


def _ledger_sheet(workbook: Workbook) -> tuple[SheetRows, int]:
    """The sheet holding the 台账 (信访台账 first, else the first with the headers) and its header row."""
    names = sorted(workbook.sheet_names, key=lambda n: n != LEDGER_SHEET)
    first_error: ExchangeFileError | None = None
    for name in names:
        if name.startswith("_"):
            continue
        try:
            sheet = workbook.sheet(name)
            return sheet, find_header_row(sheet, IMPORT_REQUIRED)
        except ExchangeFileError as exc:
            first_error = first_error or exc
    raise first_error or ExchangeFileError(f"“{workbook.name}”中没有台账工作表。")


def _read_records(sheet: SheetRows, header_index: int, today: date, report: ImportReport) -> list[CaseRecord]:
    rows = sheet.numbered(header_index)
    _number, header = next(rows)
    reader = RowReader(header, required=IMPORT_REQUIRED, file_name=sheet.file_name, today=today)
    records: list[CaseRecord] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        if not any(c not in ("", None) for c in cells):
            continue
        report.rows += 1
        record = reader.read(number, cells)
        if isinstance(record, RowProblem):
            report.problems.append(record)
            continue
        reasons = _plan_problems(record)
        if record.case_no:
            if record.case_no in seen:
                reasons.append(f"案件编号“{record.case_no}”与第 {seen[record.case_no]} 行重复")
            seen.setdefault(record.case_no, number)
        if reasons:
            report.problems.append(RowProblem(number, tuple(reasons)))
        else:
            records.append(record)
    return records


def target_status(r: CaseRecord) -> Status:
    """The status the row's history ends in: 办理状态 if given, otherwise what its dates say."""
    if r.status is not None:
        return r.status
    if r.decision == "不予受理":
        return Status.DECLINED
    if r.decision == "已转送":
        return Status.FORWARDED
    if r.closed_on:
        return Status.CLOSED
    if r.satisfaction is not Satisfaction.NONE:
        return Status.EVALUATED
    if r.replied_on:
        return Status.REPLIED
    if r.assigned_on:
        return Status.ASSIGNED
    if r.accepted_on or r.decision == "已受理":
        return Status.ACCEPTED
    return Status.REGISTERED


def _plan_problems(r: CaseRecord) -> list[str]:
    """What the row lacks for its history to be replayed (the workflow checks the rest)."""
    status = target_status(r)
    reasons: list[str] = []
    if status in ACCEPTED_STATUSES and r.accepted_on is None:
        reasons.append(f"办理状态为“{status.label}”，但缺少受理日期")
    if status in {Status.REPLIED, Status.EVALUATED, Status.CLOSED}:
        if r.replied_on is None:
            reasons.append(f"办理状态为“{status.label}”，但缺少答复日期")
        if r.outcome is None:
            reasons.append(f"办理状态为“{status.label}”，但缺少处理结果")
    if status is Status.CLOSED and r.closed_on is None:
        reasons.append("办理状态为“已办结”，但缺少办结日期")
    if status in {Status.ASSIGNED, Status.IN_PROGRESS} and not r.department:
        reasons.append(f"办理状态为“{status.label}”，但缺少承办单位")
    if r.is_repeat and not r.repeat_of:
        reasons.append("标为重复访，但没有填写原案编号，无法关联原案")
    if r.source is Source.SUPERIOR and r.handle_due_on is None:
        reasons.append("上级转办的事项须填写办理时限（上级交办单规定的期限）")
    return reasons


class _Importer:
    """Lives each row through the workflow, one savepoint per row."""

    def __init__(self, session: Session, actor: str, now: datetime) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        self.clock = _Clock()
        #: old case number (or ``#row``) → the new case number
        self.numbers: dict[str, str] = {}
        self.failed: set[str] = set()
        self._minute = 0
        self.calendar = WorkCalendar.load(session)
        self.settings = Settings.load(session)

    def live(self, r: CaseRecord) -> str | RowProblem:
        """The new case number of the row, or why it could not be imported (nothing of it is kept)."""
        key = r.case_no or f"#{r.row_number}"
        savepoint = self.session.begin_nested()
        try:
            self._ensure_reference(r)
            case = self._replay(r)
            self.session.flush()
            savepoint.commit()
        except LedgerError as exc:
            pending_events(self.session).clear()
            savepoint.rollback()
            self.failed.add(key)
            return RowProblem(r.row_number, (str(exc),))
        self.numbers[key] = case.case_no
        return case.case_no

    # -- steps ---------------------------------------------------------------------------------
    def _at(self, day: date) -> datetime:
        """The moment of the next step dated ``day`` (steps of one day keep their order)."""
        moment = datetime.combine(day, _STEP_HOUR) + timedelta(minutes=self._minute)
        self._minute += 1
        self.clock.now = max(moment, self.clock.now)
        return self.clock.now

    def _replay(self, r: CaseRecord) -> Case:
        assert r.received_on is not None and r.channel is not None and r.nature is not None
        self._minute = 0
        self.clock.now = datetime(2000, 1, 1)
        wf = Workflow(
            self.session, self.actor, clock=self.clock, calendar=self.calendar, settings=self.settings
        )
        received = self._at(r.received_on)
        case = wf.register(
            CaseDraft(
                channel=r.channel,
                source=r.source,
                nature=r.nature,
                category=r.category,
                subcategory=r.subcategory,
                summary=r.summary,
                petitioner=PetitionerInput(
                    name=r.petitioner_name,
                    id_number="" if "*" in r.id_number else r.id_number,
                    phone="" if "*" in r.phone else r.phone,
                    identity_type=r.identity_type,
                    affiliation=r.affiliation,
                    anonymous=r.identity_type is IdentityType.ANONYMOUS or r.petitioner_name in ("", "匿名"),
                ),
                people_count=r.people_count,
                received_at=received,
                bypassed_level=r.bypassed_level,
                repeat_of=self._original(r),
                superior_due_on=r.handle_due_on if r.source is Source.SUPERIOR else None,
                owner_leader=r.owner_leader,
                remarks=_remarks(r),
            )
        )
        status = target_status(r)
        if status is Status.DECLINED:
            wf.decline(case, r.remarks or "原台账记载不予受理。", at=self._at(r.accepted_on or r.received_on))
            return case
        if status is Status.FORWARDED:
            wf.forward(
                case,
                r.department or "有权处理的机关",
                "原台账记载已转送。",
                at=self._at(r.accepted_on or r.received_on),
            )
            return case
        if status is Status.REGISTERED:
            return case
        assert r.accepted_on is not None
        wf.accept(case, "按原台账导入", at=self._at(r.accepted_on))
        if r.handle_due_on is not None:  # the old ledger's 办理时限 is its record: never recomputed
            set_basis(case, "handle", None)
            refresh_due_estimated(case)
        handled_from = r.assigned_on or r.accepted_on
        if r.department:
            assert case.handle_due_on is not None
            own_due = r.handle_due_on if r.handle_due_on and r.handle_due_on <= case.handle_due_on else None
            wf.assign(case, r.department, "按原台账交办。", due_on=own_due, at=self._at(handled_from))
        for _ in range(r.supervise_count):
            wf.supervise(case, "原台账记载督办。", at=self._at(handled_from))
        if status is Status.IN_PROGRESS:
            wf.progress(case, "原台账记载办理中。", at=self._at(handled_from))
        if status not in {Status.REPLIED, Status.EVALUATED, Status.CLOSED}:
            return case
        assert r.replied_on is not None and r.outcome is not None
        wf.reply(case, r.outcome, "原台账未记载答复内容。", at=self._at(r.replied_on))
        if r.satisfaction is not Satisfaction.NONE:
            wf.evaluate(case, r.satisfaction, at=self._at(r.replied_on))
        if status is Status.CLOSED:
            assert r.closed_on is not None
            wf.close(case, at=self._at(r.closed_on))
            for _ in range(r.reopen_count):
                wf.reopen(case, "原台账记载重开。", review=False, at=self._at(r.closed_on))
                wf.reply(case, r.outcome, "原台账未记载答复内容。", at=self._at(r.closed_on))
                wf.close(case, at=self._at(r.closed_on))
        return case

    def _original(self, r: CaseRecord) -> str:
        """The new case number of the row's 原案编号 (a row of this sheet, or a case in the ledger)."""
        if not r.repeat_of:
            return ""
        if r.repeat_of in self.numbers:
            return self.numbers[r.repeat_of]
        if r.repeat_of in self.failed:
            raise NotFoundError(f"原案编号“{r.repeat_of}”所在的行未能导入，无法关联原案。")
        try:
            return find_case(self.session, r.repeat_of).case_no
        except NotFoundError:
            raise NotFoundError(
                f"找不到原案编号“{r.repeat_of}”（表中没有登记日期更早的该编号，台账中也没有）。"
            ) from None

    def _ensure_reference(self, r: CaseRecord) -> None:
        """Create the categories and handling department the row names, if the ledger lacks them."""
        top = self.session.scalars(
            select(Category).where(Category.parent_id.is_(None), Category.name == r.category)
        ).first()
        if top is None:
            top = Category(name=r.category, sort_order=100)
            self.session.add(top)
            self.session.flush()
        if (
            r.subcategory
            and self.session.scalars(
                select(Category.id).where(Category.parent_id == top.id, Category.name == r.subcategory)
            ).first()
            is None
        ):
            self.session.add(Category(name=r.subcategory, parent_id=top.id, sort_order=100))
        if (
            r.department
            and self.session.scalars(select(Department.id).where(Department.name == r.department)).first()
            is None
        ):
            self.session.add(Department(name=r.department))
        self.session.flush()


def _remarks(r: CaseRecord) -> str:
    """备注 of the new case: the old number, masked numbers that cannot be checked, the old remarks."""
    parts = [f"原台账编号：{r.case_no}"] if r.case_no else []
    masked = [
        f"{label}（已脱敏）{value}"
        for label, value in (("证件号码", r.id_number), ("电话", r.phone))
        if "*" in value
    ]
    parts.extend(f"原台账{m}" for m in masked)
    if r.remarks:
        parts.append(r.remarks)
    return "；".join(parts)
