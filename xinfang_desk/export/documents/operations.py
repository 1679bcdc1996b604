"""Operations behind printing: which documents a case allows, and a batch's facts gathered and audited.

Gathering runs on the database worker; rendering the gathered facts into a PDF (``slips.render_documents``)
needs no ledger, so the app runs it on a separate pool and the database worker is never held by layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from xinfang_desk.export.documents.facts import DocumentFacts, DocumentKind, gather_facts, resolve_cases
from xinfang_desk.ledger import audit
from xinfang_desk.ledger.errors import ValidationError, WorkflowError
from xinfang_desk.ledger.operations.context import OpContext
from xinfang_desk.ledger.permissions import Permission, requires
from xinfang_desk.ledger.workflow import find_case

if TYPE_CHECKING:
    from xinfang_desk.export.documents.annual_report import AnnualReport


@dataclass(frozen=True)
class PreparedDocuments:
    """The facts of one batch of documents, ready to render (plain data, safe across threads)."""

    kind: DocumentKind
    facts: tuple[DocumentFacts, ...]
    author: str

    @property
    def case_nos(self) -> tuple[str, ...]:
        return tuple(f.case_no for f in self.facts)


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
    """Gather ``kind`` documents for ``cases`` and record the printing in the audit log first."""
    kind = DocumentKind(kind)
    if not cases:
        raise ValidationError("没有要打印的案件。")
    resolved = resolve_cases(ctx.session, cases)
    facts = gather_facts(ctx.session, resolved, kind, today=ctx.now().date())
    ctx.audit(
        audit.PRINT_DOCUMENTS,
        {
            "kind": kind.value,
            "file": file_name,
            "cases": [f.case_no for f in facts],
            "numbers": [f.number for f in facts],
        },
    )
    return PreparedDocuments(kind, tuple(facts), ctx.actor.name)


@requires(Permission.PRINT)
def annual_report(ctx: OpContext, start: date, end: date, unit_code: str | None = None) -> AnnualReport:
    """年度统计报告 of the period (one unit or all), rendered to PDF bytes."""
    from xinfang_desk.export.documents.annual_report import make_annual_report  # reportlab loads on use

    return make_annual_report(ctx.session, start, end, unit_code=unit_code, today=ctx.now().date())
