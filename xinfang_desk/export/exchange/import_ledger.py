"""导入台账: a unit that kept its 台账 in Excel (or WPS, LibreOffice) brings it in, each row a case.

The file (.xlsx, .xls or .ods) is opened by ``workbook_file`` with the same guards as the office's
merge.  ``import_mapping`` finds the header row under any title rows and maps the file's columns to
the ledger's fields — the user's mapping, the synonyms offices use, the ledger's own headers — and
translates the office's words (受理 → 已受理, √ → 是 …); notes and signatures under the table are
skipped and reported, and so is every column left unused.

Each row is then lived through ``RecordedWorkflow`` with a clock set to the dates in its columns —
登记, 受理 (or 不予受理 / 转送), 交办, 延期, 督办, 答复, 回访评价, 办结, 重开 — so every step is a
dated event, and the facts the old 台账 recorded are kept as recorded: its case number when it fits
the unit and is free (otherwise a new one, the old in 备注, and the report says why), its 办理时限
(``Case.due_given``), 延期 and 是否按期办结.  是否办结 = 是 closes the case on its 办结日期; a free-text
办理结果 becomes the 答复内容, and the outcome is set where the text names one of 三到位一处理.
Repeats are linked by 原案编号.

Every bad row is reported with its Excel row number and reason.  A row found bad while reading the
file stops the import before anything is written, unless the user asks for the good rows only; a
dry run reports every row's verdict and writes nothing.

The cases are written in slices of about half a second, each committed on its own, so that a
clerk's registration waiting for the ledger gets through within about a second.  Each row is lived
in its own savepoint, so a slice holds whole cases only: an import cancelled, killed or stopped by
a row the workflow refuses (the rows before it are kept, the rows after it only checked) keeps the
cases of its committed slices, each with its whole history, and nothing of the rest.  Each case remembers the
row it came from (its content's fingerprint on the registration event), so importing the file
again skips the rows already imported and goes on with the others.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang_desk.export.exchange.columns import IMPORT_REQUIRED
from xinfang_desk.export.exchange.import_mapping import (
    ImportMapping,
    SheetPlan,
    SkippedRow,
    plan_sheet,
    require_complete,
    translated_rows,
)
from xinfang_desk.export.exchange.vocabulary import outcome_named_in
from xinfang_desk.export.exchange.workbook_file import open_workbook
from xinfang_desk.export.exchange.workbook_reader import (
    CaseRecord,
    RowProblem,
    RowReader,
    describe_problems,
    parse_case_no,
)
from xinfang_desk.export.progress import CancelCheck, ProgressCallback
from xinfang_desk.ledger import audit
from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.errors import LedgerError, NotFoundError
from xinfang_desk.ledger.limits import length_problem
from xinfang_desk.ledger.models import Case, CaseEvent, Category, Department, LedgerInfo
from xinfang_desk.ledger.recorded import GIVEN_NOTE, SOURCE_ROW_KEY, RecordedWorkflow
from xinfang_desk.ledger.settings import Settings
from xinfang_desk.ledger.storage import backend_of
from xinfang_desk.ledger.vocab import (
    ASSIGNED_STATUSES,
    REPLIED_STATUSES,
    EventKind,
    IdentityType,
    Satisfaction,
    Source,
    Status,
)
from xinfang_desk.ledger.workflow import CaseDraft, PetitionerInput, find_case, pending_events

#: Audit action of an import.
IMPORT_ACTION = audit.IMPORT_LEDGER
#: The hour of day given to a step dated only by a day; later steps of the same day follow by minutes.
_STEP_HOUR = time(9, 0)
_LONG_TEXTS = ("summary", "content", "remarks", "reply_text", "assign_opinion", "decline_reason")


@dataclass(frozen=True)
class ImportedCase:
    row_number: int
    old_case_no: str
    case_no: str


@dataclass(frozen=True)
class Renumbered:
    """A row whose old case number could not be kept: the number it gets and why."""

    row_number: int
    old_case_no: str
    case_no: str
    why: str


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do): the mapping, the rows taken and refused."""

    file_name: str
    sheet_name: str = ""
    rows: int = 0
    imported: list[ImportedCase] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    good_rows_only: bool = False
    written: bool = False
    dry_run: bool = False
    plan: SheetPlan | None = None
    skipped: list[SkippedRow] = field(default_factory=list)
    renumbered: list[Renumbered] = field(default_factory=list)
    #: rows an earlier import already made into cases (by their content): skipped, with that case's number
    already: list[ImportedCase] = field(default_factory=list)
    #: the row whose mistake (found while writing) stopped the writing; the cases before it are kept
    stopped_at: int | None = None

    def headline(self) -> str:
        already = f"，{len(self.already)} 行此前已导入，已跳过" if self.already else ""
        if self.dry_run:
            return (
                f"试导入“{self.file_name}”：{len(self.imported)} 行可以导入，{len(self.problems)} 行有误"
                f"（共 {self.rows} 行{already}）。这是试运行，台账没有任何改动。"
            )
        if self.written and self.stopped_at is not None:
            return (
                f"“{self.file_name}”第 {self.stopped_at} 行未能导入，导入在此停止：已导入 {len(self.imported)} 件"
                f"（每件连同办理过程完整），其余的行没有导入（共 {self.rows} 行，{len(self.problems)} 行有误"
                f"{already}）。请改正后重新导入，已导入的行会自动跳过；或选择“只导入正确的行”。"
            )
        if self.written:
            skipped = f"，{len(self.problems)} 行有误未导入" if self.problems else ""
            return f"已从“{self.file_name}”导入 {len(self.imported)} 件案件（共 {self.rows} 行{skipped}{already}）。"
        if self.already and not self.problems:
            return f"“{self.file_name}”的 {len(self.already)} 行此前都已导入，本次没有新增案件（共 {self.rows} 行）。"
        return (
            f"“{self.file_name}”有 {len(self.problems)} 行有误，本次没有导入任何案件"
            f"（共 {self.rows} 行{already}）。请改正后重新导入，或选择“只导入正确的行”。"
        )

    def notes(self) -> list[str]:
        """What the user should know besides the bad rows: mapping, skipped rows, unused columns, numbers."""
        lines: list[str] = []
        if self.plan is not None:
            lines.append(f"工作表“{self.plan.sheet_name}”，表头在第 {self.plan.header_row} 行；列的对应：")
            lines.extend(self.plan.lines())
            if self.plan.unused:
                lines.append("未使用的列（内容没有导入）：" + "、".join(self.plan.unused))
        lines.extend(s.describe() for s in self.skipped)
        if self.already:
            lines.append(f"{len(self.already)} 行此前已导入（内容相同），本次跳过：")
            lines.extend(f"    第 {c.row_number} 行：已是案件 {c.case_no}" for c in self.already[:50])
            if len(self.already) > 50:
                lines.append(f"    ……另有 {len(self.already) - 50} 行")
        if self.renumbered:
            lines.append(f"{len(self.renumbered)} 件使用了新的案件编号（原编号记入备注）：")
            lines.extend(
                f"    第 {r.row_number} 行：{r.old_case_no or '（无编号）'} → {r.case_no}（{r.why}）"
                for r in self.renumbered[:50]
            )
            if len(self.renumbered) > 50:
                lines.append(f"    ……另有 {len(self.renumbered) - 50} 件")
        return lines

    def verdicts(self) -> list[str]:
        """Every row's verdict, in row order (the dry run prints them)."""
        by_row: list[tuple[int, str]] = [
            (c.row_number, f"第 {c.row_number} 行：可以导入，案件编号 {c.case_no}") for c in self.imported
        ]
        by_row.extend((p.row_number, p.text()) for p in self.problems)
        return [text for _n, text in sorted(by_row)]

    def text(self) -> str:
        lines = ["导入台账报告", self.headline(), *self.notes()]
        if self.problems:
            lines.append("有误的行：")
            lines.extend(f"    {line}" for line in describe_problems(self.problems, limit=200).splitlines())
        return "\n".join(lines) + "\n"


class ImportCancelled(LedgerError):
    """The user cancelled an import; the cases of the slices committed before stay, each whole."""

    def __init__(self, imported: int = 0) -> None:
        self.imported = imported
        if imported:
            super().__init__(
                f"导入已取消：已导入 {imported} 件（每件连同办理过程完整），其余的行没有导入。"
                "重新导入同一文件时，已导入的行会自动跳过。"
            )
        else:
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
    mapping: ImportMapping | None = None,
    good_rows_only: bool = False,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    clock: Callable[[], datetime] = datetime.now,
) -> ImportReport:
    """Import the Excel 台账 at ``path`` into the ledger of ``session`` (see the module docstring)."""
    actor = audit.require_actor(actor)
    mapping = mapping or ImportMapping()
    now = clock().replace(microsecond=0)
    report = ImportReport(Path(path).name, good_rows_only=good_rows_only, dry_run=dry_run)
    session.commit()  # the write lock is not held while the file is read
    with open_workbook(path) as workbook:
        sheet, plan = plan_sheet(workbook, mapping)
        report.sheet_name, report.plan = sheet.sheet_name, plan
        report.skipped.extend(SkippedRow(n, text, "是表格上方的标题") for n, text in plan.titles)
        require_complete(plan, workbook.name)
        records = _read_records(
            translated_rows(sheet, plan, mapping, report.skipped), plan, sheet.file_name, now.date(), report
        )
    # a row with a mistake found while reading: nothing is written unless only the good rows are wanted
    slices = _Slices(session, keep=not dry_run and (good_rows_only or not report.problems))
    fingerprints = _fingerprints(records)
    slices.begin()
    importer = _Importer(session, actor, now, mapping.new_numbers, records)
    earlier = _imported_rows(session, set(fingerprints.values()))
    total = len(records)
    try:
        for done, record in enumerate(sorted(records, key=lambda r: (r.received_on, r.row_number))):
            if cancelled is not None and cancelled():
                slices.end(report)
                raise ImportCancelled(0 if dry_run else len(report.imported))
            if progress is not None and done % 100 == 0:
                progress(done, total)
            known = earlier.get(fingerprints[record.row_number])
            if known is not None:
                report.already.append(ImportedCase(record.row_number, record.case_no, known))
                continue
            slices.begin()
            outcome = importer.live(record, fingerprints[record.row_number])
            if isinstance(outcome, RowProblem):
                report.problems.append(outcome)
                if slices.keep and not good_rows_only:  # the rows before it stay, the rest is only checked
                    report.stopped_at = record.row_number
                    slices.end(report, importer)
                    slices.keep = False
            else:
                slices.lived.append(ImportedCase(record.row_number, record.case_no, outcome))
            if slices.due():
                slices.end(report, importer)
        slices.end(report, importer)
    except BaseException as exc:  # the committed slices stay: the audit log says so if it still can
        if report.imported and not dry_run:
            with contextlib.suppress(Exception):
                _record_import(session, actor, now, report, cancelled=isinstance(exc, ImportCancelled))
        raise
    if report.imported and not dry_run:
        _record_import(session, actor, now, report)
    report.problems.sort(key=lambda p: p.row_number)
    report.imported.sort(key=lambda c: c.row_number)
    report.already.sort(key=lambda c: c.row_number)
    report.renumbered = sorted(
        (r for r in importer.renumbered if r.row_number in {c.row_number for c in report.imported}),
        key=lambda r: r.row_number,
    )
    report.written = bool(report.imported) and not dry_run
    return report


class _Slices:
    """The rows lived since the last commit: one transaction, ended about every half second.

    Each row is lived whole in its savepoint, so a slice holds whole cases only; committing the
    slice lets a clerk's registration waiting for the ledger through within about a second.  A
    slice that is not to be kept (a dry run, a file with a bad row) is rolled back instead.
    """

    #: Seconds of writing gathered into one commit.
    COMMIT_EVERY = 0.5

    def __init__(self, session: Session, *, keep: bool) -> None:
        self.session = session
        self.backend = backend_of(session)
        self.keep = keep
        self.lived: list[ImportedCase] = []
        self._started = 0.0

    def begin(self) -> None:
        if not self._started:
            self._started = monotonic()
            self.backend.begin_writing(self.session)  # the per-row savepoints nest inside it

    def due(self) -> bool:
        return monotonic() - self._started >= self.COMMIT_EVERY

    def end(self, report: ImportReport, importer: _Importer | None = None) -> None:
        """Commit the slice's cases (or, not kept, roll them back) and give a waiting writer its turn."""
        if not self._started:
            return
        if self.keep:
            self.session.commit()
            report.imported.extend(self.lived)
            self.backend.let_waiting_writers_in()
        else:
            if importer is not None:
                importer.remember_trial(self.lived)
            self.session.rollback()
            if report.dry_run:
                report.imported.extend(self.lived)
        self.lived = []
        self._started = 0.0


def _record_import(
    session: Session, actor: str, now: datetime, report: ImportReport, *, cancelled: bool = False
) -> None:
    """The audit entry of an import that wrote cases (also when it was cancelled or stopped)."""
    session.rollback()  # whatever was not committed is not part of it
    detail: dict[str, Any] = {
        "file": report.file_name,
        "imported": len(report.imported),
        "refused_rows": len(report.problems),
    }
    if report.already:
        detail["already_imported"] = len(report.already)
    if report.stopped_at is not None:
        detail["stopped_at_row"] = report.stopped_at
    if cancelled:
        detail["cancelled"] = True
    audit.record_audit(session, actor, IMPORT_ACTION, detail, clock=lambda: now)
    session.commit()


def _fingerprints(records: list[CaseRecord]) -> dict[int, str]:
    """Row number → what identifies the row's content (the k-th of identical rows adds k)."""
    seen: dict[str, int] = {}
    found: dict[int, str] = {}
    for r in records:
        values = [_stable(getattr(r, f.name)) for f in fields(r) if f.name != "row_number"]
        digest = hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]
        seen[digest] = seen.get(digest, 0) + 1
        found[r.row_number] = f"{digest}-{seen[digest]}"
    return found


def _stable(value: object) -> str:
    """The value as text that is the same in every run (a set's order is not)."""
    if isinstance(value, set | frozenset):
        return json.dumps(sorted(map(str, value)), ensure_ascii=False)
    return str(value)


def _imported_rows(session: Session, fingerprints: set[str]) -> dict[str, str]:
    """Fingerprint → case number of the rows an earlier import already made into cases.

    An import stopped halfway (cancelled, killed, a bad row) keeps the cases of its committed
    slices; importing the file again goes on from there instead of making them twice.
    """
    marker = CaseEvent.data[SOURCE_ROW_KEY].as_string()
    rows = session.execute(
        select(marker, Case.case_no)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.kind == EventKind.REGISTER.value, marker.is_not(None))
    )
    return {mark: case_no for mark, case_no in rows if mark in fingerprints}


def _read_records(
    rows: Iterable[tuple[int, list[Any]]], plan: SheetPlan, file_name: str, today: date, report: ImportReport
) -> list[CaseRecord]:
    reader = RowReader(plan.headers(), required=IMPORT_REQUIRED, file_name=file_name, today=today)
    records: list[CaseRecord] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
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
    if r.closed_on or r.closed_flag:
        return Status.CLOSED
    if r.satisfaction is not Satisfaction.NONE:
        return Status.EVALUATED
    if r.replied_on:
        return Status.REPLIED
    if r.assigned_on:
        return Status.ASSIGNED
    if r.accepted_on or r.decision == "已受理" or r.department:
        return Status.ACCEPTED
    return Status.REGISTERED


def last_recorded_day(r: CaseRecord) -> date:
    """The latest day the row records (a closure the old 台账 did not date is put there)."""
    days = [r.received_on, r.accepted_on, r.assigned_on, r.replied_on, r.evaluated_on]
    return max(d for d in days if d is not None)


def _plan_problems(r: CaseRecord) -> list[str]:
    """What the row lacks for its history to be recorded (the workflow checks the rest)."""
    status = target_status(r)
    reasons = [p for key in _LONG_TEXTS if (p := length_problem(key, getattr(r, key)))]
    if status in REPLIED_STATUSES:
        if r.replied_on is None and status is not Status.CLOSED:
            reasons.append(f"办理状态为“{status.label}”，但缺少答复日期")
        if r.outcome is None and not r.reply_text:
            reasons.append(f"办理状态为“{status.label}”，但缺少处理结果（或办理结果的文字）")
    if status in ASSIGNED_STATUSES and not r.department:
        reasons.append(f"办理状态为“{status.label}”，但缺少承办单位")
    if r.is_repeat and not r.repeat_of:
        reasons.append("标为重复访，但没有填写原案编号，无法关联原案")
    if r.source is Source.SUPERIOR and r.handle_due_on is None and r.superior_due_on is None:
        reasons.append("上级转办的事项须填写上级规定期限或办理时限（上级交办单规定的期限）")
    return reasons


class _Importer:
    """Lives each row through the recorded workflow, one savepoint per row."""

    def __init__(
        self, session: Session, actor: str, now: datetime, new_numbers: bool, records: list[CaseRecord]
    ) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        self.clock = _Clock()
        #: old case number (or ``#row``) → the new case number
        self.numbers: dict[str, str] = {}
        self.failed: set[str] = set()
        self.renumbered: list[Renumbered] = []
        self._minute = 0
        #: new case number → (status, times reopened) of each case lived, for repeats of it
        self.outcomes: dict[str, tuple[str, int]] = {}
        #: the case numbers lived in slices that were rolled back (a dry run, a file with a bad row)
        self.rolled_back: set[str] = set()
        self.calendar = WorkCalendar.load(session)
        self.settings = Settings.load(session)
        info = session.get(LedgerInfo, "unit_code")
        self.unit_code = info.value if info else "XF"
        self.new_numbers = new_numbers
        self.taken = set(session.scalars(select(Case.case_no)))
        #: year → the highest number kept from the file: new numbers start above it
        self.reserved: dict[int, int] = {}
        for r in records:
            if self._keepable(r) is None and r.received_on is not None:
                seq = parse_case_no(r.case_no, self.unit_code)
                assert seq is not None
                self.reserved[seq[0]] = max(self.reserved.get(seq[0], 0), seq[1])

    def _keepable(self, r: CaseRecord) -> str | None:
        """Why the row's case number cannot be kept, or None when it can."""
        if self.new_numbers:
            return "选择了全部重新编号"
        if not r.case_no:
            return "原台账没有编号"
        number = parse_case_no(r.case_no, self.unit_code)
        if number is None:
            return f"不是本单位的编号格式“{self.unit_code}-年度-序号”"
        if r.received_on is not None and number[0] != r.received_on.year:
            return "编号的年度与登记日期不符"
        if r.case_no in self.taken:
            return "台账中已有该编号"
        return None

    def live(self, r: CaseRecord, fingerprint: str) -> str | RowProblem:
        """The new case number of the row, or why it could not be imported (nothing of it is kept)."""
        key = r.case_no or f"#{r.row_number}"
        why = self._keepable(r)
        if why is None and self.session.scalar(select(Case.id).where(Case.case_no == r.case_no)) is not None:
            why = "台账中已有该编号"  # registered by someone else between two slices
        savepoint = self.session.begin_nested()
        try:
            self._ensure_reference(r)
            case = self._replay(r, "" if why else r.case_no, fingerprint)
            self.session.flush()
            savepoint.commit()
        except LedgerError as exc:
            pending_events(self.session).clear()
            savepoint.rollback()
            self.failed.add(key)
            return RowProblem(r.row_number, (str(exc),))
        self.numbers[key] = case.case_no
        self.taken.add(case.case_no)
        self.outcomes[case.case_no] = (case.status, case.reopen_count)
        number = parse_case_no(case.case_no, self.unit_code)
        if number is not None:  # a later slice numbers above it even when this one is rolled back
            self.reserved[number[0]] = max(self.reserved.get(number[0], 0), number[1])
        if why and (r.case_no or self.new_numbers):
            self.renumbered.append(Renumbered(r.row_number, r.case_no, case.case_no, why))
        return case.case_no

    def remember_trial(self, lived: list[ImportedCase]) -> None:
        """The cases of a slice about to be rolled back: later repeats of them are checked, not linked."""
        self.rolled_back.update(c.case_no for c in lived)

    # -- steps ---------------------------------------------------------------------------------
    def _at(self, day: date) -> datetime:
        """The moment of the next step dated ``day`` (steps of one day keep their order)."""
        moment = datetime.combine(day, _STEP_HOUR) + timedelta(minutes=self._minute)
        self._minute += 1
        self.clock.now = max(moment, self.clock.now)
        return self.clock.now

    def _replay(self, r: CaseRecord, case_no: str, fingerprint: str) -> Case:
        assert r.received_on is not None and r.channel is not None and r.nature is not None
        self._minute = 0
        self.clock.now = datetime(2000, 1, 1)
        wf = RecordedWorkflow(
            self.session, self.actor, clock=self.clock, calendar=self.calendar, settings=self.settings
        )
        wf.case_no, wf.reserved, wf.due_on = case_no, self.reserved, r.handle_due_on
        received = self._at(r.received_on)
        superior_due = r.superior_due_on or (r.handle_due_on if r.source is Source.SUPERIOR else None)
        case = wf.register(
            CaseDraft(
                channel=r.channel,
                source=r.source,
                nature=r.nature,
                category=r.category,
                subcategory=r.subcategory,
                summary=r.summary,
                content=r.content,
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
                repeat_of=self._original(r, wf),
                superior_ref=r.superior_ref,
                superior_due_on=superior_due if r.source is Source.SUPERIOR else None,
                owner_leader=r.owner_leader,
                remarks=_remarks(r, kept=bool(case_no)),
            )
        )
        wf.record_registrar(case, r.registered_by)
        wf.record_source_row(case, fingerprint)
        status = target_status(r)
        if status is Status.DECLINED:
            reason = r.decline_reason or r.remarks or "原台账记载不予受理。"
            wf.decline(case, reason, at=self._at(r.accepted_on or r.received_on))
            return case
        if status is Status.FORWARDED:
            to = r.forwarded_to or r.department or "有权处理的机关"
            wf.forward(case, to, "原台账记载已转送。", at=self._at(r.accepted_on or r.received_on))
            return case
        if status is Status.REGISTERED:
            return case
        note = "按原台账导入" if r.accepted_on else f"原台账未记载受理日期，按登记日期记（{GIVEN_NOTE}）"
        wf.accept(case, note, at=self._at(r.accepted_on or r.received_on))
        handled_from = r.assigned_on or r.accepted_on or r.received_on
        if r.department:
            wf.assign(case, r.department, r.assign_opinion or "按原台账交办。", at=self._at(handled_from))
        if r.extended_days:
            wf.extend_recorded(case, r.extended_days, at=self._at(handled_from))
        for _ in range(r.supervise_count):
            wf.supervise(case, "原台账记载督办。", at=self._at(handled_from))
        if status is Status.IN_PROGRESS:
            wf.progress(case, "原台账记载办理中。", at=self._at(handled_from))
        if status not in REPLIED_STATUSES:
            return case
        closed_on = r.closed_on or last_recorded_day(r)
        replied_on = r.replied_on or closed_on
        outcome = r.outcome or outcome_named_in(r.reply_text)
        text = r.reply_text or "原台账未记载答复内容。"
        wf.reply_recorded(case, outcome, text, at=self._at(replied_on))
        if r.satisfaction is not Satisfaction.NONE:
            wf.evaluate(case, r.satisfaction, at=self._at(r.evaluated_on or replied_on))
        if status is Status.CLOSED:
            note = "" if r.closed_on else f"原台账未记载办结日期，按其最后记载的日期 {closed_on} 记。"
            wf.close_recorded(case, r.closed_on_time, note=note, at=self._at(closed_on))
            for _ in range(r.reopen_count):
                wf.reopen(case, "原台账记载重开。", review=False, at=self._at(closed_on))
                wf.reply_recorded(case, outcome, text, at=self._at(closed_on))
                wf.close_recorded(case, r.closed_on_time, at=self._at(closed_on))
        return case

    def _original(self, r: CaseRecord, wf: RecordedWorkflow) -> str:
        """The new case number of the row's 原案编号 (a row of this sheet, or a case in the ledger).

        An original lived in a slice that was rolled back is not in the ledger: the repeat is only
        checked against it (still open, finally reviewed), not linked.
        """
        if not r.repeat_of:
            return ""
        if r.repeat_of in self.numbers:
            original = self.numbers[r.repeat_of]
            if original in self.rolled_back:
                status, reopened = self.outcomes[original]
                wf.check_repeatable(Case(case_no=original, status=status, reopen_count=reopened))
                return ""
            return original
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


def _remarks(r: CaseRecord, *, kept: bool) -> str:
    """备注 of the new case: the old number if not kept, masked numbers that cannot be checked, the old remarks."""
    parts = [f"原台账编号：{r.case_no}"] if r.case_no and not kept else []
    masked = [
        f"{label}（已脱敏）{value}"
        for label, value in (("证件号码", r.id_number), ("电话", r.phone))
        if "*" in value
    ]
    parts.extend(f"原台账{m}" for m in masked)
    if r.remarks:
        parts.append(r.remarks)
    return "；".join(parts)
