"""A case's history as an old 台账 recorded it: its number, deadline, extension and closure taken as given.

``RecordedWorkflow`` is the ``Workflow`` with the facts of the record in place of the rules: the case
number is kept, the 办理时限 is the recorded one (``Case.due_given`` is set, so a later recomputation
of deadlines leaves it alone), an extension adds its days without moving that deadline, a reply may
name no outcome, and 是否按期办结 is the recorded answer.  Every step is still an event, and each
event that carries a given fact says so (``data["given"]``, the note names the old 台账).
"""

from __future__ import annotations

from datetime import date, datetime

from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.vocab import EventKind, Outcome, Status
from xinfang_desk.ledger.workflow import STEP_STATUSES, Workflow, pending_events

#: How an event says a fact was taken from the old 台账.
GIVEN_NOTE = "取自原台账"
#: The key of the registration event's data naming the old 台账's row the case came from.
SOURCE_ROW_KEY = "import_row"


class RecordedWorkflow(Workflow):
    """The workflow steps with the old 台账's facts (see the module docstring).

    Set ``case_no`` before ``register`` and ``due_on`` before ``accept`` / ``reopen``; each applies to
    the next case only when set.
    """

    case_no: str = ""
    due_on: date | None = None
    #: year → the highest number kept from the old 台账: a new number is given above it
    reserved: dict[int, int] = {}  # noqa: RUF012 (replaced per instance, never changed in place)

    def _allocate_number(self, year: int) -> tuple[int, str]:
        if not self.case_no:
            seq, _number = super()._allocate_number(year)
            floor = self.reserved.get(year, 0)
            if seq <= floor:
                seq = floor + 1
                self._next_seq[year] = seq + 1
            return seq, f"{self.unit_code}-{year}-{seq:04d}"
        unit, number_year, seq = self.case_no.rsplit("-", 2)
        if unit != self.unit_code or int(number_year) != year:
            raise ValidationError(f"案件编号“{self.case_no}”不属于本单位 {year} 年。")
        return int(seq), self.case_no

    def _given_handle_due(self, case: Case) -> date | None:
        if self.due_on is None:
            return super()._given_handle_due(case)
        case.due_given = True
        return self.due_on

    def _amend_last(self, case: Case, **data: object) -> None:
        """Add ``data`` to the event just recorded for ``case``."""
        for pending, event in reversed(pending_events(self.session)):
            if pending is case:
                event["data"].update(
                    {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
                )
                return

    def record_registrar(self, case: Case, registered_by: str) -> None:
        """Keep who registered the case in the old 台账 (登记人) on its registration event."""
        if registered_by:
            self._amend_last(case, registered_by=registered_by)

    def record_source_row(self, case: Case, fingerprint: str) -> None:
        """Keep which row of the old 台账 (by its content's fingerprint) the case came from."""
        self._amend_last(case, **{SOURCE_ROW_KEY: fingerprint})

    def accept(self, case: Case, note: str = "", *, at: datetime | None = None) -> Case:
        super().accept(case, note, at=at)
        if case.due_given:
            self._amend_last(case, given=True)
        return case

    def extend_recorded(self, case: Case, days: int, *, at: datetime) -> Case:
        """延期 of ``days`` as recorded: the recorded 办理时限 already includes it and stays."""
        self._require(case, STEP_STATUSES[EventKind.EXTEND], "只有办理中的案件才能延期。")
        if days < 1:
            raise ValidationError("延期天数至少为1天。")
        when = self._when(at)
        case.extended_days += days
        case.extension_count += 1
        self._record(
            case,
            EventKind.EXTEND,
            when,
            f"原台账记载延期{days}日（办理时限{GIVEN_NOTE}，已含延期）。",
            days=days,
            due_on=case.handle_due_on,
            given=True,
        )
        return case

    def reply_recorded(self, case: Case, outcome: Outcome | None, text: str, *, at: datetime) -> Case:
        """答复 as recorded; an old 台账 may not name the outcome of 三到位一处理."""
        if outcome is not None:
            return self.reply(case, outcome, text, at=at)
        self._require(case, STEP_STATUSES[EventKind.REPLY], "该案件不在办理中，不能答复。")
        text = self._text(text, "答复内容")
        when = self._when(at)
        self._not_before(case, when)
        case.status = Status.REPLIED.value
        case.replied_at = when
        case.outcome = None
        case.reply_text = text
        self._record(case, EventKind.REPLY, when, text, outcome=None, given=True)
        return case

    def close_recorded(self, case: Case, on_time: bool | None, *, note: str = "", at: datetime) -> Case:
        """办结 with 是否按期办结 as recorded (computed from the deadline only when not recorded)."""
        self.close(case, note, at=at)
        if on_time is not None:
            case.closed_on_time = on_time
            self._amend_last(case, on_time=on_time, given=True)
        return case

    def reopen(self, case: Case, reason: str, *, review: bool = True, at: datetime | None = None) -> Case:
        super().reopen(case, reason, review=review, at=at)
        if self.due_on is not None:
            self._set_handle_due(case, None, self.due_on)
            case.due_given = True
            self._amend_last(case, due_on=self.due_on, given=True)
        return case
