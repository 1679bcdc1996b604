"""A 交办单 or 督办单 about a 检举控告类 case never prints the reporter, even where the text names them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pypdf import PdfReader

from tests.helpers import draft
from xinfang_desk.export.documents.facts import DocumentKind
from xinfang_desk.export.documents.operations import prepare_documents
from xinfang_desk.export.documents.slips import write_documents
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Department
from xinfang_desk.ledger.operations.context import Actor
from xinfang_desk.ledger.vocab import Nature
from xinfang_desk.ledger.workflow import PetitionerInput, Workflow

REPORTER_ID = "340104199001011239"


def _text(path: Path) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(path).pages)


def _print(ledger: Ledger, case_no: str, path: Path, kind: DocumentKind) -> None:
    with ledger.operation(Actor("王主任"), clock=lambda: datetime(2025, 4, 21, 9)) as ctx:
        prepared = prepare_documents(ctx, [case_no], kind, file_name=path.name)
    write_documents(prepared, path)


def _reported(ledger: Ledger, nature: Nature) -> str:
    with ledger.session() as s:
        wf = Workflow(s, "接待员")
        department = s.query(Department).first().name
        case = wf.register(
            draft(
                received_at=datetime(2025, 4, 1, 9),
                nature=nature,
                summary="周建华实名举报某科长收受礼金，联系电话138 1234 5678，身份证340104199001011239",
                petitioner=PetitionerInput(name="周建华", phone="13812345678", id_number=REPORTER_ID),
            )
        )
        wf.accept(case, "受理", at=datetime(2025, 4, 2, 9))
        wf.assign(case, department, "请核查周建华反映的问题", at=datetime(2025, 4, 3, 9))
        wf.supervise(case, "请加快核查", at=datetime(2025, 4, 20, 9))
        s.flush()
        return case.case_no


def test_an_accusation_slip_whose_summary_names_the_reporter_does_not_print_them(
    ledger: Ledger, tmp_path: Path
) -> None:
    case_no = _reported(ledger, Nature.ACCUSATION)
    for kind in (DocumentKind.ASSIGN, DocumentKind.SUPERVISE):
        path = tmp_path / f"{kind.value}.pdf"
        _print(ledger, case_no, path, kind)
        text = _text(path)
        assert "周建华" not in text
        assert "13812345678" not in text and "1381234" not in text
        assert REPORTER_ID not in text and "340104" not in text
        assert "收受礼金" in text  # the matter itself is still there
        assert "不予显示" in text and "已隐去" in text and "信访人姓名" in text


def test_a_claim_slip_still_names_the_petitioner(ledger: Ledger, tmp_path: Path) -> None:
    case_no = _reported(ledger, Nature.CLAIM)
    path = tmp_path / "assign.pdf"
    _print(ledger, case_no, path, DocumentKind.ASSIGN)
    text = _text(path)
    assert "周建华" in text and "已隐去" not in text
