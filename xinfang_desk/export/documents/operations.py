"""Operations behind printing: which documents a case allows, and a batch's facts gathered and audited.

Gathering runs on the database worker; rendering the gathered facts into a PDF (``slips.write_documents``,
``slips.render_documents``, ``annual_report.annual_report_pdf``) needs no ledger, so the app runs it on a
separate pool and the database worker is never held by layout.  Printing is recorded in the audit log here,
and only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from xinfang_desk.export.documents.annual_facts import AnnualReportFacts, gather_annual_facts
from xinfang_desk.export.documents.facts import (
    DocumentBatch,
    DocumentKind,
    gather_batch,
    gather_facts,
    not_ready_message,
)
from xinfang_desk.ledger import audit
from xinfang_desk.ledger.errors import WorkflowError
from xinfang_desk.ledger.operations.context import OpContext
from xinfang_desk.ledger.permissions import Permission, requires
from xinfang_desk.ledger.workflow import find_case


@dataclass(frozen=True)
class PreparedDocuments(DocumentBatch):
    """A gathered batch (its ready cases' facts, and each case left out) and who prints it, ready to
    render (plain data, safe across threads)."""

    author: str = field(kw_only=True)

    def skipped_messages(self) -> tuple[str, ...]:
        """Each case left out, in a sentence: “案件JWC-2025-0004尚未交办，不能打印交办单”."""
        return tuple(not_ready_message([case_no], self.kind) for case_no, _why in self.skipped)


@requires(Permission.VIEW)
def printable_kinds(ctx: OpContext, case_ref: str | int) -> tuple[DocumentKind, ...]:
    """The documents the case's steps so far allow (the same check the printing itself makes)."""
    case = find_case(ctx.session, case_ref)
    kinds = []
    for kind in DocumentKind:
        try:
            gather_facts(ctx.session, [case], kind, today=ctx.now().date())
        except WorkflowError:
            continue
        kinds.append(kind)
    return tuple(kinds)


@requires(Permission.PRINT)
def prepare_documents(
    ctx: OpContext, cases: Sequence[str | int], kind: DocumentKind | str, *, file_name: str = ""
) -> PreparedDocuments:
    """Gather ``kind`` documents for the ready ``cases`` and record the printing in the audit log first.

    A case that has not reached the step its document records is left out and named in ``skipped``;
    the batch is refused only when no case is ready.  ``file_name``: the PDF's name, for the audit log.
    """
    batch = gather_batch(ctx.session, cases, kind, today=ctx.now().date())
    ctx.audit(audit.PRINT_DOCUMENTS, batch.audit_detail(file_name))
    return PreparedDocuments(batch.kind, batch.facts, batch.skipped, author=ctx.actor.name)


@requires(Permission.PRINT)
def prepare_annual_report(
    ctx: OpContext, start: date, end: date, unit_code: str | None = None
) -> AnnualReportFacts:
    """年度统计报告 of the period (one unit or all): its facts, which ``annual_report.annual_report_pdf``
    then lays out as a PDF away from the database worker."""
    return gather_annual_facts(ctx.session, start, end, unit_code=unit_code, today=ctx.now().date())
